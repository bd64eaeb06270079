//! `GET /api/v1/tenders/{tender}/archive`: the tender's archive, streamed.
//!
//! Who: the tender's own parties (tenderer, agent, agent staff) and the regulators of its
//! supervising department. When: `support::archive::ready` (every section's notices issued,
//! for now). The export is audited (`archive_exported`) before the first byte leaves.
//!
//! What goes in is a list of archive items, each a source of bytes and the entry it is tied to:
//! the tender documents (tied to their `document_uploaded`, which records their digest), every
//! document of every opened bid decrypted (tied to the bid's `decryption_attempted`, which
//! records the plaintext digest the opening checked against the bid's signature; see
//! [`Digest`]), the notices (tied to `award_notices_issued`, which
//! records each notice's digest) and the bodies of the audited steps listed in [`RECORDS`]
//! (each tied to itself). Nothing still sealed is in it: bids not opened, the bids' summaries
//! (part 0: their public fields are in the opening record, their preparation record stays
//! sealed), sealed events. Only entries the latest signed checkpoint covers are tied.
//!
//! Memory: the items are planned in one transaction (metadata only); a task then streams each
//! item through a small bounded channel, hashing what the log does not already vouch for on the
//! way, and appends the manifest last. Speed: an opened part is read and decrypted on a
//! blocking thread, and the next item is started while this one is sent, so on two cores one
//! part is decrypted while the one before it goes out (docs/ARCHIVE.md, "Figures").

use std::collections::BTreeMap;
use std::io;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::app::support::errors::internal;
use crate::app::support::{archive, departments, opened, tender as support_tender};
use crate::app::{Actor, AppContext};
use crate::audit::archive::{
    header, listing_sha256, padding, ItemKind, Manifest, ManifestEntry, ManifestFile, Tie,
    ARCHIVE_FORMAT, END, MANIFEST_PATH,
};
use crate::audit::merkle;
use crate::audit::sequencer::DbNodeReader;
use crate::audit::{self, sha256_hex, Event, EventType};
use crate::db::repo::audit::AuditEventRow;
use crate::db::repo::audit_log::{self as log_repo, EntryRow, Scope};
use crate::db::repo::award_notices as nrepo;
use crate::db::repo::bids as brepo;
use crate::db::repo::tenders as trepo;
use crate::db::AnyConnection;
use crate::domain::bidding::BidState;
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult};

/// The audited steps whose event bodies are archived as records: announcements, the tender's
/// changes of course, answers, the opening, the committees, the reports, the award's steps,
/// ballots and notices. Not downloads, not questions' askers, nothing sealed.
pub const RECORDS: &[EventType] = &[
    EventType::TenderPublished,
    EventType::TenderAmended,
    EventType::TenderSuspended,
    EventType::TenderResumed,
    EventType::TenderTerminated,
    EventType::TenderCancelled,
    EventType::TenderClosed,
    EventType::QuestionAnswered,
    EventType::ObjectionAnswered,
    EventType::OpeningRecordPublished,
    EventType::OpeningResponseAnswered,
    EventType::OpeningClosed,
    EventType::TenderOpeningFinished,
    EventType::DrawRevealed,
    EventType::CommitteeFormed,
    EventType::EvaluationReportGenerated,
    EventType::EvaluationReportSigned,
    EventType::EvaluationReportCompleted,
    EventType::TenderEvaluationFinished,
    EventType::AwardCommitteeFormed,
    EventType::AwardStepOpened,
    EventType::AwardBallotCast,
    EventType::AwardStepClosed,
    EventType::AwardDecided,
    EventType::AwardWinnerNamed,
    EventType::AwardReportGenerated,
    EventType::AwardReportSigned,
    EventType::AwardReportCompleted,
    EventType::AwardCandidatesPublished,
    EventType::AwardObjectionAnswered,
    EventType::AwardWinnerDroppedOut,
    EventType::AwardSentBack,
    EventType::BidValidityExtensionRequested,
    EventType::BidValidityAnswered,
    EventType::BidValidityExtensionClosed,
    EventType::AwardNoticesIssued,
    EventType::AwardWrittenReportFiled,
    EventType::ContractDrafted,
    EventType::PerformanceBondRecorded,
    EventType::ContractSignatureAdded,
    EventType::ContractSigned,
    EventType::ContractChangeProposed,
    EventType::ContractChangeSigned,
    EventType::ContractChangeEffective,
    EventType::ContractTerminated,
    EventType::ContractCompleted,
    EventType::BondRefundsDue,
    EventType::BondRefunded,
];

