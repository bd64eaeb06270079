//! A bidder's own licence record: read as cached, or refreshed from the registry.

use crate::app::support::licences;
use crate::app::{Actor, AppContext};
use crate::db::repo::identity;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult};
use crate::wire::licences::Licences;

/// The caller's organisation's USCC (bidders only).
async fn own_uscc(ctx: &AppContext, actor: &Actor) -> AppResult<String> {
    actor.require(Permission::SubmitBids)?;
    let org = actor.bidder_org()?;
    ctx.db
        .read(move |c| {
            identity::find_organisation(c, &org)?
                .map(|o| o.uscc)
                .ok_or_else(|| AppError::not_found("organisation"))
        })
        .await
}

/// `GET /licences/mine`: the bidder's record as the platform holds it (no fetch).
pub async fn my_licences(ctx: &AppContext, actor: &Actor) -> AppResult<Licences> {
    let uscc = own_uscc(ctx, actor).await?;
    let now = ctx.clock.now();
    ctx.db.read(move |c| licences::view(c, &uscc, now)).await
}

/// `POST /licences/mine/refresh`: fetches the bidder's record from the registry now; a failed
/// fetch is recorded and leaves the cached record in place (shown as stale).
pub async fn refresh_my_licences(ctx: &AppContext, actor: &Actor) -> AppResult<Licences> {
    let uscc = own_uscc(ctx, actor).await?;
    licences::fetch(ctx, actor.audit_as(Role::Bidder), &uscc).await
}
