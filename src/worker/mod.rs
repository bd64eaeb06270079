//! Every background loop of a node, in one place. Each loop only calls use-cases (or the audit
//! sequencer and mail dispatcher, which are infrastructure of their own); no rule lives here.
//! Every loop is safe to run on every node at once: the use-cases lock what they change.
//!
//! Tests and the embedded demo do not wait for these loops: they move the clock and call the
//! same functions ([`deadline_tick`]) directly.

use tokio::task::JoinHandle;

use crate::app::{bids, draws, opening, tenders, AppContext};
use crate::error::AppResult;

/// Start the node's background work: mail dispatch, the deadline watch (which also runs the
/// opening ceremonies) and the audit sequencer.
pub fn spawn(ctx: &AppContext) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let dispatcher = crate::mail::Dispatcher::new(
        ctx.db.clone(),
        ctx.settings.mail.clone(),
        ctx.mail_wake.clone(),
    )?;
    Ok(vec![
        tokio::spawn(dispatcher.run()),
        tokio::spawn(run_deadline_watch(ctx.clone())),
        tokio::spawn(crate::audit::sequencer::run(
            ctx.db.clone(),
            ctx.audit_log.clone(),
        )),
    ])
}

/// One pass of the deadline watch: close the tenders whose bid deadline has come (投标截止),
/// abandon transfers that were not complete by then, and start or move on opening ceremonies
/// (the opening time is the deadline, 条例44, so they start on the same tick), then move the
/// expert draws on (fallback contributions, unanswered seats, reveals). Returns how many
/// tenders this pass closed.
pub async fn deadline_tick(ctx: &AppContext) -> AppResult<usize> {
    let closed = tenders::close_due(ctx).await?;
    bids::abandon_late_uploads(ctx).await?;
    opening::tick(ctx).await?;
    draws::tick(ctx).await?;
    Ok(closed)
}

/// Background task: [`deadline_tick`] every `tenders.deadline_check_interval_ms`.
async fn run_deadline_watch(ctx: AppContext) {
    let every =
        std::time::Duration::from_millis(ctx.settings.tenders.deadline_check_interval_ms.max(100));
    loop {
        if let Err(e) = deadline_tick(&ctx).await {
            tracing::warn!(error = %e, "deadline watch failed");
        }
        tokio::time::sleep(every).await;
    }
}
