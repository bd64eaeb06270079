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
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

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

/// Record buffers kept for reuse by one reader of many parts (the archive): a buffer comes back
/// when the last handle on the bytes it carried is dropped (the response wrote them), so
/// records are read into memory already mapped and touched instead of memory the allocator
/// has just handed back to the kernel and must fault in and zero again — on a 2 GB export that
/// was most of the cost of reading the stored records (docs/ARCHIVE.md, "Figures"). At most
/// [`KEPT_BUFFERS`] are kept; they are freed with the last clone.
#[derive(Clone, Default)]
pub struct RecordBuffers(Arc<Mutex<Vec<Vec<u8>>>>);

/// Buffers (1 MiB each) a [`RecordBuffers`] keeps at most: about what an export has in flight
/// (records read ahead, chunks queued for the response).
const KEPT_BUFFERS: usize = 48;

impl RecordBuffers {
    /// An empty buffer with room for `len` bytes.
    fn take(&self, len: usize) -> Vec<u8> {
        let kept = self.0.lock().ok().and_then(|mut b| b.pop());
        let mut buf = kept.unwrap_or_default();
        buf.clear();
        buf.reserve_exact(len);
        buf
    }

    /// `buf` as bytes that return it here once dropped.
    fn hand_out(&self, buf: Vec<u8>) -> Bytes {
        Bytes::from_owner(Lent {
            buf,
            home: self.clone(),
        })
    }
}

/// A buffer out with a reader, back to its [`RecordBuffers`] when dropped.
struct Lent {
    buf: Vec<u8>,
    home: RecordBuffers,
}

impl AsRef<[u8]> for Lent {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        if let Ok(mut kept) = self.home.0.lock() {
            if kept.len() < KEPT_BUFFERS {
                kept.push(buf);
            }
        }
    }
}

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
    let (len, stream, _) = decrypting(
        ctx,
        bid,
        part,
        (RECORDS_IN_FLIGHT, RecordBuffers::default()),
        false,
    )?;
    Ok((len, stream))
}

/// [`plaintext_stream`] with `in_flight` records (1 MiB each) allowed to wait in the channel
/// (how far the decrypting thread may run ahead of a reader that streams several parts), read
/// into `buffers`.
pub fn plaintext_stream_ahead(
    ctx: &AppContext,
    bid: &repo::BidRow,
    part: &repo::BidPartRow,
    in_flight: usize,
    buffers: &RecordBuffers,
) -> AppResult<(u64, BoxStream<'static, Result<Bytes, io::Error>>)> {
    let reading = (in_flight.max(1), buffers.clone());
    let (len, stream, _) = decrypting(ctx, bid, part, reading, false)?;
    Ok((len, stream))
}

/// A part's plaintext as [`plaintext_stream`] gives it, and the SHA-256 of every byte the
/// stream yielded, hashed on the decrypting thread right after each record is opened (so a
/// reader that streams several parts, the archive, hashes one part while it sends another on
/// its own thread). `in_flight` records may wait in the channel (1 MiB each): how far the
/// decrypting thread may run ahead of the reader. The digest arrives once the stream has
/// yielded its last record; a stream that failed or was dropped sends none.
pub struct HashedPlaintext {
    pub len: u64,
    pub stream: BoxStream<'static, Result<Bytes, io::Error>>,
    pub sha256: oneshot::Receiver<[u8; 32]>,
}

pub fn hashed_plaintext_stream(
    ctx: &AppContext,
    bid: &repo::BidRow,
    part: &repo::BidPartRow,
    in_flight: usize,
    buffers: &RecordBuffers,
) -> AppResult<HashedPlaintext> {
    let reading = (in_flight.max(1), buffers.clone());
    let (len, stream, sha256) = decrypting(ctx, bid, part, reading, true)?;
    Ok(HashedPlaintext {
        len,
        stream,
        sha256,
    })
}

type Decrypting = (
    u64,
    BoxStream<'static, Result<Bytes, io::Error>>,
    oneshot::Receiver<[u8; 32]>,
);

