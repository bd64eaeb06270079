//! The award's deciding (定标, docs/AWARD.md §3): the steps of a section's award round — ballot
//! rounds, lots, deliberations — with their ballots once revealed, a member's signed cast, and
//! the 定标报告 with its signatures.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::domain::award::ballot::Cast;
pub use crate::domain::award::{CastKind, StepKind};

/// A member of the award committee as the steps name it (`person` is what ballots and the
/// report sign as the member).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AwardMember {
    pub person: String,
    pub chair: bool,
}

/// A revealed ballot, opinion or decision (or a missing ballot: `kind` `missing`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevealedCast {
    pub member: String,
    pub kind: CastKind,
    pub choices: Vec<String>,
    pub reason: Option<String>,
    pub statement_sha256: String,
    /// Base64; empty for a missing ballot.
    pub signature: String,
    pub signature_algorithm: String,
    /// The member's certificate (DER, base64) the signature verifies against.
    pub certificate: String,
    pub cast_at: Option<DateTime<Utc>>,
}

/// One step of the award round. While it is open only how many have cast shows; its casts
/// are listed when it closes, all together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AwardStep {
    pub id: String,
    pub seq: u32,
    pub kind: StepKind,
    /// The candidates (bid ids) asked about.
    pub among: Vec<String>,
    /// Names per ballot (votes), or drawn (lots).
    pub picks: u32,
    /// Why the engine asked for it (`ballot`, `revote`, `run_off`, `tie_for_last`,
    /// `persistent_tie`, `final_lot`, …).
    pub reason: String,
    pub opened_at: DateTime<Utc>,
    pub closes_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The lottery of a lot step (`etender draw verify` replays it).
    pub draw: Option<String>,
    /// How many members have cast (all that shows of an open step).
    pub cast: u32,
    /// Empty while the step is open.
    pub casts: Vec<RevealedCast>,
    /// Votes per candidate once closed (vote steps); a lot's draw order.
    pub tally: Vec<(String, u32)>,
    pub order: Vec<String>,
}

/// A section's deciding so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AwardSteps {
    pub tender: String,
    pub section: String,
    pub award_round: u32,
    pub method: String,
    pub members: Vec<AwardMember>,
    pub steps: Vec<AwardStep>,
    /// The winner once decided.
    pub winner: Option<String>,
}

/// A member's signed ballot, opinion (集体议事) or decision (the chair), signed over
/// `etender-award-ballot/v1` (docs/AWARD.md §3.3).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CastRequest {
    /// `{"kind": "ballot", "choices": [bid…], "reason"?}`, `{"kind": "opinion", "candidate",
    /// "reason"}` or `{"kind": "decision", "candidate", "reason"}`.
    pub cast: Cast,
    pub certificate_chain: Vec<String>,
    pub signature: String,
    pub signature_algorithm: String,
}

/// What a cast returns: its commitment, never its content (the step is still open).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CastReceipt {
    pub step: String,
    pub member: String,
    pub kind: CastKind,
    /// SHA-256 (hex) of the signed statement.
    pub commitment: String,
    pub cast_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AwardReportSignature {
    pub person: String,
    pub chair: bool,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
    pub signed_at: DateTime<Utc>,
    /// The member's written dissent, part of what it signed (`None`: it agrees).
    #[serde(default)]
    pub dissent: Option<String>,
}

/// The 定标报告: the document (canonical JSON, exactly the bytes signed by digest).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AwardReport {
    pub id: String,
    pub tender: String,
    pub section: String,
    pub award_round: u32,
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
    /// The exact stored bytes whose SHA-256 is `digest`.
    pub document_text: String,
    pub digest: String,
    pub generated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub signatures: Vec<AwardReportSignature>,
    /// The end of the signing time: a member who has neither signed nor dissented by then is
    /// deemed to agree (条例53, as for the 评标报告). Absent for reports generated before it.
    #[serde(default)]
    pub sign_until: Option<DateTime<Utc>>,
    /// The members deemed to agree when the signing time ended.
    #[serde(default)]
    pub deemed_agreed: Vec<String>,
}

/// A member's (or the chair's) signature of the 定标报告, over `etender-award-report/v1`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardReportSignatureRequest {
    /// The digest the member read, hex.
    pub digest: String,
    /// A written dissent (1–2000 characters): the member signs
    /// `etender-award-report-dissent/v1` with it instead of agreeing.
    #[serde(default)]
    pub dissent: Option<String>,
    pub certificate_chain: Vec<String>,
    pub signature: String,
    pub signature_algorithm: String,
}
