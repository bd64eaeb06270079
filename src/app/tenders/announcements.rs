//! The public announcement feed. The cursor is assigned in commit order, so paging never skips an
//! announcement that committed late.

use crate::app::support::json::*;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::db::types::from_db;
use crate::error::AppResult;
use crate::wire::tenders::*;

/// The public announcement feed. The cursor is assigned in commit order, so paging never
/// skips an announcement that committed late.
pub async fn announcements(
    ctx: &AppContext,
    after: i64,
    tender: Option<String>,
    limit: i64,
) -> AppResult<Vec<Announcement>> {
    let limit = limit.clamp(1, 200);
    ctx.db
        .read_primary(move |c| {
            repo::announcements_after(c, after, tender.as_deref(), limit)?
                .into_iter()
                .map(|a| {
                    Ok(Announcement {
                        seq: a.seq,
                        id: a.id,
                        tender_id: a.tender_id,
                        kind: a.kind,
                        title: a.title,
                        body: parse_json(&a.body, "announcement")?,
                        published_at: from_db(a.published_at),
                    })
                })
                .collect()
        })
        .await
}
