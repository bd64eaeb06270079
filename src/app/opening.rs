//! The opening ceremony (开标), docs/BIDDING.md §3: started by the scheduler at the opening
//! time (once, whatever the number of nodes: the tender row is locked and its state moved in
//! the same transaction), fewer than three bids fail the section (流标), bidders release their
//! keys (R1), custodians release shares for what is still sealed (R2), each failure is
//! attributed (E8: bidder → 撤销 revoked, anyone else → 撤回 withdrawn), then the opening
//! record is published and bidders confirm or object.

use std::io::BufReader;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::signing::{require_person, verify_statement, Signed, Signing};
use super::tenders::{parse_json, published_draft, set_state, state_of};
use super::{Actor, AppContext};
use crate::audit::{self, ActorRef, Event as AuditEvent, EventType};
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::authz::Permission;
use crate::domain::bidding::{
    needs_reconfirmation, next_step, BidState, Ceremony, OpeningPhase, OpeningStep, OpeningWindows,
    MIN_BIDS_TO_OPEN,
};
use crate::domain::identity::Role;
use crate::domain::lifecycle::{transition, Event, StateKind};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::seal::{
    self, statements, Dek, Fault, Manifest, OpenError, OpeningSecret, PartKey, Share,
};
use crate::storage::Store;

fn internal<E: Into<anyhow::Error>>(e: E) -> AppError {
    AppError::internal(e)
}

