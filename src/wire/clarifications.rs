//! Clarification and rejection-motion bodies (docs/EVALUATION.md §18): the leader's questions
//! to a bidder, the bidder's signed answers and the committee's decision on each; members'
//! motions to reject a bid on a judged statutory ground and their votes.

use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::domain::evaluation::clarification::{Answer, Question};
pub use crate::domain::evaluation::rejection::RejectionReason;

/// The leader asks a bidder in writing (澄清), about one opened bid of the section.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskClarificationRequest {
    pub bid_id: String,
    pub question: Question,
    /// By when the bidder must answer: in the future, and within the bids' validity.
    pub due_at: DateTime<Utc>,
}

/// The bidder's answer, signed with its organisation certificate over
/// `domain::evaluation::clarification::answer_statement` (the question's digest, the bidder's
/// USCC and the answer).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerClarificationRequest {
    pub answer: Answer,
    /// Base64 DER certificates, leaf first: the bidder's organisation certificate.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the answer statement.
    pub signature: String,
    pub signature_algorithm: String,
}

/// The committee's record of an answer: accepted or not, and why.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideClarificationRequest {
    pub accepted: bool,
    /// Why (1–2000 characters).
    pub reason: String,
}

/// A clarification as its readers see it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Clarification {
    pub id: String,
    pub committee_id: String,
    pub tender_id: String,
    pub section: String,
    pub bid_id: String,
    /// The USCC of the bidder asked.
    pub bidder_uscc: String,
    pub question: Question,
    /// Hex SHA-256 the answer statement binds (`Question::digest`).
    pub question_sha256: String,
    pub asked_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// Unanswered and not yet due.
    pub open: bool,
    pub answer: Option<Answer>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Base64 signature over the answer statement, and its algorithm.
    pub answer_signature: Option<String>,
    pub answer_signature_algorithm: Option<String>,
    /// The committee's record: whether the answer was accepted, and why.
    pub accepted: Option<bool>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// The clarifications a caller may read.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Clarifications {
    pub items: Vec<Clarification>,
}

/// An active member proposes to reject a bid on a judged statutory ground (条例51).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeMotionRequest {
    pub bid_id: String,
    /// A `RejectionReason` code that is not automatic (`price_above_cap` and
    /// `multiple_bids_or_prices` come from the opening record, not a vote).
    pub reason: String,
    /// The written grounds (1–4000 characters).
    pub statement: String,
}

/// An active member's vote on a motion.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MotionVoteRequest {
    /// For rejecting the bid, or against.
    pub in_favour: bool,
    /// The member's reason: required against (the dissent is written, 条例53), optional for.
    #[serde(default)]
    pub reason: Option<String>,
}

/// One vote as members and regulators see it (votes are open among the committee).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MotionVoteView {
    pub member_id: String,
    pub in_favour: bool,
    pub reason: Option<String>,
    pub voted_at: DateTime<Utc>,
    /// False when the member left before the motion closed: its vote is void.
    pub counts: bool,
}

/// A rejection motion.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RejectionMotion {
    pub id: String,
    pub committee_id: String,
    pub bid_id: String,
    pub reason: RejectionReason,
    /// The article and item (e.g. 条例第51条第（六）项).
    pub article: String,
    pub statement: String,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub votes: Vec<MotionVoteView>,
    /// Counting votes for and against, so far or at the close.
    pub votes_for: u32,
    pub votes_against: u32,
    pub closed_at: Option<DateTime<Utc>>,
    /// Whether a majority of the active members voted for it (set when closed).
    pub carried: Option<bool>,
}

/// The committee's motions.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RejectionMotions {
    pub items: Vec<RejectionMotion>,
}
