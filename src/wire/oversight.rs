//! The regulator's view per department (issue 15 item 7, docs/SUPERVISION.md "The regulator's
//! view per department"): the live state of the tenders a department supervises and the
//! evaluations' 偏离度 flags on them, as pages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::domain::award::stage::AwardStage;
pub use crate::domain::bidding::OpeningPhase;
pub use crate::domain::evaluation::committee::CommitteeState;
pub use crate::domain::lifecycle::StateKind;

/// Where a section stands, derived from what its stages recorded: its award if one started,
/// else its evaluation committee, else its opening, else bidding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectionStage {
    /// Nothing opened yet: bids are taken (or the tender never got further).
    Bidding,
    /// The opening ceremony runs (decryption, recovery, the record's objections).
    Opening,
    /// Opened; the evaluation committee is being formed or evaluates.
    Evaluation,
    /// The award runs (candidates, 清标, the award committee, publicity, notices due).
    Award,
    /// The notices are out.
    Awarded,
    /// 流标 at the opening or a re-tender at the award.
    Failed,
}

/// What a statutory deadline bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Bids are taken until it (投标截止时间).
    BidDeadline,
    /// A section's opening record may be objected to until it (开标异议).
    OpeningObjections,
    /// A section's publicity (公示) ends.
    AwardPublicity,
    /// An objection to the documents must be answered before it (条例22).
    DocumentsObjectionAnswer,
    /// An objection to a section's award publicity must be answered before it (条例54).
    AwardObjectionAnswer,
}

/// The next statutory deadline the platform knows for a tender.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    pub kind: DeadlineKind,
    /// The section it is of; none for the tender's own.
    pub section: Option<String>,
    pub at: DateTime<Utc>,
}

/// A section of a supervised tender and the state each of its stages recorded.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionProgress {
    pub code: String,
    pub stage: SectionStage,
    pub opening: Option<OpeningPhase>,
    /// The latest evaluation committee's.
    pub committee: Option<CommitteeState>,
    pub award: Option<AwardStage>,
}

/// The organisation that tenders.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tenderer {
    pub uscc: String,
    pub name: String,
}

/// A tender the caller's department supervises, as it stands now.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisedTender {
    pub id: String,
    pub title: String,
    pub tenderer: Tenderer,
    pub state: StateKind,
    /// The sections of its latest published version.
    pub sections: Vec<SectionProgress>,
    /// The earliest deadline still ahead (none: none the platform knows).
    pub next_deadline: Option<Deadline>,
    /// Complaints on it filed, accepted or paused.
    pub open_complaints: u32,
    /// The department's open cases sourced from a complaint on it, or a collusion signal or a
    /// deviation alert of it.
    pub open_cases: u32,
}

/// A 偏离度 flag raised in the evaluation of a tender the caller's department supervises.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviationAlert {
    /// The flag's id (`GET …/committee/deviation-flags` shows it with the signed reason).
    pub id: String,
    pub tender: String,
    pub section: String,
    pub committee_id: String,
    pub member_id: String,
    pub bid_id: String,
    /// The item; absent for the member's item sum of the bid.
    pub criterion: Option<String>,
    #[schema(value_type = String)]
    pub score: rust_decimal::Decimal,
    #[schema(value_type = String)]
    pub others_mean: rust_decimal::Decimal,
    pub flagged_at: DateTime<Utc>,
    /// Whether the member filed its written reason.
    pub reason_filed: bool,
    pub reason_filed_at: Option<DateTime<Utc>>,
}

/// Which statutory limit was broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreachKind {
    /// A complaint accepted or refused after its 3 working days (条例61), or still waiting.
    ComplaintAcceptance,
    /// A complaint decided after its 30 working days (条例61, pauses not counted), or still
    /// undecided.
    ComplaintDecision,
    /// An objection to the documents answered after its 3 days (条例22), or still unanswered.
    DocumentsObjection,
    /// An objection to an award's publicity answered after its 3 days (条例54), or still
    /// unanswered.
    AwardObjection,
    /// An award's result published after its limit.
    AwardPublication,
    /// The tenderer's written report (招标投标法47) filed after its 15 days, or still missing.
    WrittenReport,
    /// A case decided after its limit (行政处罚法60), or still undecided.
    CaseDecision,
    /// A case decision served after its 7 days (行政处罚法61), or still unserved.
    CaseService,
}

impl BreachKind {
    pub const ALL: [BreachKind; 8] = [
        BreachKind::ComplaintAcceptance,
        BreachKind::ComplaintDecision,
        BreachKind::DocumentsObjection,
        BreachKind::AwardObjection,
        BreachKind::AwardPublication,
        BreachKind::WrittenReport,
        BreachKind::CaseDecision,
        BreachKind::CaseService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BreachKind::ComplaintAcceptance => "complaint_acceptance",
            BreachKind::ComplaintDecision => "complaint_decision",
            BreachKind::DocumentsObjection => "documents_objection",
            BreachKind::AwardObjection => "award_objection",
            BreachKind::AwardPublication => "award_publication",
            BreachKind::WrittenReport => "written_report",
            BreachKind::CaseDecision => "case_decision",
            BreachKind::CaseService => "case_service",
        }
    }

    pub fn parse(s: &str) -> Option<BreachKind> {
        BreachKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a breach is of: the tender (and section) it concerns, and the complaint, objection or
/// case whose limit it is, where one is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreachSubject {
    pub tender: Option<String>,
    pub section: Option<String>,
    pub complaint: Option<String>,
    pub objection: Option<String>,
    pub case: Option<String>,
    /// The award round, for award steps.
    pub award_round: Option<i32>,
}

/// A statutory limit broken on the caller's department's tenders, complaints or cases.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Breach {
    /// Stable key (`{kind}/{subject}`): the order of the list and its cursor.
    pub key: String,
    pub kind: BreachKind,
    pub subject: BreachSubject,
    /// The limit: the first instant too late (for `written_report`, the last instant in time).
    pub due: DateTime<Utc>,
    /// When the step was done; none: still not done.
    pub done_at: Option<DateTime<Utc>>,
    /// How long past the limit it was done, or is now (seconds).
    pub late_by_seconds: i64,
}
