//! Move one section's ceremony on as far as the clock and its bids allow.

use super::*;
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
                let open_objections = repo::responses_of(c, &tender, &section)?
                    .iter()
                    .filter(|r| r.kind().is_ok_and(|k| k == ResponseKind::Objection) && r.answer.is_none())
                    .count();
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
                        event(c, now, &tender, Change::new(ActorRef::system(), EventType::OpeningStarted, json!({"tender": tender, "section": section, "phase": "recovering", "sealed_bids": sealed,
                                "recovery_until": until})).in_section(&section))?;
                    }
                    OpeningStep::ExpireRecovery => {
                        for mut b in bids
                            .into_iter()
                            .filter(|b| b.state().is_ok_and(|s| s == BidState::Submitted))
                        {
                            settle(c, now, &mut b, "r2", "system", Err(("custodian_shares_insufficient", Fault::NotBidder,
                                "the custodians did not release enough shares in time".to_string())))?;
                        }
                    }
                    OpeningStep::PublishRecord { until } => {
                        let record = opening_record(c, &row, &section, &bids, now)?;
                        o.state = OpeningPhase::RecordPublished.as_str().into();
                        o.record = Some(audit::canonical_json(&record));
                        o.record_published_at = Some(to_db(now));
                        o.objections_until = Some(to_db(until));
                        let change = Change::new(ActorRef::system(), EventType::OpeningRecordPublished, record)
                            .in_section(&section);
                        let publicity = Publicity {
                            release: None,
                            announcement: Some(("opening_record", format!("开标记录：{} 标段 {}", row.title, section))),
                            mail: None,
                        };
                        crate::app::support::publicity::record(c, &env, now, &row, change, Some(publicity))?;
                    }
                    OpeningStep::Close => {
                        o.state = OpeningPhase::Closed.as_str().into();
                        o.closed_at = Some(to_db(now));
                        event(c, now, &tender, Change::new(ActorRef::system(), EventType::OpeningClosed, json!({"tender": tender, "section": section})).in_section(&section))?;
                    }
                }
                repo::update_opening(c, &o)?;
            }
            // The tender moves on when every section's ceremony is over.
            let all = repo::openings_of(c, &tender)?;
            let done = all.iter().all(|x| {
                matches!(x.phase(), Ok(OpeningPhase::Closed | OpeningPhase::Failed))
            });
            if done && state_of(&row)?.kind() == StateKind::Opening {
                let mut any_opened = false;
                for x in all.iter().filter(|x| x.phase().is_ok_and(|p| p == OpeningPhase::Closed)) {
                    any_opened |= !repo::bids_of_section(c, &tender, &x.section_code, &[BidState::Opened])?.is_empty();
                }
                finish_tender(c, &mut row, now, any_opened)?;
            }
            Ok(())
        })
        .await
}
