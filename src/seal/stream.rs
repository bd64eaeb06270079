//! One part as a chunked AES-256-GCM stream (the STREAM construction).
//!
//! Plaintext is cut into [`CHUNK_SIZE`] chunks; chunk `i` is sealed with nonce
//! `prefix(7) ‖ i (u32 BE) ‖ final (0x00 | 0x01)` and AAD = header digest. The
//! counter makes reordering and chunk swaps fail, the final flag makes
//! truncation at a chunk boundary fail, and the header digest makes a chunk moved
//! to another part fail. Ciphertext = the sealed chunks back to back, each
//! followed by its 16-byte tag; no framing is needed because only the last chunk
//! may be shorter than `CHUNK_SIZE + 16`.
//!
//! Both directions hold at most about one chunk in memory (two on the opening
//! side, which keeps a copy of the chunk being checked so that a failure can be
//! diagnosed: truncation, swap and corruption each get their own [`StreamDefect`]).
//!
//! The opener writes each chunk's plaintext as soon as that chunk authenticates;
//! a caller must treat the output as unverified until the call returns `Ok`.

use std::io::{self, Read, Write};

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::digest;
use zeroize::Zeroizing;

use super::encoding;
use super::header::{self, PartHeader, CHUNK_SIZE, NONCE_PREFIX_LEN, TAG_LEN};
use super::rng::SealRng;

/// Bytes of one full sealed chunk.
const RECORD_LEN: usize = CHUNK_SIZE as usize + TAG_LEN;

/// The plaintext length of a well-formed ciphertext stream of `ciphertext_len` bytes (every
/// chunk carries a tag; only the last may be short), or `None` for a length no stream has.
pub fn plaintext_len(ciphertext_len: u64) -> Option<u64> {
    let (record, tag) = (RECORD_LEN as u64, TAG_LEN as u64);
    let records = ciphertext_len.div_ceil(record);
    let last = ciphertext_len.checked_sub(records.checked_sub(1)? * record)?;
    if last < tag {
        return None;
    }
    Some(ciphertext_len - records * tag)
}
/// Upper bound on positions tried when diagnosing a failed chunk, so that a
/// corrupted multi-GiB part costs at most this many extra chunk decryptions.
const MAX_DIAGNOSIS_CHUNKS: u64 = 4096;

/// A part's 256-bit data-encryption key. Zeroized on drop.
#[derive(Clone)]
pub struct Dek(Zeroizing<[u8; 32]>);

impl Dek {
    /// A fresh random key.
    pub fn generate<R: SealRng + ?Sized>(rng: &mut R) -> Dek {
        let mut k = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(k.as_mut());
        Dek(k)
    }

    /// A key received from elsewhere (e.g. a bidder submitting its unwrapped key
    /// during the R1 decryption window).
    pub fn from_bytes(bytes: [u8; 32]) -> Dek {
        Dek(Zeroizing::new(bytes))
    }

    /// The raw key, for transport to the opening server only.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The commitment carried in [`PartHeader::dek_commitment`].
    pub fn commitment(&self) -> [u8; 32] {
        header::dek_commitment(&self.0)
    }

    fn aead_key(&self) -> LessSafeKey {
        // Invariant: AES-256-GCM accepts exactly 32-byte keys and `self.0` is 32 bytes,
        // so `UnboundKey::new` cannot fail.
        let key = UnboundKey::new(&aead::AES_256_GCM, self.0.as_ref())
            .expect("32-byte key for AES-256-GCM");
        LessSafeKey::new(key)
    }
}

impl std::fmt::Debug for Dek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dek(<redacted>)")
    }
}

/// Digests and sizes of one part, as produced by sealing or opening it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamDigests {
    /// SHA-256 of the whole ciphertext stream (what the outer signature covers).
    pub ciphertext_sha256: [u8; 32],
    /// Ciphertext length in bytes.
    pub ciphertext_len: u64,
    /// SHA-256 of the plaintext (what the inner signature covers).
    pub plaintext_sha256: [u8; 32],
    /// Plaintext length in bytes.
    pub plaintext_len: u64,
    /// Number of chunks (≥ 1: an empty part is one empty final chunk).
    pub chunks: u64,
}

