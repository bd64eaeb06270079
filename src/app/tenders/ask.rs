//! Ask a question about the tender documents before the clarification cut-off.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::support::thread;
use crate::app::support::thread::raiser_of;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::sha256_hex;
use crate::audit::EventType;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::domain::lifecycle::StateKind;
use crate::domain::thread::ThreadKind;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::tenders::*;
use serde_json::json;

pub async fn ask(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    question: String,
) -> AppResult<Question> {
    actor.require(Permission::QueryTenders)?;
    let q = text("question", &question, 4000)?;
    let (id, actor, now, env) = (id.to_string(), actor.clone(), ctx.clock.now(), Env::of(ctx));
    ctx.db
        .write(move |c| {
            let row = load_public(c, &id)?;
            if state_of(&row)?.kind() != StateKind::Published {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    format!("questions are not taken while the tender is {}", row.state),
                ));
            }
            let draft = published_draft(c, &row)?;
            if now >= draft.schedule.clarification_cutoff {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    format!(
                        "the clarification period ended at {}",
                        draft.schedule.clarification_cutoff
                    ),
                ));
            }
            let qr = thread::raise(
                c,
                &row,
                ThreadKind::Question,
                raiser_of(&actor),
                q,
                now,
                None,
            )?;
            let body = json!({"tender": row.id, "question": qr.id,
                "text_sha256": sha256_hex(qr.body.as_bytes())});
            let change = Change::new(actor.audit_as(Role::Bidder), EventType::QuestionAsked, body);
            record(c, &env, now, &row, change, None)?;
            Ok(question_view(qr, true))
        })
        .await
}
