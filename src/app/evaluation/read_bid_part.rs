//! `GET …/bids/{bid}/parts/{index}/content`: one part of an opened bid, decrypted on the fly.
//!
//! Who may read (条例: the committee evaluates, regulators supervise): regulators at any time
//! after the bid is opened; the active members of the section's evaluation committee while it
//! evaluates (a leader elected). A member that left, other experts, bidders, the public and the
//! tenderer read the opening record only (`forbidden`). Each read is recorded (`bid_part_read`:
//! who — as `regulator` or `committee_member` —, which part of which bid, when) before the first
//! byte leaves.
//!
//! The part's data key was wrapped under the node's KEK at the opening (`support::opened`); it
//! is unwrapped here and the stored ciphertext decrypted chunk by chunk on a blocking thread into
//! a small bounded channel that the response drains, so memory is a few chunks whatever the part
//! size, and a client that goes away stops the decryption. Digests were checked at the opening;
//! every chunk is still authenticated as it is read (`seal::stream::RecordOpener`), and a failure
//! mid-stream cuts the response short of its `Content-Length`. Each record is read from storage
//! straight into the buffer that goes to the response and decrypted there in place: the bytes
//! are copied as often as a plain document download copies them (`make bench`, `evaluation`).

use crate::app::support::opened::unwrap_part_key;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::ActorRef;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::committees as crepo;
use crate::domain::authz::Permission;
use crate::domain::bidding::BidState;
use crate::domain::evaluation::committee::CommitteeState;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::seal::stream::plaintext_len;
use crate::seal::stream::RecordOpener;
use crate::seal::Manifest;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use serde_json::json;
use std::io;
use std::io::Read;
use tokio::sync::mpsc;

/// Records (1 MiB of plaintext each) in flight between the decrypting thread and the response.
const RECORDS_IN_FLIGHT: usize = 4;

/// An opened part on its way to a reader.
pub struct OpenedPartContent {
    /// The document's file name as the bidder gave it ("summary" for part 0).
    pub name: String,
    pub len: u64,
    /// Hex SHA-256 of the plaintext, checked at the opening (none for the summary).
    pub sha256: Option<String>,
    pub stream: BoxStream<'static, Result<Bytes, io::Error>>,
}

pub async fn read_bid_part(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    bid: &str,
    index: u32,
) -> AppResult<OpenedPartContent> {
    let regulator = actor.require(Permission::ReadOpenedBids);
    let (t, s, b, now) = (
        tender.to_string(),
        section.to_string(),
        bid.to_string(),
        ctx.clock.now(),
    );
    let reader = actor.clone();
    let (row, part) = ctx
        .db
        .write(move |c| {
            let by = match regulator {
                Ok(()) => {
                    crate::app::support::departments::require_supervisor(c, &reader, &t)?;
                    reader.audit_as(Role::Regulator)
                }
                Err(refused) => {
                    if !evaluating_member(c, &t, &s, &reader.id)? {
                        return Err(refused);
                    }
                    ActorRef {
                        role: "committee_member".into(),
                        id: reader.id.clone(),
                    }
                }
            };
            let no_bid = || AppError::not_found("no such opened bid in this section");
            let row = repo::find_bid(c, &b)?
                .filter(|r| r.tender_id == t && r.section_code == s)
                .ok_or_else(no_bid)?;
            if row.state()? != BidState::Opened {
                return Err(no_bid());
            }
            let part = repo::bid_parts(c, &row.id)?
                .into_iter()
                .find(|p| p.part_index as u32 == index)
                .ok_or_else(|| AppError::not_found(format!("the bid has no part {index}")))?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::BidPartRead,
                    tender_id: Some(t.clone()),
                    section_id: Some(s.clone()),
                    actor: by,
                    subject: row.id.clone(),
                    body: json!({"tender": t, "section": s, "bid": row.id, "part": index}),
                },
            )?;
            Ok((row, part))
        })
        .await?;
    let manifest: Manifest = serde_json::from_str(&row.manifest).map_err(AppError::internal)?;
    let header = manifest
        .parts
        .iter()
        .find(|p| p.index == index)
        .map(|p| p.header.clone())
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("part {index} not in the manifest")))?;
    let wrapped = part.opened_key.as_deref().ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "bid {} was opened before part keys were kept",
            row.id
        ))
    })?;
    let key = unwrap_part_key(&ctx.kek, &row.id, index, wrapped)?;
    let len = plaintext_len(part.ciphertext_len as u64).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("part {index} has an impossible length"))
    })?;
    let opener = RecordOpener::new(&key, &header, part.ciphertext_len as u64)
        .map_err(|e| AppError::internal(anyhow::anyhow!("part {index} of bid {}: {e}", row.id)))?;
    let (tx, rx) = mpsc::channel::<Result<Bytes, io::Error>>(RECORDS_IN_FLIGHT);
    let (storage, object) = (ctx.storage.clone(), part.storage_key.clone());
    tokio::task::spawn_blocking(move || {
        let sent = storage
            .open_streaming(&object)
            .map_err(|e| io::Error::other(e.to_string()))
            .and_then(|mut f| send_records(&opener, &mut f, &tx));
        if let Err(e) = sent {
            tracing::warn!(object, error = %e, "reading an opened part failed mid-stream");
            let _ = tx.blocking_send(Err(e));
        }
    });
    Ok(OpenedPartContent {
        name: part.name,
        len,
        sha256: part.plaintext_sha256,
        stream: Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|piece| (piece, rx))
        })),
    })
}

/// Whether `principal` is an active member of the section's committee while it evaluates.
pub(super) fn evaluating_member(
    c: &mut crate::db::AnyConnection,
    tender: &str,
    section: &str,
    principal: &str,
) -> AppResult<bool> {
    let Some(committee) = crepo::of_section(c, tender, section)? else {
        return Ok(false);
    };
    // Members read while they evaluate and while they check the report they sign.
    if !matches!(
        committee.state().map_err(AppError::internal)?,
        CommitteeState::Evaluating | CommitteeState::Reporting
    ) {
        return Ok(false);
    }
    Ok(crepo::members(c, &committee.id)?
        .iter()
        .any(|m| m.active && m.principal_id == principal))
}

/// Reads each record of the part from `f` into its own buffer, decrypts it there and sends its
/// plaintext on; stops when the response's reader has gone away.
fn send_records(
    opener: &RecordOpener,
    f: &mut impl Read,
    tx: &mpsc::Sender<Result<Bytes, io::Error>>,
) -> io::Result<()> {
    for position in 0..opener.records() {
        let mut record = vec![0u8; opener.record_len(position)];
        f.read_exact(&mut record)?;
        let plain = opener
            .open(position, &mut record)
            .map_err(|e| io::Error::other(e.to_string()))?
            .len();
        record.truncate(plain);
        tx.blocking_send(Ok(Bytes::from(record)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the reader went away"))?;
    }
    Ok(())
}
