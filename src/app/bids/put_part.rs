//! `PUT /bid-uploads/{id}/parts/{index}` with `Upload-Offset: offset`: append the body to the
//! staged part, hashing as it goes, and checking the clock as bytes arrive. Memory is a few
//! in-flight chunks whatever the part size.
//!
//! One writer per part (issue 11, finding 3): a request first takes the part's lease in the
//! database (`db::repo::uploads::claim_part`, a conditional update, so it holds across nodes on
//! PostgreSQL as on SQLite); a second request for the same part meanwhile is refused with 409
//! `upload_busy` before it touches the staged file, and the lease is released when the request
//! ends (renewed while bytes arrive; one left by a dead node runs out after
//! `limits.part_lease_secs`). The same leases count a bidder's part uploads in flight on every
//! node (429 `too_many_uploads`); this node's own capacity is a semaphore (503 `server_busy`).
//! A body that sends nothing for `limits.body_idle_timeout_secs` is cut (408
//! `body_idle_timeout`), keeping what arrived. A bidder whose upload sends bytes that are not
//! the part (too many, or not hashing to its digest) gets a cooldown (`limits::Limits::strike`).
//! A part is complete only once its bytes are stored under their final, immutable name and hash
//! there to the manifest's digest (`storage::Store::finish_part`).

use super::*;
use crate::app::support::errors::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::clock::SharedClock;
use crate::db::repo::bids as repo;
use crate::db::repo::tenders as trepo;
use crate::db::repo::uploads as urepo;
use crate::db::types::from_db;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::bidding::BidRefusal;
use crate::domain::bidding::UploadState;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::storage::staging::Append;
use crate::storage::StorageError;
use crate::wire::bids::*;
use bytes::Bytes;
use chrono::DateTime;
use chrono::Duration;
use chrono::Utc;
use futures_util::Stream;
use futures_util::StreamExt;
use ring::digest;
use std::io::Read;
use std::path::PathBuf;

enum StreamEnd {
    Done,
    /// The client stopped sending (connection cut): keep what arrived.
    Interrupted,
    /// The client sent nothing for the idle timeout: keep what arrived, then refuse.
    Idle,
    Refused(AppError),
}

/// `PUT /bid-uploads/{id}/parts/{index}` with `Upload-Offset: offset`: append the body to the
/// staged part, hashing as it goes, and checking the clock as bytes arrive. Memory is a few
/// in-flight chunks whatever the part size.
pub async fn put_part<S, E>(
    ctx: &AppContext,
    actor: &Actor,
    upload_id: &str,
    index: u32,
    offset: u64,
    body: S,
) -> AppResult<PartStatus>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let org = actor.bidder_org()?;
    // This node's buffers and threads first: refused before any database work. A bidder over
    // its limit is answered only after the `Retry-After` it is given (at most 2 s): a client
    // that ignores it and asks again at once costs the node a sleeping connection, not a stream
    // of requests (the client library waits anyway).
    let _slot = match ctx.limits.upload_slot(&org) {
        Ok(slot) => slot,
        Err(e) => {
            if e.code == ErrorCode::TooManyUploads {
                let secs = e.retry_after.unwrap_or(1).min(2);
                tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
            }
            return Err(e);
        }
    };
    let mut lease = Lease {
        ctx: ctx.clone(),
        upload: upload_id.to_string(),
        index,
        writer: uuid::Uuid::new_v4().to_string(),
        held: false,
    };
    let (part, deadline) = match claim(ctx, actor, &org, &lease, offset).await {
        Ok(claimed) => claimed,
        Err(e) => {
            // A part another request holds, or one already complete, is no use asking for again
            // at once (the client library asks where the part stands and waits): answered after
            // a second, so a client hammering it costs a sleeping connection.
            if e.code == ErrorCode::UploadBusy || e.detail == PART_COMPLETE {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            return Err(e);
        }
    };
    lease.held = true;
    let result = receive(ctx, actor, &mut lease, part, deadline, offset, body).await;
    lease.release().await;
    result
}

