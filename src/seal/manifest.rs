//! The cleartext manifest of a sealed bid, and the sealed summary's body.
//!
//! The manifest is what the server stores and the audit log commits to. It
//! never contains a plaintext digest or size hint beyond the ciphertext length
//! (the summary is padded), because a price could be brute-forced from a
//! digest. JSON is canonical in the sense that matters here: serde emits struct
//! fields in declaration order, there are no maps and no floats, so the same
//! manifest always serialises to the same bytes; signatures, however, never
//! cover JSON but the binary payloads defined in `bid`.

use serde::{Deserialize, Serialize};

use super::encoding;
use super::header::{PartHeader, PartKind};
use super::remedy::RemedyBlock;
use super::wrap::{Wrap, X25519PublicKey};
use crate::crypto::keys::SignatureAlgorithm;
use crate::domain::money::Money;

/// Value of [`Manifest::format`].
pub const MANIFEST_FORMAT: &str = "etender-sealed-bid/v2";
/// Value of [`SummaryBody::format`].
pub const SUMMARY_FORMAT: &str = "etender-bid-summary/v2";

/// A signature with the key it claims to be made with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureBlock {
    /// Signature scheme.
    pub algorithm: SignatureAlgorithm,
    /// The signer's SubjectPublicKeyInfo (DER, base64); must be the certificate's.
    #[serde(with = "encoding::b64")]
    pub signer_spki: Vec<u8>,
    /// The signature (base64).
    #[serde(with = "encoding::b64")]
    pub signature: Vec<u8>,
}

/// The bidder's envelope public key, signed with its certificate key and bound
/// to one tender section and bidder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeKeyStatement {
    /// Tender id.
    pub tender_id: String,
    /// Section id.
    pub section_id: String,
    /// Bidder USCC.
    pub bidder_uscc: String,
    /// The X25519 envelope public key (R1 recipient).
    pub envelope_public_key: X25519PublicKey,
    /// Signature over the statement payload.
    pub signature: SignatureBlock,
}

/// The two wraps of a part's DEK.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartWraps {
    /// To the bidder's envelope key.
    pub r1: Wrap,
    /// To the bid's remedy key (split t-of-n among the custodians).
    pub r2: Wrap,
}

/// One part as the manifest describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestPart {
    /// Part index (0 = summary, documents from 1).
    pub index: u32,
    /// Summary or document.
    pub kind: PartKind,
    /// File name shown to evaluators ("summary" for the summary).
    pub name: String,
    /// The header every chunk is bound to (holds the nonce prefix).
    pub header: PartHeader,
    /// SHA-256 of the ciphertext stream.
    #[serde(with = "encoding::hex_array")]
    pub ciphertext_sha256: [u8; 32],
    /// Ciphertext length in bytes.
    pub ciphertext_len: u64,
    /// R1 and R2 wraps of the DEK.
    pub wraps: PartWraps,
}

/// The cleartext description of a sealed bid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: String,
    /// Tender id.
    pub tender_id: String,
    /// Section id.
    pub section_id: String,
    /// Bidder USCC.
    pub bidder_uscc: String,
    /// Bid version.
    pub bid_version: u32,
    /// The remedy path: the bid's remedy public key (R2 recipient) and its secret's shares,
    /// one per published custodian, with their commitments.
    pub remedy: RemedyBlock,
    /// The bidder's signed envelope key (R1 recipient).
    pub envelope_key_statement: EnvelopeKeyStatement,
    /// Parts in index order, summary first.
    pub parts: Vec<ManifestPart>,
    /// Outer signature (ciphertext digests and wraps), checked at submission.
    pub outer_signature: SignatureBlock,
}

impl Manifest {
    /// The canonical JSON bytes (what is stored and hashed for the receipt).
    pub fn to_canonical_json(&self) -> Vec<u8> {
        // Invariant: every field is a string, integer, enum or struct of those;
        // serde_json cannot fail on such a value.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The part with this index.
    pub fn part(&self, index: u32) -> Option<&ManifestPart> {
        self.parts.iter().find(|p| p.index == index)
    }

    /// The bid the remedy block is bound to.
    pub fn remedy_bid(&self) -> super::remedy::RemedyBid<'_> {
        super::remedy::RemedyBid {
            tender_id: &self.tender_id,
            section_id: &self.section_id,
            bidder_uscc: &self.bidder_uscc,
            bid_version: self.bid_version,
        }
    }
}

/// 开标一览表: what is read out at the opening.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Bid price, exact CNY.
    pub price: Money,
    /// Construction / delivery period in days.
    pub duration_days: u32,
    /// Quality commitment (e.g. "合格").
    pub quality: String,
    /// Project manager's name.
    pub project_manager: String,
    /// Bid bond (投标保证金) reference.
    pub bid_bond_reference: String,
}

/// Plaintext digest of one document, listed inside the sealed summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentDigest {
    /// Part index.
    pub index: u32,
    /// File name.
    pub name: String,
    /// Header digest of the part.
    #[serde(with = "encoding::hex_array")]
    pub header_sha256: [u8; 32],
    /// SHA-256 of the document's plaintext.
    #[serde(with = "encoding::hex_array")]
    pub plaintext_sha256: [u8; 32],
    /// Plaintext length.
    pub plaintext_len: u64,
}

/// The plaintext of the summary part (JSON, then padded with spaces).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryBody {
    /// [`SUMMARY_FORMAT`].
    pub format: String,
    /// The summary fields.
    pub summary: Summary,
    /// Plaintext digests of every document part.
    pub documents: Vec<DocumentDigest>,
    /// Inner signature: context, summary header, summary fields and documents.
    pub inner_signature: SignatureBlock,
}
