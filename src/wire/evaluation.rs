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
