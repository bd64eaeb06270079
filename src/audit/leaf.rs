//! The log entry: the exact bytes a Merkle leaf commits to (see docs/AUDIT-LOG.md).
//!
//! An entry is the canonical JSON ([`super::canonical_json`]) of [`LeafEntry`]: keys sorted,
//! no whitespace, times as RFC 3339 UTC with microseconds. It carries the body's digest, never
//! the body, and a back-link to the previous entry of the same tender (index + leaf hash), so a
//! tender's record can be proved complete, not only included.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::canonical_json;

/// Version of the entry format; bumped on any change to the fields.
pub const LEAF_VERSION: u32 = 1;

/// Entries above this size would not fit a tlog-tiles bundle (uint16 length prefix).
pub const MAX_LEAF_BYTES: usize = 65_535;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeafEntry {
    pub v: u32,
    /// Position in the log; binds the entry to its place so a reordering is named precisely.
    pub index: u64,
    pub event_id: String,
    pub event_type: String,
    pub tender_id: Option<String>,
    pub section_id: Option<String>,
    pub actor_role: String,
    /// Pseudonymous principal UUID (or `system`).
    pub actor_id: String,
    pub subject: String,
    /// Hex SHA-256 of the canonical event body.
    pub body_sha256: String,
    /// Server time of the change, `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    pub occurred_at: String,
    /// Previous entry of the same tender; both `None` for a tender's first entry and for
    /// entries that belong to no tender.
    pub prev_tender_index: Option<u64>,
    /// Hex leaf hash of that previous entry.
    pub prev_tender_leaf_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeafError {
    #[error("entry is not valid JSON of the v1 entry format: {0}")]
    Format(String),
    #[error("entry is not in canonical form (sorted keys, no whitespace)")]
    NotCanonical,
    #[error("entry has unsupported version {0}")]
    Version(u32),
    #[error("entry is larger than {MAX_LEAF_BYTES} bytes")]
    TooLarge,
}

/// Time as written into entries.
pub fn format_time(t: NaiveDateTime) -> String {
    t.and_utc().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl LeafEntry {
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising a struct of strings and integers cannot fail.
        let v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        canonical_json(&v).into_bytes()
    }

    /// Parses entry bytes and insists they are exactly the canonical encoding, so one event
    /// has one leaf hash.
    pub fn from_bytes(bytes: &[u8]) -> Result<LeafEntry, LeafError> {
        if bytes.len() > MAX_LEAF_BYTES {
            return Err(LeafError::TooLarge);
        }
        let e: LeafEntry =
            serde_json::from_slice(bytes).map_err(|e| LeafError::Format(e.to_string()))?;
        if e.v != LEAF_VERSION {
            return Err(LeafError::Version(e.v));
        }
        if e.to_bytes() != bytes {
            return Err(LeafError::NotCanonical);
        }
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LeafEntry {
        LeafEntry {
            v: 1,
            index: 7,
            event_id: "0193a5b0-0000-7000-8000-000000000001".into(),
            event_type: "session_opened".into(),
            tender_id: Some("t-1".into()),
            section_id: None,
            actor_role: "bidder".into(),
            actor_id: "0193a5b0-0000-7000-8000-0000000000aa".into(),
            subject: "0193a5b0-0000-7000-8000-0000000000aa".into(),
            body_sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
            occurred_at: "2026-11-24T08:00:00.000000Z".into(),
            prev_tender_index: Some(3),
            prev_tender_leaf_hash: Some("00".repeat(32)),
        }
    }

    /// The worked example in docs/AUDIT-LOG.md.
    #[test]
    fn kat_worked_example_from_the_docs() {
        let body = serde_json::json!({"roles": ["bidder"], "kind": "organisation"});
        let canonical = canonical_json(&body);
        assert_eq!(canonical, r#"{"kind":"organisation","roles":["bidder"]}"#);
        let e = LeafEntry {
            v: 1,
            index: 41,
            event_id: "019ab5d2-6f10-7c3e-9a41-0c5d2e7f8a10".into(),
            event_type: "session_opened".into(),
            tender_id: Some("019ab5c0-1111-7aaa-8bbb-000000000001".into()),
            section_id: None,
            actor_role: "bidder".into(),
            actor_id: "019ab5b9-2e4f-7d21-b3c4-5a6b7c8d9e0f".into(),
            subject: "019ab5b9-2e4f-7d21-b3c4-5a6b7c8d9e0f".into(),
            body_sha256: crate::audit::sha256_hex(canonical.as_bytes()),
            occurred_at: "2026-11-24T08:15:02.123456Z".into(),
            prev_tender_index: Some(37),
            prev_tender_leaf_hash: Some("5f0e".repeat(16)),
        };
        assert_eq!(
            e.body_sha256,
            "40832bbe9fd18b89a3df5dbe53204f37f7c4329b97ac1c40913a546be3c5b26e"
        );
        let bytes = e.to_bytes();
        assert!(String::from_utf8(bytes.clone())
            .unwrap()
            .ends_with(r#""tender_id":"019ab5c0-1111-7aaa-8bbb-000000000001","v":1}"#));
        assert_eq!(
            hex::encode(crate::audit::merkle::leaf_hash(&bytes)),
            "144f3315bed6cbb44c8e5ab74b13023b7aeced053d9a8dc3edbd4c4c6b80ebbc"
        );
    }

    #[test]
    fn round_trips_and_is_canonical() {
        let e = sample();
        let b = e.to_bytes();
        assert!(b.starts_with(br#"{"actor_id":"#));
        assert_eq!(LeafEntry::from_bytes(&b).unwrap(), e);
        let spaced = String::from_utf8(b.clone()).unwrap().replace(",", ", ");
        assert_eq!(
            LeafEntry::from_bytes(spaced.as_bytes()),
            Err(LeafError::NotCanonical)
        );
        assert!(LeafEntry::from_bytes(b"{}").is_err());
        assert_eq!(
            format_time(
                chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
                    .unwrap()
                    .and_hms_micro_opt(3, 4, 5, 6)
                    .unwrap()
            ),
            "2026-01-02T03:04:05.000006Z"
        );
    }
}