/// Chunks in flight between the archive's writer task and the response.
const CHUNKS_IN_FLIGHT: usize = 8;

/// Items started (an opened part being read and decrypted on its own blocking thread) while the
/// one before them is sent.
const ITEMS_AHEAD: usize = 2;

/// Records (1 MiB) an opened part may decrypt ahead of the response: with [`ITEMS_AHEAD`], a
/// bound of `(1 + ITEMS_AHEAD) * RECORDS_AHEAD` MiB of plaintext waiting per export (a 10 MiB
/// document is read whole while the one before it goes out). The buffers are the export's own
/// [`opened::RecordBuffers`], reused from one record to the next.
const RECORDS_AHEAD: usize = 10;

/// The archive on its way to the caller.
pub struct ArchiveDownload {
    /// `<tender>.tar`
    pub file_name: String,
    /// Files in it, the manifest aside.
    pub files: usize,
    /// The tar bytes; an error (a stored file gone or changed) ends it short.
    pub stream: BoxStream<'static, Result<Bytes, io::Error>>,
}

/// Where an item's bytes come from.
enum Source {
    /// A stored object (tender documents; later the contract's).
    Stored(String),
    /// A part of an opened bid, decrypted as it streams.
    Opened(Box<(brepo::BidRow, brepo::BidPartRow)>, Digest),
    /// Bytes at hand (notices, records).
    Inline(Bytes),
}

/// Where an opened part's digest in the manifest comes from.
#[derive(Clone, Copy)]
enum Digest {
    /// The one its bid's opening entry logged: every record is authenticated by AES-GCM under
    /// the part's own key as it is read (counter and final flag in the nonce), so bytes that
    /// decrypt to the stated length are the bytes the opening hashed, and hashing them again
    /// would cost a core's second per 2 GB for nothing the manifest does not already say
    /// (`etender archive verify` hashes every file offline).
    Logged,
    /// Computed as it streams: bids opened before openings logged their digests.
    Computed,
}

struct Item {
    file: ManifestFile,
    source: Source,
    /// What the bytes must hash to (the digest the platform holds for them).
    expected: String,
}

struct Plan {
    items: Vec<Item>,
    entries: Vec<ManifestEntry>,
    checkpoint: String,
}

pub async fn export(ctx: &AppContext, actor: &Actor, tender: &str) -> AppResult<ArchiveDownload> {
    let (t, actor, now) = (tender.to_string(), actor.clone(), ctx.clock.now());
    let plan = ctx
        .db
        .write(move |c| {
            let (row, by) = authorize(c, &actor, &t)?;
            archive::ready(c, &row)?;
            let plan = plan(c, &row)?;
            let bytes: u64 = plan.items.iter().map(|i| i.file.size).sum();
            let listing = listing_sha256(
                plan.items
                    .iter()
                    .map(|i| (i.expected.as_str(), i.file.path.as_str())),
            );
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::ArchiveExported,
                    tender_id: Some(t.clone()),
                    section_id: None,
                    actor: by,
                    subject: t.clone(),
                    body: json!({"tender": t, "files": plan.items.len(), "bytes": bytes,
                        "entries": plan.entries.len(), "checkpoint": plan.checkpoint,
                        "listing_sha256": listing}),
                },
            )?;
            Ok(plan)
        })
        .await?;
    let manifest = Manifest {
        format: ARCHIVE_FORMAT.into(),
        origin: ctx.audit_log.origin().to_owned(),
        tender: tender.to_string(),
        created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        checkpoint: plan.checkpoint,
        entries: plan.entries,
        files: Vec::with_capacity(plan.items.len()),
    };
    let files = plan.items.len();
    let (tx, rx) = mpsc::channel::<Result<Bytes, io::Error>>(CHUNKS_IN_FLIGHT);
    let (ctx, mtime) = (ctx.clone(), now.timestamp().max(0) as u64);
    tokio::spawn(async move {
        if let Err(e) = write(&ctx, plan.items, manifest, mtime, &tx).await {
            tracing::warn!(error = %e, "an archive export ended short");
            let _ = tx.send(Err(e)).await;
        }
    });
    Ok(ArchiveDownload {
        file_name: format!("{tender}.tar"),
        files,
        stream: Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|piece| (piece, rx))
        })),
    })
}

