//! A regulator suspends, bans or reinstates a member.

use super::*;
use crate::app::support::expert_standing::set_standing;
use crate::app::AppContext;
use crate::domain::identity::Role;

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
            set_standing(
                c,
                now,
                by.clone(),
                &mut row,
                change.status,
                change.until,
                &change.reason,
            )?;
            Ok(repo::members(c, vec![row])?.remove(0))
        })
        .await?;
    member_dto(member)
}
