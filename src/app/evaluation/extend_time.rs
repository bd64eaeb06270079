//! `POST …/committee/extension`: the tenderer, its agent or the agent's staff extend the
//! evaluation time once more than a third of the members asked for it (条例48). The report can
//! be generated again from then on; a later extension may move the time further.

use super::*;
use crate::app::support::tender::is_party;
use crate::app::{Actor, AppContext};
use crate::db::repo::tenders as trepo;
use crate::domain::authz::Permission;
use crate::error::ErrorCode;

pub async fn extend_time(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: ExtensionRequest,
) -> AppResult<EvaluationCommittee> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let t = trepo::find_tender(c, &tender)?.ok_or_else(no_committee)?;
            let party =
                actor.require(Permission::ManageTenders).is_ok() && is_party(c, &actor, &t)?;
            let mut row = crepo::lock_of_section(c, &tender, &section)?.ok_or_else(no_committee)?;
            if !party {
                return Err(AppError::forbidden(
                    "the tenderer or its agent extends the evaluation time",
                ));
            }
            if row.extension_required_at.is_none() {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "no extension is asked for: fewer than a third of the members asked",
                ));
            }
            if !matches!(
                row.state().map_err(internal)?,
                CommitteeState::Forming | CommitteeState::Evaluating
            ) {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the committee has generated its report",
                ));
            }
            if req.until <= now || row.extended_until.is_some_and(|u| req.until <= from_db(u)) {
                return Err(AppError::field(
                    "until",
                    "not_later",
                    "the extension ends after now and after any earlier extension",
                ));
            }
            row.extended_until = Some(to_db(req.until));
            crepo::update(c, &row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::CommitteeTimeExtended,
                    tender_id: Some(row.tender_id.clone()),
                    section_id: Some(row.section_code.clone()),
                    actor: actor.audit_ref(),
                    subject: row.id.clone(),
                    body: json!({"committee": row.id, "until": req.until}),
                },
            )?;
            let members = crepo::members(c, &row.id)?;
            committee_dto(c, &row, &members)
        })
        .await
}
