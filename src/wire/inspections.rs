//! 双随机一公开 on the wire (docs/SUPERVISION.md §9): rounds drawn from a published plan, the
//! joint tasks they send, the results the teams record and sign, and what the public reads.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::artefacts::{CheckItem, ObjectKind};
use crate::domain::inspection::{ItemResult, Member, RoundState, Substitution, TaskState};
use crate::wire::draws::ContributionView;

/// Draw a round from a published plan: `teams` joint teams (each one officer of every
/// department of the plan, or two of a one-department plan).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestRoundRequest {
    /// 1 to 1000.
    pub teams: u32,
}

/// One group of a round's frame: a stratum of objects (`o.<kind>.<grade>`) or a department's
/// officers (`p.<department>`), with how many are drawn and ranked after them.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RoundGroup {
    pub code: String,
    pub count: u32,
    pub reserves: u32,
    pub candidates: u32,
}

/// How many of a round's tasks are in each state.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct TaskCounts {
    pub assigned: u64,
    pub recorded: u64,
    pub published: u64,
    pub unstaffed: u64,
}

/// A round as the plan's departments see it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InspectionRound {
    /// Also the id of its draw (`etender draw verify` replays it from an audit export).
    pub id: String,
    pub plan: String,
    pub teams: u32,
    pub state: RoundState,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    /// Until when an officer of the plan's departments may contribute; then the fallback.
    pub contribute_by: DateTime<Utc>,
    /// Hex: the frozen frame's digest and the server's commitment, logged before any
    /// contribution.
    pub frame_digest: String,
    pub commitment: String,
    pub groups: Vec<RoundGroup>,
    pub contribution: Option<ContributionView>,
    /// The server's secret, hex, revealed with the draw.
    pub secret: Option<String>,
    pub drawn_at: Option<DateTime<Utc>>,
    pub tasks: TaskCounts,
}

/// The object a task inspects.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InspectedObject {
    pub kind: ObjectKind,
    /// A USCC, an expert id or a tender id.
    pub id: String,
    /// The unit inspectors with ties must avoid (an organisation itself, an expert's employer,
    /// a tender's tenderer).
    pub unit: Option<String>,
    /// The stratum it was drawn in (`o.<kind>.<grade>`).
    pub stratum: String,
}

/// An evidence file added to a task.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InspectionEvidence {
    pub id: String,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: u64,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

/// A member's signature over the current results.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ResultSignature {
    pub person: String,
    pub signed_at: DateTime<Utc>,
    /// SHA-256 fingerprint of the signing certificate.
    pub certificate: String,
}

/// A joint task: one object, one team, one visit, one checklist of every department's items.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InspectionTask {
    pub id: String,
    pub round: String,
    pub plan: String,
    /// Position in the round (1-based, the assignment order).
    pub seq: u32,
    pub object: InspectedObject,
    pub team: Vec<Member>,
    pub substitutions: Vec<Substitution>,
    pub staffed: bool,
    pub checklist: Vec<CheckItem>,
    pub state: TaskState,
    pub visited_on: Option<NaiveDate>,
    pub results: Vec<ItemResult>,
    /// SHA-256 the members sign (with the task and object), once results are recorded.
    pub results_digest: Option<String>,
    pub evidence: Vec<InspectionEvidence>,
    pub signatures: Vec<ResultSignature>,
    /// Non-compliant items.
    pub findings: u32,
    pub recorded_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    /// The results must be published by this instant (`inspections.publish_within_working_days`
    /// working days from the visit day); `null` before the visit or where the calendar does not
    /// reach.
    pub publish_due: Option<DateTime<Utc>>,
    /// Published after `publish_due`, or still unpublished past it.
    pub overdue: bool,
}

/// Record (or re-record, until published) the visit's results; clears earlier signatures.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordResultsRequest {
    pub visited_on: NaiveDate,
    pub results: Vec<ItemResult>,
}

/// A member signs the results with its personal certificate over
/// `domain::inspection::result_statement` (label `etender-inspection-result/v1`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignResultsRequest {
    /// The digest being signed: must be the task's current `results_digest`.
    pub results_digest: String,
    pub certificate_chain: Vec<String>,
    pub signature: String,
    pub signature_algorithm: String,
}

/// A published result, as everyone reads it (抽查结果公开): the object, the plan and the
/// departments, the visit and the findings — not who inspected.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PublishedInspection {
    pub task: String,
    pub plan: String,
    pub round: String,
    pub object_kind: ObjectKind,
    pub object_id: String,
    pub departments: Vec<String>,
    pub visited_on: Option<NaiveDate>,
    pub findings: u32,
    pub results: Vec<ItemResult>,
    pub published_at: DateTime<Utc>,
}
