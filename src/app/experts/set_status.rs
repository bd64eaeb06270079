//! A regulator suspends, bans or reinstates a member.

use super::*;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::types::to_db;
use crate::domain::identity::Role;
use chrono::SubsecRound;
use serde_json::json;

/// A regulator suspends (until a date), bans (until a date, or for good) or reinstates a
/// member, with a reason. Setting the standing a member already has changes nothing and logs
/// nothing.
pub async fn set_status(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    change: StatusChange,
) -> AppResult<Member> {
    actor.require(Permission::DisciplineExperts)?;
    let now = ctx.clock.now();
    rules::check_status_change(change.status, change.until, &change.reason, now)
        .map_err(|(field, why)| AppError::field(field, "invalid", why))?;
    let (id, by) = (id.to_string(), actor.audit_as(Role::Regulator));
    let member = ctx
        .db
        .write(move |c| {
            let mut row =
                repo::find(c, &id)?.ok_or_else(|| AppError::not_found("no such member"))?;
            let from = row.status().map_err(internal)?;
            // Stored to the microsecond (PostgreSQL's precision), so compare at that precision.
            let until = change.until.map(|u| to_db(u.trunc_subsecs(6)));
            if from == change.status && row.status_until == until {
                return Ok(repo::members(c, vec![row])?.remove(0));
            }
            row.status = change.status.as_str().into();
            row.status_until = until;
            row.status_reason = Some(change.reason.trim().to_string());
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::ExpertStatusChanged,
                    tender_id: None,
                    section_id: None,
                    actor: by.clone(),
                    subject: row.principal_id.clone(),
                    body: json!({"member": row.id, "library": row.library,
                        "from": from.as_str(), "to": change.status.as_str(),
                        "until": change.until, "reason": row.status_reason}),
                },
            )?;
            Ok(repo::members(c, vec![row])?.remove(0))
        })
        .await?;
    member_dto(member)
}
