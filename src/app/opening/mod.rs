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
mod signals;
mod start;
mod tick;
mod view;

use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::opened::wrap_part_key;
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
use crate::crypto::kek::Kek;
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
use crate::seal::PartKey;
use crate::seal::Share;
use crate::seal::ShareError;
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
        let status = status_of(b)?;
        let reason = if b.state()? == BidState::Opened {
            None
        } else {
            reason
        };
        let entry = json!({"bid": b.id, "bidder_name": name, "bidder_uscc": b.bidder_uscc,
            "version": b.version, "received_at": from_db(b.received_at), "status": status,
            "summary": summary, "reason": reason});
        entries.push(entry);
    }
    let record = json!({"tender": row.id, "title": row.title, "section": section,
        "opened_at": now, "bids": entries});
    Ok(record)
}

/// Record one attempt and settle the bid by its outcome: opened, or by fault (E8) revoked /
/// withdrawn — except an R1 failure that is not the bidder's, which waits for R2. An opened
/// bid's entry records each document's plaintext digest (`documents`, the digests the bidder
/// signed and the opening just checked), so what the platform holds for a document read later —
/// the archive's digest of it above all — is tied to the log and not only to a table row.
fn settle(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    bid: &mut repo::BidRow,
    path: &str,
    actor_id: &str,
    (result, parts): (Result<Value, Failure>, &[OpenedPart]),
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
    let documents: Vec<Value> = match &result {
        Ok(_) => parts
            .iter()
            .filter_map(|p| {
                let sha = p.plaintext_sha256.as_ref()?;
                Some(json!({"part": p.index, "plaintext_sha256": sha}))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
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
            body: json!({"bid": bid.id, "path": path, "outcome": outcome, "error": error,
                "fault": fault, "detail": detail, "state": bid.state,
                "manifest_sha256": bid.manifest_sha256, "documents": documents}),
        },
    )?;
    attempt_dto(&attempt)
}

/// What the opening keeps of each part of an opened bid: the document's plaintext digest (none
/// for the summary, part 0) and its data key, which is stored only wrapped under the node's KEK
/// ([`save_opened_parts`]) so the committee and regulators can read the bid later; of the
/// summary also the preparation record it carries (collusion signals, kept sealed apart from the
/// public opened summary).
struct OpenedPart {
    index: u32,
    plaintext_sha256: Option<String>,
    key: seal::Dek,
    preparation: Option<seal::Preparation>,
}

/// Open every part of a bid with `key` and verify it: ciphertext digests against the receipt,
/// AEAD tags, the inner signature, every document's signed plaintext digest. Returns the
/// summary fields and, per part, its plaintext digest and data key.
fn open_bid<'k>(
    storage: &Store,
    bid: &repo::BidRow,
    parts: &[repo::BidPartRow],
    keys: &dyn Fn(u32) -> PartKey<'k>,
) -> Result<(Value, Vec<OpenedPart>), OpenError> {
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
        digests.push(OpenedPart {
            index: p.index,
            plaintext_sha256: Some(hex::encode(part.plaintext_sha256)),
            key: seal::unwrap_part_key(&manifest, p.index, keys(p.index))?,
            preparation: None,
        });
    }
    digests.push(OpenedPart {
        index: 0,
        plaintext_sha256: None,
        key: seal::unwrap_part_key(&manifest, 0, keys(0))?,
        preparation: opened.preparation.clone(),
    });
    let s = &opened.summary;
    Ok((
        json!({"price": s.price, "duration_days": s.duration_days, "quality": s.quality,
            "project_manager": s.project_manager, "bid_bond_reference": s.bid_bond_reference}),
        digests,
    ))
}