/// A part's writer lease held by this request. Released when the request ends; if the request
/// is dropped half-way (the client went away), released in the background.
struct Lease {
    ctx: AppContext,
    upload: String,
    index: u32,
    writer: String,
    held: bool,
}

impl Lease {
    fn secs(&self) -> i64 {
        self.ctx.settings.limits.part_lease_secs as i64
    }

    /// When to renew: a third of the lease after `now`.
    fn renew_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::milliseconds(self.secs() * 1000 / 3)
    }

    /// Extend the lease; false when another writer has the part now.
    async fn renew(&self) -> AppResult<bool> {
        let (id, index, w) = (self.upload.clone(), self.index as i32, self.writer.clone());
        let until = to_db(self.ctx.clock.now() + Duration::seconds(self.secs()));
        self.ctx
            .db
            .write(move |c| Ok(urepo::renew_part(c, &id, index, &w, until)?))
            .await
    }

    async fn release(&mut self) {
        if !self.held {
            return;
        }
        self.held = false;
        let (id, index, w) = (self.upload.clone(), self.index as i32, self.writer.clone());
        let released = self
            .ctx
            .db
            .write(move |c| Ok(urepo::release_part(c, &id, index, &w)?))
            .await;
        if let Err(e) = released {
            // The lease runs out by itself after `limits.part_lease_secs`.
            tracing::warn!(upload = %self.upload, part = self.index, error = %e,
                "releasing a part lease failed");
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if !self.held {
            return;
        }
        let (db, id, index, w) = (
            self.ctx.db.clone(),
            self.upload.clone(),
            self.index as i32,
            self.writer.clone(),
        );
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let _ = db
                    .write(move |c| Ok(urepo::release_part(c, &id, index, &w)?))
                    .await;
            });
        }
    }
}

fn busy(index: u32) -> AppError {
    AppError::new(
        ErrorCode::UploadBusy,
        format!(
            "another request is sending part {index} now; it keeps the part until it ends \
             (ask GET /bid-uploads/{{id}} where it stands, then resume)"
        ),
    )
}

/// What a part upload must find before it may take the part: the upload open and the caller's,
/// the tender taking bids, the part in the manifest.
fn load_part(
    c: &mut AnyConnection,
    actor: &Actor,
    upload: &str,
    index: u32,
    now: DateTime<Utc>,
) -> AppResult<(repo::UploadPartRow, DateTime<Utc>)> {
    let u = own_upload(c, actor, upload)?;
    if u.state()? != UploadState::Open {
        return Err(AppError::new(
            ErrorCode::UploadClosed,
            format!("the upload is {}", u.state),
        ));
    }
    let row = trepo::find_tender(c, &u.tender_id)?
        .ok_or_else(|| internal(anyhow::anyhow!("upload of a missing tender")))?;
    check_accepting(&row, now)?;
    let part = repo::upload_parts(c, &u.id)?
        .into_iter()
        .find(|p| p.part_index as u32 == index)
        .ok_or_else(|| AppError::not_found(format!("the manifest has no part {index}")))?;
    Ok((part, from_db(row.bid_deadline)))
}

