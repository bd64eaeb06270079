//! One organisation: itself, its staff, or overseers.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::identity as repo;
use crate::domain::authz::Permission;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::identity::*;

pub async fn get_organisation(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
) -> AppResult<Organisation> {
    let own = actor.organisation_id.as_deref() == Some(id);
    if !own {
        // Outsiders learn nothing, not even whether the id exists.
        actor
            .require(Permission::ReadAnyOrganisation)
            .map_err(|_| AppError::not_found("no such organisation"))?;
    }
    let id = id.to_string();
    ctx.db
        .read_primary(move |c| {
            let row = repo::find_organisation(c, &id)?
                .ok_or_else(|| AppError::not_found("no such organisation"))?;
            let roles = parse_roles(repo::roles_of(c, &id)?);
            let requested = parse_roles(crate::db::repo::parties::requested_roles_of(c, &id)?);
            Ok(organisation_view(row, roles, requested))
        })
        .await
}
