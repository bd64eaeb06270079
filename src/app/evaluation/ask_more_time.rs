//! `POST …/committee/time-requests`: an active member asks for more time, saying why (条例48:
//! when more than a third of the members think the time the tenderer set too short, the
//! tenderer must extend it). Once per member. When the active members asking cross the third,
//! the committee records that an extension is required (`committee_extension_required`), and
//! the report cannot be generated until the tenderer grants one.

use super::*;
use crate::app::{Actor, AppContext};
use crate::error::ErrorCode;

/// Longest reason, in characters.
const REASON_MAX: usize = 500;

pub async fn ask_more_time(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: TimeRequest,
) -> AppResult<EvaluationCommittee> {
    let reason = req.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(AppError::field(
            "reason",
            "length",
            format!("say why in 1–{REASON_MAX} characters"),
        ));
    }
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let mut row = crepo::lock_of_section(c, &tender, &section)?.ok_or_else(no_committee)?;
            let members = crepo::members(c, &row.id)?;
            let Some(me) = active_member_of(&members, &actor.id).cloned() else {
                return Err(AppError::forbidden(
                    "only the committee's active members ask for more time",
                ));
            };
            if row.state().map_err(internal)? != CommitteeState::Evaluating {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "more time is asked for while the committee evaluates",
                ));
            }
            let requests = crepo::time_requests(c, &row.id)?;
            if requests.iter().any(|r| r.member_id == me.id) {
                return Err(AppError::conflict("you have asked for more time already"));
            }
            crepo::insert_time_request(
                c,
                &crepo::TimeRequestRow {
                    committee_id: row.id.clone(),
                    member_id: me.id.clone(),
                    reason: reason.clone(),
                    requested_at: to_db(now),
                },
            )?;
            let active = members.iter().filter(|m| m.active).count();
            let asking = 1 + requests
                .iter()
                .filter(|r| members.iter().any(|m| m.active && m.id == r.member_id))
                .count();
            let event = |event_type, body| Event {
                event_type,
                tender_id: Some(row.tender_id.clone()),
                section_id: Some(row.section_code.clone()),
                actor: actor.audit_ref(),
                subject: row.id.clone(),
                body,
            };
            audit::record(
                c,
                now,
                event(
                    EventType::CommitteeTimeRequested,
                    json!({"committee": row.id, "member": me.id, "reason": reason,
                        "asking": asking, "active_members": active}),
                ),
            )?;
            if rules::must_extend(active, asking) && row.extension_required_at.is_none() {
                row.extension_required_at = Some(to_db(now));
                crepo::update(c, &row)?;
                let mut e = event(
                    EventType::CommitteeExtensionRequired,
                    json!({"committee": row.id, "asking": asking, "active_members": active}),
                );
                e.actor = ActorRef::system();
                audit::record(c, now, e)?;
            }
            let members = crepo::members(c, &row.id)?;
            committee_dto(c, &row, &members)
        })
        .await
}
