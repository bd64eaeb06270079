//! An organisation's licences as the platform holds them from the licence registry (免证明,
//! docs/LICENCES.md): the record, where and when it came from, how old it is, and — at a
//! section's qualification review — the verdict on each licence requirement.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::licence::{
    FetchOutcome, FrozenBid, LicenceRequirements, RegistryRecord, RequirementVerdict, Verdict,
};

/// One fetch from the registry and its provenance.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LicenceFetch {
    /// The registry URL asked.
    pub source: String,
    /// When, by the platform's clock.
    pub fetched_at: DateTime<Utc>,
    pub outcome: FetchOutcome,
    pub http_status: Option<u16>,
    /// SHA-256 (hex) of the exact bytes the registry answered.
    pub digest: Option<String>,
    /// The registry's signature over those bytes (base64 DER, ECDSA P-256 SHA-256), verified
    /// with the trusted key when the outcome is `ok`.
    pub signature: Option<String>,
    pub key_id: Option<String>,
    pub error: Option<String>,
}

pub use crate::domain::licence::FactsState;

/// An organisation's licence record with its provenance.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Licences {
    pub uscc: String,
    pub state: FactsState,
    /// `state != current`.
    pub stale: bool,
    /// Seconds since the record shown was fetched (none when unavailable).
    pub age_seconds: Option<i64>,
    /// The registry's record (each certificate with its `valid_until`).
    pub record: Option<RegistryRecord>,
    /// The fetch the record came from.
    pub provenance: Option<LicenceFetch>,
    /// The newest fetch, whatever its outcome (the error a stale or unavailable state is due to).
    pub last_attempt: Option<LicenceFetch>,
}

/// One opened bid's bidder at the qualification review.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BidLicences {
    pub bid: String,
    pub licences: Licences,
    /// One per requirement, judged at the bid deadline.
    pub verdicts: Vec<RequirementVerdict>,
    /// `not_met` if any requirement is not met, else `unknown` if any cannot be judged.
    pub overall: Verdict,
    /// The verdicts frozen into the evaluation when its review started (what counts: a
    /// `not_met` standing fails qualification automatically); none before.
    pub frozen: Option<FrozenBid>,
}

/// The registry facts of a section's opened bids, for its committee and regulators.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LicenceReview {
    pub tender_id: String,
    pub section: String,
    /// Licences are judged as at this instant (its day in China time, docs/LICENCES.md §4).
    pub bid_deadline: DateTime<Utc>,
    pub requirements: LicenceRequirements,
    pub bids: Vec<BidLicences>,
    /// When the verdicts were frozen (the committee's leader elected); none before.
    pub frozen_at: Option<DateTime<Utc>>,
}

/// The registry link as the operator sees it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RegistryStatus {
    pub configured: bool,
    /// The configured endpoint (no credentials).
    pub endpoint: String,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_failure: Option<FetchOutcome>,
    pub last_error: Option<String>,
    pub fetches: u64,
    pub failures: u64,
}
