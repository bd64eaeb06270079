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
//! every chunk is still authenticated as it is read (`seal::stream::open_stream_without_digests`),
//! and a failure mid-stream cuts the response short of its `Content-Length`.

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
use crate::seal::stream::open_stream_without_digests;
use crate::seal::stream::plaintext_len;
use crate::seal::Manifest;
use bytes::Bytes;
use bytes::BytesMut;
use futures_util::stream::BoxStream;
use serde_json::json;
use std::io;
use std::io::Write;
use tokio::sync::mpsc;

/// Plaintext bytes per message to the response.
const PIECE: usize = 1 << 20;
/// Messages in flight between the decrypting thread and the response.
const PIECES: usize = 4;

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
                Ok(()) => reader.audit_as(Role::Regulator),
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
    let (tx, rx) = mpsc::channel::<Result<Bytes, io::Error>>(PIECES);
    let (storage, object) = (ctx.storage.clone(), part.storage_key.clone());
    tokio::task::spawn_blocking(move || {
        let mut out = Pieces {
            tx: tx.clone(),
            buf: BytesMut::with_capacity(PIECE),
        };
        let done = storage
            .open(&object)
            .map_err(|e| io::Error::other(e.to_string()))
            .and_then(|f| {
                let reader = io::BufReader::with_capacity(PIECE, f);
                open_stream_without_digests(&key, &header, reader, &mut out)
                    .map_err(|e| io::Error::other(format!("{e:?}")))?;
                out.flush()
            });
        if let Err(e) = done {
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
fn evaluating_member(
    c: &mut crate::db::AnyConnection,
    tender: &str,
    section: &str,
    principal: &str,
) -> AppResult<bool> {
    let Some(committee) = crepo::of_section(c, tender, section)? else {
        return Ok(false);
    };
    if committee.state().map_err(AppError::internal)? != CommitteeState::Evaluating {
        return Ok(false);
    }
    Ok(crepo::members(c, &committee.id)?
        .iter()
        .any(|m| m.active && m.principal_id == principal))
}

/// The decrypting thread's output: plaintext gathered into [`PIECE`]-byte messages.
struct Pieces {
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
    buf: BytesMut,
}

impl Write for Pieces {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(PIECE - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == PIECE {
            self.flush()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let piece = std::mem::replace(&mut self.buf, BytesMut::with_capacity(PIECE)).freeze();
        self.tx
            .blocking_send(Ok(piece))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the reader went away"))
    }
}