/// Why a ciphertext stream did not open. Positions count chunks from 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamDefect {
    /// The chunk at this position fails authentication under every position and
    /// flag: it was altered (or never produced by this key and header).
    #[error("chunk {chunk}: authentication tag mismatch")]
    TagMismatch {
        /// Position of the failing chunk.
        chunk: u64,
    },
    /// The stream ends before its final chunk: chunks were dropped or the last
    /// one was cut. `complete_chunks` chunks authenticated before the end.
    #[error("stream truncated after {complete_chunks} complete chunks")]
    Truncated {
        /// Chunks that authenticated before the cut.
        complete_chunks: u64,
    },
    /// A valid chunk of this stream sits at the wrong position (reordered or
    /// swapped chunks).
    #[error("chunk at position {position} is chunk {found} of the stream")]
    ChunkOutOfOrder {
        /// Where it was found.
        position: u64,
        /// Which chunk it really is.
        found: u64,
    },
    /// A chunk sealed as final is followed by more data.
    #[error("data follows the final chunk {final_chunk}")]
    TrailingData {
        /// Position of the chunk sealed as final.
        final_chunk: u64,
    },
    /// Format version, algorithm ids or chunk size are not ones this code speaks.
    #[error("unsupported part header (format version, algorithm or chunk size)")]
    UnsupportedHeader,
    /// The key does not match the header's DEK commitment.
    #[error("key does not match the header's DEK commitment")]
    KeyCommitmentMismatch,
    /// More than 2³² chunks.
    #[error("part too large (more than 2^32 chunks)")]
    TooLarge,
}

/// Digest of a whole ciphertext stream, also computed for a stream that failed
/// (the rest is drained) so that the caller can tell a stream that differs from
/// the submitted one (not the bidder's fault) from a submitted stream that is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CiphertextDigest {
    /// SHA-256 of every byte read.
    pub sha256: [u8; 32],
    /// Bytes read.
    pub len: u64,
}

