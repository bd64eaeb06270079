//! Evaluation bodies: forming a section's committee, electing its leader, a member leaving,
//! and the committee as its viewers see it.

use crate::domain::evaluation::committee::{CommitteeState, LeaveReason, MemberKind};
use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

/// The tenderer (or its agent) forms the section's committee from the draw's checked-in experts
/// and the tenderer's representatives named here.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormCommitteeRequest {
    /// Principal ids of persons on the tenderer organisation's staff; may be empty.
    #[serde(default)]
    pub representatives: Vec<String>,
}

/// A member's vote for a leader (组长).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaderVoteRequest {
    /// The committee member id voted for (an active member; oneself is allowed).
    pub member_id: String,
}

/// A member leaves the committee (条例48): by itself, or named by the tenderer or its agent.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveRequest {
    pub reason: LeaveReason,
    /// Why, in words (1–500 characters).
    pub note: String,
}

/// One member of a committee, present or past.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CommitteeMember {
    pub id: String,
    pub person_id: String,
    pub name: String,
    pub kind: MemberKind,
    /// The expert library member id (experts only).
    pub expert_id: Option<String>,
    pub specialty: Option<String>,
    pub active: bool,
    pub joined_at: DateTime<Utc>,
    /// When it left; its conclusions are void from then on.
    pub left_at: Option<DateTime<Utc>>,
    pub left_reason: Option<LeaveReason>,
    /// The member that took its seat.
    pub replaced_by: Option<String>,
    /// Votes this member holds for leader in the current election.
    pub votes: u32,
}

/// A section's evaluation committee (评标委员会).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EvaluationCommittee {
    pub id: String,
    pub tender_id: String,
    pub section: String,
    pub draw_id: String,
    pub state: CommitteeState,
    /// The elected leader's member id.
    pub leader: Option<String>,
    pub formed_at: DateTime<Utc>,
    pub min_members: u32,
    /// Active members who have voted in the current election.
    pub votes_cast: u32,
    pub members: Vec<CommitteeMember>,
}

pub use crate::domain::evaluation::report::{AssentKind, ReportState};

/// A section's evaluation report (评标报告) as the committee, the tenderer (once complete) and
/// regulators see it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EvaluationReport {
    pub id: String,
    pub committee_id: String,
    pub tender_id: String,
    pub section: String,
    pub state: ReportState,
    /// `ranked` (traditional award), `unranked` (评定分离) or `section_fails`.
    pub outcome: String,
    /// SHA-256 of `document`'s canonical JSON bytes, hex: what members sign.
    pub digest: String,
    pub generated_at: DateTime<Utc>,
    /// Members silent by then are deemed to agree (条例53).
    pub sign_until: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The document (docs/EVALUATION.md §19): the section, members, K, the inputs from the
    /// sheets and decisions, the derivation step by step and the candidates.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
    pub positions: Vec<ReportPosition>,
}

/// One member's recorded position on the report.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportPosition {
    pub member: String,
    pub assent: AssentKind,
    /// The written dissent.
    pub reason: Option<String>,
    pub signed_at: DateTime<Utc>,
}

/// A member signs the report: agrees, or dissents with its reason (条例53), over
/// `etender-evaluation-report/v1` (docs/EVALUATION.md §14) with its personal certificate.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportSignatureRequest {
    /// `agreed` or `dissented` (deemed agreement is recorded by the platform, never signed).
    pub assent: AssentKind,
    /// Required for a dissent (1–2000 characters).
    #[serde(default)]
    pub reason: Option<String>,
    /// The report's digest the member read, hex (must be the current report's).
    pub digest: String,
    pub certificate_chain: Vec<String>,
    pub signature: String,
    pub signature_algorithm: String,
}
