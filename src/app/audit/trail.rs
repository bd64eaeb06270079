//! The scope a query names: a tender, a principal, or (neither) the whole log.

use super::*;
use crate::app::support::errors::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::audit_log as repo;
use crate::db::repo::audit_log::Scope;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::audit::*;

/// The scope a query names: a tender, a principal, or (neither) the whole log.
pub fn scope_of(tender_id: Option<String>, subject: Option<String>) -> AppResult<Scope> {
    match (tender_id, subject) {
        (Some(_), Some(_)) => Err(AppError::field(
            "subject",
            "exclusive",
            "give tender_id or subject, not both",
        )),
        (Some(t), None) => Ok(Scope::Tender(t)),
        (None, Some(s)) => Ok(Scope::Principal(s)),
        (None, None) => Ok(Scope::All),
    }
}

/// A page of the trail in `scope`, entries after index `after`.
pub async fn trail(
    ctx: &AppContext,
    actor: &Actor,
    scope: Scope,
    after: Option<u64>,
    limit: i64,
) -> AppResult<Trail> {
    let party = authorize(ctx, actor, &scope).await?;
    let limit = limit.clamp(1, MAX_TRAIL_PAGE);
    let from = after.map_or(0, |a| a as i64 + 1);
    let rows = ctx
        .db
        .read_primary(move |c| repo::entries(c, &scope, from, i64::MAX, limit).map_err(internal))
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for (e, ev) in &rows {
        let visible = party || ev.as_ref().is_some_and(|ev| may_see(actor, ev));
        items.push(entry_dto(e, ev.as_ref(), visible)?);
    }
    let next = if rows.len() as i64 == limit {
        items.last().map(|e| e.index)
    } else {
        None
    };
    Ok(Trail { items, next })
}
