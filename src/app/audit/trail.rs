//! The scope a query names: a tender, a principal, or (neither) the whole log.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::pages;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::audit_log as repo;
use crate::db::repo::audit_log::Scope;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
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

/// Page sizes of the trail: 1–1000, default 200.
const TRAIL: pages::Limits = pages::Limits {
    default: 200,
    max: MAX_TRAIL_PAGE,
};

/// A page of the trail in `scope`, entries after index `after`.
pub async fn trail(
    ctx: &AppContext,
    actor: &Actor,
    scope: Scope,
    after: Option<u64>,
    limit: Option<i64>,
) -> AppResult<Trail> {
    let party = authorize(ctx, actor, &scope).await?;
    let scope = as_read_by(actor, scope);
    let after = after
        .map(|a| {
            i64::try_from(a).map_err(|_| {
                AppError::new(
                    ErrorCode::MalformedParameter,
                    "after must be a log index from `next`",
                )
            })
        })
        .transpose()?;
    let page = pages::keyset(after, limit, TRAIL);
    let (rows, view) = {
        let page = page.clone();
        ctx.db
            .read_primary(move |c| {
                let view = party_view(c, &scope, party)?;
                Ok((
                    repo::entries_page(c, &scope, &page).map_err(internal)?,
                    view,
                ))
            })
            .await?
    };
    let (rows, next) = pages::cut(&page, rows, |(e, _)| e.log_index);
    let mut items = Vec::with_capacity(rows.len());
    for (e, ev) in &rows {
        let visible = ev
            .as_ref()
            .is_some_and(|ev| view.is_some_and(|v| v.sees(ev)) || may_see(actor, ev));
        items.push(entry_dto(e, ev.as_ref(), visible)?);
    }
    Ok(Trail {
        items,
        // Log indices are never negative.
        next: next.map(|n| n as u64),
    })
}
