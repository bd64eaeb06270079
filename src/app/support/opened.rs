//! Opened bids' part keys, kept for reading after the opening (issue 13): the opening stores
//! each part's data key wrapped under the node's key-encryption key (`crypto::kek`, purpose
//! [`PART_KEY_PURPOSE`], bound to `<bid>/<index>` so a wrapped key copied onto another row does
//! not open), and the evaluation unwraps it to stream the part decrypted to those the law
//! allows. The plain key is never stored: a database dump and the object store, without the
//! KEK, still open nothing.

use crate::crypto::kek::Kek;
use crate::error::AppError;
use crate::error::AppResult;
use crate::seal::Dek;

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
