//! The tenderer answers an objection to the opening record.

use super::*;
use crate::app::support::publicity::event;
use crate::app::support::publicity::Change;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::types::to_db;
use crate::domain::authz::Permission;
use crate::domain::bidding::OpeningPhase;
use crate::domain::bidding::ResponseKind;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::opening::*;
use serde_json::json;

pub async fn answer(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    response_id: &str,
    answer: String,
) -> AppResult<OpeningResponse> {
    actor.require(Permission::ManageTenders)?;
    if !crate::app::support::tender::is_party_of(ctx, actor, tender).await? {
        return Err(AppError::forbidden(
            "only the tenderer or its agent answers objections",
        ));
    }
    let answer = answer.trim().to_string();
    if answer.is_empty() || answer.chars().count() > 4000 {
        return Err(AppError::field(
            "answer",
            "required",
            "1 to 4000 characters",
        ));
    }
    let (a, t, s, rid, now) = (
        actor.clone(),
        tender.to_string(),
        section.to_string(),
        response_id.to_string(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let o = find_opening(c, &t, &s)?;
            if phase_of(&o)? != OpeningPhase::RecordPublished {
                return Err(wrong_phase(&o, "the published opening record"));
            }
            let mut r = repo::responses_of(c, &t, &s)?
                .into_iter()
                .find(|r| r.id == rid && r.kind().is_ok_and(|k| k == ResponseKind::Objection))
                .ok_or_else(|| AppError::not_found(format!("no objection {rid}")))?;
            if r.answer.is_some() {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the objection is answered already",
                ));
            }
            r.answer = Some(answer.clone());
            r.answered_by = Some(a.id.clone());
            r.answered_at = Some(to_db(now));
            repo::update_response(c, &r)?;
            event(
                c,
                now,
                &t,
                Change::new(
                    a.audit_ref(),
                    EventType::OpeningResponseAnswered,
                    json!({"response": r.id, "answer": answer}),
                )
                .in_section(&s),
            )?;
            let uscc = idrepo::find_organisation(c, &r.organisation_id)?
                .map(|o| o.uscc)
                .unwrap_or_default();
            response_dto(&r, uscc)
        })
        .await
}
