//! Bid bodies: bonds, uploads and their parts, bids as their bidder sees them, receipts, and the
//! keys bids are sealed to.

use crate::domain::bidding::{BidState, BondKind, UploadState};
use crate::domain::money::Money;
use crate::seal::X25519PublicKey;
use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BidBond {
    pub id: String,
    pub tender_id: String,
    pub section: String,
    pub organisation_id: String,
    pub amount: Money,
    pub kind: BondKind,
    pub reference: String,
    /// Who reported the bond: the bank or guarantee issuer (`[bonds]`) whose signed notice
    /// recorded it. No person records bonds.
    pub issuer: String,
    pub recorded_at: DateTime<Utc>,
}

/// Where the caller pays its bond for a section: its own virtual sub-account (虚拟子账号) at
/// the platform's bank. The number names nobody; only the platform, under its key, knows whose
/// it is and for which tender.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BondAccount {
    pub bank: String,
    pub account: String,
    /// The section's bond, when it asks for one.
    pub amount: Option<Money>,
}

/// The header carrying a bond notice's signature: base64 of HMAC-SHA256(issuer's key, body).
pub const BANK_SIGNATURE_HEADER: &str = "x-bank-signature";

/// A bond issuer's notice that a bond for a virtual sub-account arrived — the bank reporting a
/// transfer, or a bank or insurer reporting the guarantee it issued — posted by the issuer and
/// signed with the notice key it shares with the platform (`x-bank-signature`: base64
/// HMAC-SHA256 of the body).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankNotice {
    pub account: String,
    pub amount: Money,
    /// The bond's form; absent means a transfer (`cash`), as the bank's notices always were.
    #[serde(default)]
    pub kind: BondKind,
    /// The bank's own reference of the transfer (unique per account).
    pub reference: String,
    pub arrived_at: DateTime<Utc>,
    /// The account a transfer (`cash`) was paid from, as the bank's statement names it: two
    /// bidders' bonds paid from one account are a collusion signal (条例40(六), docs/EVALUATION.md
    /// §9). A guarantee's issuer leaves it out (a 保函 is the bank's own undertaking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_account: Option<String>,
}

/// The platform's acknowledgement of a bank notice.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BankNoticeAck {
    pub reference: String,
    pub recorded_at: DateTime<Utc>,
}

/// One of the caller's own bid versions.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BidView {
    pub bid_id: String,
    pub version: u32,
    pub state: BidState,
    pub received_at: DateTime<Utc>,
    pub manifest_sha256: String,
    /// The notice version the bid answers (re-confirmations move it on).
    pub confirmed_tender_version: u32,
    /// Whether an amendment requires the bid to be re-confirmed before the deadline.
    pub needs_reconfirmation: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MyBid {
    pub current: Option<BidView>,
    /// The `bid_version` to seal the next manifest with.
    pub next_version: u32,
    /// The section's remedy policy: seal the bid's remedy key t-of-n to these custodian
    /// envelope keys, in this order (R2, docs/SEALED-BIDS.md §6).
    #[schema(value_type = Object)]
    pub remedy: crate::seal::RemedyPolicy,
    pub upload: Option<UploadStatus>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PartStatus {
    pub index: u32,
    pub name: String,
    /// Bytes received so far: the next request's `Upload-Offset`.
    pub received: u64,
    pub ciphertext_len: u64,
    pub complete: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UploadStatus {
    pub id: String,
    pub tender_id: String,
    pub section: String,
    pub bid_version: u32,
    pub state: UploadState,
    pub manifest_sha256: String,
    pub parts: Vec<PartStatus>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReceiptPart {
    pub index: u32,
    pub name: String,
    pub ciphertext_len: u64,
    pub ciphertext_sha256: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReceiptAudit {
    pub event_id: String,
    pub log_index: Option<u64>,
    /// `c2sp.org/tlog-proof@v1` text: the entry, its inclusion proof and a signed checkpoint.
    pub tlog_proof: Option<String>,
}

/// What a receipt acknowledges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    Submission,
    Withdrawal,
    Confirmation,
}

impl UploadStatus {
    pub fn part(&self, index: u32) -> Option<&PartStatus> {
        self.parts.iter().find(|p| p.index == index)
    }
}

/// 回执 (E4): what the server received, when by its clock, and the audit entry proving it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    pub kind: ReceiptKind,
    pub bid_id: String,
    pub tender_id: String,
    pub section: String,
    pub bidder_uscc: String,
    pub bid_version: u32,
    pub received_at: DateTime<Utc>,
    pub manifest_sha256: String,
    pub parts: Vec<ReceiptPart>,
    pub certificate_serial: String,
    pub supersedes: Option<String>,
    pub audit: ReceiptAudit,
}

/// A custodian's registered envelope key.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EnvelopeKey {
    pub principal_id: String,
    /// X25519 public key, hex.
    #[schema(value_type = String)]
    pub public_key: X25519PublicKey,
    pub registered_at: DateTime<Utc>,
}

/// A section's remedy custodians as published with the tender: public keys only. Every bid of
/// the section splits its own remedy key t-of-n among them (docs/SEALED-BIDS.md §6).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SectionRemedy {
    pub section: String,
    pub threshold: u32,
    /// Share i goes to `custodians[i-1]`.
    pub custodians: Vec<RemedyCustodian>,
}

/// One custodian of a section's remedy path.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RemedyCustodian {
    pub share_index: u32,
    pub person_id: String,
    /// The custodian's registered X25519 envelope public key, hex.
    #[schema(value_type = String)]
    pub public_key: X25519PublicKey,
}