/// Take the part's lease, checking on the way that the upload is open, the tender takes bids,
/// the bidder has room for one more part upload in flight and `offset` is where the part
/// stands. A refusal rolls the transaction back: nothing changes. The same checks are read
/// first without a write, so a request that would be refused (a part held or complete, a
/// wrong offset) never waits for the write connection nor holds it up for others.
async fn claim(
    ctx: &AppContext,
    actor: &Actor,
    org: &str,
    lease: &Lease,
    offset: u64,
) -> AppResult<(repo::UploadPartRow, DateTime<Utc>)> {
    let (a, org, id, w, index) = (
        actor.clone(),
        org.to_string(),
        lease.upload.clone(),
        lease.writer.clone(),
        lease.index,
    );
    let now = ctx.clock.now();
    let until = to_db(now + Duration::seconds(lease.secs()));
    let per_bidder = i64::from(ctx.settings.limits.max_part_uploads_per_bidder);
    let (ra, rid) = (a.clone(), id.clone());
    ctx.db
        .read_primary(move |c| {
            let (part, _) = load_part(c, &ra, &rid, index, now)?;
            if urepo::part_held_until(c, &rid, index as i32)?.is_some_and(|t| t > to_db(now)) {
                return Err(busy(index));
            }
            check_offset(&part, offset)
        })
        .await?;
    ctx.db
        .write(move |c| {
            let (part, deadline) = load_part(c, &a, &id, index, now)?;
            urepo::lock_organisation(c, &org)?;
            if !urepo::claim_part(c, &id, index as i32, &w, to_db(now), until)? {
                return Err(busy(index));
            }
            // The count includes the lease just taken.
            if urepo::live_writers_of(c, &org, to_db(now))? > per_bidder {
                return Err(crate::limits::too_many_uploads(per_bidder as u32));
            }
            check_offset(&part, offset)?;
            Ok((part, deadline))
        })
        .await
}

const PART_COMPLETE: &str = "this part is complete";

fn check_offset(part: &repo::UploadPartRow, offset: u64) -> AppResult<()> {
    if part.complete {
        return Err(offset_mismatch(PART_COMPLETE.into(), part.received));
    }
    if offset != part.received as u64 {
        return Err(offset_mismatch(
            format!(
                "Upload-Offset is {offset}, the server has {} bytes of this part",
                part.received
            ),
            part.received,
        ));
    }
    Ok(())
}

