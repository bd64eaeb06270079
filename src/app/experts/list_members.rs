//! A page of the expert library, optionally of one specialty.

use super::*;
use crate::app::support::pages;
use crate::app::AppContext;
use crate::wire::Page;

/// A page of the expert library (the trading centre, regulators), optionally only members of a
/// level-2 or level-3 specialty.
pub async fn list_members(
    ctx: &AppContext,
    actor: &Actor,
    specialty: Option<String>,
    after: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<Member>> {
    actor.require(Permission::KeepExpertLibrary)?;
    let specialty = specialty.filter(|s| !s.is_empty());
    if let Some(code) = &specialty {
        if !ctx.classification.is_drawable(code) {
            return Err(AppError::new(
                crate::error::ErrorCode::MalformedParameter,
                "specialty must be a level-2 or level-3 code of the classification",
            ));
        }
    }
    let page = pages::parse::<String>(after, limit, pages::LISTS)?;
    list_library(ctx, actor, Library::Experts, specialty, page).await
}

/// One page of `library`: one query for the members, two for their specialties and avoidance
/// lists.
pub(super) async fn list_library(
    ctx: &AppContext,
    actor: &Actor,
    library: Library,
    specialty: Option<String>,
    page: pages::Keyset<String>,
) -> AppResult<Page<Member>> {
    if !may_read_library(actor, &library) {
        return Err(AppError::forbidden(
            "the library is kept by the trading centre and regulators; a pool by its tenderer",
        ));
    }
    let key = library.key();
    let members = ctx
        .db
        .read(move |c| {
            let rows = repo::page(c, &key, specialty.as_deref(), &page)?;
            let (rows, next) = pages::cut(&page, rows, |r| r.id.clone());
            Ok((repo::members(c, rows)?, next))
        })
        .await?;
    let (members, next) = members;
    let items = members
        .into_iter()
        .map(member_dto)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(pages::to_page(items, next))
}
