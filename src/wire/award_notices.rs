//! Award notices bodies (docs/AWARD.md "Notices"): the notices to sign, the signed request that
//! issues them, a notice as its addressee downloads it, and the written report to the
//! regulator (书面报告) with its 15-day limit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::award_notices::NoticeKind;

/// An organisation a notice names.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NoticeParty {
    pub name: String,
    pub uscc: String,
}

/// One notice before it is issued: the exact document, its digest, and the bytes to sign.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NoticeDraft {
    pub kind: NoticeKind,
    /// The addressee's bid.
    pub bid: String,
    pub addressee: NoticeParty,
    /// The canonical JSON text of the notice (keys sorted, no whitespace): these bytes are the
    /// notice, and their SHA-256 is `digest`.
    pub document: String,
    /// SHA-256 of `document`, hex.
    pub digest: String,
    /// Base64 of the bytes the tenderer's certificate signs: `etender-award-notice/v1` 0x00
    /// followed by the 32 digest bytes.
    pub statement: String,
}

/// The section's notices as they would be issued now: the 中标通知书 first, then a
/// 中标结果通知书 to every other bidder.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NoticeDrafts {
    pub tender: String,
    pub section: String,
    pub award_round: i32,
    pub notices: Vec<NoticeDraft>,
}

/// One notice's signature.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeSignatureEntry {
    /// The notice's digest, as the drafts give it.
    pub digest: String,
    /// Base64 signature over the notice's `statement`.
    pub signature: String,
}

/// The tenderer (or its entrusted agent) issues the section's notices: one signature per draft,
/// every one made with the same organisation certificate.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueNoticesRequest {
    /// Base64 DER certificates, leaf first: the tenderer's or the agent's e-business licence.
    pub certificate_chain: Vec<String>,
    pub signature_algorithm: String,
    /// Exactly one per draft.
    pub signatures: Vec<NoticeSignatureEntry>,
}

/// An issued notice, as its addressee (and the tenderer, its agent and regulators) read it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AwardNotice {
    pub id: String,
    pub tender: String,
    pub section: String,
    pub award_round: i32,
    pub kind: NoticeKind,
    pub bid: String,
    /// The addressee organisation's id.
    pub addressee: String,
    /// The signed document: canonical JSON text whose SHA-256 is `digest`.
    pub document: String,
    pub digest: String,
    /// Base64 signature over `etender-award-notice/v1` 0x00 ‖ the digest bytes.
    pub signature: String,
    pub signature_algorithm: String,
    /// Base64 DER of the signer's certificate.
    pub certificate: String,
    /// The signing organisation (tenderer or agent).
    pub signer: String,
    pub signer_fingerprint: String,
    pub issued_at: DateTime<Utc>,
}

/// What issuing did: the notices, the result announcement and the written report's limit.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct IssuedNotices {
    pub tender: String,
    pub section: String,
    pub award_round: i32,
    pub notices: Vec<AwardNotice>,
    /// The 中标结果公告 published with the notices.
    pub announcement: String,
    /// The written report (书面报告) is due by then (招标投标法47).
    pub written_report_due: DateTime<Utc>,
}

/// The written report (书面报告) of a notified section: before filing, the document to sign;
/// after, the filed and signed one.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct WrittenReport {
    pub tender: String,
    pub section: String,
    pub award_round: i32,
    pub notified_at: DateTime<Utc>,
    /// Filing at this instant is still in time.
    pub due_at: DateTime<Utc>,
    /// Not filed and past `due_at`, or filed after it.
    pub overdue: bool,
    /// Canonical JSON text (the draft to sign, or the filed report); its SHA-256 is `digest`.
    pub document: String,
    pub digest: String,
    /// Base64 of the bytes to sign: `etender-award-written-report/v1` 0x00 ‖ the digest bytes.
    pub statement: String,
    pub filed_at: Option<DateTime<Utc>>,
    pub signature: Option<String>,
    pub signature_algorithm: Option<String>,
    pub certificate: Option<String>,
    pub signer: Option<String>,
    /// When the deadline watch reported it overdue to regulators.
    pub overdue_flagged_at: Option<DateTime<Utc>>,
}

/// The tenderer (or its agent) files the written report, signed over its digest.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileWrittenReportRequest {
    /// The digest of the report as `GET …/award/written-report` gives it.
    pub digest: String,
    /// Base64 DER certificates, leaf first: the tenderer's or the agent's e-business licence.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the report's `statement`.
    pub signature: String,
    pub signature_algorithm: String,
}

/// A written report not filed in time, as regulators list them.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OverdueWrittenReport {
    pub tender: String,
    pub tender_title: String,
    pub section: String,
    pub award_round: i32,
    pub notified_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub overdue_flagged_at: Option<DateTime<Utc>>,
}