/// The tender's parties, or a regulator of its supervising department; with how the export is
/// audited.
fn authorize(
    c: &mut AnyConnection,
    actor: &Actor,
    tender: &str,
) -> AppResult<(trepo::TenderRow, audit::ActorRef)> {
    if actor.has(Role::Regulator) {
        departments::require_supervisor(c, actor, tender)?;
        let row =
            trepo::find_tender(c, tender)?.ok_or_else(|| AppError::not_found("no such tender"))?;
        return Ok((row, actor.audit_as(Role::Regulator)));
    }
    let row = support_tender::load_as_party(c, actor, tender).map_err(|e| {
        if e.code == crate::error::ErrorCode::Forbidden {
            AppError::forbidden("the tender's own parties and its regulators export its archive")
        } else {
            e
        }
    })?;
    Ok((row, actor.audit_ref()))
}

/// What the archive holds and the entries it ties, at the latest checkpoint.
fn plan(c: &mut AnyConnection, row: &trepo::TenderRow) -> AppResult<Plan> {
    let cp = log_repo::latest_checkpoint(c)?
        .ok_or_else(|| AppError::conflict("the audit log has no signed checkpoint yet"))?;
    let size = cp.tree_size;
    let rows = log_repo::entries(c, &Scope::Tender(row.id.clone()), 0, size, i64::MAX)?;
    let logged: Vec<(EntryRow, AuditEventRow, Value)> = rows
        .into_iter()
        .filter_map(|(e, ev)| ev.map(|ev| (e, ev)))
        .map(|(e, ev)| {
            let body = serde_json::from_str(&ev.body).unwrap_or(Value::Null);
            (e, ev, body)
        })
        .collect();
    let not_covered = |what: &str| {
        AppError::conflict(format!(
            "{what} is not in a signed checkpoint yet; export again after the next one"
        ))
    };
    let find = |kind: EventType, pick: &dyn Fn(&AuditEventRow, &Value) -> bool| {
        logged
            .iter()
            .find(|(_, ev, body)| ev.event_type == kind.as_str() && pick(ev, body))
    };
    let mut items = Vec::new();
    let mut tied: BTreeMap<i64, Option<String>> = BTreeMap::new();
    for d in trepo::documents(c, &row.id)?
        .into_iter()
        .filter(|d| d.published_version.is_some())
    {
        let (e, ev, _) = find(EventType::DocumentUploaded, &|_, b| b["document"] == d.id)
            .ok_or_else(|| not_covered(&format!("document {}", d.id)))?;
        tied.insert(e.log_index, Some(ev.body.clone()));
        items.push(Item {
            file: file(
                format!("documents/{}", d.id),
                d.file_name,
                ItemKind::Document,
                d.size as u64,
                d.content_type,
                (e, Some(d.sha256.clone())),
            ),
            source: Source::Stored(d.storage_key),
            expected: d.sha256,
        });
    }
    let draft = support_tender::published_draft(c, row)?;
    for s in &draft.sections {
        let opened = brepo::bids_of_section(c, &row.id, &s.code, &[BidState::Opened])?;
        if opened.is_empty() {
            continue;
        }
        let (e, _, _) = find(EventType::OpeningRecordPublished, &|ev, _| {
            ev.section_id.as_deref() == Some(s.code.as_str())
        })
        .ok_or_else(|| not_covered(&format!("the opening record of section {}", s.code)))?;
        tied.entry(e.log_index).or_insert(None);
        for bid in opened {
            // The bid's opening entry records its documents' plaintext digests (openings before
            // it did are tied to the opening record and hashed as they stream).
            let opening = find(EventType::DecryptionAttempted, &|_, b| {
                b["bid"] == bid.id.as_str() && b["outcome"] == "opened"
            });
            for part in brepo::bid_parts(c, &bid.id)? {
                // Part 0, the summary, carries the sealed preparation record.
                let Some(sha) = part
                    .plaintext_sha256
                    .clone()
                    .filter(|_| part.part_index > 0)
                else {
                    continue;
                };
                let logged = opening.and_then(|(e, ev, b)| {
                    let listed = b["documents"].as_array()?;
                    let d = listed.iter().find(|d| d["part"] == part.part_index)?;
                    Some((e, ev, d["plaintext_sha256"].as_str()?.to_string()))
                });
                let (tie, digest) = match logged {
                    Some((e, ev, logged)) => {
                        if logged != sha {
                            return Err(internal(anyhow::anyhow!(
                                "part {} of bid {}: the stored plaintext digest is not the one \
                                 the opening logged",
                                part.part_index,
                                bid.id
                            )));
                        }
                        tied.insert(e.log_index, Some(ev.body.clone()));
                        ((e, Some(logged)), Digest::Logged)
                    }
                    None => ((e, None), Digest::Computed),
                };
                let len = crate::seal::stream::plaintext_len(part.ciphertext_len as u64)
                    .ok_or_else(|| internal(anyhow::anyhow!("part with impossible length")))?;
                items.push(Item {
                    file: file(
                        format!("bids/{}/{}", bid.id, part.part_index),
                        part.name.clone(),
                        ItemKind::BidDocument,
                        len,
                        "application/octet-stream".into(),
                        tie,
                    ),
                    source: Source::Opened(Box::new((bid.clone(), part)), digest),
                    expected: sha,
                });
            }
        }
    }
    for n in nrepo::of_tender(c, &row.id)? {
        let (e, ev, _) = find(EventType::AwardNoticesIssued, &|_, b| {
            b["notices"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["id"] == n.id))
        })
        .ok_or_else(|| not_covered(&format!("notice {}", n.id)))?;
        tied.insert(e.log_index, Some(ev.body.clone()));
        let bytes = Bytes::from(n.document.into_bytes());
        items.push(Item {
            file: file(
                format!("notices/{}.txt", n.id),
                format!("{}-{}.txt", n.kind, n.bid_id),
                ItemKind::Notice,
                bytes.len() as u64,
                "text/plain; charset=utf-8".into(),
                (e, Some(n.digest.clone())),
            ),
            source: Source::Inline(bytes),
            expected: n.digest,
        });
    }
    for (e, ev, _) in &logged {
        if !RECORDS.iter().any(|k| k.as_str() == ev.event_type) {
            continue;
        }
        tied.entry(e.log_index).or_insert(None);
        let sha = sha256_hex(ev.body.as_bytes());
        let bytes = Bytes::from(ev.body.clone().into_bytes());
        items.push(Item {
            file: file(
                format!("records/{}-{}.json", e.log_index, ev.event_type),
                format!("{}.json", ev.event_type),
                ItemKind::Record,
                bytes.len() as u64,
                "application/json".into(),
                (e, Some(sha.clone())),
            ),
            source: Source::Inline(bytes),
            expected: sha,
        });
    }
    let leaves: BTreeMap<i64, &EntryRow> =
        logged.iter().map(|(e, _, _)| (e.log_index, e)).collect();
    let mut entries = Vec::with_capacity(tied.len());
    for (index, body) in tied {
        let proof = merkle::inclusion_proof(index as u64, size as u64, &DbNodeReader::new(c))
            .map_err(|e| internal(anyhow::anyhow!("inclusion proof: {e}")))?;
        entries.push(ManifestEntry {
            index: index as u64,
            leaf: B64.encode(&leaves[&index].leaf),
            inclusion_proof: proof.iter().map(|h| B64.encode(h)).collect(),
            body,
        });
    }
    Ok(Plan {
        items,
        entries,
        checkpoint: cp.signed_note,
    })
}