// --- DTOs ----------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    /// `r1` (bidder's keys) or `r2` (custodians' shares).
    pub path: String,
    pub at: DateTime<Utc>,
    /// `opened` or `failed`.
    pub outcome: String,
    /// What failed (`tag_mismatch`, `wrong_key`, `ciphertext_digest_mismatch`, …).
    pub error: Option<String>,
    /// `bidder` or `not_bidder`.
    pub fault: Option<String>,
    pub detail: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OpeningBid {
    pub bid_id: String,
    pub bidder_name: String,
    pub bidder_uscc: String,
    pub version: i32,
    pub received_at: DateTime<Utc>,
    /// `sealed`, `opened`, `revoked` or `withdrawn`.
    pub status: String,
    pub attempts: Vec<Attempt>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OpeningResponse {
    pub id: String,
    pub bidder_uscc: String,
    /// `confirm` or `objection`.
    pub kind: String,
    pub text: Option<String>,
    pub answer: Option<String>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// One section's ceremony as everyone sees it (开标 is public).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Opening {
    pub tender_id: String,
    pub section: String,
    /// `decrypting`, `recovering`, `record_published`, `closed` or `failed`.
    pub state: String,
    pub started_at: DateTime<Utc>,
    pub decryption_until: DateTime<Utc>,
    pub recovery_until: Option<DateTime<Utc>>,
    pub objections_until: Option<DateTime<Utc>>,
    pub threshold: i32,
    pub shares_submitted: usize,
    pub bids: Vec<OpeningBid>,
    /// 开标记录, once every bid is settled.
    #[schema(value_type = Object)]
    pub record: Option<Value>,
    pub responses: Vec<OpeningResponse>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BidOutcome {
    pub bid_id: String,
    pub status: String,
    pub attempt: Attempt,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MyShare {
    #[schema(value_type = Object)]
    pub encrypted_share: Value,
    pub opening_public_key: String,
    pub threshold: i32,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareStatus {
    pub shares_submitted: usize,
    pub threshold: i32,
    /// Whether the key was recovered (and the sealed bids opened) by this release.
    pub recovered: bool,
    /// Why recovery with the shares so far failed, if it did.
    pub error: Option<String>,
}

/// A released data key of one part (R1).
#[derive(Clone, Debug)]
pub struct ReleasedKey {
    pub index: u32,
    pub dek: [u8; 32],
    pub signature: Vec<u8>,
}

// --- helpers -------------------------------------------------------------------------------

fn windows(ctx: &AppContext) -> OpeningWindows {
    let t = &ctx.settings.tenders;
    OpeningWindows {
        decryption: Duration::minutes(i64::from(t.decryption_window_minutes)),
        recovery: Duration::minutes(i64::from(t.recovery_window_minutes)),
        objections: Duration::minutes(i64::from(t.objection_window_minutes)),
    }
}

fn phase_of(o: &repo::OpeningRow) -> AppResult<OpeningPhase> {
    OpeningPhase::parse(&o.state)
        .ok_or_else(|| internal(anyhow::anyhow!("unknown opening state {}", o.state)))
}

fn wrong_phase(o: &repo::OpeningRow, wanted: &str) -> AppError {
    AppError::new(
        ErrorCode::OpeningPhase,
        format!("the opening is {}; this belongs to {wanted}", o.state),
    )
}

fn find_opening(c: &mut AnyConnection, tender: &str, section: &str) -> AppResult<repo::OpeningRow> {
    repo::find_opening(c, tender, section)?.ok_or_else(|| {
        AppError::new(
            ErrorCode::OpeningPhase,
            format!("the opening of {tender}/{section} has not started"),
        )
    })
}

/// Bids that take part in the ceremony (the latest, re-confirmed version of each bidder).
const IN_CEREMONY: [&str; 4] = ["submitted", "opened", "revoked", "withdrawn_at_opening"];

fn ceremony_bids(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<Vec<repo::BidRow>> {
    let all = repo::bids_of_section(c, tender, section, &IN_CEREMONY)?;
    Ok(all)
}

fn status_of(b: &repo::BidRow) -> &'static str {
    match b.state.as_str() {
        "submitted" => "sealed",
        "opened" => "opened",
        "revoked" => "revoked",
        _ => "withdrawn",
    }
}

fn attempt_dto(a: &repo::AttemptRow) -> Attempt {
    Attempt {
        path: a.path.clone(),
        at: from_db(a.attempted_at),
        outcome: a.outcome.clone(),
        error: a.error_code.clone(),
        fault: a.fault.clone(),
        detail: a.detail.clone(),
    }
}

fn tender_event(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    tender: &str,
    section: Option<&str>,
    actor: ActorRef,
    event_type: EventType,
    body: Value,
) -> AppResult<String> {
    audit::record(
        c,
        now,
        AuditEvent {
            event_type,
            tender_id: Some(tender.to_string()),
            section_id: section.map(str::to_string),
            actor,
            subject: tender.to_string(),
            body,
        },
    )
}

fn announce(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    tender: &str,
    kind: &str,
    title: String,
    body: &Value,
) -> AppResult<()> {
    trepo::insert_announcement(
        c,
        trepo::AnnouncementRow {
            seq: 0,
            id: uuid::Uuid::now_v7().to_string(),
            tender_id: tender.to_string(),
            kind: kind.into(),
            title,
            body: audit::canonical_json(body),
            published_at: to_db(now),
        },
    )?;
    Ok(())
}

/// Mail to the tenderer, the agent and every bidder of the section.
fn notify(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    row: &trepo::TenderRow,
    bidders: &[String],
    kind: &str,
    subject: &str,
    body: &str,
) -> AppResult<()> {
    let mut orgs: Vec<String> = vec![row.tenderer_id.clone()];
    orgs.extend(row.agent_id.iter().cloned());
    orgs.extend(bidders.iter().cloned());
    orgs.sort();
    orgs.dedup();
    for org in orgs {
        if let Some(o) = idrepo::find_organisation(c, &org)? {
            crate::mail::enqueue(
                c,
                now,
                crate::mail::OutgoingMail {
                    to: o.contact_email.clone(),
                    subject: subject.into(),
                    body: body.into(),
                    kind: kind.into(),
                    tender_id: Some(row.id.clone()),
                },
            )?;
        }
    }
    Ok(())
}

// --- the scheduler -------------------------------------------------------------------------

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
        crate::audit::checkpoint_now(ctx, "opening").await?;
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

/// Closed → Opening for one tender: each section with fewer than three bids fails (流标), the
/// others open their decryption window. Returns whether this call started it.
pub async fn start_opening(ctx: &AppContext, tender: &str) -> AppResult<bool> {
    let (tender, now, w) = (tender.to_string(), ctx.clock.now(), windows(ctx));
    ctx.db
        .write(move |c| {
            let Some(mut row) = trepo::lock_tender(c, &tender)? else {
                return Ok(false);
            };
            let state = state_of(&row)?;
            let draft = published_draft(c, &row)?;
            let rules = crate::domain::tender::ProcedureRules::STATUTORY;
            // Another node started it, or the deadline moved: nothing to do.
            let Ok(next) = transition(&state, &Event::StartOpening, now, &draft.schedule, &rules) else {
                return Ok(false);
            };
            set_state(&mut row, &next, now)?;
            let mut any_open = false;
            for sec in &draft.sections {
                let mut bids = repo::bids_of_section(c, &tender, &sec.code, &["submitted"])?;
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
                bids.retain(|b| b.state == "submitted");
                let listed: Vec<Value> = bids
                    .iter()
                    .map(|b| {
                        json!({"bid": b.id, "organisation": b.organisation_id, "bidder_uscc": b.bidder_uscc,
                            "version": b.version, "manifest_sha256": b.manifest_sha256,
                            "received_at": from_db(b.received_at), "receipt_event": b.receipt_event_id})
                    })
                    .collect();
                let failed = bids.len() < MIN_BIDS_TO_OPEN;
                let opening = repo::OpeningRow {
                    tender_id: tender.clone(),
                    section_code: sec.code.clone(),
                    state: if failed { OpeningPhase::Failed } else { OpeningPhase::Decrypting }
                        .as_str()
                        .into(),
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
                tender_event(c, now, &tender, Some(&sec.code), ActorRef::system(), EventType::OpeningStarted, body.clone())?;
                let bidders: Vec<String> = bids.iter().map(|b| b.organisation_id.clone()).collect();
                if failed {
                    let body = json!({"tender": tender, "section": sec.code, "bids": bids.len(),
                        "reason": "fewer than 3 bids (条例44)"});
                    tender_event(c, now, &tender, Some(&sec.code), ActorRef::system(), EventType::OpeningFailed, body.clone())?;
                    announce(c, now, &tender, "opening_failed", format!("流标公告：{} 标段 {}", row.title, sec.code), &body)?;
                    notify(c, now, &row, &bidders, "opening_failed", &format!("流标：{} {}", row.title, sec.code),
                        &format!("标段 {} 投标人少于3个，不予开标，招标人将依法重新招标。", sec.code))?;
                } else {
                    any_open = true;
                    notify(c, now, &row, &bidders, "opening_started", &format!("开标：{} {}", row.title, sec.code),
                        &format!("标段 {} 已开标，请在 {} 前完成解密。", sec.code, now + w.decryption))?;
                }
            }
            trepo::update_tender(c, &row)?;
            if !any_open {
                finish_tender(c, &mut row, now, false)?;
            }
            Ok(true)
        })
        .await
}

/// Opening → Evaluating (or Failed when no section was opened).
fn finish_tender(
    c: &mut AnyConnection,
    row: &mut trepo::TenderRow,
    now: DateTime<Utc>,
    any_opened: bool,
) -> AppResult<()> {
    let state = state_of(row)?;
    let draft = published_draft(c, row)?;
    let rules = crate::domain::tender::ProcedureRules::STATUTORY;
    let next = transition(
        &state,
        &Event::FinishOpening { any_opened },
        now,
        &draft.schedule,
        &rules,
    )
    .map_err(|e| internal(anyhow::anyhow!("finish opening: {e:?}")))?;
    set_state(row, &next, now)?;
    trepo::update_tender(c, row)?;
    tender_event(
        c,
        now,
        &row.id,
        None,
        ActorRef::system(),
        EventType::TenderOpeningFinished,
        json!({"tender": row.id, "state": next.kind().as_str()}),
    )?;
    Ok(())
}

/// Move one section's ceremony on as far as the clock and its bids allow.
pub async fn advance(ctx: &AppContext, tender: &str, section: &str) -> AppResult<()> {
    let (tender, section, now, w) = (
        tender.to_string(),
        section.to_string(),
        ctx.clock.now(),
        windows(ctx),
    );
    ctx.db
        .write(move |c| {
            let Some(mut row) = trepo::lock_tender(c, &tender)? else {
                return Ok(());
            };
            let mut o = find_opening(c, &tender, &section)?;
            loop {
                let bids = ceremony_bids(c, &tender, &section)?;
                let sealed = bids.iter().filter(|b| b.state == "submitted").count();
                let open_objections = repo::responses_of(c, &tender, &section)?
                    .iter()
                    .filter(|r| r.kind == "objection" && r.answer.is_none())
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
                        tender_event(c, now, &tender, Some(&section), ActorRef::system(), EventType::OpeningStarted,
                            json!({"tender": tender, "section": section, "phase": "recovering", "sealed_bids": sealed,
                                "recovery_until": until}))?;
                    }
                    OpeningStep::ExpireRecovery => {
                        for mut b in bids.into_iter().filter(|b| b.state == "submitted") {
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
                        tender_event(c, now, &tender, Some(&section), ActorRef::system(), EventType::OpeningRecordPublished, record.clone())?;
                        announce(c, now, &tender, "opening_record", format!("开标记录：{} 标段 {}", row.title, section), &record)?;
                    }
                    OpeningStep::Close => {
                        o.state = OpeningPhase::Closed.as_str().into();
                        o.closed_at = Some(to_db(now));
                        tender_event(c, now, &tender, Some(&section), ActorRef::system(), EventType::OpeningClosed,
                            json!({"tender": tender, "section": section}))?;
                    }
                }
                repo::update_opening(c, &o)?;
            }
            // The tender moves on when every section's ceremony is over.
            let all = repo::openings_of(c, &tender)?;
            let done = all.iter().all(|x| x.state == "closed" || x.state == "failed");
            if done && row.state == StateKind::Opening.as_str() {
                let mut any_opened = false;
                for x in all.iter().filter(|x| x.state == "closed") {
                    any_opened |= !repo::bids_of_section(c, &tender, &x.section_code, &["opened"])?.is_empty();
                }
                finish_tender(c, &mut row, now, any_opened)?;
            }
            Ok(())
        })
        .await
}

/// 开标记录: per bid the bidder, version and status, and for opened bids the 开标一览表 fields.
fn opening_record(
    c: &mut AnyConnection,
    row: &trepo::TenderRow,
    section: &str,
    bids: &[repo::BidRow],
    now: DateTime<Utc>,
) -> AppResult<Value> {
    let mut entries = Vec::new();
    for b in bids {
        let name = idrepo::find_organisation(c, &b.organisation_id)?
            .map(|o| o.name)
            .unwrap_or_default();
        let summary: Option<Value> = match &b.summary {
            Some(s) => Some(parse_json(s, "opened summary")?),
            None => None,
        };
        let reason = repo::attempts_of(c, &b.id)?
            .last()
            .and_then(|a| a.error_code.clone());
        entries.push(
            json!({"bid": b.id, "bidder_name": name, "bidder_uscc": b.bidder_uscc,
            "version": b.version, "received_at": from_db(b.received_at), "status": status_of(b),
            "summary": summary, "reason": if b.state == "opened" { None } else { reason }}),
        );
    }
    Ok(
        json!({"tender": row.id, "title": row.title, "section": section, "opened_at": now, "bids": entries}),
    )
}

/// Record one attempt and settle the bid by its outcome: opened, or by fault (E8) revoked /
/// withdrawn — except an R1 failure that is not the bidder's, which waits for R2.
fn settle(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    bid: &mut repo::BidRow,
    path: &str,
    actor_id: &str,
    result: Result<Value, (&str, Fault, String)>,
) -> AppResult<Attempt> {
    let (outcome, error, fault, detail) = match &result {
        Ok(_) => ("opened", None, None, None),
        Err((code, f, d)) => (
            "failed",
            Some(code.to_string()),
            Some(match f {
                Fault::Bidder => "bidder",
                Fault::NotBidder => "not_bidder",
            }),
            Some(d.clone()),
        ),
    };
    let attempt = repo::AttemptRow {
        id: uuid::Uuid::now_v7().to_string(),
        bid_id: bid.id.clone(),
        path: path.into(),
        actor_id: actor_id.into(),
        outcome: outcome.into(),
        error_code: error.clone(),
        fault: fault.map(str::to_string),
        detail: detail.clone(),
        attempted_at: to_db(now),
    };
    repo::insert_attempt(c, &attempt)?;
    match (&result, fault) {
        (Ok(summary), _) => {
            bid.state = BidState::Opened.as_str().into();
            bid.summary = Some(audit::canonical_json(summary));
            bid.closed_at = Some(to_db(now));
        }
        (Err(_), Some("bidder")) => {
            bid.state = BidState::Revoked.as_str().into();
            bid.closed_at = Some(to_db(now));
        }
        (Err(_), _) if path == "r2" => {
            bid.state = BidState::WithdrawnAtOpening.as_str().into();
            bid.closed_at = Some(to_db(now));
        }
        (Err(_), _) => {}
    }
    repo::update_bid(c, bid)?;
    audit::record(
        c,
        now,
        AuditEvent {
            event_type: EventType::DecryptionAttempted,
            tender_id: Some(bid.tender_id.clone()),
            section_id: Some(bid.section_code.clone()),
            actor: ActorRef {
                role: if path == "r1" {
                    "bidder".into()
                } else {
                    "system".into()
                },
                id: actor_id.into(),
            },
            subject: bid.id.clone(),
            body: json!({"bid": bid.id, "path": path, "outcome": outcome, "error": error, "fault": fault,
                "detail": detail, "state": bid.state, "manifest_sha256": bid.manifest_sha256}),
        },
    )?;
    Ok(attempt_dto(&attempt))
}

// --- opening a bid (blocking: reads ciphertext from storage) --------------------------------

/// Open every part of a bid with `key` and verify it: ciphertext digests against the receipt,
/// AEAD tags, the inner signature, every document's signed plaintext digest. Returns the
/// summary fields and each part's plaintext digest.
fn open_bid<'k>(
    storage: &Store,
    bid: &repo::BidRow,
    parts: &[repo::BidPartRow],
    keys: &dyn Fn(u32) -> PartKey<'k>,
) -> Result<(Value, Vec<(u32, String)>), OpenError> {
    let manifest: Manifest = serde_json::from_str(&bid.manifest)
        .map_err(|_| OpenError::SummaryMalformed("stored manifest unreadable"))?;
    let reader = |index: u32| -> Result<BufReader<std::fs::File>, OpenError> {
        let p = parts
            .iter()
            .find(|p| p.part_index as u32 == index)
            .ok_or(OpenError::NoSuchPart { index })?;
        let f = storage.open(&p.storage_key).map_err(|e| OpenError::Io {
            part: index,
            source: std::io::Error::other(e.to_string()),
        })?;
        Ok(BufReader::with_capacity(1 << 20, f))
    };
    let spki = manifest.outer_signature.signer_spki.clone();
    let opened = seal::open_summary(&manifest, keys(0), reader(0)?, &spki)?;
    let mut digests = Vec::new();
    for p in manifest.parts.iter().filter(|p| p.index != 0) {
        let part = seal::open_part(
            &manifest,
            p.index,
            keys(p.index),
            reader(p.index)?,
            std::io::sink(),
        )?;
        opened.check_document(&part)?;
        digests.push((p.index, hex::encode(part.plaintext_sha256)));
    }
    let s = &opened.summary;
    Ok((
        json!({"price": s.price, "duration_days": s.duration_days, "quality": s.quality,
            "project_manager": s.project_manager, "bid_bond_reference": s.bid_bond_reference}),
        digests,
    ))
}

/// An attempt's failure: error code, who is at fault, detail.
type Failure = (&'static str, Fault, String);
/// The opened summary (or the failure) and each document's plaintext digest.
type Opened = (Result<Value, Failure>, Vec<(u32, String)>);

fn open_result(r: Result<(Value, Vec<(u32, String)>), OpenError>) -> Opened {
    match r {
        Ok((v, d)) => (Ok(v), d),
        Err(e) => (Err((e.code(), e.fault(), e.to_string())), Vec::new()),
    }
}

fn save_plaintext_digests(
    c: &mut AnyConnection,
    bid: &str,
    digests: &[(u32, String)],
) -> AppResult<()> {
    for mut p in repo::bid_parts(c, bid)? {
        if let Some((_, d)) = digests.iter().find(|(i, _)| *i == p.part_index as u32) {
            p.plaintext_sha256 = Some(d.clone());
            repo::update_bid_part(c, &p)?;
        }
    }
    Ok(())
}

// --- R1: the bidder releases its keys --------------------------------------------------------

pub async fn decrypt(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    keys: Vec<ReleasedKey>,
) -> AppResult<BidOutcome> {
    let org = super::bids::bidder_org(actor)?;
    let (t, s, now) = (tender.to_string(), section.to_string(), ctx.clock.now());
    let (bid, parts) = ctx
        .db
        .read_primary(move |c| {
            let o = find_opening(c, &t, &s)?;
            if phase_of(&o)? != OpeningPhase::Decrypting || now >= from_db(o.decryption_until) {
                return Err(wrong_phase(&o, "the decryption window"));
            }
            let bid = ceremony_bids(c, &t, &s)?
                .into_iter()
                .find(|b| b.organisation_id == org)
                .ok_or_else(|| {
                    AppError::new(ErrorCode::NoBid, "you have no bid in this opening")
                })?;
            if bid.state != "submitted" {
                return Err(AppError::new(
                    ErrorCode::OpeningPhase,
                    format!("your bid is already {}", status_of(&bid)),
                ));
            }
            let parts = repo::bid_parts(c, &bid.id)?;
            Ok((bid, parts))
        })
        .await?;
    let manifest: Manifest = parse_json(&bid.manifest, "manifest")?;
    // Every part's key, each signed by the bid's certificate key over its commitment.
    let alg = manifest.outer_signature.algorithm;
    let spki = manifest.outer_signature.signer_spki.clone();
    let mut deks: Vec<(u32, Dek)> = Vec::new();
    for p in &manifest.parts {
        let k = keys.iter().find(|k| k.index == p.index).ok_or_else(|| {
            AppError::field("keys", "missing", format!("no key for part {}", p.index))
        })?;
        let payload = seal::dek_release_payload(&manifest, p.index)
            .map_err(|e| AppError::new(ErrorCode::BidManifestInvalid, e.to_string()))?;
        verify_statement(&spki, alg, &payload, &k.signature, "key release")?;
        deks.push((p.index, Dek::from_bytes(k.dek)));
    }
    if keys.len() != manifest.parts.len() {
        return Err(AppError::field(
            "keys",
            "unexpected",
            "one key per part, no more",
        ));
    }
    let storage = ctx.storage.clone();
    let (b2, p2) = (bid.clone(), parts.clone());
    let (result, digests) = tokio::task::spawn_blocking(move || {
        let key = |i: u32| -> PartKey<'_> {
            match deks.iter().find(|(j, _)| *j == i) {
                Some((_, d)) => PartKey::Dek(d),
                None => PartKey::Dek(&deks[0].1),
            }
        };
        open_result(open_bid(&storage, &b2, &p2, &key))
    })
    .await
    .map_err(internal)?;
    let (actor_id, now) = (actor.id.clone(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let o = find_opening(c, &bid.tender_id, &bid.section_code)?;
            if phase_of(&o)? != OpeningPhase::Decrypting {
                return Err(wrong_phase(&o, "the decryption window"));
            }
            let mut b = repo::find_bid(c, &bid.id)?
                .filter(|b| b.state == "submitted")
                .ok_or_else(|| {
                    AppError::new(ErrorCode::OpeningPhase, "the bid was settled meanwhile")
                })?;
            save_plaintext_digests(c, &b.id, &digests)?;
            let attempt = settle(c, now, &mut b, "r1", &actor_id, result)?;
            Ok(BidOutcome {
                bid_id: b.id.clone(),
                status: status_of(&b).into(),
                attempt,
            })
        })
        .await
}

// --- R2: custodians ------------------------------------------------------------------------

fn own_share(
    c: &mut AnyConnection,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<repo::ShareRow> {
    actor.require(Permission::HoldKeyShares)?;
    repo::shares_of(c, tender, section)?
        .into_iter()
        .find(|s| s.custodian_id == actor.id)
        .ok_or_else(|| AppError::forbidden("you hold no share of this section's opening key"))
}

pub async fn my_share(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<MyShare> {
    let (a, t, s) = (actor.clone(), tender.to_string(), section.to_string());
    ctx.db
        .read_primary(move |c| {
            let share = own_share(c, &a, &t, &s)?;
            let o = find_opening(c, &t, &s)?;
            // Shares leave the server only when they are needed, so no custodian (or group of
            // them) can open anything before the bidders had their window.
            if phase_of(&o)? != OpeningPhase::Recovering {
                return Err(wrong_phase(&o, "recovery"));
            }
            let key = repo::opening_key(c, &t, &s)?
                .ok_or_else(|| internal(anyhow::anyhow!("opening key missing")))?;
            Ok(MyShare {
                encrypted_share: serde_json::from_str(&share.encrypted_share).map_err(internal)?,
                opening_public_key: key.public_key,
                threshold: key.threshold,
            })
        })
        .await
}

pub async fn release_share(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    share_index: u8,
    value: [u8; 32],
    signed: Signed,
) -> AppResult<ShareStatus> {
    let (a, t, s, now, signing) = (
        actor.clone(),
        tender.to_string(),
        section.to_string(),
        ctx.clock.now(),
        Signing::of(ctx),
    );
    // Record the release; if enough shares are in, take them out for recovery.
    let (threshold, count, to_recover) = ctx
        .db
        .write(move |c| {
            let mut share = own_share(c, &a, &t, &s)?;
            if share.share_index != i32::from(share_index) {
                return Err(AppError::field("share_index", "not_yours", "that is not your share's index"));
            }
            let o = find_opening(c, &t, &s)?;
            if phase_of(&o)? != OpeningPhase::Recovering {
                return Err(wrong_phase(&o, "recovery"));
            }
            let person = idrepo::find_person(c, &a.id)?.ok_or_else(|| AppError::forbidden("not a person"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statements::share_release_payload(&t, &s, share_index, &value),
                &signed.signature,
                "share release",
            )?;
            // The share must be the one wrapped to this custodian: check it against nothing
            // secret — recovery checks the combination against the published key.
            share.released_share = Some(hex::encode(value));
            share.release_signature = Some(base64::engine::general_purpose::STANDARD.encode(&signed.signature));
            share.released_at = Some(to_db(now));
            repo::update_share(c, &share)?;
            audit::record(
                c,
                now,
                AuditEvent {
                    event_type: EventType::ShareReleased,
                    tender_id: Some(t.clone()),
                    section_id: Some(s.clone()),
                    actor: a.audit_as(Role::Custodian),
                    subject: t.clone(),
                    body: json!({"tender": t, "section": s, "share_index": share_index, "custodian": a.id,
                        "share_sha256": hex::encode(ring::digest::digest(&ring::digest::SHA256, &value)),
                        "certificate_serial": cert.serial_hex}),
                },
            )?;
            let key = repo::opening_key(c, &t, &s)?.ok_or_else(|| internal(anyhow::anyhow!("opening key missing")))?;
            let released: Vec<(u8, [u8; 32])> = repo::shares_of(c, &t, &s)?
                .iter()
                .filter_map(|r| {
                    let mut v = [0u8; 32];
                    hex::decode_to_slice(r.released_share.as_deref()?, &mut v).ok()?;
                    Some((r.share_index as u8, v))
                })
                .collect();
            let ready = released.len() >= key.threshold as usize;
            Ok((key.threshold, released.len(), if ready { Some((key, released)) } else { None }))
        })
        .await?;
    let Some((key, released)) = to_recover else {
        return Ok(ShareStatus {
            shares_submitted: count,
            threshold,
            recovered: false,
            error: None,
        });
    };
    match recover_and_open(ctx, tender, section, &key, released).await {
        Ok(()) => {
            advance(ctx, tender, section).await?;
            Ok(ShareStatus {
                shares_submitted: count,
                threshold,
                recovered: true,
                error: None,
            })
        }
        Err(e) => Ok(ShareStatus {
            shares_submitted: count,
            threshold,
            recovered: false,
            error: Some(e),
        }),
    }
}

/// Recover the opening secret (checked against the published key), open every bid still
/// sealed through R2, forget the secret and the released shares.
async fn recover_and_open(
    ctx: &AppContext,
    tender: &str,
    section: &str,
    key: &repo::OpeningKeyRow,
    released: Vec<(u8, [u8; 32])>,
) -> Result<(), String> {
    let public = super::keys::parse_public_key("opening_public_key", &key.public_key)
        .map_err(|e| e.detail)?;
    let shares: Vec<Share> = released
        .into_iter()
        .map(|(index, v)| Share {
            index,
            value: zeroize::Zeroizing::new(v),
        })
        .collect();
    let secret: OpeningSecret =
        seal::recover(&shares, key.threshold as u8, &public).map_err(|e| e.to_string())?;
    drop(shares);
    let (t, s) = (tender.to_string(), section.to_string());
    let sealed = ctx
        .db
        .read_primary(move |c| {
            let bids = repo::bids_of_section(c, &t, &s, &["submitted"])?;
            let mut out = Vec::new();
            for b in bids {
                let parts = repo::bid_parts(c, &b.id)?;
                out.push((b, parts));
            }
            Ok(out)
        })
        .await
        .map_err(|e| e.detail)?;
    let storage = ctx.storage.clone();
    let results = tokio::task::spawn_blocking(move || {
        let key = |_: u32| PartKey::Opening(&secret);
        sealed
            .into_iter()
            .map(|(b, parts)| {
                let r = open_result(open_bid(&storage, &b, &parts, &key));
                (b, r)
            })
            .collect::<Vec<_>>()
        // The secret is dropped (and zeroized) with this closure.
    })
    .await
    .map_err(|e| e.to_string())?;
    let (t, s, now) = (tender.to_string(), section.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            audit::record(
                c,
                now,
                AuditEvent {
                    event_type: EventType::KeyRecovered,
                    tender_id: Some(t.clone()),
                    section_id: Some(s.clone()),
                    actor: ActorRef::system(),
                    subject: t.clone(),
                    body: json!({"tender": t, "section": s, "bids": results.len()}),
                },
            )?;
            for (b, (result, digests)) in results {
                let Some(mut b) = repo::find_bid(c, &b.id)?.filter(|b| b.state == "submitted")
                else {
                    continue;
                };
                save_plaintext_digests(c, &b.id, &digests)?;
                settle(c, now, &mut b, "r2", "system", result)?;
            }
            // Released shares are no longer needed; only their signed digests stay (audit).
            for mut sh in repo::shares_of(c, &t, &s)? {
                if sh.released_share.is_some() {
                    sh.released_share = None;
                    repo::update_share(c, &sh)?;
                }
            }
            Ok(())
        })
        .await
        .map_err(|e| e.detail)
}

// --- viewing, confirming, objecting ----------------------------------------------------------

pub async fn view(ctx: &AppContext, tender: &str, section: &str) -> AppResult<Opening> {
    let (t, s) = (tender.to_string(), section.to_string());
    ctx.db
        .read_primary(move |c| {
            let o = find_opening(c, &t, &s)?;
            let key = repo::opening_key(c, &t, &s)?;
            let shares = repo::shares_of(c, &t, &s)?;
            let mut bids = Vec::new();
            for b in ceremony_bids(c, &t, &s)? {
                let name = idrepo::find_organisation(c, &b.organisation_id)?
                    .map(|o| o.name)
                    .unwrap_or_default();
                bids.push(OpeningBid {
                    bid_id: b.id.clone(),
                    bidder_name: name,
                    bidder_uscc: b.bidder_uscc.clone(),
                    version: b.version,
                    received_at: from_db(b.received_at),
                    status: status_of(&b).into(),
                    attempts: repo::attempts_of(c, &b.id)?
                        .iter()
                        .map(attempt_dto)
                        .collect(),
                });
            }
            let mut responses = Vec::new();
            for r in repo::responses_of(c, &t, &s)? {
                let uscc = idrepo::find_organisation(c, &r.organisation_id)?
                    .map(|o| o.uscc)
                    .unwrap_or_default();
                responses.push(response_dto(&r, uscc));
            }
            Ok(Opening {
                tender_id: o.tender_id.clone(),
                section: o.section_code.clone(),
                state: o.state.clone(),
                started_at: from_db(o.started_at),
                decryption_until: from_db(o.decryption_until),
                recovery_until: o.recovery_until.map(from_db),
                objections_until: o.objections_until.map(from_db),
                threshold: key.map_or(0, |k| k.threshold),
                shares_submitted: shares.iter().filter(|x| x.released_at.is_some()).count(),
                bids,
                record: match &o.record {
                    Some(r) => Some(parse_json(r, "record")?),
                    None => None,
                },
                responses,
            })
        })
        .await
}

fn response_dto(r: &repo::ResponseRow, uscc: String) -> OpeningResponse {
    OpeningResponse {
        id: r.id.clone(),
        bidder_uscc: uscc,
        kind: r.kind.clone(),
        text: r.text.clone(),
        answer: r.answer.clone(),
        created_at: from_db(r.created_at),
        answered_at: r.answered_at.map(from_db),
    }
}

/// A bidder confirms the opening record or objects to it (条例44: on the spot, answered on the
/// spot, recorded).
pub async fn respond(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    kind: &str,
    text: Option<String>,
) -> AppResult<OpeningResponse> {
    let org = super::bids::bidder_org(actor)?;
    let text = match (kind, text.map(|t| t.trim().to_string())) {
        ("confirm", _) => None,
        ("objection", Some(t)) if !t.is_empty() && t.chars().count() <= 4000 => Some(t),
        ("objection", _) => {
            return Err(AppError::field(
                "text",
                "required",
                "an objection needs 1 to 4000 characters",
            ))
        }
        _ => {
            return Err(AppError::field(
                "kind",
                "invalid",
                "kind is confirm or objection",
            ))
        }
    };
    let (a, t, s, now, kind) = (
        actor.clone(),
        tender.to_string(),
        section.to_string(),
        ctx.clock.now(),
        kind.to_string(),
    );
    ctx.db
        .write(move |c| {
            let o = find_opening(c, &t, &s)?;
            if phase_of(&o)? != OpeningPhase::RecordPublished {
                return Err(wrong_phase(&o, "the published opening record"));
            }
            let took_part = ceremony_bids(c, &t, &s)?.iter().any(|b| b.organisation_id == org);
            if !took_part {
                return Err(AppError::forbidden("only bidders of this opening respond to its record"));
            }
            if kind == "confirm"
                && repo::responses_of(c, &t, &s)?.iter().any(|r| r.organisation_id == org && r.kind == "confirm")
            {
                return Err(AppError::conflict("you have confirmed the record already"));
            }
            let row = repo::ResponseRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: t.clone(),
                section_code: s.clone(),
                organisation_id: org.clone(),
                kind: kind.clone(),
                text,
                answer: None,
                answered_by: None,
                answered_at: None,
                created_at: to_db(now),
            };
            repo::insert_response(c, &row)?;
            tender_event(c, now, &t, Some(&s), a.audit_as(Role::Bidder), EventType::OpeningResponded,
                json!({"response": row.id, "kind": row.kind, "organisation": org, "text": row.text}))?;
            let uscc = idrepo::find_organisation(c, &org)?.map(|o| o.uscc).unwrap_or_default();
            Ok(response_dto(&row, uscc))
        })
        .await
}

pub async fn answer(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    response_id: &str,
    answer: String,
) -> AppResult<OpeningResponse> {
    actor.require(Permission::ManageTenders)?;
    if !super::tenders::is_party_of(ctx, actor, tender).await? {
        return Err(AppError::forbidden(
            "only the tenderer or its agent answers objections",
        ));
    }
    let answer = answer.trim().to_string();
    if answer.is_empty() || answer.chars().count() > 4000 {
        return Err(AppError::field(
            "answer",
            "required",
            "1 to 4000 characters",
        ));
    }
    let (a, t, s, rid, now) = (
        actor.clone(),
        tender.to_string(),
        section.to_string(),
        response_id.to_string(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let o = find_opening(c, &t, &s)?;
            if phase_of(&o)? != OpeningPhase::RecordPublished {
                return Err(wrong_phase(&o, "the published opening record"));
            }
            let mut r = repo::responses_of(c, &t, &s)?
                .into_iter()
                .find(|r| r.id == rid && r.kind == "objection")
                .ok_or_else(|| AppError::not_found(format!("no objection {rid}")))?;
            if r.answer.is_some() {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the objection is answered already",
                ));
            }
            r.answer = Some(answer.clone());
            r.answered_by = Some(a.id.clone());
            r.answered_at = Some(to_db(now));
            repo::update_response(c, &r)?;
            tender_event(
                c,
                now,
                &t,
                Some(&s),
                a.audit_ref(),
                EventType::OpeningResponseAnswered,
                json!({"response": r.id, "answer": answer}),
            )?;
            let uscc = idrepo::find_organisation(c, &r.organisation_id)?
                .map(|o| o.uscc)
                .unwrap_or_default();
            Ok(response_dto(&r, uscc))
        })
        .await
}

/// Decode a share submitted as hex.
pub fn parse_share(hex_value: &str) -> AppResult<[u8; 32]> {
    let mut v = [0u8; 32];
    hex::decode_to_slice(hex_value.trim(), &mut v)
        .map_err(|_| AppError::field("share", "invalid", "32 bytes of hex"))?;
    Ok(v)
}
