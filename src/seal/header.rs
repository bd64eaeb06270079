//! The part header: everything a chunk of ciphertext is bound to.
//!
//! The SHA-256 of the header's binary encoding is the AEAD associated data of
//! every chunk and is mixed into every key wrap, so a part (or a single chunk, or a
//! wrap) moved to another part, bid version, bidder, section or tender fails to
//! authenticate. The header also carries a commitment to the part's DEK: AES-GCM is
//! not key-committing, and without it a bidder could craft one ciphertext that
//! opens to different plaintexts through R1 and R2.

use serde::{Deserialize, Serialize};

use super::encoding::{self, Enc};

/// Version byte of the sealed-bid format described in `docs/SEALED-BIDS.md`.
pub const FORMAT_VERSION: u8 = 2;
/// Plaintext bytes per chunk (the last chunk may be shorter, or empty).
pub const CHUNK_SIZE: u32 = 1 << 20;
/// AES-256-GCM tag length appended to every chunk.
pub const TAG_LEN: usize = 16;
/// Random per-part nonce prefix length; the remaining 5 nonce bytes are the
/// chunk counter (4) and the final flag (1).
pub const NONCE_PREFIX_LEN: usize = 7;
/// Algorithm id: AES-256-GCM (ring) for chunks.
pub const AEAD_AES_256_GCM: u8 = 1;
/// Algorithm id: X25519 → HKDF-SHA256 → AES-256-GCM key wrap.
pub const WRAP_X25519_HKDF_SHA256_A256GCM: u8 = 1;
/// Algorithm id: SHA-256 for digests.
pub const HASH_SHA256: u8 = 1;

const HEADER_LABEL: &str = "etender-part-header/v1";
const DEK_COMMIT_LABEL: &str = "etender-dek-commit/v1";

/// What a part holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartKind {
    /// 开标一览表: the small part read out at the opening (price, duration …).
    Summary,
    /// A bid document of any size.
    Document,
}

impl PartKind {
    pub(crate) fn code(self) -> u8 {
        match self {
            PartKind::Summary => 1,
            PartKind::Document => 2,
        }
    }
}

/// The cleartext header of one part. Stored in the manifest; its digest is the
/// AAD of every chunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartHeader {
    /// [`FORMAT_VERSION`].
    pub format_version: u8,
    /// [`AEAD_AES_256_GCM`].
    pub aead_algorithm: u8,
    /// [`WRAP_X25519_HKDF_SHA256_A256GCM`].
    pub wrap_algorithm: u8,
    /// [`HASH_SHA256`].
    pub hash_algorithm: u8,
    /// [`CHUNK_SIZE`]; carried so a reader never has to guess the layout.
    pub chunk_size: u32,
    /// Tender (project) id.
    pub tender_id: String,
    /// Section (标段/lot) id.
    pub section_id: String,
    /// Bidder's 统一社会信用代码.
    pub bidder_uscc: String,
    /// Bid version; a replacement bid has a higher one.
    pub bid_version: u32,
    /// Index of the part in the bid (0 = summary).
    pub part_index: u32,
    /// Summary or document.
    pub part_kind: PartKind,
    /// Random per-part nonce prefix.
    #[serde(with = "encoding::hex_array")]
    pub nonce_prefix: [u8; NONCE_PREFIX_LEN],
    /// SHA-256("etender-dek-commit/v1" ‖ 0x00 ‖ DEK).
    #[serde(with = "encoding::hex_array")]
    pub dek_commitment: [u8; 32],
}

impl PartHeader {
    /// The canonical binary encoding (layout in `docs/SEALED-BIDS.md` §3).
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::with_label(HEADER_LABEL);
        e.u8(self.format_version)
            .u8(self.aead_algorithm)
            .u8(self.wrap_algorithm)
            .u8(self.hash_algorithm)
            .u32(self.chunk_size)
            .str(&self.tender_id)
            .str(&self.section_id)
            .str(&self.bidder_uscc)
            .u32(self.bid_version)
            .u32(self.part_index)
            .u8(self.part_kind.code())
            .fixed(&self.nonce_prefix)
            .fixed(&self.dek_commitment);
        e.into_bytes()
    }

    /// SHA-256 of [`encode`](Self::encode): the AAD of every chunk.
    pub fn digest(&self) -> [u8; 32] {
        encoding::sha256(&self.encode())
    }

    /// True when every algorithm id and the chunk size are the ones this
    /// implementation speaks.
    pub fn is_supported(&self) -> bool {
        self.format_version == FORMAT_VERSION
            && self.aead_algorithm == AEAD_AES_256_GCM
            && self.wrap_algorithm == WRAP_X25519_HKDF_SHA256_A256GCM
            && self.hash_algorithm == HASH_SHA256
            && self.chunk_size == CHUNK_SIZE
    }
}

/// The commitment a header carries to its part's DEK. Publishing it reveals
/// nothing: the DEK is 256 uniformly random bits.
pub(crate) fn dek_commitment(dek: &[u8; 32]) -> [u8; 32] {
    let mut e = Enc::with_label(DEK_COMMIT_LABEL);
    e.fixed(dek);
    encoding::sha256(&e.into_bytes())
}