/// A manifest line before its bytes are hashed (`sha256` is filled in as it streams).
fn file(
    path: String,
    name: String,
    kind: ItemKind,
    size: u64,
    media_type: String,
    (entry, recorded): (&EntryRow, Option<String>),
) -> ManifestFile {
    ManifestFile {
        path,
        name,
        kind,
        size,
        sha256: String::new(),
        media_type,
        entry: Tie {
            index: entry.log_index as u64,
            event_id: entry.event_id.clone(),
            recorded_sha256: recorded,
        },
    }
}

/// An item's bytes on their way.
enum Body {
    /// Hashed here, on the way to the response (stored documents, bytes at hand: small).
    Plain(BoxStream<'static, Result<Bytes, io::Error>>),
    /// An opened part whose digest the log holds: authenticated as it is decrypted.
    Authenticated(BoxStream<'static, Result<Bytes, io::Error>>),
    /// An opened part, hashed on its decrypting thread.
    Hashed(opened::HashedPlaintext),
}

async fn start(
    ctx: &AppContext,
    source: Source,
    buffers: &opened::RecordBuffers,
) -> io::Result<Body> {
    Ok(match source {
        Source::Inline(b) => {
            Body::Plain(Box::pin(futures_util::stream::once(async move { Ok(b) })))
        }
        Source::Stored(key) => {
            Body::Plain(ctx.storage.read(&key).await.map_err(io::Error::other)?.1)
        }
        Source::Opened(bp, Digest::Logged) => Body::Authenticated(
            opened::plaintext_stream_ahead(ctx, &bp.0, &bp.1, RECORDS_AHEAD, buffers)
                .map_err(|e| io::Error::other(e.to_string()))?
                .1,
        ),
        Source::Opened(bp, Digest::Computed) => Body::Hashed(
            opened::hashed_plaintext_stream(ctx, &bp.0, &bp.1, RECORDS_AHEAD, buffers)
                .map_err(|e| io::Error::other(e.to_string()))?,
        ),
    })
}

/// Streams every item (header, bytes hashed on the way where the log holds no digest, padding),
/// then the manifest. The next [`ITEMS_AHEAD`] items are started before this one is sent, so an
/// opened part is read and decrypted on its blocking thread while the one before it goes out.
async fn write(
    ctx: &AppContext,
    items: Vec<Item>,
    mut manifest: Manifest,
    mtime: u64,
    tx: &mpsc::Sender<Result<Bytes, io::Error>>,
) -> io::Result<()> {
    let send = |b: Bytes| async move {
        tx.send(Ok(b))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the reader went away"))
    };
    let mut items = items.into_iter();
    let buffers = opened::RecordBuffers::default();
    let mut started = std::collections::VecDeque::with_capacity(ITEMS_AHEAD + 1);
    loop {
        while started.len() <= ITEMS_AHEAD {
            let Some(item) = items.next() else { break };
            let body = start(ctx, item.source, &buffers).await?;
            started.push_back((item.file, item.expected, body));
        }
        let Some((mut f, expected, body)) = started.pop_front() else {
            break;
        };
        send(Bytes::copy_from_slice(&header(&f.path, f.size, mtime)?)).await?;
        let mut n = 0u64;
        let sha = match body {
            Body::Plain(mut stream) => {
                let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk?;
                    n += chunk.len() as u64;
                    if n > f.size {
                        break;
                    }
                    hash.update(&chunk);
                    send(chunk).await?;
                }
                hex::encode(hash.finish())
            }
            Body::Authenticated(mut stream) => {
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk?;
                    n += chunk.len() as u64;
                    if n > f.size {
                        break;
                    }
                    send(chunk).await?;
                }
                expected.clone()
            }
            Body::Hashed(opened::HashedPlaintext {
                mut stream, sha256, ..
            }) => {
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk?;
                    n += chunk.len() as u64;
                    if n > f.size {
                        break;
                    }
                    send(chunk).await?;
                }
                // The digest of every byte the stream yielded, sent once it yielded its last; a
                // stream cut short (dropped here) sends none.
                drop(stream);
                match sha256.await {
                    Ok(d) if n == f.size => hex::encode(d),
                    _ => String::new(),
                }
            }
        };
        if n != f.size || sha != expected {
            return Err(io::Error::other(format!(
                "{}: {n} bytes with SHA-256 {sha}, expected {} bytes with {expected}",
                f.path, f.size
            )));
        }
        let pad = padding(f.size);
        if pad > 0 {
            send(Bytes::from(vec![0u8; pad])).await?;
        }
        f.sha256 = sha;
        manifest.files.push(f);
    }
    let m = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
    let len = m.len() as u64;
    send(Bytes::copy_from_slice(&header(MANIFEST_PATH, len, mtime)?)).await?;
    send(Bytes::from(m)).await?;
    let mut tail = vec![0u8; padding(len)];
    tail.extend_from_slice(&END);
    send(Bytes::from(tail)).await
}
