//! E3: a transfer not complete by the deadline is not a bid. Abandons every upload still open for a
//! tender whose deadline has passed and that no longer takes bids, and removes its staged and
//! pushed bytes. Idempotent: the deadline watch runs it on every tick, after closing tenders, so an
//! upload left behind by a crash between the two steps goes on the next tick.

use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::db::types::to_db;
use crate::domain::bidding::UploadState;
use crate::error::AppResult;

/// E3: a transfer not complete by the deadline is not a bid. Abandons every upload still open
/// for a tender whose deadline has passed and that no longer takes bids, and removes its staged
/// and pushed bytes. Idempotent: the deadline watch runs it on every tick, after closing tenders,
/// so an upload left behind by a crash between the two steps goes on the next tick.
pub async fn abandon_late_uploads(ctx: &AppContext) -> AppResult<usize> {
    let now = ctx.clock.now();
    let late = ctx
        .db
        .write(move |c| {
            let late = repo::open_uploads_past_deadline(c, to_db(now))?;
            for mut u in late.iter().cloned() {
                u.set_state(UploadState::Abandoned);
                u.updated_at = to_db(now);
                repo::update_upload(c, &u)?;
            }
            let mut out = Vec::new();
            for u in late {
                let parts = repo::upload_parts(c, &u.id)?.len() as u32;
                out.push((u.id, parts));
            }
            Ok(out)
        })
        .await?;
    for (id, parts) in &late {
        ctx.storage.discard_upload(id, *parts);
        ctx.uploads.forget(id);
    }
    Ok(late.len())
}
