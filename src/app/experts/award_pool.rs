//! A tenderer keeps its own award-committee pool (定标委员库): its staff and its superior
//! unit's, from which award committees are drawn.

use super::*;
use crate::app::support::pages;
use crate::app::AppContext;
use crate::domain::identity::Role;
use crate::wire::Page;

/// A tenderer adds a registered person to its own award-committee pool; the person becomes an
/// award-committee member (role `award_committee`).
pub async fn add_to_award_pool(
    ctx: &AppContext,
    actor: &Actor,
    tenderer: &str,
    req: AdmitMember,
) -> AppResult<Member> {
    let library = Library::AwardPool {
        tenderer: tenderer.to_string(),
    };
    actor.require(Permission::KeepAwardPool)?;
    if actor.id != tenderer {
        return Err(AppError::forbidden("a tenderer keeps only its own pool"));
    }
    admit_to(ctx, actor, Role::Tenderer, library, None, req).await
}

/// A page of a tenderer's award-committee pool (the tenderer itself, the trading centre,
/// regulators).
pub async fn award_pool(
    ctx: &AppContext,
    actor: &Actor,
    tenderer: &str,
    after: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<Member>> {
    let library = Library::AwardPool {
        tenderer: tenderer.to_string(),
    };
    let page = pages::parse::<String>(after, limit, pages::LISTS)?;
    list_library(ctx, actor, library, None, page).await
}
