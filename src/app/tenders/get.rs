//! One tender. Drafts are visible to their parties only; published tenders to everyone.

use super::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::error::AppResult;
use crate::wire::tenders::*;

/// One tender. Drafts are visible to their parties only; published tenders to everyone.
pub async fn get(ctx: &AppContext, actor: Option<&Actor>, id: &str) -> AppResult<Tender> {
    let id = id.to_string();
    let actor = actor.cloned();
    ctx.db
        .read_primary(move |c| {
            let (row, party) = load_visible(c, actor.as_ref(), &id)?;
            view(c, &row, party)
        })
        .await
}