/// Receive the body into the staged part while holding its lease, store the part when it is
/// whole, and record where it stands.
async fn receive<S, E>(
    ctx: &AppContext,
    actor: &Actor,
    lease: &mut Lease,
    part: repo::UploadPartRow,
    deadline: DateTime<Utc>,
    offset: u64,
    mut body: S,
) -> AppResult<PartStatus>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let (upload_id, index) = (lease.upload.clone(), lease.index);
    let upload_id = upload_id.as_str();
    let path = ctx.storage.staging_path(upload_id, index);
    let staged = tokio::fs::metadata(&path)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    // This node's writer of the staged file for the whole request, up to storing the part: the
    // database lease may have run out under a stalled request whose blocks are still in flight.
    let Some(claim) = ctx.storage.claim_staging(upload_id, index) else {
        return Err(busy(index));
    };
    let remembered = ctx.uploads.take(upload_id, index);
    let hasher = match remembered {
        Some((at, h)) if at == offset && staged >= offset => h,
        _ => match rehash_prefix(path.clone(), offset).await {
            Ok(h) => h,
            // The staged prefix is not on this node (another node took the earlier requests,
            // or this one lost its scratch): the part starts again from byte 0.
            Err(e) => {
                tracing::warn!(upload = upload_id, part = index, error = %e.detail,
                    "staged prefix unavailable here; the part restarts");
                return Err(restart_part(ctx, actor, upload_id, index, offset).await);
            }
        },
    };
    let total = part.ciphertext_len as u64;

    // This task receives, checks and copies into blocks; a thread hashes each block, another
    // writes it (storage::staging). Memory is the few blocks in flight whatever the part size.
    let mut append = Append::start(claim.clone(), offset, hasher)
        .await
        .map_err(|e| internal(anyhow::anyhow!("staging write: {e}")))?;
    let clock: SharedClock = ctx.clock.clone();
    let idle = std::time::Duration::from_secs(ctx.settings.limits.body_idle_timeout_secs);
    let mut renew_at = lease.renew_at(clock.now());
    let mut sent = 0u64;
    let end = loop {
        let next = match tokio::time::timeout(idle, body.next()).await {
            Ok(next) => next,
            Err(_) => break StreamEnd::Idle,
        };
        match next {
            None => break StreamEnd::Done,
            Some(Err(e)) => {
                tracing::info!(upload = upload_id, part = index, error = %e,
                    "part upload interrupted");
                break StreamEnd::Interrupted;
            }
            Some(Ok(chunk)) => {
                let now = clock.now();
                if now >= deadline {
                    break StreamEnd::Refused(refusal(BidRefusal::DeadlinePassed, deadline));
                }
                if offset + sent + chunk.len() as u64 > total {
                    break StreamEnd::Refused(AppError::new(
                        ErrorCode::PartTooLong,
                        format!("part {index} is {total} bytes long; more was sent"),
                    ));
                }
                if now >= renew_at {
                    match lease.renew().await {
                        Ok(true) => renew_at = lease.renew_at(now),
                        Ok(false) => break StreamEnd::Refused(busy(index)),
                        Err(e) => break StreamEnd::Refused(e),
                    }
                }
                sent += chunk.len() as u64;
                // An error means the writer stopped; `finish` says why.
                if append.push(&chunk).await.is_err() {
                    break StreamEnd::Done;
                }
            }
        }
    };
    let (written, hasher) = append
        .finish()
        .await
        .map_err(|e| internal(anyhow::anyhow!("staging write: {e}")))?;
    if let StreamEnd::Refused(e) = end {
        if e.code == ErrorCode::PartTooLong {
            ctx.limits.strike(&actor_org(actor));
        }
        // Nothing of this request counts; the staged tail is cut off by the next request.
        return Err(e);
    }
    let received = offset + written;
    let complete = received == total;
    let mut digest_ok = true;
    if complete {
        let got = hex::encode(hasher.finish().as_ref());
        digest_ok = got == part.ciphertext_sha256;
        if digest_ok {
            // The part counts as complete only once it is stored for good under its final name
            // and hashes there to the manifest's digest; if that fails the part stays at
            // `offset` and the client sends the tail again.
            ctx.storage
                .finish_part(&claim, upload_id, index, &got)
                .await
                .map_err(|e| match e {
                    StorageError::DigestMismatch { .. } => {
                        internal(anyhow::anyhow!("storing part {index} of {upload_id}: {e}"))
                    }
                    e => AppError::unavailable(anyhow::anyhow!("storing part {index}: {e}")),
                })?;
        }
    } else {
        ctx.uploads.put(upload_id, index, received, hasher);
    }
    let saved = commit(
        ctx, actor, lease, part, offset, received, complete, digest_ok,
    )
    .await?;
    if saved.complete {
        ctx.limits.forgive(&actor_org(actor));
    }
    if !digest_ok {
        ctx.limits.strike(&actor_org(actor));
        let _ = std::fs::remove_file(&path);
        return Err(AppError::new(
            ErrorCode::PartDigestMismatch,
            format!(
                "part {index} does not hash to the manifest's ciphertext_sha256; \
                 send it again from offset 0"
            ),
        ));
    }
    match end {
        StreamEnd::Interrupted => {
            tracing::info!(
                upload = upload_id,
                part = index,
                received,
                "kept the bytes of an interrupted part"
            );
        }
        StreamEnd::Idle => {
            let mut e = AppError::new(
                ErrorCode::BodyIdleTimeout,
                format!(
                    "nothing arrived for {} s; the bytes before are kept",
                    idle.as_secs()
                ),
            );
            e.errors = offset_mismatch(String::new(), saved.received).errors;
            return Err(e);
        }
        _ => {}
    }
    Ok(part_view(&saved))
}

fn actor_org(actor: &Actor) -> String {
    actor.organisation_id.clone().unwrap_or_default()
}

