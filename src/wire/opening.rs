//! Opening-ceremony bodies: a section's opening as everyone sees it, attempts, shares and
//! responses to the record.

use crate::domain::bidding::{
    AttemptOutcome, AttemptPath, OpeningPhase, OpeningStatus, ResponseKind,
};
use crate::seal::{EncryptedShare, Fault, X25519PublicKey};
use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    pub path: AttemptPath,
    pub at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    /// What failed (`tag_mismatch`, `wrong_key`, `ciphertext_digest_mismatch`, …).
    pub error: Option<String>,
    /// Whose fault a failure is (E8).
    pub fault: Option<Fault>,
    pub detail: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OpeningBid {
    pub bid_id: String,
    pub bidder_name: String,
    pub bidder_uscc: String,
    pub version: u32,
    pub received_at: DateTime<Utc>,
    pub status: OpeningStatus,
    pub attempts: Vec<Attempt>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OpeningResponse {
    pub id: String,
    pub bidder_uscc: String,
    pub kind: ResponseKind,
    pub text: Option<String>,
    pub answer: Option<String>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// One section's ceremony as everyone sees it (开标 is public).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Opening {
    pub tender_id: String,
    pub section: String,
    pub state: OpeningPhase,
    pub started_at: DateTime<Utc>,
    pub decryption_until: DateTime<Utc>,
    pub recovery_until: Option<DateTime<Utc>>,
    pub objections_until: Option<DateTime<Utc>>,
    pub threshold: u32,
    pub shares_submitted: u32,
    pub bids: Vec<OpeningBid>,
    /// 开标记录, once every bid is settled.
    #[schema(value_type = Option<Object>)]
    pub record: Option<Value>,
    pub responses: Vec<OpeningResponse>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BidOutcome {
    pub bid_id: String,
    pub status: OpeningStatus,
    pub attempt: Attempt,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MyShare {
    #[schema(value_type = Object)]
    pub encrypted_share: EncryptedShare,
    #[schema(value_type = String)]
    pub opening_public_key: X25519PublicKey,
    pub threshold: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareStatus {
    pub shares_submitted: u32,
    pub threshold: u32,
    /// Whether the key was recovered (and the sealed bids opened) by this release.
    pub recovered: bool,
    /// Why recovery with the shares so far failed, if it did.
    pub error: Option<String>,
}

/// A bidder's reaction to the opening record (the body of `POST …/opening/responses`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpeningReaction {
    Confirm,
    Objection { text: String },
}
