//! 要求听证 (行政处罚法63, 64): the party itself asks for a hearing within 5 working days of the
//! notice, where the intended penalty gives the right.

use serde_json::json;

use super::*;
use crate::app::support::json::to_json;
use crate::app::AppContext;
use crate::db::types::to_db;
use crate::wire::cases::CaseHearing;

/// Ask for the hearing; audited `case_hearing_requested`.
pub async fn request_hearing(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Case> {
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let mut row = load_for_party(c, &actor, &id)?;
            take(&mut row, Step::RequestHearing)?;
            if !row.hearing_rights {
                return Err(AppError::rule(
                    "act",
                    "no_hearing_right",
                    "the intended penalty gives no right to a hearing (行政处罚法63)",
                ));
            }
            let due = row.reply_due.map(from_db);
            if due.is_none_or(|d| now >= d) {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    "the 5 working days to ask for a hearing are over",
                ));
            }
            row.hearing = Some(to_json(&CaseHearing {
                requested_at: Some(now),
                ..CaseHearing::default()
            })?);
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"reply_due": due});
            record(
                c,
                now,
                as_party(&actor),
                &row,
                EventType::CaseHearingRequested,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}
