//! A bidder confirms the opening record or objects to it (条例44: on the spot, answered on the spot,
//! recorded).

use super::*;
use crate::app::support::publicity::event;
use crate::app::support::publicity::Change;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::types::to_db;
use crate::domain::bidding::OpeningPhase;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::opening::*;
use serde_json::json;

/// A bidder confirms the opening record or objects to it (条例44: on the spot, answered on the
/// spot, recorded).
pub async fn respond(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    kind: &str,
    text: Option<String>,
) -> AppResult<OpeningResponse> {
    let org = actor.bidder_org()?;
    let Some(kind) = ResponseKind::parse(kind) else {
        return Err(AppError::field(
            "kind",
            "invalid",
            "kind is confirm or objection",
        ));
    };
    let text = match (kind, text.map(|t| t.trim().to_string())) {
        (ResponseKind::Confirm, _) => None,
        (ResponseKind::Objection, Some(t)) if !t.is_empty() && t.chars().count() <= 4000 => Some(t),
        (ResponseKind::Objection, _) => {
            return Err(AppError::field(
                "text",
                "required",
                "an objection needs 1 to 4000 characters",
            ))
        }
    };
    let (a, t, s, now) = (
        actor.clone(),
        tender.to_string(),
        section.to_string(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let o = find_opening(c, &t, &s)?;
            if phase_of(&o)? != OpeningPhase::RecordPublished {
                return Err(wrong_phase(&o, "the published opening record"));
            }
            let took_part = ceremony_bids(c, &t, &s)?
                .iter()
                .any(|b| b.organisation_id == org);
            if !took_part {
                return Err(AppError::forbidden(
                    "only bidders of this opening respond to its record",
                ));
            }
            if kind == ResponseKind::Confirm && has_confirmed(c, &t, &s, &org)? {
                return Err(AppError::conflict("you have confirmed the record already"));
            }
            let row = repo::ResponseRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: t.clone(),
                section_code: s.clone(),
                organisation_id: org.clone(),
                kind: kind.as_str().into(),
                text,
                answer: None,
                answered_by: None,
                answered_at: None,
                created_at: to_db(now),
            };
            repo::insert_response(c, &row)?;
            let body = json!({"response": row.id, "kind": row.kind, "organisation": org,
                "text": row.text});
            let change = Change::new(a.audit_as(Role::Bidder), EventType::OpeningResponded, body);
            event(c, now, &t, change.in_section(&s))?;
            let uscc = idrepo::find_organisation(c, &org)?
                .map(|o| o.uscc)
                .unwrap_or_default();
            response_dto(&row, uscc)
        })
        .await
}

/// Whether `org` has confirmed this section's opening record already.
fn has_confirmed(c: &mut AnyConnection, tender: &str, section: &str, org: &str) -> AppResult<bool> {
    let responses = repo::responses_of(c, tender, section)?;
    Ok(responses
        .iter()
        .filter(|r| r.organisation_id == org)
        .any(|r| r.kind().is_ok_and(|k| k == ResponseKind::Confirm)))
}
