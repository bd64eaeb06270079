//! Sealed bids: the client-side envelope that keeps a bid unreadable until the opening.
//!
//! The format is specified in `docs/SEALED-BIDS.md`; this module is its only
//! implementation, so the document and the code must change together (the
//! known-answer tests in `tests.rs` pin the bytes).
//!
//! Layers, bottom up:
//! - [`stream`]: one part = a chunked AES-256-GCM stream (STREAM construction,
//!   1 MiB chunks, counter + final-flag nonces, header digest as AAD).
//! - [`header`]: the part header every chunk is bound to, and its digest.
//! - [`wrap`]: X25519 envelope keys and the ECIES-style wrap of a 256-bit key.
//! - [`shamir`] and [`remedy`]: the per-bid remedy key (R2), split t-of-n among the
//!   custodians by the bidder's tool.
//! - [`bid`]: [`BidSealer`] (bidder side), [`verify_outer`] (server at
//!   submission), the `open_*` functions (opening ceremony) and [`OpenError`]
//!   with its [`Fault`] attribution (domain-rules §1.3 E8: bidder fault → revoked,
//!   any other fault → withdrawn).
//! - [`manifest`]: the serde types of the cleartext manifest.
//! - [`rng`]: OS randomness, and a seeded generator for test vectors only.
//! - [`statements`]: the signed byte strings of the bidding HTTP contract
//!   (`docs/BIDDING.md`) that sit outside the envelope: custodian key,
//!   withdrawal, re-confirmation and share release.

pub mod bid;
pub mod header;
pub mod manifest;
pub mod remedy;
pub mod rng;
pub mod shamir;
pub mod statements;
pub mod stream;
pub mod wrap;

pub(crate) mod encoding;

#[cfg(test)]
mod tests;

pub use bid::{
    check_key_reuse, dek_release_payload, manifest_sha256, open_part, open_summary,
    open_with_envelope_key, open_with_remedy_secret, unwrap_part_key, verify_outer, BidContext,
    BidSealer, ContextError, Fault, KeyReuse, OpenError, OpenedPart, OpenedSummary, OuterError,
    PartKey, PartRef, SealError, SealedPart, Summary, WrongKeyPath,
};
pub use header::{PartHeader, PartKind, CHUNK_SIZE, FORMAT_VERSION};
pub use manifest::{
    DeviceFingerprint, DocumentDigest, DocumentMetadata, EnvelopeKeyStatement, Manifest,
    ManifestPart, PartWraps, Preparation, SignatureBlock,
};
pub use remedy::{
    share_commitment, RemedyBid, RemedyBlock, RemedyPolicy, RemedySecret, RemedyShare, ShareError,
};
pub use rng::{DeterministicRng, SealRng};
pub use shamir::Share;
pub use stream::{
    open_stream, seal_stream, Dek, OpenStreamError, PartSealer, StreamDefect, StreamDigests,
};
pub use wrap::{EnvelopeSecret, Wrap, WrapKind, X25519PublicKey};
