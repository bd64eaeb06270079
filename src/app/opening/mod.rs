//! The opening ceremony (开标), docs/BIDDING.md §3: started by the scheduler at the opening
//! time (once, whatever the number of nodes: the tender row is locked and its state moved in
//! the same transaction), fewer than three bids fail the section (流标), bidders release their
//! keys (R1), custodians release shares for what is still sealed (R2), each failure is
//! attributed (E8: bidder → 撤销 revoked, anyone else → 撤回 withdrawn), then the opening
//! record is published and bidders confirm or object.

mod advance;
mod answer;
mod decrypt;
mod my_share;
mod release_share;
mod respond;
mod start;
mod tick;
mod view;

use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::publicity::event;
use crate::app::support::publicity::Change;
use crate::app::support::tender::state_of;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::ActorRef;
use crate::audit::Event as AuditEvent;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::from_db;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::authz::Permission;
use crate::domain::bidding::BidState;
use crate::domain::bidding::OpeningPhase;
use crate::domain::bidding::OpeningStatus;
use crate::domain::bidding::OpeningWindows;
use crate::domain::bidding::ResponseKind;
use crate::domain::lifecycle::transition;
use crate::domain::lifecycle::Event;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::seal;
use crate::seal::Fault;
use crate::seal::Manifest;
use crate::seal::OpenError;
use crate::seal::OpeningSecret;
use crate::seal::PartKey;
use crate::seal::Share;
use crate::storage::Store;
use crate::wire::opening::*;
pub use advance::*;
pub use answer::*;
use chrono::DateTime;
use chrono::Duration;
use chrono::Utc;
pub use decrypt::*;
pub use my_share::*;
pub use release_share::*;
pub use respond::*;
use serde_json::json;
use serde_json::Value;
pub use start::*;
use std::io::BufReader;
pub use tick::*;
pub use view::*;

/// A released data key of one part (R1).
#[derive(Clone, Debug)]
pub struct ReleasedKey {
    pub index: u32,
    pub dek: [u8; 32],
    pub signature: Vec<u8>,
}

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
const IN_CEREMONY: [BidState; 4] = [
    BidState::Submitted,
    BidState::Opened,
    BidState::Revoked,
    BidState::WithdrawnAtOpening,
];

fn ceremony_bids(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<Vec<repo::BidRow>> {
    let all = repo::bids_of_section(c, tender, section, &IN_CEREMONY)?;
    Ok(all)
}

fn status_of(b: &repo::BidRow) -> AppResult<OpeningStatus> {
    Ok(OpeningStatus::from(b.state()?))
}

fn attempt_dto(a: &repo::AttemptRow) -> AppResult<Attempt> {
    Ok(Attempt {
        path: a.path()?,
        at: from_db(a.attempted_at),
        outcome: a.outcome()?,
        error: a.error_code.clone(),
        fault: a.fault()?,
        detail: a.detail.clone(),
    })
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
    event(
        c,
        now,
        &row.id,
        Change::new(
            ActorRef::system(),
            EventType::TenderOpeningFinished,
            json!({"tender": row.id, "state": next.kind().as_str()}),
        ),
    )?;
    Ok(())
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
            "version": b.version, "received_at": from_db(b.received_at), "status": status_of(b)?,
            "summary": summary, "reason": if b.state()? == BidState::Opened { None } else { reason }}),
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
    attempt_dto(&attempt)
}

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

/// Recover the opening secret (checked against the published key), open every bid still
/// sealed through R2, forget the secret and the released shares.
async fn recover_and_open(
    ctx: &AppContext,
    tender: &str,
    section: &str,
    key: &repo::OpeningKeyRow,
    released: Vec<(u8, [u8; 32])>,
) -> Result<(), String> {
    let public = crate::app::support::keys::parse_public_key("opening_public_key", &key.public_key)
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
            let bids = repo::bids_of_section(c, &t, &s, &[BidState::Submitted])?;
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
                let Some(mut b) = repo::find_bid(c, &b.id)?
                    .filter(|b| b.state().is_ok_and(|s| s == BidState::Submitted))
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

fn response_dto(r: &repo::ResponseRow, uscc: String) -> AppResult<OpeningResponse> {
    Ok(OpeningResponse {
        id: r.id.clone(),
        bidder_uscc: uscc,
        kind: r.kind()?,
        text: r.text.clone(),
        answer: r.answer.clone(),
        created_at: from_db(r.created_at),
        answered_at: r.answered_at.map(from_db),
    })
}

/// Decode a share submitted as hex.
pub fn parse_share(hex_value: &str) -> AppResult<[u8; 32]> {
    let mut v = [0u8; 32];
    hex::decode_to_slice(hex_value.trim(), &mut v)
        .map_err(|_| AppError::field("share", "invalid", "32 bytes of hex"))?;
    Ok(v)
}
