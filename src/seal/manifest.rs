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
    /// How the bid was prepared, where the bidder's tool records it (collusion signals,
    /// docs/EVALUATION.md §9). Optional and absent from bids sealed before it existed. Sealed
    /// with the summary, so nobody reads it before the opening, and bound to the bidder by the
    /// outer signature over the summary's ciphertext digest; not yet in the inner signature's
    /// payload (SEALED-BIDS.md §12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preparation: Option<Preparation>,
}

/// Label of every [`DeviceFingerprint`] component digest.
pub const DEVICE_LABEL: &str = "etender-device/v1";

/// Where and with what a bid was prepared, as the bidder's tool observed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preparation {
    /// The machine the bid was made on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceFingerprint>,
    /// Each document's own metadata, as its file states it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentMetadata>,
}

/// The preparing machine, component by component (Fujian R1–R4 and the 大庆 codes, domain-rules
/// §6.1). Each present component is [`DeviceFingerprint::component`]: lower-case hex of
/// SHA-256(`etender-device/v1` ‖ 0x00 ‖ name ‖ 0x00 ‖ normalised value), so equal machines give
/// equal digests and the raw serials never leave the bidder's machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceFingerprint {
    /// The network card's MAC address (name `mac`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// The CPU serial or id (name `cpu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// The system disk's serial (name `disk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<String>,
    /// The motherboard's serial (name `board`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board: Option<String>,
    /// The pricing software's dongle serial, 计价软件加密锁序列号 (name `pricing_dongle`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_dongle: Option<String>,
}

impl DeviceFingerprint {
    /// The digest of one component: `value` with ASCII whitespace, `:` and `-` removed and
    /// upper-cased (so `aa:bb-cc` and `AABBCC` agree); `None` when nothing is left.
    pub fn component(name: &str, value: &str) -> Option<String> {
        let v: String = value
            .chars()
            .filter(|c| !c.is_ascii_whitespace() && *c != ':' && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if v.is_empty() {
            return None;
        }
        let mut input = Vec::with_capacity(DEVICE_LABEL.len() + name.len() + v.len() + 2);
        input.extend_from_slice(DEVICE_LABEL.as_bytes());
        input.push(0);
        input.extend_from_slice(name.as_bytes());
        input.push(0);
        input.extend_from_slice(v.as_bytes());
        Some(hex::encode(ring::digest::digest(
            &ring::digest::SHA256,
            &input,
        )))
    }
}

/// A document's metadata, as the file carries it (PDF Info / XMP, OOXML core properties).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentMetadata {
    /// The document's part index.
    pub index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The producing application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// Creation instant, RFC 3339, as the file states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last-modified instant, RFC 3339, as the file states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Who saved it last (OOXML `cp:lastModifiedBy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_by: Option<String>,
    /// The program that wrote the PDF (PDF `Producer`), where it differs from the authoring
    /// application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer: Option<String>,
    /// The organisation the authoring application is registered to (OOXML `Company`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_components_normalise_then_hash() {
        // sha256(b"etender-device/v1\0mac\0AABBCCDDEEFF"), computed independently (Python).
        let want = "6d63d96b93610adad3eff1ec25aadf4e8333ca8770bc5cc96896a6ab3c5c8143";
        for raw in ["aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", " aabbccddeeff\n"] {
            assert_eq!(
                DeviceFingerprint::component("mac", raw).as_deref(),
                Some(want)
            );
        }
        assert_ne!(
            DeviceFingerprint::component("cpu", "aabbccddeeff").as_deref(),
            Some(want)
        );
        assert_eq!(DeviceFingerprint::component("mac", " :-"), None);
    }

    #[test]
    fn summaries_without_preparation_read_and_write_as_before() {
        let p = Preparation {
            device: Some(DeviceFingerprint {
                mac: DeviceFingerprint::component("mac", "aa:bb"),
                ..DeviceFingerprint::default()
            }),
            documents: vec![DocumentMetadata {
                index: 1,
                author: Some("张三".into()),
                ..DocumentMetadata::default()
            }],
        };
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json["documents"],
            serde_json::json!([{"index": 1, "author": "张三"}])
        );
        assert_eq!(serde_json::from_value::<Preparation>(json).unwrap(), p);
        // A v2 summary body as sealed before the field existed: read, and written back byte
        // for byte.
        let old = format!(
            "{{\"format\":\"{SUMMARY_FORMAT}\",\"summary\":{{\"price\":\"9800000.00\",\
             \"duration_days\":180,\"quality\":\"合格\",\"project_manager\":\"张三\",\
             \"bid_bond_reference\":\"B-1\"}},\"documents\":[],\"inner_signature\":\
             {{\"algorithm\":\"ed25519\",\"signer_spki\":\"AA==\",\"signature\":\"AA==\"}}}}"
        );
        let body: SummaryBody = serde_json::from_str(&old).unwrap();
        assert_eq!(body.preparation, None);
        assert_eq!(serde_json::to_string(&body).unwrap(), old);
        let with = SummaryBody {
            preparation: Some(p),
            ..body
        };
        let back: SummaryBody =
            serde_json::from_str(&serde_json::to_string(&with).unwrap()).unwrap();
        assert_eq!(back, with);
    }
}
