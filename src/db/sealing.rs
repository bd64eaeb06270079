//! Rows that would link a tender and a bidder, stored under the node's KEK (`crypto::kek`).
//!
//! A database dump must not tell who bids where, nor how many bid on a tender (issue 11,
//! finding 6). The bid tables (`bids`, `bid_uploads`, `bid_bonds`) and the rows of sealed audit
//! events therefore keep tender, section, organisation, USCC, manifest and certificate only in
//! one AEAD ciphertext per row (bound to the row's id and table). Until the section's opening no
//! stored value is shared by the rows of one section and not by others': rows are found by
//! blind indexes (HMAC under the KEK) that group by bidder, never by tender — (tender, section,
//! bidder) for one bidder's own rows, the organisation alone for its uploads in flight anywhere
//! (its limits) — and a section's rows as a whole by opening every unrevealed row and keeping
//! the section's (`repo::bids::bids_of_section`; a decryption per unrevealed row
//! platform-wide, measured in docs/ARCHITECTURE.md). The opening, in the transaction whose
//! record publishes who bid, writes the plain (tender, section) onto the section's rows
//! (`repo::bids::reveal_section`), so from then on they are found by index; who the bidder of
//! each row is stays sealed (the record is what publishes it).
//!
//! The key reaches the repositories as the connection does: [`crate::db::Db`] installs it on
//! the blocking thread for the length of each unit of work ([`with_key`]), as it installs the
//! statement tally, so no repository signature has to carry it and no code path can reach a
//! bid row without it.

use std::cell::RefCell;
use std::sync::Arc;

use diesel::result::Error as DieselError;

use crate::crypto::kek::Kek;

thread_local! {
    static KEY: RefCell<Option<Arc<Kek>>> = const { RefCell::new(None) };
}

/// Runs `f` with `key` installed on this thread (restored afterwards, on unwind too).
pub fn with_key<T>(key: Option<Arc<Kek>>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<Kek>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            KEY.with(|k| *k.borrow_mut() = previous);
        }
    }
    let previous = KEY.with(|k| std::mem::replace(&mut *k.borrow_mut(), key));
    let _restore = Restore(previous);
    f()
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct SealingError(String);

fn failure(why: impl Into<String>) -> DieselError {
    DieselError::QueryBuilderError(Box::new(SealingError(why.into())))
}

/// The key installed on this thread; a row of a sealed table cannot be read or written
/// without it.
pub fn key() -> Result<Arc<Kek>, DieselError> {
    KEY.with(|k| k.borrow().clone())
        .ok_or_else(|| failure("no key-encryption key on this connection (Db::with_kek)"))
}

/// The stored form of `value`: JSON wrapped for `purpose`, bound to `row`.
pub fn seal<T: serde::Serialize>(
    purpose: &str,
    row: &str,
    value: &T,
) -> Result<String, DieselError> {
    let json = serde_json::to_vec(value).map_err(|e| failure(e.to_string()))?;
    Ok(key()?.wrap(purpose, row, &json))
}

/// Opens what [`seal`] stored for `purpose` and `row`.
pub fn open<T: serde::de::DeserializeOwned>(
    purpose: &str,
    row: &str,
    stored: &str,
) -> Result<T, DieselError> {
    let bytes = key()?
        .unwrap(purpose, row, stored)
        .map_err(|e| failure(format!("sealed {purpose} row {row}: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| failure(format!("sealed {purpose} row {row}: {e}")))
}

/// The blind index a row stores (newest KEK version).
pub fn blind(label: &str, parts: &[&str]) -> Result<String, DieselError> {
    Ok(key()?.blind(label, parts))
}

/// Every value a lookup must match (one per KEK version).
pub fn blind_all(label: &str, parts: &[&str]) -> Result<Vec<String>, DieselError> {
    Ok(key()?.blind_all(label, parts))
}

/// Blind-index labels, one per relation (never reused: a value under one label says nothing
/// about another).
pub mod labels {
    // "section" (tender, section) is retired: it grouped a section's rows before the opening
    // (migration 000021). Never reuse it.
    /// (tender, section, organisation): one bidder's rows in a section.
    pub const BIDDER: &str = "bidder";
    /// (organisation): a bidder's open uploads on every tender (its concurrency limit).
    pub const OWNER: &str = "owner";
    /// (tender, section, organisation, reference): one bond's uniqueness.
    pub const BOND_REFERENCE: &str = "bond-reference";
    /// (account number): a bond's virtual sub-account.
    pub const BOND_ACCOUNT: &str = "bond-account";
    /// (principal id): the actor or subject of a sealed audit event.
    pub const AUDIT_PARTY: &str = "audit-party";
}
