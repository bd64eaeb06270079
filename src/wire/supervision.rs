//! Supervision bodies (issue 15): the working-day calendar the supervision limits are counted in.

use chrono::NaiveDate;
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
