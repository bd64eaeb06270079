//! Objections to the documents: the parties and regulators see all, an objector its own.

use super::*;
use crate::app::support::tender::*;
use crate::app::support::thread;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::domain::authz::Permission;
use crate::domain::thread::ThreadKind;
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
            let party =
                actor.require(Permission::ManageTenders).is_ok() && is_party(c, &actor, &row)?;
            if row.version == 0 && !party {
                return Err(AppError::not_found("no such tender"));
            }
            thread::readable(c, &row, ThreadKind::Objection, Some(&actor), party)?
                .into_iter()
                .map(|(o, _)| objection_view(o))
                .collect()
        })
        .await
}
