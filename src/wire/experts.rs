//! Expert-library bodies: the specialty classification, members of the expert library and of
//! award-committee pools, their 回避单位, and what regulators set on them.

use crate::domain::experts::MemberStatus;
use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::domain::experts::Specialty;

/// A unit the member must never evaluate or decide for (回避单位).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvoidUnit {
    /// The unit's unified social credit code.
    pub uscc: String,
    pub name: String,
    /// The member works there now.
    pub is_working: bool,
}

/// Admitting a registered person to the expert library (administrators, regulators) or to the
/// caller's own award-committee pool (tenderers).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdmitMember {
    /// The person's principal id on the platform.
    pub person_id: String,
    /// Administrative division code (GB/T 2260), six digits.
    pub region: String,
    pub employer: String,
    pub employer_uscc: Option<String>,
    /// The supervising department the member works for, if any: a code of the registry
    /// (`GET /api/v1/departments`; 条例46: never drawn for the tenders it supervises).
    pub department: Option<String>,
    /// 职称, as certified.
    pub title: String,
    /// The title is a senior one (高级职称 or equivalent).
    pub senior_title: bool,
    pub practice_years: u32,
    /// Level-3 specialty codes of the classification.
    pub specialties: Vec<String>,
    pub phone: String,
    pub email: String,
    #[serde(default)]
    pub avoid_units: Vec<AvoidUnit>,
}

/// What members keep up to date themselves.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberProfile {
    pub phone: String,
    pub email: String,
    pub avoid_units: Vec<AvoidUnit>,
}

/// A regulator suspends, bans or reinstates a member.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: MemberStatus,
    /// Required for a suspension, optional for a ban, absent when reinstating.
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
}

/// A member of the expert library or of an award-committee pool.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub id: String,
    /// `experts`, or `award:<tenderer organisation id>`.
    pub library: String,
    pub person_id: String,
    pub name: String,
    pub region: String,
    pub employer: String,
    pub employer_uscc: Option<String>,
    pub department: Option<String>,
    pub title: String,
    pub senior_title: bool,
    pub practice_years: u32,
    pub specialties: Vec<String>,
    pub phone: String,
    pub email: String,
    pub avoid_units: Vec<AvoidUnit>,
    pub status: MemberStatus,
    pub status_until: Option<DateTime<Utc>>,
    pub status_reason: Option<String>,
    pub admitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A supervising department (行政监督部门) of the platform's registry: tenders name the one that
/// supervises them, members of the library the one they work for (条例46).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Department {
    /// `[A-Za-z0-9._-]`, 1 to 64 characters, e.g. `429005-zjj`.
    pub code: String,
    pub name: String,
    /// The kinds of project it supervises (房屋建筑和市政, 水利, 交通 …), as the centre names them.
    pub kinds: Vec<String>,
    pub updated_at: DateTime<Utc>,
}

/// The trading centre records a department or changes its name and kinds.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentRequest {
    pub name: String,
    pub kinds: Vec<String>,
}
