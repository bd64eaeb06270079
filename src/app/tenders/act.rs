//! Suspend, resume, terminate (终止招标) or cancel a tender with a recorded reason.

use super::*;
use crate::app::support::lifecycle::apply_action;
use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::domain::lifecycle::SuspensionReason;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::tenders::*;

pub async fn act(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    action: LifecycleAction,
) -> AppResult<Tender> {
    let (id, actor, now, env) = (id.to_string(), actor.clone(), ctx.clock.now(), Env::of(ctx));
    let out = ctx
        .db
        .write(move |c| {
            // Regulators may suspend and resume on a complaint (条例62); everything else is the
            // parties'.
            let regulator_act = actor.require(Permission::SuperviseTenders).is_ok()
                && matches!(
                    &action,
                    LifecycleAction::Suspend {
                        reason: SuspensionReason::Complaint,
                        ..
                    } | LifecycleAction::Resume {}
                );
            let mut row = if regulator_act {
                let row = repo::lock_tender(c, &id)?
                    .filter(|r| r.version > 0)
                    .ok_or_else(|| AppError::not_found("no such tender"))?;
                crate::app::support::departments::require_supervisor(c, &actor, &row.id)?;
                row
            } else {
                load_as_party(c, &actor, &id)?
            };
            let who = if regulator_act {
                actor.audit_as(Role::Regulator)
            } else {
                actor.audit_ref()
            };
            apply_action(c, &env, now, &mut row, &action, who)?;
            view(c, &row, !regulator_act)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}
