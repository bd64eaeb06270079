//! Audit-log bodies: the public key, entries, trails and inclusion proofs.

use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicKey {
    pub origin: String,
    /// Go `sumdb/note` verifier key: `<origin>+<key id>+<base64(0x01 || Ed25519 key)>`.
    pub verifier_key: String,
    pub algorithm: String,
}

/// One log entry with its event.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub index: u64,
    /// Exact entry bytes, base64.
    pub leaf: String,
    /// RFC 6962 leaf hash, base64.
    pub leaf_hash: String,
    pub event_id: String,
    pub event_type: String,
    pub tender_id: Option<String>,
    pub section_id: Option<String>,
    pub actor_role: String,
    pub actor_id: String,
    pub subject: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub prev_tender_index: Option<u64>,
    /// The canonical event body.
    pub body: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Trail {
    pub items: Vec<AuditEntry>,
    /// Pass as `after` for the next page.
    pub next: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InclusionProof {
    pub index: u64,
    pub tree_size: u64,
    /// Leaf hash, base64.
    pub leaf_hash: String,
    /// Base64 hashes, leaf sibling first.
    pub hashes: Vec<String>,
}