/// An attempt's failure: error code, who is at fault, detail.
type Failure = (&'static str, Fault, String);

/// The opened summary (or the failure) and what is kept of each part.
type Opened = (Result<Value, Failure>, Vec<OpenedPart>);

fn open_result(r: Result<(Value, Vec<OpenedPart>), OpenError>) -> Opened {
    match r {
        Ok((v, d)) => (Ok(v), d),
        Err(e) => (Err((e.code(), e.fault(), e.to_string())), Vec::new()),
    }
}

/// Records each opened part's plaintext digest and its data key wrapped under the node's KEK
/// (never the plain key: a dump without the KEK reads no opened bid either), and the summary's
/// preparation record (`repo::collusion`, sealed).
fn save_opened_parts(
    c: &mut AnyConnection,
    kek: &Kek,
    bid: &str,
    opened: &[OpenedPart],
) -> AppResult<()> {
    for mut p in repo::bid_parts(c, bid)? {
        if let Some(o) = opened.iter().find(|o| o.index == p.part_index as u32) {
            p.plaintext_sha256 = o.plaintext_sha256.clone();
            p.opened_key = Some(wrap_part_key(kek, bid, o.index, &o.key));
            repo::update_bid_part(c, &p)?;
        }
    }
    if let Some(prep) = opened.iter().find_map(|o| o.preparation.as_ref()) {
        crate::db::repo::collusion::put_preparation(c, bid, prep)?;
    }
    Ok(())
}

/// The caller's share index and the threshold among a section's remedy custodians.
fn own_index(
    c: &mut AnyConnection,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<(u8, u8)> {
    actor.require(Permission::HoldKeyShares)?;
    let rows = repo::remedy_custodians_of(c, tender, section)?;
    let mine = rows
        .iter()
        .find(|r| r.custodian_id == actor.id)
        .ok_or_else(|| AppError::forbidden("you are not a remedy custodian of this section"))?;
    let index = u8::try_from(mine.share_index).map_err(internal)?;
    let threshold = u8::try_from(mine.threshold).map_err(internal)?;
    Ok((index, threshold))
}

/// A bid with at least t valid released shares, ready to be recovered and opened.
struct Ready {
    bid: repo::BidRow,
    shares: Vec<Share>,
}

/// The valid released shares of a bid still sealed, if there are at least `threshold`.
fn ready_for_recovery(
    c: &mut AnyConnection,
    bid: &repo::BidRow,
    threshold: u8,
) -> AppResult<Option<Ready>> {
    let shares: Vec<Share> = repo::releases_of_bid(c, &bid.id)?
        .iter()
        .filter(|r| r.valid)
        .filter_map(|r| {
            let mut v = zeroize::Zeroizing::new([0u8; 32]);
            hex::decode_to_slice(r.share_value.as_deref()?, v.as_mut()).ok()?;
            Some(Share {
                index: u8::try_from(r.share_index).ok()?,
                value: v,
            })
        })
        .collect();
    Ok((shares.len() >= usize::from(threshold)).then(|| Ready {
        bid: bid.clone(),
        shares,
    }))
}

/// Recover each ready bid's remedy secret from its checked shares, open the bid through R2,
/// settle it, and forget its released share values whatever the outcome.
async fn recover_and_open(ctx: &AppContext, ready: Vec<Ready>) -> AppResult<()> {
    let Some(first) = ready.first() else {
        return Ok(());
    };
    let (t, s) = (first.bid.tender_id.clone(), first.bid.section_code.clone());
    let ids: Vec<String> = ready.iter().map(|r| r.bid.id.clone()).collect();
    let parts = ctx
        .db
        .read_primary(move |c| {
            ids.iter()
                .map(|id| repo::bid_parts(c, id).map_err(internal))
                .collect::<AppResult<Vec<_>>>()
        })
        .await?;
    let storage = ctx.storage.clone();
    let results = tokio::task::spawn_blocking(move || {
        ready
            .into_iter()
            .zip(parts)
            .map(|(r, parts)| {
                let opened = open_by_remedy(&storage, &r.bid, &parts, &r.shares);
                // The shares are zeroized here, the secret inside open_by_remedy.
                (r.bid, opened)
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(internal)?;
    let (now, kek) = (ctx.clock.now(), ctx.kek.clone());
    ctx.db
        .write(move |c| {
            for (b, (result, digests)) in results {
                let outcome = if result.is_ok() { "opened" } else { "failed" };
                audit::record(
                    c,
                    now,
                    AuditEvent {
                        event_type: EventType::KeyRecovered,
                        tender_id: Some(t.clone()),
                        section_id: Some(s.clone()),
                        actor: ActorRef::system(),
                        subject: b.id.clone(),
                        body: json!({"tender": t, "section": s, "bid": b.id,
                            "outcome": outcome}),
                    },
                )?;
                repo::clear_release_values(c, &b.id)?;
                let Some(mut b) = repo::find_bid(c, &b.id)?
                    .filter(|b| b.state().is_ok_and(|s| s == BidState::Submitted))
                else {
                    continue;
                };
                save_opened_parts(c, &kek, &b.id, &digests)?;
                settle(c, now, &mut b, "r2", "system", (result, &digests))?;
            }
            Ok(())
        })
        .await
}

/// One bid through R2: its remedy secret from the checked shares, then every part.
fn open_by_remedy(
    storage: &Store,
    bid: &repo::BidRow,
    parts: &[repo::BidPartRow],
    shares: &[Share],
) -> Opened {
    let Ok(manifest) = serde_json::from_str::<Manifest>(&bid.manifest) else {
        let e = OpenError::SummaryMalformed("stored manifest unreadable");
        return open_result(Err(e));
    };
    match manifest.remedy.recover(&manifest.remedy_bid(), shares) {
        Ok(secret) => {
            let key = |_: u32| PartKey::Remedy(&secret);
            open_result(open_bid(storage, bid, parts, &key))
        }
        // Every share equals what the bidder committed to, and they do not make its key.
        Err(e @ ShareError::InconsistentCommitments) => (
            Err(("remedy_shares_inconsistent", Fault::Bidder, e.to_string())),
            Vec::new(),
        ),
        Err(e) => (
            Err(("remedy_recovery_failed", Fault::NotBidder, e.to_string())),
            Vec::new(),
        ),
    }
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
