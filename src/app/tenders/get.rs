//! One tender. Drafts are visible to their parties only; published tenders to everyone.

use super::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::domain::authz::Permission;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::tenders::*;

/// One tender. Drafts are visible to their parties only; published tenders to everyone.
pub async fn get(ctx: &AppContext, actor: Option<&Actor>, id: &str) -> AppResult<Tender> {
    let id = id.to_string();
    let actor = actor.cloned();
    ctx.db
        .read_primary(move |c| {
            let row =
                repo::find_tender(c, &id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
            let party = actor
                .as_ref()
                .is_some_and(|a| a.require(Permission::ManageTenders).is_ok() && is_party(a, &row));
            if row.version == 0 && !party {
                return Err(AppError::not_found("no such tender"));
            }
            view(c, &row, party)
        })
        .await
}
