//! 陈述、申辩 (行政处罚法44, 45): the party itself states its case and defends itself, once,
//! within 5 working days of the notice. The officers must weigh it, and may not make the
//! penalty heavier because of it (`domain::case::not_heavier`).

use serde_json::json;

use super::*;
use crate::app::support::errors::text;
use crate::app::support::json::to_json;
use crate::app::AppContext;
use crate::db::types::to_db;
use crate::wire::cases::CaseDefence;

/// The party's statement; audited `case_defence_submitted` with the statement's digest (its
/// text stays with the case).
pub async fn defend(ctx: &AppContext, actor: &Actor, id: &str, statement: &str) -> AppResult<Case> {
    let statement = text("statement", statement, LONG_TEXT)?;
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let mut row = load_for_party(c, &actor, &id)?;
            if !row.state().map_err(AppError::internal)?.takes_defence() {
                return Err(wrong_state(&row, "defence"));
            }
            if row.defence.is_some() {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the party has stated its case already",
                ));
            }
            let due = row.reply_due.map(from_db);
            if due.is_none_or(|d| now >= d) {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    "the 5 working days for the statement and defence are over",
                ));
            }
            let digest = crate::audit::sha256_hex(statement.as_bytes());
            row.defence = Some(to_json(&CaseDefence {
                statement,
                submitted_at: now,
            })?);
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"statement_sha256": digest, "reply_due": due});
            record(
                c,
                now,
                as_party(&actor),
                &row,
                EventType::CaseDefenceSubmitted,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}
