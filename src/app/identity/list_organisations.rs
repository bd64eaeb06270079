//! Organisations, paged, for administrators and regulators: one query for the page and one for
//! its roles.

use super::*;
use crate::app::support::pages;
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
    limit: Option<i64>,
) -> AppResult<Page<Organisation>> {
    actor.require(Permission::ListRegistry)?;
    let page = pages::parse::<String>(after.as_deref(), limit, pages::LISTS)?;
    ctx.db
        .read(move |c| {
            let rows = repo::list_organisations(c, &page)?;
            let (rows, next) = pages::cut(&page, rows, |o| o.id.clone());
            let ids = rows.iter().map(|o| o.id.clone()).collect();
            let mut roles = org_roles_by_principal(c, ids)?;
            let items = rows
                .into_iter()
                .map(|row| {
                    let (held, requested) = roles.remove(&row.id).unwrap_or_default();
                    organisation_view(row, held, requested)
                })
                .collect();
            Ok(pages::to_page(items, next))
        })
        .await
}
