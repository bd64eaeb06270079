//! Draw bodies: a draw request, the supervising regulator's contribution, a draw as its
//! overseers see it (names only once revealed), and a member's own seats.

use crate::domain::draw::{DrawState, Purpose, Seat};
use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

/// One specialty of a draw request.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawGroupRequest {
    /// A level-2 or level-3 specialty code.
    pub specialty: String,
    /// Experts drawn, at least 1.
    pub count: u32,
    /// Reserves ranked after them, called in order when one drops out.
    pub reserves: u32,
}

pub use crate::domain::experts::RegionMode;

fn evaluation_experts() -> Purpose {
    Purpose::EvaluationExperts
}

/// A request for the committee of one section: the evaluation committee's experts from the
/// expert library (`evaluation_experts`, the default), or the drawn members of the award
/// committee from the tenderer's own pool (`award_committee`: one group `pool` whose count is
/// the tender's `drawn`, and its reserves).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    /// `evaluation_experts` (absent) or `award_committee`.
    #[serde(default = "evaluation_experts")]
    pub purpose: Purpose,
    /// When the committee sits (the evaluation, or the 定标会): check-in opens before it.
    pub evaluation_at: DateTime<Utc>,
    /// The evaluation room, or the remote platform's name when `remote`.
    pub place: String,
    pub remote: bool,
    pub groups: Vec<DrawGroupRequest>,
    /// More units to avoid (USCC), beyond the tenderer, the agent and the section's bidders.
    #[serde(default)]
    pub avoid_units: Vec<String>,
    /// Avoid the section's bidders. Absent: once the opening has published its record, yes;
    /// before, the bidders are sealed and cannot be named (asking for it is refused).
    pub avoid_bidders: Option<bool>,
    #[serde(default)]
    pub region_mode: RegionMode,
    /// Six-digit division code the region mode refers to.
    pub region: Option<String>,
}

/// The supervising regulator's random contribution, signed with its certificate over
/// `contribution_message` (docs/DRAWS.md §3).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContributionRequest {
    /// 32 random bytes, hex.
    pub value: String,
    /// Base64 DER certificates, leaf first.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over `contribution_message`.
    pub signature: String,
    pub signature_algorithm: String,
}

/// A drawn or reserve member, shown once the draw is revealed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SeatView {
    pub rank: u32,
    pub member_id: String,
    pub person_id: String,
    pub seat: Seat,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DrawGroupView {
    pub specialty: String,
    pub count: u32,
    pub reserves: u32,
    /// Eligible candidates in the frozen frame.
    pub candidates: u32,
    /// Absent until the draw is revealed.
    pub seats: Option<Vec<SeatView>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ContributionView {
    pub contributor: String,
    /// Hex.
    pub value: String,
    pub contributed_at: DateTime<Utc>,
}

/// A draw as the tender's parties and overseers see it: everything but the names until the
/// evaluation starts.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Draw {
    pub id: String,
    pub purpose: Purpose,
    pub tender_id: String,
    pub section: String,
    pub state: DrawState,
    pub requested_at: DateTime<Utc>,
    pub evaluation_at: DateTime<Utc>,
    pub place: String,
    pub remote: bool,
    /// The frozen inputs' digest and the server's commitment, hex (logged before any
    /// contribution).
    pub frame_digest: String,
    pub commitment: String,
    pub contribute_by: DateTime<Utc>,
    pub groups: Vec<DrawGroupView>,
    pub contributions: Vec<ContributionView>,
    /// The server's secret, hex, once revealed.
    pub secret: Option<String>,
    pub drawn_at: Option<DateTime<Utc>>,
    pub revealed_at: Option<DateTime<Utc>>,
    /// A lottery's outcome once made (a lottery is revealed as it is made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lottery: Option<LotteryOutcome>,
}

/// What a lottery drew: what its frame says it draws (`price_coefficient_k`, …) and the drawn
/// candidates in draw order (for K, the one value).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LotteryOutcome {
    pub draws: String,
    pub drawn: Vec<String>,
}

/// Every draw of a tender, oldest first.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TenderDraws {
    pub items: Vec<Draw>,
}

/// One of the caller's own seats: what it was drawn for and what it must do.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Assignment {
    pub draw_id: String,
    pub tender_id: String,
    pub section: String,
    pub specialty: String,
    pub evaluation_at: DateTime<Utc>,
    pub place: String,
    pub remote: bool,
    pub seat: Seat,
    pub answer_by: Option<DateTime<Utc>>,
}

/// A drawn member confirms or declines.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub accept: bool,
}

pub use crate::domain::draw::checkin::Conflict;

/// A seated member checks in at the evaluation: it signs the commitment (承诺书,
/// `domain::draw::checkin::PLEDGE_V1`) and its recusal self-declaration over
/// `domain::draw::checkin::statement` (docs/DRAWS.md §9) with its personal certificate.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    /// The conflict of interest declared (回避): with which party and why; absent or null
    /// when there is none. A declared conflict gives the seat up to the next reserve.
    #[serde(default)]
    pub conflict: Option<Conflict>,
    /// Base64 DER certificates, leaf first: the member's personal certificate.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the check-in statement.
    pub signature: String,
    pub signature_algorithm: String,
}

/// A member's check-in as recorded.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckIn {
    pub draw_id: String,
    pub specialty: String,
    /// `checked_in`, or `recused` when a conflict was declared.
    pub seat: Seat,
    pub checked_in_at: DateTime<Utc>,
    pub conflict: Option<Conflict>,
}

/// One called member of a committee (reserves never called are not listed).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CommitteeSeat {
    pub specialty: String,
    /// Place in the group's recorded draw order.
    pub rank: u32,
    pub member_id: String,
    pub person_id: String,
    pub name: String,
    pub seat: Seat,
    /// By when this member must check in.
    pub checkin_by: Option<DateTime<Utc>>,
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The conflict it declared at check-in (it then left the committee).
    pub conflict: Option<Conflict>,
}

/// A drawn committee's check-in state once the evaluation has started: who holds a seat, who
/// has checked in, who left and why. Issue 13 forms the evaluation committee from the
/// checked-in members (`complete`: every specialty has its count checked in).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Committee {
    pub draw_id: String,
    pub tender_id: String,
    pub section: String,
    pub evaluation_at: DateTime<Utc>,
    pub checkin_opens: DateTime<Utc>,
    pub complete: bool,
    pub seats: Vec<CommitteeSeat>,
}
