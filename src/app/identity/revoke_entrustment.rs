//! The tenderer revokes an entrustment: from the commit on, the agent and its staff can no longer
//! act on the tender created under it (the tenderer keeps running it, or entrusts anew).

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::parties as prepo;
use crate::domain::authz::Permission;
use crate::domain::identity::PrincipalKind;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::identity::*;
use serde_json::json;

/// Revoke entrustment `id`; only its tenderer may, once (again: `conflict`).
pub async fn revoke_entrustment(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
) -> AppResult<Entrustment> {
    actor.require(Permission::EntrustAgents)?;
    let (now, by, id) = (
        ctx.clock.now(),
        actor.audit_as(Role::Tenderer),
        id.to_string(),
    );
    let tenderer = (actor.kind == PrincipalKind::Organisation).then(|| actor.id.clone());
    ctx.db
        .write(move |c| {
            let row = prepo::find_entrustment(c, &id)?
                .filter(|r| Some(&r.tenderer_id) == tenderer.as_ref())
                .ok_or_else(|| AppError::not_found("no such entrustment"))?;
            if !prepo::revoke_entrustment(c, &id, to_db(now))? {
                return Err(AppError::conflict("the entrustment is already revoked"));
            }
            let body = json!({"entrustment": row.id, "tenderer": row.tenderer_id,
                "agent": row.agent_id, "tender": row.tender_id});
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::EntrustmentRevoked,
                    tender_id: row.tender_id.clone(),
                    section_id: None,
                    actor: by,
                    subject: row.agent_id.clone(),
                    body,
                },
            )?;
            let row = prepo::find_entrustment(c, &id)?
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("entrustment vanished")))?;
            Ok(super::entrust::entrustment_view(&row))
        })
        .await
}
