//! Move one section's ceremony on as far as the clock and its bids allow.

use super::*;
use crate::app::support::errors::internal;
use crate::app::support::lottery;
use crate::app::support::publicity::event;
use crate::app::support::publicity::Change;
use crate::app::support::publicity::Env;
use crate::app::support::publicity::Publicity;
use crate::app::support::tender::state_of;
use crate::app::AppContext;
use crate::audit;
use crate::audit::ActorRef;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::tenders as trepo;
use crate::db::types::from_db;
use crate::db::types::to_db;
use crate::domain::bidding::next_step;
use crate::domain::bidding::BidState;
use crate::domain::bidding::Ceremony;
use crate::domain::bidding::OpeningPhase;
use crate::domain::bidding::OpeningStep;
use crate::domain::bidding::ResponseKind;
use crate::domain::lifecycle::StateKind;
use crate::domain::tender::EvaluationMethod;
use crate::error::AppResult;
use crate::seal::Fault;
use serde_json::json;

/// Move one section's ceremony on as far as the clock and its bids allow.
pub async fn advance(ctx: &AppContext, tender: &str, section: &str) -> AppResult<()> {
    let (tender, section, now, w) = (
        tender.to_string(),
        section.to_string(),
        ctx.clock.now(),
        windows(ctx),
    );
    let env = Env::of(ctx);
    let k_minutes = ctx.settings.experts.draws.contribution_minutes;
    let collusion = ctx
        .settings
        .collusion
        .domain()
        .map_err(|(key, why)| internal(anyhow::anyhow!("collusion.{key}: {why}")))?;
    ctx.db
        .write(move |c| {
            let Some(mut row) = trepo::lock_tender(c, &tender)? else {
                return Ok(());
            };
            let mut o = find_opening(c, &tender, &section)?;
            loop {
                let bids = ceremony_bids(c, &tender, &section)?;
                let sealed = bids
                    .iter()
                    .filter(|b| b.state().is_ok_and(|s| s == BidState::Submitted))
                    .count();
                let open_objections = open_objections(c, &tender, &section)?;
                let ceremony = Ceremony {
                    phase: phase_of(&o)?,
                    decryption_until: from_db(o.decryption_until),
                    recovery_until: o.recovery_until.map(from_db),
                    objections_until: o.objections_until.map(from_db),
                    sealed_bids: sealed,
                    open_objections,
                };
                let step = next_step(&ceremony, now, &w);
                match step {
                    OpeningStep::Wait => break,
                    OpeningStep::StartRecovery { until } => {
                        o.state = OpeningPhase::Recovering.as_str().into();
                        o.recovery_until = Some(to_db(until));
                        let body = json!({"tender": tender, "section": section,
                            "phase": "recovering", "sealed_bids": sealed,
                            "recovery_until": until});
                        let change =
                            Change::new(ActorRef::system(), EventType::OpeningStarted, body);
                        event(c, now, &tender, change.in_section(&section))?;
                    }
                    OpeningStep::ExpireRecovery => expire_recovery(c, now, bids)?,
                    OpeningStep::PublishRecord { until } => {
                        let record = opening_record(c, &row, &section, &bids, now)?;
                        o.state = OpeningPhase::RecordPublished.as_str().into();
                        o.record = Some(audit::canonical_json(&record));
                        o.record_published_at = Some(to_db(now));
                        o.objections_until = Some(to_db(until));
                        publish_record(c, &env, now, &row, &section, record)?;
                        commit_k(c, now, &row, &section, &bids, k_minutes)?;
                        super::signals::compute(c, &collusion, &tender, &section, &bids, now)?;
                    }
                    OpeningStep::Close => {
                        o.state = OpeningPhase::Closed.as_str().into();
                        o.closed_at = Some(to_db(now));
                        let body = json!({"tender": tender, "section": section});
                        let change =
                            Change::new(ActorRef::system(), EventType::OpeningClosed, body);
                        event(c, now, &tender, change.in_section(&section))?;
                    }
                }
                repo::update_opening(c, &o)?;
            }
            finish_when_all_over(c, &mut row, &tender, now)
        })
        .await
}

/// Objections to the opening record that have no answer yet.
fn open_objections(c: &mut AnyConnection, tender: &str, section: &str) -> AppResult<usize> {
    let responses = repo::responses_of(c, tender, section)?;
    Ok(responses
        .iter()
        .filter(|r| r.kind().is_ok_and(|k| k == ResponseKind::Objection))
        .filter(|r| r.answer.is_none())
        .count())
}

/// R2 is over: every bid still sealed is withdrawn, not the bidder's fault.
fn expire_recovery(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    bids: Vec<repo::BidRow>,
) -> AppResult<()> {
    for mut b in bids
        .into_iter()
        .filter(|b| b.state().is_ok_and(|s| s == BidState::Submitted))
    {
        let failure = (
            "custodian_shares_insufficient",
            Fault::NotBidder,
            "the custodians did not release enough shares in time".to_string(),
        );
        settle(c, now, &mut b, "r2", "system", (Err(failure), &[]))?;
        // Fewer than t valid shares came in: forget those that did.
        repo::clear_release_values(c, &b.id)?;
    }
    Ok(())
}

/// Publish the opening record (开标记录) with its announcement.
fn publish_record(
    c: &mut AnyConnection,
    env: &Env,
    now: DateTime<Utc>,
    row: &trepo::TenderRow,
    section: &str,
    record: Value,
) -> AppResult<()> {
    let kind = EventType::OpeningRecordPublished;
    let change = Change::new(ActorRef::system(), kind, record).in_section(section);
    let title = format!("开标记录：{} 标段 {}", row.title, section);
    let publicity = Publicity {
        release: None,
        announcement: Some((
            crate::domain::tender::AnnouncementKind::OpeningRecord,
            title,
        )),
        mail: None,
    };
    crate::app::support::publicity::record(c, env, now, row, change, Some(publicity))?;
    Ok(())
}

/// K of the price formula is drawn as the opening record comes out (its values were published
/// with the tender; which one applies nobody knows before the prices are), by the platform's
/// verifiable lottery with the supervising regulator's contribution.
fn commit_k(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    row: &trepo::TenderRow,
    section: &str,
    bids: &[repo::BidRow],
    minutes: u32,
) -> AppResult<()> {
    if !bids
        .iter()
        .any(|b| b.state().is_ok_and(|s| s == BidState::Opened))
    {
        return Ok(());
    }
    let draft = crate::app::support::tender::published_draft(c, row)?;
    let Some(s) = draft.sections.iter().find(|s| s.code == section) else {
        return Ok(());
    };
    if let EvaluationMethod::ComprehensiveScoring { price: Some(p), .. } = &s.evaluation {
        lottery::commit_k(c, now, &row.id, section, &p.k_values, minutes)?;
    }
    Ok(())
}

/// The tender moves on when every section's ceremony is over.
fn finish_when_all_over(
    c: &mut AnyConnection,
    row: &mut trepo::TenderRow,
    tender: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let all = repo::openings_of(c, tender)?;
    let done = all
        .iter()
        .all(|x| matches!(x.phase(), Ok(OpeningPhase::Closed | OpeningPhase::Failed)));
    if done && state_of(row)?.kind() == StateKind::Opening {
        let mut any_opened = false;
        for x in all
            .iter()
            .filter(|x| x.phase().is_ok_and(|p| p == OpeningPhase::Closed))
        {
            let opened = repo::bids_of_section(c, tender, &x.section_code, &[BidState::Opened])?;
            any_opened |= !opened.is_empty();
        }
        finish_tender(c, row, now, any_opened)?;
    }
    Ok(())
}
