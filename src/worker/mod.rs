//! Every background loop of a node, in one place. Each loop only calls use-cases (or the audit
//! sequencer and mail dispatcher, which are infrastructure of their own); no rule lives here.
//! Every loop is safe to run on every node at once: the use-cases lock what they change.
//!
//! Tests and the embedded demo do not wait for these loops: they move the clock and call the
//! same functions ([`deadline_tick`]) directly.

use tokio::task::JoinHandle;

use crate::app::{
    award, bids, contracts, draws, evaluation, identity, inspections, opening, refunds, tenders,
    validity, AppContext,
};
use crate::error::AppResult;

/// Start the node's background work: mail dispatch, the deadline watch (which also runs the
/// opening ceremonies), the audit sequencer and the sweep of expired rows.
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
        tokio::spawn(run_sweep(ctx.clone())),
        tokio::spawn(run_treasury_pull(ctx.clone())),
    ])
}

/// One pass of the deadline watch: close the tenders whose bid deadline has come (投标截止),
/// abandon transfers that were not complete by then, and start or move on opening ceremonies
/// (the opening time is the deadline, 条例44, so they start on the same tick), then move the
/// expert draws on (fallback contributions, unanswered seats, reveals), and flag written
/// reports of the award not filed within 15 days (招标投标法47). Returns how many tenders this
/// pass closed.
pub async fn deadline_tick(ctx: &AppContext) -> AppResult<usize> {
    let closed = tenders::close_due(ctx).await?;
    bids::abandon_late_uploads(ctx).await?;
    opening::tick(ctx).await?;
    draws::tick(ctx).await?;
    evaluation::tick(ctx).await?;
    award::tick(ctx).await?;
    inspections::tick(ctx).await?;
    award::flag_overdue_reports(ctx).await?;
    validity::close_due_extensions(ctx).await?;
    validity::remind_validity_ends(ctx).await?;
    contracts::contract_tick(ctx).await?;
    refunds::flag_overdue_refunds(ctx).await?;
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

/// Background task: every signed contract's treasury payments pulled each
/// `treasury.poll_interval_secs` (none when 0 or no treasury is configured). Every node may run
/// it: the import locks the contract and takes each payment once.
async fn run_treasury_pull(ctx: AppContext) {
    let secs = ctx.settings.treasury.poll_interval_secs;
    if secs == 0 || !ctx.treasury.configured() {
        return;
    }
    let every = std::time::Duration::from_secs(secs);
    loop {
        tokio::time::sleep(every).await;
        match contracts::pull_treasury_payments(&ctx).await {
            Ok(n) => tracing::debug!(contracts = n, "treasury payments pulled"),
            Err(e) => tracing::warn!(error = %e, "treasury pull failed"),
        }
    }
}

/// One pass of the sweep: delete rows that anyone could make and that have expired (login
/// challenges). Returns how many went.
pub async fn sweep_tick(ctx: &AppContext) -> AppResult<usize> {
    identity::sweep_challenges(ctx).await
}

/// Background task: [`sweep_tick`] every `limits.sweep_interval_secs`, on every node (a delete
/// of what has expired is the same whoever runs it).
async fn run_sweep(ctx: AppContext) {
    let every = std::time::Duration::from_secs(ctx.settings.limits.sweep_interval_secs.max(1));
    loop {
        tokio::time::sleep(every).await;
        match sweep_tick(&ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "swept expired login challenges"),
            Err(e) => tracing::warn!(error = %e, "sweep failed"),
        }
    }
}
