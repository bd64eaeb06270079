//! The public announcement feed. The cursor is assigned in commit order, so paging never skips an
//! announcement that committed late.

use crate::app::support::json::*;
use crate::app::support::pages;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::db::types::from_db;
use crate::error::AppResult;
use crate::wire::tenders::*;

/// The public announcement feed. The cursor is assigned in commit order, so paging never
/// skips an announcement that committed late.
pub async fn announcements(
    ctx: &AppContext,
    after: Option<i64>,
    tender: Option<String>,
    limit: Option<i64>,
) -> AppResult<Vec<Announcement>> {
    let page = pages::keyset(after, limit, pages::LISTS);
    ctx.db
        .read_primary(move |c| {
            let rows = repo::announcements_page(c, tender.as_deref(), &page)?;
            // The feed's cursor is the `seq` each item carries, so the body has no `next`.
            let (rows, _next) = pages::cut(&page, rows, |a| a.seq);
            rows.into_iter()
                .map(|a| {
                    let kind = a.kind()?;
                    Ok(Announcement {
                        seq: a.seq,
                        id: a.id,
                        tender_id: a.tender_id,
                        kind,
                        title: a.title,
                        body: parse_json(&a.body, "announcement")?,
                        published_at: from_db(a.published_at),
                    })
                })
                .collect()
        })
        .await
}
