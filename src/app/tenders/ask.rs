//! Ask a question about the tender documents before the clarification cut-off.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::sha256_hex;
use crate::audit::EventType;
use crate::db::repo::tenders as repo;
use crate::db::types::to_db;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::domain::lifecycle::StateKind;
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
                return Err(AppError::new(ErrorCode::InvalidStateTransition, format!("questions are not taken while the tender is {}", row.state)));
            }
            let draft = published_draft(c, &row)?;
            if now >= draft.schedule.clarification_cutoff {
                return Err(AppError::new(ErrorCode::DeadlinePassed, format!("the clarification period ended at {}", draft.schedule.clarification_cutoff)));
            }
            let org = actor.organisation_id.clone().unwrap_or_else(|| actor.id.clone());
            let qr = repo::QuestionRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: row.id.clone(),
                asked_by: org,
                question: q,
                asked_at: to_db(now),
                answer: None,
                answered_by: None,
                answered_at: None,
            };
            repo::insert_question(c, &qr)?;
            record(c, &env, now, &row, Change::new(actor.audit_as(Role::Bidder), EventType::QuestionAsked, json!({"tender": row.id, "question": qr.id, "text_sha256": sha256_hex(qr.question.as_bytes())})), None)?;
            Ok(question_view(qr, true))
        })
        .await
}
