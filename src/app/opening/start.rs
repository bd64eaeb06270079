//! Closed → Opening for one tender: each section with fewer than three bids fails (流标), the others
//! open their decryption window. Returns whether this call started it.

use super::*;
use crate::app::support::publicity::event;
use crate::app::support::publicity::record;
use crate::app::support::publicity::Change;
use crate::app::support::publicity::Env;
use crate::app::support::publicity::Mail;
use crate::app::support::publicity::Publicity;
use crate::app::support::publicity::Recipients;
use crate::app::support::refunds;
use crate::app::support::tender::state_of;
use crate::app::support::tender::*;
use crate::app::AppContext;
use crate::audit::ActorRef;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::tenders as trepo;
use crate::db::types::from_db;
use crate::db::types::to_db;
use crate::domain::bidding::needs_reconfirmation;
use crate::domain::bidding::BidState;
use crate::domain::bidding::OpeningPhase;
use crate::domain::bidding::MIN_BIDS_TO_OPEN;
use crate::domain::lifecycle::transition;
use crate::domain::lifecycle::Event;
use crate::domain::tender::Section;
use crate::error::AppResult;
use serde_json::json;
use serde_json::Value;

/// Closed → Opening for one tender: each section with fewer than three bids fails (流标), the
/// others open their decryption window. Returns whether this call started it.
pub async fn start_opening(ctx: &AppContext, tender: &str) -> AppResult<bool> {
    let (tender, now, w, env) = (
        tender.to_string(),
        ctx.clock.now(),
        windows(ctx),
        Env::of(ctx),
    );
    ctx.db
        .write(move |c| {
            let Some(mut row) = trepo::lock_tender(c, &tender)? else {
                return Ok(false);
            };
            let state = state_of(&row)?;
            let draft = published_draft(c, &row)?;
            let rules = crate::domain::tender::ProcedureRules::STATUTORY;
            // Another node started it, or the deadline moved: nothing to do.
            let start = Event::StartOpening;
            let Ok(next) = transition(&state, &start, now, &draft.schedule, &rules) else {
                return Ok(false);
            };
            set_state(&mut row, &next, now)?;
            let mut any_open = false;
            for sec in &draft.sections {
                any_open |= start_section(c, &env, now, &w, &row, &tender, sec)?;
            }
            trepo::update_tender(c, &row)?;
            if !any_open {
                finish_tender(c, &mut row, now, false)?;
            }
            Ok(true)
        })
        .await
}

/// Open one section's decryption window, or fail it (流标) with fewer than three bids.
/// Returns whether it opened.
fn start_section(
    c: &mut AnyConnection,
    env: &Env,
    now: DateTime<Utc>,
    w: &OpeningWindows,
    row: &trepo::TenderRow,
    tender: &str,
    sec: &Section,
) -> AppResult<bool> {
    // The opening event below publishes who bid: from now on the section's rows carry their
    // section in the clear and are found by index (db::sealing).
    repo::reveal_section(c, tender, &sec.code)?;
    let mut bids = repo::bids_of_section(c, tender, &sec.code, &[BidState::Submitted])?;
    // Bids not re-confirmed after an amendment that asked for it are not opened.
    let mut lapsed = Vec::new();
    for b in bids.iter_mut() {
        if needs_reconfirmation(b.confirmed_tender_version, row.reconfirm_from_version) {
            b.state = BidState::Lapsed.as_str().into();
            b.closed_at = Some(to_db(now));
            repo::update_bid(c, b)?;
            lapsed.push(b.id.clone());
        }
    }
    bids.retain(|b| b.state().is_ok_and(|s| s == BidState::Submitted));
    let listed: Vec<Value> = bids
        .iter()
        .map(|b| listed_bid(c, b))
        .collect::<AppResult<_>>()?;
    let failed = bids.len() < MIN_BIDS_TO_OPEN;
    let phase = if failed {
        OpeningPhase::Failed
    } else {
        OpeningPhase::Decrypting
    };
    let opening = repo::OpeningRow {
        tender_id: tender.to_string(),
        section_code: sec.code.clone(),
        state: phase.as_str().into(),
        started_at: to_db(now),
        decryption_until: to_db(now + w.decryption),
        recovery_until: None,
        record: None,
        record_published_at: None,
        objections_until: None,
        closed_at: if failed { Some(to_db(now)) } else { None },
    };
    repo::insert_opening(c, &opening)?;
    // The opening event binds every bid's receipt into the tender's chain.
    let body = json!({"tender": tender, "section": sec.code, "bids": listed,
        "lapsed": lapsed, "decryption_until": now + w.decryption});
    let started =
        Change::new(ActorRef::system(), EventType::OpeningStarted, body).in_section(&sec.code);
    let bidders: Vec<String> = bids.iter().map(|b| b.organisation_id.clone()).collect();
    if failed {
        event(c, now, tender, started)?;
        let body = json!({"tender": tender, "section": sec.code, "bids": bids.len(),
            "reason": "fewer than 3 bids (条例44)"});
        let failure =
            Change::new(ActorRef::system(), EventType::OpeningFailed, body).in_section(&sec.code);
        let title = format!("流标公告：{} 标段 {}", row.title, sec.code);
        let publicity = Publicity {
            release: None,
            announcement: Some((
                crate::domain::tender::AnnouncementKind::OpeningFailed,
                title,
            )),
            mail: Some(Mail {
                kind: "opening_failed",
                subject: format!("流标：{} {}", row.title, sec.code),
                body: format!(
                    "标段 {} 投标人少于3个，不予开标，招标人将依法重新招标。",
                    sec.code
                ),
                to: Recipients::PartiesAnd(&bidders),
            }),
        };
        record(c, env, now, row, failure, Some(publicity))?;
        let draft = published_draft(c, row)?;
        refunds::section_failed(c, now, env.refund_interest, &draft, (tender, &sec.code))?;
    } else {
        let publicity = Publicity {
            release: None,
            announcement: None,
            mail: Some(Mail {
                kind: "opening_started",
                subject: format!("开标：{} {}", row.title, sec.code),
                body: format!(
                    "标段 {} 已开标，请在 {} 前完成解密。",
                    sec.code,
                    now + w.decryption
                ),
                to: Recipients::PartiesAnd(&bidders),
            }),
        };
        record(c, env, now, row, started, Some(publicity))?;
    }
    Ok(!failed)
}

/// A bid as the opening event lists it, bound to its receipt.
/// A bid as the opening lists it — with the bidder's bonds, sealed until now (a bond's
/// existence tells who meant to bid): the opening is where the law makes both public.
fn listed_bid(c: &mut AnyConnection, b: &repo::BidRow) -> AppResult<Value> {
    let bonds: Vec<Value> = repo::bonds_of(c, &b.tender_id, &b.section_code, &b.organisation_id)?
        .iter()
        .map(|r| json!({"amount": r.amount, "kind": r.kind, "reference": r.reference}))
        .collect();
    Ok(
        json!({"bid": b.id, "organisation": b.organisation_id, "bidder_uscc": b.bidder_uscc,
        "version": b.version, "manifest_sha256": b.manifest_sha256,
        "received_at": from_db(b.received_at), "receipt_event": b.receipt_event_id,
        "bonds": bonds}),
    )
}
