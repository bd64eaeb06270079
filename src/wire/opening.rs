//! Opening-ceremony bodies: a section's opening as everyone sees it, attempts, shares and
//! responses to the record.

use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    /// `r1` (bidder's keys) or `r2` (custodians' shares).
    pub path: String,
    pub at: DateTime<Utc>,
    /// `opened` or `failed`.
    pub outcome: String,
    /// What failed (`tag_mismatch`, `wrong_key`, `ciphertext_digest_mismatch`, …).
    pub error: Option<String>,
    /// `bidder` or `not_bidder`.
    pub fault: Option<String>,
    pub detail: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OpeningBid {
    pub bid_id: String,
    pub bidder_name: String,
    pub bidder_uscc: String,
    pub version: i32,
    pub received_at: DateTime<Utc>,
    /// `sealed`, `opened`, `revoked` or `withdrawn`.
    pub status: String,
    pub attempts: Vec<Attempt>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OpeningResponse {
    pub id: String,
    pub bidder_uscc: String,
    /// `confirm` or `objection`.
    pub kind: String,
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
    /// `decrypting`, `recovering`, `record_published`, `closed` or `failed`.
    pub state: String,
    pub started_at: DateTime<Utc>,
    pub decryption_until: DateTime<Utc>,
    pub recovery_until: Option<DateTime<Utc>>,
    pub objections_until: Option<DateTime<Utc>>,
    pub threshold: i32,
    pub shares_submitted: usize,
    pub bids: Vec<OpeningBid>,
    /// 开标记录, once every bid is settled.
    #[schema(value_type = Option<Object>)]
    pub record: Option<Value>,
    pub responses: Vec<OpeningResponse>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BidOutcome {
    pub bid_id: String,
    pub status: String,
    pub attempt: Attempt,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MyShare {
    #[schema(value_type = Object)]
    pub encrypted_share: Value,
    pub opening_public_key: String,
    pub threshold: i32,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareStatus {
    pub shares_submitted: usize,
    pub threshold: i32,
    /// Whether the key was recovered (and the sealed bids opened) by this release.
    pub recovered: bool,
    /// Why recovery with the shares so far failed, if it did.
    pub error: Option<String>,
}
