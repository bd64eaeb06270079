//! `PUT /bid-uploads/{id}/parts/{index}` with `Upload-Offset: offset`: append the body to the
//! staged part, hashing as it goes, and checking the clock as bytes arrive. Memory is a few
//! in-flight chunks whatever the part size.

use super::*;
use crate::app::support::errors::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::clock::SharedClock;
use crate::db::repo::bids as repo;
use crate::db::repo::tenders as trepo;
use crate::db::types::from_db;
use crate::db::types::to_db;
use crate::domain::bidding::BidRefusal;
use crate::domain::bidding::UploadState;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::storage::staging::Append;
use crate::wire::bids::*;
use bytes::Bytes;
use futures_util::Stream;
use futures_util::StreamExt;
use ring::digest;
use std::io::Read;
use std::path::PathBuf;

enum StreamEnd {
    Done,
    /// The client stopped sending (connection cut): keep what arrived.
    Interrupted,
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
    mut body: S,
) -> AppResult<PartStatus>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let (a, id, now) = (actor.clone(), upload_id.to_string(), ctx.clock.now());
    let (part, deadline) = ctx
        .db
        .read_primary(move |c| {
            let u = own_upload(c, &a, &id)?;
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
        })
        .await?;
    if part.complete {
        return Err(offset_mismatch(
            "this part is complete".into(),
            part.received,
        ));
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
    let path = ctx.storage.staging_path(upload_id, index);
    let staged = tokio::fs::metadata(&path)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
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
    let mut append = Append::start(path.clone(), offset, hasher)
        .await
        .map_err(|e| internal(anyhow::anyhow!("staging write: {e}")))?;
    let clock: SharedClock = ctx.clock.clone();
    let mut sent = 0u64;
    let end = loop {
        match body.next().await {
            None => break StreamEnd::Done,
            Some(Err(e)) => {
                tracing::info!(upload = upload_id, part = index, error = %e, "part upload interrupted");
                break StreamEnd::Interrupted;
            }
            Some(Ok(chunk)) => {
                if clock.now() >= deadline {
                    break StreamEnd::Refused(refusal(BidRefusal::DeadlinePassed, deadline));
                }
                if offset + sent + chunk.len() as u64 > total {
                    break StreamEnd::Refused(AppError::new(
                        ErrorCode::PartTooLong,
                        format!("part {index} is {total} bytes long; more was sent"),
                    ));
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
            // The part counts as complete only once it is in the store for good; if that
            // fails the part stays at `offset` and the client sends the tail again.
            ctx.storage
                .finish_part(upload_id, index)
                .await
                .map_err(|e| AppError::unavailable(anyhow::anyhow!("storing part {index}: {e}")))?;
        }
    } else {
        ctx.uploads.put(upload_id, index, received, hasher);
    }
    let (a, id, now) = (actor.clone(), upload_id.to_string(), ctx.clock.now());
    let mut row = part.clone();
    let saved = ctx
        .db
        .write(move |c| {
            let u = own_upload(c, &a, &id)?;
            let current = repo::upload_parts(c, &u.id)?
                .into_iter()
                .find(|p| p.part_index as u32 == index)
                .ok_or_else(|| internal(anyhow::anyhow!("part vanished")))?;
            // Another request for this part finished first: its bytes are the ones on disk.
            if u.state()? != UploadState::Open || current.received != offset as i64 {
                return Err(offset_mismatch(
                    "another request moved this part on".into(),
                    current.received,
                ));
            }
            row.received = if digest_ok { received as i64 } else { 0 };
            row.complete = complete && digest_ok;
            repo::update_upload_part(c, &row)?;
            let mut u = u;
            u.updated_at = to_db(now);
            repo::update_upload(c, &u)?;
            Ok(row)
        })
        .await?;
    if !digest_ok {
        let _ = std::fs::remove_file(&path);
        return Err(AppError::new(
            ErrorCode::PartDigestMismatch,
            format!("part {index} does not hash to the manifest's ciphertext_sha256; send it again from offset 0"),
        ));
    }
    if matches!(end, StreamEnd::Interrupted) {
        tracing::info!(
            upload = upload_id,
            part = index,
            received,
            "kept the bytes of an interrupted part"
        );
    }
    Ok(part_view(&saved))
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
