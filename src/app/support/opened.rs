//! Opened bids' part keys, kept for reading after the opening (issue 13): the opening stores
//! each part's data key wrapped under the node's key-encryption key (`crypto::kek`, purpose
//! [`PART_KEY_PURPOSE`], bound to `<bid>/<index>` so a wrapped key copied onto another row does
//! not open), and the evaluation unwraps it to stream the part decrypted to those the law
//! allows. The plain key is never stored: a database dump and the object store, without the
//! KEK, still open nothing.

use crate::crypto::kek::Kek;
use crate::db::repo::bids as repo;
use crate::db::AnyConnection;
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