fn decrypting(
    ctx: &AppContext,
    bid: &repo::BidRow,
    part: &repo::BidPartRow,
    (in_flight, buffers): (usize, RecordBuffers),
    hash: bool,
) -> AppResult<Decrypting> {
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
    let (tx, rx) = mpsc::channel::<Result<Bytes, io::Error>>(in_flight);
    let (digest_tx, digest_rx) = oneshot::channel();
    let (storage, object) = (ctx.storage.clone(), part.storage_key.clone());
    tokio::task::spawn_blocking(move || {
        let mut sha = hash.then(|| ring::digest::Context::new(&ring::digest::SHA256));
        let sent = storage
            .open_streaming(&object)
            .map_err(|e| io::Error::other(e.to_string()))
            .and_then(|mut f| send_records(&opener, &mut f, sha.as_mut(), &buffers, &tx));
        match sent {
            Ok(()) => {
                if let Some(sha) = sha {
                    let mut digest = [0u8; 32];
                    digest.copy_from_slice(sha.finish().as_ref());
                    let _ = digest_tx.send(digest);
                }
            }
            Err(e) => {
                tracing::warn!(object, error = %e, "reading an opened part failed mid-stream");
                let _ = tx.blocking_send(Err(e));
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|piece| (piece, rx))
    });
    Ok((len, Box::pin(stream), digest_rx))
}

/// Reads each record of the part from `f` into a buffer of `buffers` (not zeroed first: the
/// read fills it), decrypts it there, hashes the plaintext when asked and sends it on (the
/// bytes are copied as often as a plain document download copies them); stops when the reader
/// has gone away.
fn send_records(
    opener: &RecordOpener,
    f: &mut impl Read,
    mut sha: Option<&mut ring::digest::Context>,
    buffers: &RecordBuffers,
    tx: &mpsc::Sender<Result<Bytes, io::Error>>,
) -> io::Result<()> {
    for position in 0..opener.records() {
        let len = opener.record_len(position);
        let mut record = buffers.take(len);
        let got = f.take(len as u64).read_to_end(&mut record)?;
        if got != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("record {position}: {got} of {len} bytes stored"),
            ));
        }
        let plain = opener
            .open(position, &mut record)
            .map_err(|e| io::Error::other(e.to_string()))?;
        if let Some(sha) = sha.as_deref_mut() {
            sha.update(plain);
        }
        let plain = plain.len();
        record.truncate(plain);
        tx.blocking_send(Ok(buffers.hand_out(record)))
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

    /// The digest computed on the decrypting thread is that of every plaintext byte sent, in
    /// order; a store shorter than the part ends in an error, never a digest.
    #[test]
    fn records_are_hashed_as_sent_and_a_short_store_fails() {
        use crate::seal::{stream::seal_stream, DeterministicRng, PartHeader, PartKind};
        let dek = Dek::generate(&mut DeterministicRng::from_label(b"opened-hash"));
        let header = PartHeader {
            format_version: 2,
            aead_algorithm: 1,
            wrap_algorithm: 1,
            hash_algorithm: 1,
            chunk_size: crate::seal::CHUNK_SIZE,
            tender_id: "T-1".into(),
            section_id: "S1".into(),
            bidder_uscc: "91350100M000100Y43".into(),
            bid_version: 1,
            part_index: 1,
            part_kind: PartKind::Document,
            nonce_prefix: [7; 7],
            dek_commitment: dek.commitment(),
        };
        let plain: Vec<u8> = (0..2 * crate::seal::CHUNK_SIZE as usize + 999)
            .map(|i| (i * 7) as u8)
            .collect();
        let (ct, _) = seal_stream(&dek, &header, plain.as_slice(), Vec::new()).unwrap();
        let opener = RecordOpener::new(&dek, &header, ct.len() as u64).unwrap();
        let pool = RecordBuffers::default();
        // Twice: the second time every record is read into a buffer the first one gave back.
        for round in 0..2 {
            let (tx, mut rx) = mpsc::channel(8);
            let mut sha = ring::digest::Context::new(&ring::digest::SHA256);
            send_records(&opener, &mut ct.as_slice(), Some(&mut sha), &pool, &tx).unwrap();
            drop(tx);
            let mut got = Vec::new();
            while let Ok(Ok(b)) = rx.try_recv() {
                got.extend_from_slice(&b);
            }
            assert_eq!(got, plain, "round {round}");
            assert_eq!(
                sha.finish().as_ref(),
                ring::digest::digest(&ring::digest::SHA256, &plain).as_ref()
            );
            assert_eq!(
                pool.0.lock().unwrap().len(),
                3,
                "every record's buffer came back"
            );
        }

        let (tx, _rx) = mpsc::channel(8);
        let mut sha = ring::digest::Context::new(&ring::digest::SHA256);
        let cut = &ct[..ct.len() - 1];
        let e = send_records(&opener, &mut &cut[..], Some(&mut sha), &pool, &tx).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
    }

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
