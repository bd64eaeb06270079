//! The award (定标) of a section as the API shows it.

use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::award::stage::AwardStage;

/// Where a section's award stands (docs/AWARD.md §3).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SectionAward {
    pub tender_id: String,
    pub section: String,
    /// `traditional` or `separated` (评定分离).
    pub mode: String,
    pub stage: AwardStage,
    /// The 评标报告's candidates (bid ids), rank 1 first when traditional.
    pub candidates: Vec<String>,
    /// The complete 评标报告 the award rests on, and its digest.
    pub report_id: String,
    pub report_digest: String,
    /// The winning bid, once decided.
    pub winner: Option<String>,
    pub winner_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub publicity_from: Option<DateTime<Utc>>,
    pub publicity_until: Option<DateTime<Utc>>,
    /// Objections raised during the publicity and not yet answered: the award waits.
    pub open_objections: u32,
    /// 1, then one more for each new round (an upheld objection, a winner who gave up, a
    /// re-evaluation).
    pub award_round: u32,
    pub version: u32,
}