/// Record where the part stands and give up its lease, in one transaction; refused if the
/// lease was lost meanwhile (it ran out and another request took the part).
#[allow(clippy::too_many_arguments)]
async fn commit(
    ctx: &AppContext,
    actor: &Actor,
    lease: &mut Lease,
    part: repo::UploadPartRow,
    offset: u64,
    received: u64,
    complete: bool,
    digest_ok: bool,
) -> AppResult<repo::UploadPartRow> {
    let (a, id, w, index, now) = (
        actor.clone(),
        lease.upload.clone(),
        lease.writer.clone(),
        lease.index,
        ctx.clock.now(),
    );
    let mut row = part;
    let saved = ctx
        .db
        .write(move |c| {
            let mut u = own_upload(c, &a, &id)?;
            if u.state()? != UploadState::Open {
                return Err(AppError::new(
                    ErrorCode::UploadClosed,
                    format!("the upload is {}", u.state),
                ));
            }
            if !urepo::holds_part(c, &id, index as i32, &w)? {
                return Err(busy(index));
            }
            let current = repo::upload_parts(c, &u.id)?
                .into_iter()
                .find(|p| p.part_index as u32 == index)
                .ok_or_else(|| internal(anyhow::anyhow!("part vanished")))?;
            if current.received != offset as i64 {
                return Err(internal(anyhow::anyhow!(
                    "part {index} moved on while its writer held the lease"
                )));
            }
            row.received = if digest_ok { received as i64 } else { 0 };
            row.complete = complete && digest_ok;
            repo::update_upload_part(c, &row)?;
            urepo::release_part(c, &id, index as i32, &w)?;
            u.updated_at = to_db(now);
            repo::update_upload(c, &u)?;
            Ok(row)
        })
        .await?;
    lease.held = false;
    Ok(saved)
}

/// 409 with the server's offset in `errors[0]` (field `Upload-Offset`), so a client resumes
/// without another round trip.
fn offset_mismatch(detail: String, received: i64) -> AppError {
    let mut e = AppError::new(ErrorCode::UploadOffsetMismatch, detail);
    e.errors.push(crate::error::FieldError {
        field: "Upload-Offset".into(),
        code: "expected".into(),
        message: received.to_string(),
    });
    e
}

/// Set a part whose staged prefix is gone back to byte 0 and answer with where to resume.
async fn restart_part(
    ctx: &AppContext,
    actor: &Actor,
    upload_id: &str,
    index: u32,
    offset: u64,
) -> AppError {
    let (a, id, now) = (actor.clone(), upload_id.to_string(), ctx.clock.now());
    let reset = ctx
        .db
        .write(move |c| {
            let mut u = own_upload(c, &a, &id)?;
            let mut part = repo::upload_parts(c, &u.id)?
                .into_iter()
                .find(|p| p.part_index as u32 == index)
                .ok_or_else(|| internal(anyhow::anyhow!("part vanished")))?;
            if part.received == offset as i64 && !part.complete {
                part.received = 0;
                repo::update_upload_part(c, &part)?;
                u.updated_at = to_db(now);
                repo::update_upload(c, &u)?;
            }
            Ok(part.received)
        })
        .await;
    match reset {
        Ok(received) => offset_mismatch(
            "this node does not hold the part's earlier bytes; send it again from the offset given"
                .into(),
            received,
        ),
        Err(e) => e,
    }
}

async fn rehash_prefix(path: PathBuf, len: u64) -> AppResult<digest::Context> {
    tokio::task::spawn_blocking(move || -> std::io::Result<digest::Context> {
        let mut ctx = digest::Context::new(&digest::SHA256);
        if len == 0 {
            return Ok(ctx);
        }
        let mut f = std::fs::File::open(&path)?.take(len);
        let mut buf = vec![0u8; 1 << 20];
        let mut seen = 0u64;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            ctx.update(&buf[..n]);
            seen += n as u64;
        }
        if seen != len {
            return Err(std::io::Error::other(
                "staged part is shorter than recorded",
            ));
        }
        Ok(ctx)
    })
    .await
    .map_err(internal)?
    .map_err(|e| internal(anyhow::anyhow!("rehash staged part: {e}")))
}
