//! Organisations, paged, for administrators and regulators.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::identity as repo;
use crate::domain::authz::Permission;
use crate::error::AppResult;
use crate::wire::identity::*;
use crate::wire::Page;

pub async fn list_organisations(
    ctx: &AppContext,
    actor: &Actor,
    after: Option<String>,
    limit: i64,
) -> AppResult<Page<Organisation>> {
    actor.require(Permission::ListRegistry)?;
    let limit = limit.clamp(1, 200);
    ctx.db
        .read(move |c| {
            let rows = repo::list_organisations(c, after.as_deref(), limit + 1)?;
            let more = rows.len() as i64 > limit;
            let mut items = Vec::new();
            for row in rows.into_iter().take(limit as usize) {
                let roles = parse_roles(repo::roles_of(c, &row.id)?);
                items.push(organisation_view(row, roles));
            }
            let next = if more {
                items.last().map(|o| o.id.clone())
            } else {
                None
            };
            Ok(Page { items, next })
        })
        .await
}
