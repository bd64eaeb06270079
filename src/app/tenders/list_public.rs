//! Published tenders in publication order. The cursor is the publication position, handed out in
//! commit order, so a tender published late never lands behind a reader's cursor.

use super::*;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::tenders::*;

/// Published tenders in publication order. The cursor is the publication position, handed out
/// in commit order, so a tender published late never lands behind a reader's cursor.
pub async fn list_public(
    ctx: &AppContext,
    after: Option<String>,
    limit: i64,
) -> AppResult<crate::wire::Page<Tender>> {
    let limit = limit.clamp(1, 200);
    let after = match after.as_deref() {
        None | Some("") => 0,
        Some(a) => a.parse::<i64>().map_err(|_| {
            AppError::new(
                ErrorCode::MalformedParameter,
                "after must be a cursor from `next`",
            )
        })?,
    };
    ctx.db
        .read_primary(move |c| {
            let rows = repo::list_public_tenders(c, after, limit + 1)?;
            let more = rows.len() as i64 > limit;
            let mut items = Vec::new();
            let mut last = None;
            for row in rows.iter().take(limit as usize) {
                items.push(view(c, row, false)?);
                last = row.public_seq;
            }
            let next = if more {
                last.map(|s| s.to_string())
            } else {
                None
            };
            Ok(crate::wire::Page { items, next })
        })
        .await
}
