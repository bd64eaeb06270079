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

/// Register a witness: its name and Ed25519 cosignature verifier key.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterWitness {
    /// The witness's key name (a schema-less URL such as `regulator.example/witness`).
    pub name: String,
    /// `<name>+<hex key id>+<base64(0x04 || Ed25519 key)>` (c2sp.org/tlog-cosignature).
    pub verifier_key: String,
}

/// A registered witness.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Witness {
    pub name: String,
    /// Hex key id: SHA-256(name || "\n" || 0x04 || key)[:4].
    pub key_id: String,
    pub verifier_key: String,
    /// The principal (regulator or administrator) that registered it.
    pub registered_by: String,
    pub registered_at: chrono::DateTime<chrono::Utc>,
}

/// A witness's cosignature of a stored checkpoint.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCosignature {
    /// Size of the checkpoint cosigned (the server keeps one checkpoint per size).
    pub tree_size: u64,
    /// The signature line, `— <witness name> <base64(key id || timestamp || signature)>`.
    pub cosignature: String,
}

/// A stored cosignature.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Cosignature {
    pub tree_size: u64,
    pub witness: String,
    /// The witness's POSIX timestamp in the cosignature.
    pub signed_at: u64,
    pub cosignature: String,
}
