//! Evaluation bodies: forming a section's committee, electing its leader, a member leaving,
//! and the committee as its viewers see it.

use crate::domain::evaluation::committee::{CommitteeState, LeaveReason, MemberKind};
pub use crate::domain::evaluation::sheet::Stage;
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

/// The tenderer names one of its staff in the place of a representative who left (条例48).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceRepresentativeRequest {
    /// The member id of the representative who left.
    pub replaces: String,
    /// The person (on the tenderer's staff) taking its place.
    pub person_id: String,
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
    /// Active members who have asked for more time (条例48).
    #[serde(default)]
    pub time_requests: u32,
    /// When more than a third of the active members had asked: the tenderer must extend.
    #[serde(default)]
    pub extension_required_at: Option<DateTime<Utc>>,
    /// The extension the tenderer granted.
    #[serde(default)]
    pub extended_until: Option<DateTime<Utc>>,
}

/// A member asks for more time for the evaluation (条例48), saying why.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeRequest {
    /// 1–500 characters.
    pub reason: String,
}

/// The tenderer (or its agent) extends the evaluation time when more than a third of the
/// members asked.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequest {
    /// Until when the committee evaluates (after now).
    pub until: DateTime<Utc>,
}

pub use crate::domain::evaluation::report::{AssentKind, ReportOutcome, ReportState};

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
    pub outcome: ReportOutcome,
    /// SHA-256 of `document`'s canonical JSON bytes, hex: what members sign.
    pub digest: String,
    pub generated_at: DateTime<Utc>,
    /// Members silent by then are deemed to agree (条例53).
    pub sign_until: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The document (docs/EVALUATION.md §21): the section, members, K, the inputs from the
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

pub use crate::domain::evaluation::sheet::Sheet;

/// A member's signed sheet of one stage (docs/EVALUATION.md §14, §17): the sheet (its `stage`
/// tag: `preliminary`, then the method's `scoring`, `adjustments` or `qualitative`), signed
/// over `sheet::statement` with the member's personal certificate. Its `member` fields (a
/// verdict's, a remark's) are the member's own principal id.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitSheetRequest {
    /// `{"stage": "preliminary", "verdicts": [{member, bid, requirement, pass, reason}]}`,
    /// `{"stage": "scoring", "scores": [{bid, criterion, points}]}`,
    /// `{"stage": "adjustments", "applied": [{bid, adjustment, units}]}` or
    /// `{"stage": "qualitative", "remarks": [{member, bid, kind, text}], "recommended": [bid]}`.
    #[schema(value_type = Object)]
    pub sheet: Sheet,
    /// Base64 DER certificates, leaf first: the member's personal certificate.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the sheet statement.
    pub signature: String,
    pub signature_algorithm: String,
}

/// One sheet as recorded.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EvaluationSheet {
    pub id: String,
    /// The committee member id.
    pub member_id: String,
    pub person_id: String,
    pub stage: Stage,
    /// The sheet in canonical order (as signed).
    #[schema(value_type = Object)]
    pub sheet: Sheet,
    /// Hex SHA-256 of the signed statement: what the log carried until the reveal.
    pub statement_sha256: String,
    pub signature: String,
    pub signature_algorithm: String,
    /// SHA-256 fingerprint of the signing certificate.
    pub signer_fingerprint: String,
    pub submitted_at: DateTime<Utc>,
    /// When the stage's sheets were revealed (every active member's was in).
    pub revealed_at: Option<DateTime<Utc>>,
    /// The member left the committee: the sheet is kept and counts for nothing (条例48).
    pub void: bool,
}

/// The caller's own sheets of the committee, every stage, void ones included.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MySheets {
    pub committee_id: String,
    /// The method's stages in order: `preliminary`, then the second.
    pub stages: Vec<Stage>,
    pub sheets: Vec<EvaluationSheet>,
}

/// The committee's sheets of one revealed stage.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StageSheets {
    pub committee_id: String,
    pub stage: Stage,
    /// The sheets that count (void ones are listed with `void`), in submission order.
    pub sheets: Vec<EvaluationSheet>,
    /// The bids the stage judged: for `preliminary` the opened bids not rejected
    /// automatically; for the second stage those passing 初步评审.
    pub bids: Vec<String>,
}

/// A flagged member's written reason, signed over `deviation::reason_statement`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviationReasonRequest {
    /// Why the score departs from the others' (1–2000 characters).
    pub reason: String,
    /// Base64 DER certificates, leaf first: the member's personal certificate.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the reason statement.
    pub signature: String,
    pub signature_algorithm: String,
}

/// A filed reason.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DeviationReason {
    pub reason: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
    pub filed_at: DateTime<Utc>,
}

/// A 偏离度 flag: a member's score departs from the other members' mean by more than the
/// platform's share (docs/EVALUATION.md §6).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DeviationFlag {
    pub id: String,
    pub member_id: String,
    pub person_id: String,
    pub bid_id: String,
    /// The item; absent for the member's item sum of the bid.
    pub criterion: Option<String>,
    #[schema(value_type = String)]
    pub score: rust_decimal::Decimal,
    #[schema(value_type = String)]
    pub others_mean: rust_decimal::Decimal,
    pub flagged_at: DateTime<Utc>,
    /// The member's signed reason, once filed.
    pub reason: Option<DeviationReason>,
}

/// The committee's 偏离度 flags (on sheets that count) and their reasons.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DeviationFlags {
    pub committee_id: String,
    pub flags: Vec<DeviationFlag>,
    /// Flags still owing a reason.
    pub open: u32,
}
