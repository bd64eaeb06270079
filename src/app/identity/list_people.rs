//! People, paged, for administrators and regulators: one query for the page and one for its
//! roles.

use super::*;
use crate::app::support::pages;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::identity as repo;
use crate::domain::authz::Permission;
use crate::error::AppResult;
use crate::wire::identity::*;
use crate::wire::Page;

pub async fn list_people(
    ctx: &AppContext,
    actor: &Actor,
    after: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<Person>> {
    actor.require(Permission::ListRegistry)?;
    let page = pages::parse::<String>(after.as_deref(), limit, pages::LISTS)?;
    ctx.db
        .read(move |c| {
            let rows = repo::list_people(c, &page)?;
            let (rows, next) = pages::cut(&page, rows, |p| p.id.clone());
            let mut roles = roles_by_principal(c, rows.iter().map(|p| p.id.clone()).collect())?;
            let items = rows
                .into_iter()
                .map(|row| {
                    let held = roles.remove(&row.id).unwrap_or_default();
                    person_view(row, held)
                })
                .collect();
            Ok(pages::to_page(items, next))
        })
        .await
}
