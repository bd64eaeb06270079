//! Supervision bodies (issue 15): the working-day calendar the supervision limits are counted in,
//! the 执法人员库, bidding bans and complaints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The holiday notices in force and what the operator must know about them.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Each year the calendar covers, in order. Working days in any other year cannot be
    /// computed (limits reaching into one are refused with `calendar_not_covered`).
    pub years: Vec<CalendarYear>,
    /// E.g. the coming year's notice is missing in December.
    pub warnings: Vec<String>,
}

/// One year's 放假调休 notice.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarYear {
    pub year: i32,
    /// The notice's title and date, as published.
    pub notice: String,
    pub holidays: Vec<HolidayPeriod>,
    /// Saturdays and Sundays worked instead (调休上班).
    pub working_weekends: Vec<NaiveDate>,
}

/// A holiday period (inclusive dates, Asia/Shanghai).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayPeriod {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

pub use crate::wire::experts::AvoidUnit;

/// Recording a regulator as an officer of a department (the trading centre).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficerRequest {
    /// The enforcement certificate's number (执法证号).
    pub certificate_no: String,
    pub specialty: String,
    /// Units the officer must never inspect or investigate (回避单位).
    #[serde(default)]
    pub avoid_units: Vec<AvoidUnit>,
}

/// An officer of the 执法人员库.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Officer {
    pub person_id: String,
    pub name: String,
    pub department: String,
    pub certificate_no: String,
    pub specialty: String,
    pub avoid_units: Vec<AvoidUnit>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Recording a decided bidding ban (a regulator, officer of the deciding department).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanRequest {
    /// The banned organisation's unified social credit code.
    pub uscc: String,
    pub name: String,
    /// The first banned day (Asia/Shanghai), as the decision says.
    pub first_day: NaiveDate,
    /// 1 to 3 years (条例67, 68, 72 …).
    pub years: u32,
    /// The penalty decision's number (处罚决定书文号).
    pub decision_no: String,
    /// The article applied, e.g. "招标投标法实施条例第67条".
    pub legal_basis: String,
}

/// A bidding ban on the public credit list (条例78).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ban {
    pub id: String,
    pub uscc: String,
    pub name: String,
    pub first_day: NaiveDate,
    /// The last banned day; bids are accepted again from the next.
    pub last_day: NaiveDate,
    pub decision_no: String,
    pub legal_basis: String,
    /// The deciding department.
    pub department: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

pub use crate::domain::complaint::{
    Outcome as ComplaintOutcome, Pause as ComplaintPause, Redo, RefusalGround,
    State as ComplaintState, Subject as ComplaintSubject,
};

/// A complaint to the tender's supervising department (投诉, 条例60), signed by the complaining
/// organisation over `domain::complaint::statement` (label `etender-complaint/v1`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileComplaintRequest {
    pub tender: String,
    /// The section complained about; none for the whole tender (e.g. its documents).
    #[serde(default)]
    pub section: Option<String>,
    pub subject: ComplaintSubject,
    /// The complainant's prior objection on the matter (条例60): a documents objection's id, an
    /// opening objection's id, or an objection to the award's result. Required unless `other`.
    #[serde(default)]
    pub objection: Option<String>,
    /// For `other` only: the day (Asia/Shanghai) the complainant knew or should have known.
    /// Where the platform published the event it takes its own instant instead.
    #[serde(default)]
    pub known_on: Option<NaiveDate>,
    /// The complaint: who is complained about, the request, the facts and the evidence
    /// (1–20000 characters).
    pub text: String,
    /// Base64 DER certificates, leaf first: the complainant's organisation certificate.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the complaint statement.
    pub signature: String,
    pub signature_algorithm: String,
}

/// The department accepts the complaint, or refuses it naming the ground (条例61).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "action", deny_unknown_fields)]
pub enum HandleComplaintRequest {
    Accept {},
    Refuse {
        ground: RefusalGround,
        /// Told to the complainant (1–4000 characters); for `not_competent`, whose it is.
        reason: String,
    },
}

/// Testing, inspection or expert review starts (the decision clock stands still) or ends.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "action", deny_unknown_fields)]
pub enum ComplaintPauseRequest {
    Start {
        /// What is being tested or reviewed (1–2000 characters).
        reason: String,
    },
    End {},
}

/// The department's written decision (条例61), signed with the deciding officer's personal
/// certificate over `domain::complaint::decision_statement` (label
/// `etender-complaint-decision/v1`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideComplaintRequest {
    pub outcome: ComplaintOutcome,
    /// The decision's text: facts found, reasons, the law applied (1–20000 characters).
    pub text: String,
    pub certificate_chain: Vec<String>,
    pub signature: String,
    pub signature_algorithm: String,
}

/// A complaint as the complainant and the department see it. Limits are derived from the
/// working-day calendar when read; `due_unknown` says why one could not be (a year the calendar
/// does not cover).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Complaint {
    pub id: String,
    pub tender: String,
    pub section: Option<String>,
    /// The supervising department it went to; none for a tender that names none.
    pub department: Option<String>,
    pub subject: ComplaintSubject,
    pub objection: Option<String>,
    pub complainant_uscc: String,
    pub text: String,
    /// When the complainant knew (the platform's instant where it published the event).
    pub known_at: DateTime<Utc>,
    pub filed_at: DateTime<Utc>,
    pub state: ComplaintState,
    /// The first instant too late to accept or refuse (3 working days).
    pub acceptance_due: Option<DateTime<Utc>>,
    /// The first instant too late to decide (30 working days, pauses not counted); none before
    /// acceptance, while paused, and once decided.
    pub decision_due: Option<DateTime<Utc>>,
    pub due_unknown: Option<String>,
    pub handled_at: Option<DateTime<Utc>>,
    pub refusal: Option<RefusalGround>,
    pub refusal_reason: Option<String>,
    pub pauses: Vec<ComplaintPause>,
    pub outcome: Option<ComplaintOutcome>,
    pub decision: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// A limit broken: handled or decided late, or open past its due instant.
    pub overdue: bool,
}

pub use crate::domain::collusion::across::{CrossKind, CrossSignal, SectionRef};

/// The regulator's collusion signals across the tenders its department supervises.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossSignals {
    /// Sections whose opening record was published on or after this day were analysed.
    pub since: NaiveDate,
    /// The caller's department (none: a regulator recorded in no department, who sees the
    /// tenders that name none).
    pub department: Option<String>,
    /// How many sections were analysed.
    pub sections: u32,
    pub signals: Vec<CrossSignal>,
}
