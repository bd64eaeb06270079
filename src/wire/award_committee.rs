//! The start of 评定分离 on the wire: the 清标 report, award-committee members' statements, the
//! award committee (定标委员会) and its witness, and what the committee sees (the dossier).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::domain::award::clearing::{
    CandidateClearing, ClearingReport, Finding, FindingCategory,
};
pub use crate::domain::award::committee::{Appointment, AwardLeaveReason, MemberRole};
pub use crate::domain::draw::checkin::Conflict;
use crate::domain::tender::{AwardCommitteeRule, AwardCriteria};

/// The tenderer or its agent files the 清标 report, signed with the filer's organisation
/// certificate over `domain::award::clearing::statement` (docs/AWARD.md §3).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileClearingRequest {
    pub report: ClearingReport,
    /// Base64 DER certificates, leaf first: the filer's organisation certificate.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the clearing statement.
    pub signature: String,
    pub signature_algorithm: String,
}

/// A filed 清标 report.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Clearing {
    pub tender_id: String,
    pub section: String,
    pub award_round: u32,
    /// The organisation that filed it (the tenderer or its agent).
    pub filed_by: String,
    pub report: ClearingReport,
    /// SHA-256 (hex) of the signed statement.
    pub statement_sha256: String,
    /// SHA-256 fingerprint of the signing certificate.
    pub signer: String,
    pub filed_at: DateTime<Utc>,
}

/// A member of the tenderer's pool signs its statement (承诺书,
/// `domain::award::committee::PLEDGE_V1`) for a section's award round, before it is appointed,
/// over `domain::award::committee::statement` with its personal certificate.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardStatementRequest {
    /// A conflict of interest declared (回避): such a member is not appointed.
    #[serde(default)]
    pub conflict: Option<Conflict>,
    /// Base64 DER certificates, leaf first: the member's personal certificate.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the statement.
    pub signature: String,
    pub signature_algorithm: String,
}

/// A member's statement as recorded.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AwardStatement {
    pub tender_id: String,
    pub section: String,
    pub award_round: u32,
    pub person_id: String,
    /// Its record in the tenderer's pool.
    pub member_id: String,
    pub conflict: Option<Conflict>,
    pub statement_sha256: String,
    pub signed_at: DateTime<Utc>,
}

/// The tenderer or its agent forms the award committee: the award draw's checked-in members
/// (when the tender has any drawn) and the members of its pool it appoints, one of them the
/// chair (组长).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormAwardCommitteeRequest {
    /// Person ids of the appointed members, each in the tenderer's pool with a signed
    /// statement for this round and no declared conflict.
    #[serde(default)]
    pub appointed: Vec<String>,
    /// Person id of the chair: the tenderer's 法定代表人 or 主要负责人 on the committee, or a
    /// member it names. Must be one of the members.
    pub chair: String,
}

/// The tenderer or its agent records that a member leaves the formed committee before the
/// deciding starts; its seat is filled the way it was filled (docs/AWARD.md §4).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardMemberLeaves {
    pub reason: AwardLeaveReason,
    /// What happened, in words (1–500 characters).
    pub note: String,
    /// Person id of the new chair, one of the members who stay: required when the chair
    /// leaves, refused otherwise.
    #[serde(default)]
    pub chair: Option<String>,
}

/// The tenderer or its agent appoints a member of its pool to an appointed seat left empty;
/// the person has signed its statement for this award round.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointReplacement {
    pub person: String,
}

/// The supervising regulator witnesses the formed committee, signing
/// `domain::award::committee::witness_statement` over its roster with its certificate.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WitnessCommitteeRequest {
    /// Base64 DER certificates, leaf first.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the witness statement.
    pub signature: String,
    pub signature_algorithm: String,
}

/// One member of an award committee.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AwardCommitteeMember {
    pub person_id: String,
    pub name: String,
    /// Its record in the tenderer's pool.
    pub member_id: String,
    pub role: MemberRole,
    pub how: Appointment,
    /// The award draw and the member's place in its recorded order (drawn members).
    pub draw_id: Option<String>,
    pub draw_rank: Option<u32>,
    /// SHA-256 (hex) of the statement (承诺书) it signed.
    pub statement_sha256: String,
    pub active: bool,
    pub joined_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
    pub left_reason: Option<String>,
}

/// A section's award committee for an award round.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AwardCommittee {
    pub tender_id: String,
    pub section: String,
    pub award_round: u32,
    /// The composition the tender asks for.
    pub rule: AwardCommitteeRule,
    pub draw_id: Option<String>,
    pub formed_at: DateTime<Utc>,
    /// `domain::award::committee::roster_digest` (hex) at formation: what the witness signs.
    pub roster_sha256: String,
    /// The regulator who witnessed it, and when; absent until then (the committee decides
    /// only once witnessed).
    pub witnessed_by: Option<String>,
    pub witnessed_at: Option<DateTime<Utc>>,
    pub members: Vec<AwardCommitteeMember>,
}

/// A candidate as the award committee sees it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DossierCandidate {
    pub bid_id: String,
    pub bidder: String,
    pub bidder_uscc: String,
    /// The bid price from the opened summary (开标一览表).
    pub price: Option<crate::domain::money::Money>,
    /// 履约评价: the ratings tenderers gave the contracts this bidder won on the platform, in
    /// the last three years, newest first (docs/CONTRACTS.md §6).
    pub performance_ratings: Vec<crate::wire::contracts::PerformanceRating>,
    /// Its credit record (条例78).
    pub credit_record: CreditRecord,
    /// When its bid's validity (投标有效期) ends, with the extensions it agreed to; a bid whose
    /// validity `bid_validity_ended` cannot be sent the 中标通知书 (docs/BIDDING.md §4).
    pub bid_valid_until: DateTime<Utc>,
    pub bid_validity_ended: bool,
}

/// An organisation's credit record as the platform holds it (docs/SUPERVISION.md): its credit
/// grade, the penalty decisions served on it and the bidding bans recorded against it, looking back
/// `looks_back_years` (decided, or ended, within them).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CreditRecord {
    /// Its 信用等级 as the regulators set it (docs/SUPERVISION.md: A is checked least, D most);
    /// B when no regulator graded it (`graded` false).
    pub grade: crate::domain::artefacts::CreditGrade,
    pub graded: bool,
    pub looks_back_years: u32,
    /// Served decisions, in case order (the public credit list's entries).
    pub decisions: Vec<crate::wire::cases::CreditEntry>,
    /// Bans running, still to start, or ended within the lookback, by first day.
    pub bans: Vec<crate::wire::supervision::Ban>,
}

/// What the award committee decides from (domain-rules §3.1): the 评标报告 and its remarks, the
/// 清标 report, each candidate's price, performance ratings and credit record, and the tender's
/// 定标要素 with its 择优/比劣 criteria.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Dossier {
    pub tender_id: String,
    pub section: String,
    pub award_round: u32,
    /// The 定标方法 and candidate count (`AwardMode`).
    pub award: serde_json::Value,
    pub criteria: AwardCriteria,
    /// The complete 评标报告 the award rests on: its id, digest and document (remarks,
    /// derivation, signatures' summary).
    pub report_id: String,
    pub report_digest: String,
    pub report: serde_json::Value,
    pub clearing: Option<Clearing>,
    pub candidates: Vec<DossierCandidate>,
}
