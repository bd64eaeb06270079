//! Tender bodies: the tender, its notice, versions, documents, downloads, questions,
//! objections, lifecycle actions and announcements.

use crate::domain::lifecycle::StateKind;
use crate::domain::lifecycle::SuspensionReason;
use crate::domain::tender::TenderDraft;
pub use crate::domain::tender::{AnnouncementKind, VersionKind};
use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// How a tender looks to its caller: everyone sees the latest published version; the
/// tenderer, its agent and the agent's staff also see the working copy.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Tender {
    pub id: String,
    pub title: String,
    pub description: String,
    pub state: StateKind,
    /// The published version number (0 while a draft).
    pub version: i32,
    pub tenderer: Party,
    pub agent: Option<Party>,
    pub published_at: Option<DateTime<Utc>>,
    /// The latest published notice content.
    #[schema(value_type = Option<TenderDraft>)]
    pub published: Option<crate::wire::Stored<TenderDraft>>,
    /// The editable working copy (parties of the tender only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_copy: Option<TenderDraft>,
    /// Bids submitted before this version must be re-confirmed (set by amendments).
    pub reconfirm_from_version: Option<i32>,
    /// Suspension or termination details (state-specific).
    pub state_detail: Value,
    /// Each section's remedy custodians (from publication on): every bid splits its remedy
    /// key among their envelope keys (R2).
    pub remedy: Vec<crate::wire::bids::SectionRemedy>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Party {
    pub id: String,
    pub name: String,
    pub uscc: String,
}

/// The exact text the tenderer or agent signs to publish (or amend to) the working copy.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Notice {
    /// The version this notice would become.
    pub version: i32,
    pub kind: VersionKind,
    /// Canonical JSON; sign its UTF-8 bytes.
    pub text: String,
    pub sha256: String,
}

/// The result of an amendment.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Amendment {
    pub tender: Tender,
    /// Set when the amendment came too late and the deadline moved to keep the statutory notice.
    pub deadline_moved_to: Option<DateTime<Utc>>,
    pub reconfirm_bids: bool,
}

/// A tender document as listed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Document {
    pub id: String,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// The notice version that published it; `null` while pending (parties only see those).
    pub published_version: Option<i32>,
    /// The earlier document this one replaces (a new version of it).
    pub supersedes: Option<String>,
    pub uploaded_at: DateTime<Utc>,
}

/// Who downloaded the documents: the tender's parties only.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Download {
    pub document_id: String,
    pub organisation: Option<String>,
    pub anonymous: bool,
    pub downloaded_at: DateTime<Utc>,
}

/// A question and (once published) its answer. The asker is never shown.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Question {
    pub id: String,
    pub question: String,
    pub asked_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// True when the caller asked it.
    pub mine: bool,
}

/// An objection to the tender documents (异议).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Objection {
    pub id: String,
    pub objection: String,
    pub raised_at: DateTime<Utc>,
    /// The tenderer must answer before this instant (条例22: within 3 days).
    pub answer_due: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// Suspend, resume, terminate (终止招标) or cancel (a draft) with a recorded reason.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "action", deny_unknown_fields)]
pub enum LifecycleAction {
    Suspend {
        reason: SuspensionReason,
        note: String,
    },
    // A struct variant, not a unit one: serde refuses unknown fields only in struct variants.
    Resume {},
    Terminate {
        reason: String,
    },
    Cancel {
        reason: String,
    },
}

/// A public announcement (招标公告, 变更公告, 答疑, 暂停/恢复/终止公告, 投标截止).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Announcement {
    /// Cursor: pass as `after` to read on.
    pub seq: i64,
    pub id: String,
    pub tender_id: String,
    pub kind: AnnouncementKind,
    pub title: String,
    pub body: Value,
    pub published_at: DateTime<Utc>,
}

/// Published versions (notice digests and signers), for anyone to check the signed notices.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Version {
    pub version: i32,
    pub kind: VersionKind,
    pub notice: String,
    pub notice_sha256: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_id: String,
    pub signer_certificate_sha256: String,
    pub rationale: Option<String>,
    pub published_at: DateTime<Utc>,
}
