//! Opening-ceremony bodies: a section's opening as everyone sees it, attempts, shares and
//! responses to the record.

use crate::domain::bidding::{
    AttemptOutcome, AttemptPath, OpeningPhase, OpeningStatus, ResponseKind,
};
use crate::seal::{Fault, Manifest};
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
    /// Remedy shares released for this bid that matched the bidder's commitment.
    pub valid_shares: u32,
    /// Released shares that did not match the bidder's commitment: each custodian named here
    /// is at fault for its share (the bid still opens with t others).
    pub rejected_shares: Vec<RejectedShare>,
}

/// A released remedy share that differs from the bidder's commitment.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RejectedShare {
    pub share_index: u32,
    pub custodian_id: String,
    pub released_at: DateTime<Utc>,
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
    /// Remedy shares released so far, over all bids of the section (valid or not).
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

/// A custodian's shares of the bids still sealed in a section (recovery phase only).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MyShares {
    /// The caller's share index in this section (share i of every bid).
    pub share_index: u32,
    pub threshold: u32,
    pub bids: Vec<SealedBidShare>,
}

/// One sealed bid: its manifest carries the caller's wrapped share and its commitment.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SealedBidShare {
    pub bid_id: String,
    pub manifest_sha256: String,
    #[schema(value_type = Object)]
    pub manifest: Manifest,
    /// Whether the caller has released its share of this bid already.
    pub released: bool,
}

/// What one release did, per bid.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareStatus {
    pub threshold: u32,
    pub bids: Vec<BidShareStatus>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BidShareStatus {
    pub bid_id: String,
    /// Whether the released share matched the bidder's commitment (false: the custodian's
    /// fault; it is recorded and cannot be replaced).
    pub accepted: bool,
    /// Valid shares of this bid so far.
    pub valid_shares: u32,
    /// The bid's status after this release (opened once t valid shares are in).
    pub status: OpeningStatus,
}

/// A bidder's reaction to the opening record (the body of `POST …/opening/responses`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpeningReaction {
    Confirm,
    Objection { text: String },
}
