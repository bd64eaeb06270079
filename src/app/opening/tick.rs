//! Start every opening that is due and move running ones on. Safe to run on every node at once:
//! each step locks the tender row and re-checks the state it acts on.

use super::*;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::db::repo::tenders as trepo;
use crate::db::types::to_db;
use crate::domain::lifecycle::StateKind;
use crate::error::AppResult;

/// Start every opening that is due and move running ones on. Safe to run on every node at
/// once: each step locks the tender row and re-checks the state it acts on.
pub async fn tick(ctx: &AppContext) -> AppResult<()> {
    let now = ctx.clock.now();
    let due = ctx
        .db
        .read_primary(move |c| {
            Ok(trepo::due_for_deadline(
                c,
                StateKind::Closed.as_str(),
                to_db(now),
            )?)
        })
        .await?;
    let mut started = false;
    for id in due {
        started |= start_opening(ctx, &id).await?;
    }
    if started {
        crate::audit::checkpoint_now(&ctx.db, &ctx.audit_log, "opening").await?;
    }
    let running = ctx
        .db
        .read_primary(|c| Ok(repo::running_openings(c)?))
        .await?;
    for o in running {
        advance(ctx, &o.tender_id, &o.section_code).await?;
    }
    Ok(())
}
