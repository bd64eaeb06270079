//! Objections to the documents: the parties and regulators see all, an objector its own.

use super::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::tenders::*;

pub async fn list_objections(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
) -> AppResult<Vec<Objection>> {
    let (id, actor) = (id.to_string(), actor.clone());
    ctx.db
        .read_primary(move |c| {
            let row =
                repo::find_tender(c, &id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
            let party = actor.require(Permission::ManageTenders).is_ok() && is_party(&actor, &row);
            let regulator = actor.has(Role::Regulator);
            let me = actor
                .organisation_id
                .clone()
                .unwrap_or_else(|| actor.id.clone());
            if row.version == 0 && !party {
                return Err(AppError::not_found("no such tender"));
            }
            Ok(repo::objections(c, &id)?
                .into_iter()
                .filter(|o| party || regulator || o.raised_by == me)
                .map(objection_view)
                .collect())
        })
        .await
}
