//! Opened bids' part keys, kept for reading after the opening (issue 13): the opening stores
//! each part's data key wrapped under the node's key-encryption key (`crypto::kek`, purpose
//! [`PART_KEY_PURPOSE`], bound to `<bid>/<index>` so a wrapped key copied onto another row does
//! not open), and the evaluation unwraps it to stream the part decrypted to those the law
//! allows. The plain key is never stored: a database dump and the object store, without the
//! KEK, still open nothing.

use crate::app::AppContext;
use crate::crypto::kek::Kek;
use crate::db::repo::bids as repo;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::error::AppResult;
use crate::seal::stream::plaintext_len;
use crate::seal::stream::RecordOpener;
use crate::seal::Dek;
use crate::seal::Manifest;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use std::io;
use std::io::Read;
use tokio::sync::mpsc;

/// The KEK purpose label of an opened part's data key.
pub const PART_KEY_PURPOSE: &str = "bid-part-key";

fn binding(bid: &str, index: u32) -> String {
    format!("{bid}/{index}")
}

/// The stored form of part `index` of `bid`'s data key.
pub fn wrap_part_key(kek: &Kek, bid: &str, index: u32, key: &Dek) -> String {
    kek.wrap(PART_KEY_PURPOSE, &binding(bid, index), key.as_bytes())
}

/// The data key [`wrap_part_key`] stored; a failure (another row's key, a KEK version no longer
/// kept) is the platform's fault, never the reader's.
pub fn unwrap_part_key(kek: &Kek, bid: &str, index: u32, wrapped: &str) -> AppResult<Dek> {
    let bytes = kek
        .unwrap(PART_KEY_PURPOSE, &binding(bid, index), wrapped)
        .map_err(|e| AppError::internal(anyhow::anyhow!("part {index} of bid {bid}: {e}")))?;
    let raw: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
        AppError::internal(anyhow::anyhow!(
            "part {index} of bid {bid}: key is not 32 bytes"
        ))
    })?;
    Ok(Dek::from_bytes(raw))
}

/// Records (1 MiB of plaintext each) in flight between the decrypting thread and the reader.
const RECORDS_IN_FLIGHT: usize = 4;

/// Part `part` of the opened bid `bid`, decrypted as it streams: its plaintext length and the
/// stream. The part's data key is unwrapped under the KEK and the stored ciphertext decrypted
/// record by record on a blocking thread into a small bounded channel the reader drains, so
/// memory is a few records whatever the part size, and a reader that goes away stops the
/// decryption. Every record is authenticated as it is read; a failure mid-stream ends the stream
/// with an error, short of its length. Callers authorise and audit the read first.
pub fn plaintext_stream(
    ctx: &AppContext,
    bid: &repo::BidRow,
    part: &repo::BidPartRow,
) -> AppResult<(u64, BoxStream<'static, Result<Bytes, io::Error>>)> {
    let index = part.part_index as u32;
    let manifest: Manifest = serde_json::from_str(&bid.manifest).map_err(AppError::internal)?;
    let header = manifest
        .parts
        .iter()
        .find(|p| p.index == index)
        .map(|p| p.header.clone())
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("part {index} not in the manifest")))?;
    let wrapped = part.opened_key.as_deref().ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "bid {} was opened before part keys were kept",
            bid.id
        ))
    })?;
    let key = unwrap_part_key(&ctx.kek, &bid.id, index, wrapped)?;
    let len = plaintext_len(part.ciphertext_len as u64).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("part {index} has an impossible length"))
    })?;
    let opener = RecordOpener::new(&key, &header, part.ciphertext_len as u64)
        .map_err(|e| AppError::internal(anyhow::anyhow!("part {index} of bid {}: {e}", bid.id)))?;
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
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|piece| (piece, rx))
    });
    Ok((len, Box::pin(stream)))
}

/// Reads each record of the part from `f` into its own buffer, decrypts it there and sends its
/// plaintext on (the bytes are copied as often as a plain document download copies them);
/// stops when the reader has gone away.
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

/// Re-wraps every opened part key still under an older KEK version with the newest one (part of
/// `etender kek rewrap`, after `etender kek rotate`); returns how many.
pub fn rewrap_part_keys(c: &mut AnyConnection, kek: &Kek) -> AppResult<usize> {
    let mut done = 0;
    for (bid, index, wrapped) in repo::opened_part_keys(c)? {
        if !kek.is_stale(&wrapped) {
            continue;
        }
        let i = u32::try_from(index).map_err(AppError::internal)?;
        let key = unwrap_part_key(kek, &bid, i, &wrapped)?;
        repo::set_opened_part_key(c, &bid, index, &wrap_part_key(kek, &bid, i, &key))?;
        done += 1;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_key_opens_only_on_its_own_row_and_survives_a_rotation() {
        let mut kek = Kek::generate().unwrap();
        let key = Dek::from_bytes([9; 32]);
        let wrapped = wrap_part_key(&kek, "bid-1", 2, &key);
        assert!(!wrapped.contains(&hex::encode([9u8; 32])));
        let back = unwrap_part_key(&kek, "bid-1", 2, &wrapped).unwrap();
        assert_eq!(back.as_bytes(), key.as_bytes());
        assert!(
            unwrap_part_key(&kek, "bid-1", 3, &wrapped).is_err(),
            "another part"
        );
        assert!(
            unwrap_part_key(&kek, "bid-2", 2, &wrapped).is_err(),
            "another bid"
        );
        kek.rotate().unwrap();
        assert!(kek.is_stale(&wrapped));
        let rewrapped = wrap_part_key(
            &kek,
            "bid-1",
            2,
            &unwrap_part_key(&kek, "bid-1", 2, &wrapped).unwrap(),
        );
        assert!(!kek.is_stale(&rewrapped));
        let back = unwrap_part_key(&kek, "bid-1", 2, &rewrapped).unwrap();
        assert_eq!(back.as_bytes(), key.as_bytes());
    }
}