/// A failed [`open_stream`].
#[derive(Debug, thiserror::Error)]
pub enum OpenStreamError {
    /// The ciphertext is defective.
    #[error("{defect}")]
    Defect {
        /// What is wrong.
        defect: StreamDefect,
        /// Digest of the whole input, if it could be read to the end.
        ciphertext: Option<CiphertextDigest>,
    },
    /// Reading the ciphertext or writing the plaintext failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

fn nonce(prefix: &[u8; NONCE_PREFIX_LEN], counter: u32, last: bool) -> Nonce {
    let mut n = [0u8; 12];
    n[..NONCE_PREFIX_LEN].copy_from_slice(prefix);
    n[NONCE_PREFIX_LEN..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

fn check_header(dek: &Dek, header: &PartHeader) -> Result<(), StreamDefect> {
    if !header.is_supported() {
        return Err(StreamDefect::UnsupportedHeader);
    }
    // Compared in the clear: the commitment is public and reveals nothing of the key.
    if dek.commitment() != header.dek_commitment {
        return Err(StreamDefect::KeyCommitmentMismatch);
    }
    Ok(())
}

/// Streaming encryptor for one part: write plaintext into it, then [`finish`](Self::finish).
///
/// A chunk is sealed only once a byte beyond it arrives (or at `finish`), because
/// only then is it known whether it is the final one.
pub struct PartSealer<W: Write> {
    key: LessSafeKey,
    aad: [u8; 32],
    prefix: [u8; NONCE_PREFIX_LEN],
    counter: u32,
    buf: Zeroizing<Vec<u8>>,
    out: W,
    ct_hash: digest::Context,
    pt_hash: digest::Context,
    ct_len: u64,
    pt_len: u64,
    poisoned: bool,
}

impl<W: Write> PartSealer<W> {
    /// Starts a part. `dek` must match `header.dek_commitment`.
    pub fn new(dek: &Dek, header: &PartHeader, out: W) -> Result<Self, StreamDefect> {
        check_header(dek, header)?;
        Ok(PartSealer {
            key: dek.aead_key(),
            aad: header.digest(),
            prefix: header.nonce_prefix,
            counter: 0,
            buf: Zeroizing::new(Vec::with_capacity(RECORD_LEN)),
            out,
            ct_hash: digest::Context::new(&digest::SHA256),
            pt_hash: digest::Context::new(&digest::SHA256),
            ct_len: 0,
            pt_len: 0,
            poisoned: false,
        })
    }

    fn emit(&mut self, last: bool) -> io::Result<()> {
        let n = nonce(&self.prefix, self.counter, last);
        let tag = self
            .key
            .seal_in_place_separate_tag(n, Aad::from(&self.aad), self.buf.as_mut_slice())
            .map_err(|_| io::Error::other("AES-GCM seal failed"))?;
        self.out.write_all(&self.buf)?;
        self.out.write_all(tag.as_ref())?;
        self.ct_hash.update(&self.buf);
        self.ct_hash.update(tag.as_ref());
        self.ct_len += (self.buf.len() + TAG_LEN) as u64;
        self.buf.clear();
        if !last {
            // Running out of counters must stop the stream rather than wrap and reuse a nonce.
            self.counter = self
                .counter
                .checked_add(1)
                .ok_or_else(|| io::Error::other(StreamDefect::TooLarge))?;
        }
        Ok(())
    }

    /// Seals the final chunk and returns the writer and the part's digests.
    pub fn finish(mut self) -> io::Result<(W, StreamDigests)> {
        if self.poisoned {
            return Err(io::Error::other("part sealer failed earlier"));
        }
        self.emit(true)?;
        self.out.flush()?;
        let digests = StreamDigests {
            ciphertext_sha256: encoding::finish(self.ct_hash.clone()),
            ciphertext_len: self.ct_len,
            plaintext_sha256: encoding::finish(self.pt_hash.clone()),
            plaintext_len: self.pt_len,
            chunks: u64::from(self.counter) + 1,
        };
        Ok((self.out, digests))
    }
}

impl<W: Write> Write for PartSealer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.poisoned {
            return Err(io::Error::other("part sealer failed earlier"));
        }
        let chunk = CHUNK_SIZE as usize;
        let mut rest = data;
        while !rest.is_empty() {
            if self.buf.len() == chunk {
                if let Err(e) = self.emit(false) {
                    // A half-written chunk cannot be resumed consistently.
                    self.poisoned = true;
                    return Err(e);
                }
            }
            let take = (chunk - self.buf.len()).min(rest.len());
            let (now, later) = rest.split_at(take);
            self.buf.extend_from_slice(now);
            self.pt_hash.update(now);
            self.pt_len += take as u64;
            rest = later;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Seals everything `reader` yields into `writer`.
pub fn seal_stream<R: Read, W: Write>(
    dek: &Dek,
    header: &PartHeader,
    mut reader: R,
    writer: W,
) -> io::Result<(W, StreamDigests)> {
    let mut sealer = PartSealer::new(dek, header, writer)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    io::copy(&mut reader, &mut sealer)?;
    sealer.finish()
}

fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Decrypts and verifies a part stream from `reader` into `writer`.
///
/// `expected_ciphertext_len` (from the manifest) lets a chunk cut in the middle be
/// reported as [`StreamDefect::Truncated`] rather than as a tag mismatch.
pub fn open_stream<R: Read, W: Write>(
    dek: &Dek,
    header: &PartHeader,
    reader: R,
    writer: W,
    expected_ciphertext_len: Option<u64>,
) -> Result<StreamDigests, OpenStreamError> {
    open_stream_impl(dek, header, reader, writer, expected_ciphertext_len)
}

/// Opens a stored part record by record, in place, where the ciphertext's length is known (the
/// part as stored): for reading a part that was opened, and its digests checked, at the opening
/// (the evaluation streams opened bids this way). Every chunk is still authenticated — key,
/// header, order and the final flag, which follows from the length — so corrupted, reordered
/// or truncated ciphertext still fails; what it leaves out is the opening's two SHA-256 passes
/// (already made once) and its diagnosis (no copy of each chunk is kept). The caller reads each
/// record straight into the buffer it sends on, so a byte is copied once from storage and once
/// to the socket, as a plain download is. Never for the opening itself.
pub struct RecordOpener {
    key: LessSafeKey,
    aad: [u8; 32],
    prefix: [u8; NONCE_PREFIX_LEN],
    ciphertext_len: u64,
    records: u64,
}

impl RecordOpener {
    /// Bytes of a full record (a chunk and its tag); only the last may be shorter.
    pub const RECORD_LEN: usize = RECORD_LEN;

    /// An opener for the `ciphertext_len` bytes of a part sealed under `dek` and `header`.
    pub fn new(dek: &Dek, header: &PartHeader, ciphertext_len: u64) -> Result<Self, StreamDefect> {
        check_header(dek, header)?;
        let records = ciphertext_len.div_ceil(RECORD_LEN as u64);
        if plaintext_len(ciphertext_len).is_none() {
            return Err(StreamDefect::Truncated {
                complete_chunks: records.saturating_sub(1),
            });
        }
        if records > u64::from(u32::MAX) + 1 {
            return Err(StreamDefect::TooLarge);
        }
        let key = dek.aead_key();
        Ok(RecordOpener {
            key,
            aad: header.digest(),
            prefix: header.nonce_prefix,
            ciphertext_len,
            records,
        })
    }

    /// How many records the part has.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The length of record `position` (0 past the end).
    pub fn record_len(&self, position: u64) -> usize {
        let full = RECORD_LEN as u64;
        match position.cmp(&self.records.saturating_sub(1)) {
            std::cmp::Ordering::Less => RECORD_LEN,
            std::cmp::Ordering::Equal => (self.ciphertext_len - position * full) as usize,
            std::cmp::Ordering::Greater => 0,
        }
    }

    /// Authenticates and decrypts record `position` in place; the plaintext is the front of
    /// `record` (all of it but the tag).
    pub fn open<'a>(
        &self,
        position: u64,
        record: &'a mut [u8],
    ) -> Result<&'a mut [u8], StreamDefect> {
        if position >= self.records || record.len() != self.record_len(position) {
            return Err(StreamDefect::Truncated {
                complete_chunks: position,
            });
        }
        let counter = u32::try_from(position).map_err(|_| StreamDefect::TooLarge)?;
        let last = position + 1 == self.records;
        self.key
            .open_in_place(
                nonce(&self.prefix, counter, last),
                Aad::from(&self.aad),
                record,
            )
            .map_err(|_| StreamDefect::TagMismatch { chunk: position })
    }
}

fn open_stream_impl<R: Read, W: Write>(
    dek: &Dek,
    header: &PartHeader,
    mut reader: R,
    mut writer: W,
    expected_ciphertext_len: Option<u64>,
) -> Result<StreamDigests, OpenStreamError> {
    check_header(dek, header).map_err(|defect| OpenStreamError::Defect {
        defect,
        ciphertext: None,
    })?;
    let key = dek.aead_key();
    let aad = header.digest();
    let prefix = header.nonce_prefix;
    let mut buf = Zeroizing::new(vec![0u8; RECORD_LEN]);
    // Untouched copy of the chunk being opened: ring zeroes its buffer on failure,
    // and diagnosis needs to retry the original bytes.
    let mut backup = vec![0u8; RECORD_LEN];
    let mut ct_hash = digest::Context::new(&digest::SHA256);
    let mut pt_hash = digest::Context::new(&digest::SHA256);
    let (mut ct_len, mut pt_len) = (0u64, 0u64);
    let mut carry: Option<u8> = None;
    let mut position: u64 = 0;
    loop {
        let mut n = 0;
        if let Some(b) = carry.take() {
            buf[0] = b;
            n = 1;
        }
        n += read_full(&mut reader, &mut buf[n..])?;
        // A full record is final only if nothing follows it; peek one byte to know.
        let last = if n < RECORD_LEN {
            true
        } else {
            let mut peek = [0u8; 1];
            match read_full(&mut reader, &mut peek)? {
                0 => true,
                _ => {
                    carry = Some(peek[0]);
                    false
                }
            }
        };
        ct_hash.update(&buf[..n]);
        ct_len += n as u64;
        let defect = if n < TAG_LEN {
            Some(StreamDefect::Truncated {
                complete_chunks: position,
            })
        } else if let Ok(counter) = u32::try_from(position) {
            backup[..n].copy_from_slice(&buf[..n]);
            match key.open_in_place(
                nonce(&prefix, counter, last),
                Aad::from(&aad),
                &mut buf[..n],
            ) {
                Ok(pt) => {
                    writer.write_all(pt)?;
                    pt_hash.update(pt);
                    pt_len += pt.len() as u64;
                    None
                }
                Err(_) => Some(StreamDefect::TagMismatch { chunk: position }),
            }
        } else {
            Some(StreamDefect::TooLarge)
        };
        if let Some(defect) = defect {
            // Drain so that the whole input's digest is known (fault attribution),
            // then look for the most specific explanation.
            if let Some(b) = carry.take() {
                ct_hash.update(&[b]);
                ct_len += 1;
            }
            let drained = drain(&mut reader, &mut ct_hash, &mut buf);
            let total_len = drained.as_ref().ok().map(|d| ct_len + d);
            let defect = match defect {
                StreamDefect::TagMismatch { .. } => diagnose(
                    &key,
                    &aad,
                    &prefix,
                    &backup[..n],
                    &mut buf,
                    position,
                    last,
                    total_len,
                    expected_ciphertext_len,
                ),
                other => other,
            };
            let ciphertext = total_len.map(|len| CiphertextDigest {
                sha256: encoding::finish(ct_hash),
                len,
            });
            return Err(OpenStreamError::Defect { defect, ciphertext });
        }
        position += 1;
        if last {
            break;
        }
    }
    writer.flush()?;
    Ok(StreamDigests {
        ciphertext_sha256: encoding::finish(ct_hash),
        ciphertext_len: ct_len,
        plaintext_sha256: encoding::finish(pt_hash),
        plaintext_len: pt_len,
        chunks: position,
    })
}

fn drain<R: Read>(r: &mut R, hash: &mut digest::Context, buf: &mut [u8]) -> io::Result<u64> {
    let mut total = 0u64;
    loop {
        let n = read_full(r, buf)?;
        if n == 0 {
            return Ok(total);
        }
        hash.update(&buf[..n]);
        total += n as u64;
    }
}

/// Finds out why the record at `position` did not authenticate as
/// `(position, last)`: a chunk that is valid with the other flag means
/// truncation or trailing data, one valid at another position means reordering;
/// otherwise it is a cut (when shorter than the manifest says) or corruption.
#[expect(
    clippy::too_many_arguments,
    reason = "private helper; a struct would only rename the same values"
)]
fn diagnose(
    key: &LessSafeKey,
    aad: &[u8; 32],
    prefix: &[u8; NONCE_PREFIX_LEN],
    record: &[u8],
    scratch: &mut [u8],
    position: u64,
    last: bool,
    total_len: Option<u64>,
    expected_len: Option<u64>,
) -> StreamDefect {
    let opens = |scratch: &mut [u8], counter: u64, flag: bool| -> bool {
        let Ok(counter) = u32::try_from(counter) else {
            return false;
        };
        let s = &mut scratch[..record.len()];
        s.copy_from_slice(record);
        key.open_in_place(nonce(prefix, counter, flag), Aad::from(aad), s)
            .is_ok()
    };
    if opens(scratch, position, !last) {
        return if last {
            StreamDefect::Truncated {
                complete_chunks: position + 1,
            }
        } else {
            StreamDefect::TrailingData {
                final_chunk: position,
            }
        };
    }
    let records = |len: u64| len.div_ceil(RECORD_LEN as u64);
    let limit = expected_len
        .map(records)
        .into_iter()
        .chain(total_len.map(records))
        .max()
        .unwrap_or(position + 1)
        .min(MAX_DIAGNOSIS_CHUNKS);
    for found in (0..limit).filter(|&j| j != position) {
        if opens(scratch, found, false) || opens(scratch, found, true) {
            return StreamDefect::ChunkOutOfOrder { position, found };
        }
    }
    if let (Some(total), Some(expected)) = (total_len, expected_len) {
        if total < expected {
            return StreamDefect::Truncated {
                complete_chunks: position,
            };
        }
    }
    StreamDefect::TagMismatch { chunk: position }
}
