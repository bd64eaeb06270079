//! The export bundle: one JSON document a regulator (or a party) downloads and verifies offline
//! with `etender audit verify`. Everything in it is checked against the signed checkpoint; the
//! server's word is never taken for anything.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const BUNDLE_FORMAT: &str = "etender-audit-bundle/v1";

/// Which entries a bundle claims to hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum BundleScope {
    /// The whole log, `0..tree_size`.
    All,
    /// Every entry of one tender (a complete back-link chain).
    Tender(String),
    /// Entries whose subject or actor is this principal.
    Principal(String),
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Always `etender-audit-bundle/v1`.
    pub format: String,
    pub origin: String,
    /// The log's verifier key as the server publishes it (informational: verify with a key
    /// obtained independently).
    pub public_key: String,
    /// The latest signed checkpoint (C2SP signed note) every proof below refers to.
    pub checkpoint: String,
    pub scope: BundleScope,
    pub entries: Vec<BundleEntry>,
    /// Consistency proof from an earlier size the caller asked for (`since_size`).
    pub consistency: Option<ConsistencyProof>,
    /// Events recorded but not yet in the log when the bundle was made.
    pub pending: u64,
    /// The current state of every bid whose `bid_submitted` entry is in the bundle, as the
    /// database holds it, signed by the log key (`etender-bid-states/v1`, see
    /// `audit::bid_states`): the verifier replays each bid's events and compares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bid_states: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleEntry {
    pub index: u64,
    /// The exact entry bytes (canonical JSON), base64.
    pub leaf: String,
    /// Inclusion proof for the checkpoint's tree size, base64 hashes, leaf sibling first.
    /// Omitted in very large whole-log bundles, where the verifier recomputes the root.
    pub inclusion_proof: Option<Vec<String>>,
    /// The full event, when the caller may see it.
    pub event: Option<BundleEvent>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleEvent {
    pub id: String,
    /// Canonical JSON body; its SHA-256 is the entry's `body_sha256`.
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProof {
    pub old_size: u64,
    pub new_size: u64,
    /// Base64 hashes (RFC 9162 consistency path).
    pub hashes: Vec<String>,
}
