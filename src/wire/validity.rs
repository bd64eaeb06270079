//! Bid validity (投标有效期) bodies (docs/BIDDING.md, "Bid validity"): the tender's side asks
//! the section's bidders to extend, each bidder answers signed, and every reader sees how long
//! each bid it may see is valid.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The tender's side asks every bid of the section still valid to extend its validity.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidityExtensionRequest {
    /// The validity's new end: after the current one, by at most 180 days.
    pub new_end: DateTime<Utc>,
    /// By when the bidders answer: in the future, and while the bids are still valid. A
    /// bidder that has not answered by then is taken to decline (视为拒绝).
    pub answer_due: DateTime<Utc>,
    /// Why (1–2,000 characters), e.g. a complaint under handling.
    pub reason: String,
}

/// A bidder's answer, signed with its organisation certificate over
/// `etender-validity-answer/v1\0` ‖ the SHA-256 of the answer's canonical document
/// (`domain::validity::answer_document`: the extension, tender, section, bid, USCC, the ends
/// before and after, and `agree`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidityAnswerRequest {
    /// Whether the bidder extends its bid (and its bond) to the new end. Declining makes the
    /// bid lapse (投标失效) and its bond due back.
    pub agree: bool,
    /// Base64 DER certificates, leaf first: the bidder's organisation certificate.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the statement.
    pub signature: String,
    pub signature_algorithm: String,
}

/// A signed answer as kept.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ValidityAnswer {
    pub agree: bool,
    /// The canonical document signed and its SHA-256 (hex).
    pub document: String,
    pub digest: String,
    /// Base64 signature, its algorithm and the base64 DER leaf certificate.
    pub signature: String,
    pub signature_algorithm: String,
    pub certificate: String,
    pub answered_at: DateTime<Utc>,
}

/// One bid an extension asked: its answer, and how long it is valid now.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ValidityAsked {
    pub bid: String,
    pub bidder_uscc: String,
    /// `None` while unanswered (after `answer_due`, taken to decline).
    pub answer: Option<ValidityAnswer>,
    /// When the bid's validity ends, as things stand.
    pub valid_until: DateTime<Utc>,
    /// Its validity has ended (投标失效).
    pub ended: bool,
}

/// An extension of the bids' validity.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ValidityExtension {
    pub id: String,
    pub tender: String,
    pub section: String,
    pub previous_end: DateTime<Utc>,
    pub new_end: DateTime<Utc>,
    pub answer_due: DateTime<Utc>,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    /// When the deadline watch closed it (the answers were due).
    pub closed_at: Option<DateTime<Utc>>,
    /// The bids asked: every one for the tender's side and regulators, a bidder's own for it.
    pub asked: Vec<ValidityAsked>,
}

/// A section's bid validity: the end the tender states, the end in force, the extensions.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SectionValidity {
    pub tender: String,
    pub section: String,
    /// The bid deadline plus the validity days the tender states.
    pub base_end: DateTime<Utc>,
    /// The end for bids that agreed to every extension.
    pub current_end: DateTime<Utc>,
    pub extensions: Vec<ValidityExtension>,
}
