//! Administrative-penalty case bodies (行政处罚, docs/SUPERVISION.md "Cases"): the clue, the
//! officers' acts, the party's own submissions, the case as its officers and party read it, and
//! the public credit list (条例78).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::domain::case::{EvidenceKind, PartyKind, Penalty, SourceKind, State};

/// What the case starts from: its kind and the id of the complaint, inspection, collusion signal
/// (`{tender}/{section}/{seq}`), deviation flag or expert-library member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseSource {
    pub kind: SourceKind,
    pub id: String,
}

/// Who the case is against: an organisation by its USCC, or an expert by its principal id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseParty {
    pub kind: PartyKind,
    /// The organisation's unified social credit code (organisations only).
    #[serde(default)]
    pub uscc: Option<String>,
    /// The expert's principal id on the platform (experts only).
    #[serde(default)]
    pub person_id: Option<String>,
    pub name: String,
}

/// A clue (线索) an officer puts on file for its department.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClueRequest {
    pub source: CaseSource,
    pub party: CaseParty,
    /// What is alleged, in a sentence or two.
    pub summary: String,
    /// The day the act occurred, or ended if it continued (the 2-year limitation, 行政处罚法36).
    pub occurred_on: NaiveDate,
    /// It endangered life, health or financial safety and caused harm: five years' limitation.
    #[serde(default)]
    pub grave: bool,
}

/// An officer's act on a case of its department.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "act", rename_all = "snake_case", deny_unknown_fields)]
pub enum CaseAct {
    /// 立案.
    Register,
    /// 不予立案, with the reason.
    Decline { reason: String },
    /// The second officer confirms evidence another officer added (42: two officers).
    ConfirmEvidence { evidence: String },
    /// 审查 (and 法制审核 where 58 requires it) done: the opinion.
    Review { opinion: String, legal_review: bool },
    /// 告知: the intended penalty, facts and basis; the party's rights run from now.
    Notify {
        facts: String,
        legal_basis: String,
        penalties: Vec<Penalty>,
    },
    /// Fix the hearing the party asked for, chaired by an officer who did not investigate.
    ScheduleHearing {
        at: DateTime<Utc>,
        place: String,
        chair: String,
    },
    /// The chair records the hearing (a party that did not come waived it).
    HoldHearing { attended: bool, record: String },
    /// The department head extends the 90-day limit (60), with the reason.
    Extend { days: u32, reason: String },
    /// 决定: the decision document (59).
    Decide(DecisionRequest),
    /// 送达, and how (直接送达, 邮寄, 电子送达 with the party's consent …).
    Serve { method: String },
    /// 执行: what was performed (the fine's payment receipt …).
    Execute { record: String },
    /// 结案.
    Close,
    /// 撤销立案 / 终止调查.
    Withdraw { reason: String },
    /// 不予处罚.
    NoPenalty { reason: String },
    /// 移送 to another authority or the judiciary.
    Transfer { to: String, reason: String },
}

/// What the officers decide; the platform adds the party, the evidence, the remedies and the
/// authority (行政处罚法59).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// 处罚决定书文号, unique on the platform.
    pub decision_no: String,
    pub facts: String,
    pub legal_basis: String,
    pub penalties: Vec<Penalty>,
    /// How and by when to perform it (the bank, the account …).
    pub performance: String,
}

/// The party's own submission on its case.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "act", rename_all = "snake_case", deny_unknown_fields)]
pub enum PartyAct {
    /// 陈述、申辩 (once; within 5 working days of the notice).
    Defend { statement: String },
    /// 要求听证 (within 5 working days of the notice, where the penalty gives the right).
    RequestHearing,
}

/// A piece of evidence (证据): the file and the two officers.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseEvidence {
    pub id: String,
    pub kind: EvidenceKind,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    /// Hex SHA-256 of the file, also in the `case_evidence_added` audit entry.
    pub sha256: String,
    pub size: u64,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
    pub second_officer: String,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// The 告知 as the party received it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PenaltyNotice {
    pub facts: String,
    pub legal_basis: String,
    pub penalties: Vec<Penalty>,
    /// The penalty gives the right to a hearing (63).
    pub hearing_rights: bool,
    pub notified_at: DateTime<Utc>,
    /// The first instant too late for the defence or the hearing request (5 working days).
    pub reply_due: DateTime<Utc>,
}

