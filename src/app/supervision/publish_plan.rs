//! Publishing a 监管计划 (双随机一公开: the plan is made public before its draws): an officer of
//! its lead department; from then on the plan is public and frozen.

use crate::app::{Actor, AppContext};
use crate::domain::artefacts::Plan;
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult};

/// Publish the draft plan `code`; audited `inspection_plan_published`. Refused for anyone but
/// an officer of the plan's lead department (`other_department`), and for a published plan
/// (`invalid_state_transition`).
pub async fn publish_plan(ctx: &AppContext, actor: &Actor, code: &str) -> AppResult<Plan> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden(
            "regulators of the lead department only",
        ));
    }
    let (actor, code, now) = (actor.clone(), code.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| super::artefact_rows::publish(c, &actor, &code, now))
        .await
}
