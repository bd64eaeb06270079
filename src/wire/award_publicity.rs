//! The award's publicity bodies (公示, 异议; docs/AWARD.md §6): publishing the traditional
//! candidates, signed objections and the tenderer's answers, the traditional award of a winner,
//! a winner dropping out, and the publicity record a section's readers see.

use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::domain::award::publicity::{GiveUpReason, Outcome, SendBack};

/// A bidder's objection to the result, signed with its organisation certificate over
/// `domain::award::publicity::objection_statement` (tender, section, award round, its USCC and
/// the SHA-256 of `text`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseAwardObjectionRequest {
    /// The objection (1–20000 characters).
    pub text: String,
    /// Base64 DER certificates, leaf first: the bidder's organisation certificate.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the objection statement.
    pub signature: String,
    pub signature_algorithm: String,
}

/// The tenderer's answer: dismissed, or upheld naming where the section goes back.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerAwardObjectionRequest {
    /// The written answer (1–20000 characters).
    pub answer: String,
    pub outcome: Outcome,
}

/// The traditional award: the tenderer names the winner among the ranked candidates.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardWinnerRequest {
    /// The winning bid's id.
    pub winner: String,
    /// Why, when the winner is not the first-ranked candidate still in the running.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The winner drops out (条例55).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WinnerDropsOutRequest {
    pub reason: GiveUpReason,
    /// What happened, in writing (1–4000 characters).
    pub statement: String,
}

/// The tenderer asks the original committee to re-check (条例56: a candidate's finances or
/// operations changed materially).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecheckRequest {
    /// What changed, in writing (1–4000 characters).
    pub reason: String,
}

/// One publication of a section's result (per award round).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AwardPublication {
    pub award_round: i32,
    pub published_at: DateTime<Utc>,
    /// By when it was due (3 days after the 评标报告 was received; traditional award).
    pub due_at: Option<DateTime<Utc>>,
    /// Published after it was due: allowed, flagged for the regulators.
    pub late: bool,
    pub days: i32,
    pub publicity_from: DateTime<Utc>,
    pub publicity_until: DateTime<Utc>,
}

/// An objection to the result as its readers see it (the objector, the tender's side and the
/// regulators; never the public).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AwardObjection {
    pub id: String,
    pub tender: String,
    pub section: String,
    pub award_round: i32,
    pub objector_uscc: String,
    pub text: String,
    pub raised_at: DateTime<Utc>,
    /// The tenderer answers before this instant (条例54: within 3 days).
    pub answer_due: DateTime<Utc>,
    pub answer: Option<String>,
    pub outcome: Option<Outcome>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Answered after it was due, or still open after it was due: flagged for the regulators.
    pub overdue: bool,
}

/// A section's publicity record.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AwardPublicity {
    pub tender: String,
    pub section: String,
    pub publications: Vec<AwardPublication>,
    /// The objections the caller may read.
    pub objections: Vec<AwardObjection>,
}