/// The party's statement and defence.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseDefence {
    pub statement: String,
    pub submitted_at: DateTime<Utc>,
}

/// The hearing (听证).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseHearing {
    pub requested_at: Option<DateTime<Utc>>,
    pub noticed_at: Option<DateTime<Utc>>,
    pub at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    pub chair: Option<String>,
    pub held_at: Option<DateTime<Utc>>,
    pub attended: Option<bool>,
    pub record: Option<String>,
}

/// A piece of evidence as the decision cites it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitedEvidence {
    pub id: String,
    pub kind: EvidenceKind,
    pub title: String,
    pub sha256: String,
}

/// The remedies the decision must name, with their limits (59).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseRemedies {
    /// 行政复议 within this many days of learning of the decision (行政复议法).
    pub review_days: u32,
    /// 行政诉讼 within this many months (行政诉讼法46).
    pub litigation_months: u32,
    /// Review or litigation does not suspend execution (行政处罚法73).
    pub execution_suspended: bool,
}

/// The deciding authority.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseAuthority {
    pub code: String,
    pub name: String,
}

/// The 行政处罚决定书: every field 行政处罚法59 names.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseDecision {
    pub decision_no: String,
    pub party: CaseParty,
    pub facts: String,
    pub evidence: Vec<CitedEvidence>,
    pub legal_basis: String,
    pub penalties: Vec<Penalty>,
    pub performance: String,
    /// Days to pay a fine after service (67), at a designated bank: the authority does not
    /// collect.
    pub payment_days: u32,
    pub remedies: CaseRemedies,
    pub authority: CaseAuthority,
    pub decided_on: NaiveDate,
}

/// A case as its department's officers and its party read it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub department: String,
    pub state: State,
    pub source: CaseSource,
    pub party: CaseParty,
    pub summary: String,
    pub occurred_on: NaiveDate,
    pub grave: bool,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub registered_at: Option<DateTime<Utc>>,
    /// The first instant too late to decide (90 days from 立案, plus extensions).
    pub decision_due: Option<DateTime<Utc>>,
    pub extended_days: u32,
    pub evidence: Vec<CaseEvidence>,
    pub notice: Option<PenaltyNotice>,
    pub defence: Option<CaseDefence>,
    pub hearing: Option<CaseHearing>,
    pub decision: Option<CaseDecision>,
    /// The first instant too late to serve the decision (7 working days).
    pub serve_due: Option<DateTime<Utc>>,
    pub served_at: Option<DateTime<Utc>>,
    /// Served after `serve_due`.
    pub served_late: bool,
    /// The last day to pay a fine (15 days after service).
    pub payment_last_day: Option<NaiveDate>,
    pub executed_at: Option<DateTime<Utc>>,
    /// A side exit's reason, or what the execution recorded.
    pub outcome: Option<String>,
}

/// A served penalty decision on the public credit list (条例78).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditEntry {
    pub case_id: String,
    pub party_kind: PartyKind,
    pub name: String,
    /// Organisations only.
    pub uscc: Option<String>,
    pub penalties: Vec<Penalty>,
    pub decision_no: String,
    pub decided_on: NaiveDate,
    pub department: String,
}

/// A case as its department's list shows it, with the limits running against it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseSummary {
    pub id: String,
    pub state: State,
    pub party_name: String,
    /// Organisations only.
    pub party_uscc: Option<String>,
    pub source: CaseSource,
    pub summary: String,
    pub opened_at: DateTime<Utc>,
    pub registered_at: Option<DateTime<Utc>>,
    /// The first instant too late to decide (90 days from 立案, plus extensions).
    pub decision_due: Option<DateTime<Utc>>,
    /// The party's period for its statement, defence and hearing request.
    pub reply_due: Option<DateTime<Utc>>,
    /// The first instant too late to serve the decision.
    pub serve_due: Option<DateTime<Utc>>,
    pub served_at: Option<DateTime<Utc>>,
    /// A limit broken: not decided by `decision_due`, not served by `serve_due`, or served late.
    pub overdue: bool,
}
