//! Licence fetches (免证明, docs/LICENCES.md §5) for the offline verifier: who may cause a fetch,
//! that a stored answer names the digest of the bytes it came from, and that each organisation's
//! cached records follow one another in the order the log shows.

use std::collections::HashMap;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};

/// - a `licences_fetched` entry is caused by a bidder (its own record), a committee member (the
///   committee's qualification review), nobody else;
/// - an entry whose outcome is `ok` or `bad_signature` names a SHA-256 `digest` (64 hex) of the
///   registry's answer;
/// - over the whole log: a bidder fetches only its own organisation's USCC (as registered), and
///   each `ok` entry's `previous_digest` is the digest of the USCC's last `ok` entry before it
///   (null for the first), so a dropped, added or reordered fetch shows.
pub struct LicencesReplay;

const MAY_FETCH: &[&str] = &["bidder", "committee_member"];

fn is_digest(v: &serde_json::Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl Rule for LicencesReplay {
    fn name(&self) -> &'static str {
        "licence fetches by bidders or the committee, with digests, in order"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole = matches!(scope, BundleScope::All);
        let mut out = Vec::new();
        let mut usccs: HashMap<String, String> = HashMap::new();
        let mut last_ok: HashMap<String, String> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let ty = e.leaf.event_type.as_str();
            if ty == "organisation_registered" {
                if let Some(b) = &e.body {
                    let uscc = b["uscc"].as_str().unwrap_or_default().to_string();
                    usccs.insert(e.leaf.actor_id.clone(), uscc);
                }
                continue;
            }
            if ty != "licences_fetched" {
                continue;
            }
            let role = e.leaf.actor_role.as_str();
            let subject = &e.leaf.subject;
            let at = format!("entry {i} (licences_fetched of {subject})");
            let roles: Vec<&str> = role.split('+').collect();
            if !roles.iter().any(|r| MAY_FETCH.contains(r)) {
                out.push(format!("{at} was caused by a {role}"));
            }
            let Some(body) = &e.body else { continue };
            let outcome = body["outcome"].as_str().unwrap_or_default();
            if matches!(outcome, "ok" | "bad_signature") && !is_digest(&body["digest"]) {
                out.push(format!("{at} stores a {outcome} answer without its digest"));
            }
            if !whole {
                continue;
            }
            if roles == ["bidder"] {
                match usccs.get(&e.leaf.actor_id) {
                    Some(own) if own == subject => {}
                    _ => out.push(format!("{at}: a bidder fetched another organisation")),
                }
            }
            if outcome == "ok" {
                let previous = body["previous_digest"].as_str();
                let last = last_ok.get(subject).map(String::as_str);
                if previous != last {
                    out.push(format!(
                        "{at} follows record {}, but the last one before it was {}",
                        previous.unwrap_or("none"),
                        last.unwrap_or("none")
                    ));
                }
                let digest = body["digest"].as_str().unwrap_or_default().to_string();
                last_ok.insert(subject.clone(), digest);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::leaf::LeafEntry;
    use serde_json::{json, Value};

    const USCC: &str = "91429005MA4F000001";

    fn e(
        index: u64,
        ty: &str,
        role: &str,
        actor: &str,
        subject: &str,
        body: Value,
    ) -> VerifiedEntry {
        VerifiedEntry {
            leaf: LeafEntry {
                v: 1,
                index,
                event_id: format!("e{index}"),
                event_type: ty.into(),
                tender_id: None,
                section_id: None,
                actor_role: role.into(),
                actor_id: actor.into(),
                subject: subject.into(),
                body_sha256: String::new(),
                occurred_at: "2026-12-05T02:00:00.000000Z".into(),
                prev_tender_index: None,
                prev_tender_leaf_hash: None,
            },
            leaf_hash: [0; 32],
            body: Some(body),
        }
    }

    fn fetched(index: u64, role: &str, outcome: &str, digest: &str, prev: Value) -> VerifiedEntry {
        let digest = if digest.is_empty() {
            Value::Null
        } else {
            json!(digest.repeat(64))
        };
        e(
            index,
            "licences_fetched",
            role,
            if role == "bidder" { "B" } else { "X" },
            USCC,
            json!({"outcome": outcome, "digest": digest, "previous_digest": prev}),
        )
    }

    fn log() -> Vec<VerifiedEntry> {
        vec![
            e(
                0,
                "organisation_registered",
                "organisation",
                "B",
                "B",
                json!({"uscc": USCC}),
            ),
            fetched(1, "bidder", "ok", "a", Value::Null),
            fetched(2, "bidder", "timeout", "", Value::Null),
            fetched(3, "committee_member", "bad_signature", "c", Value::Null),
            fetched(4, "committee_member", "ok", "b", json!("a".repeat(64))),
        ]
    }

    fn check(entries: &[VerifiedEntry]) -> Vec<String> {
        LicencesReplay.check(&BundleScope::All, entries)
    }

    #[test]
    fn an_honest_log_passes() {
        assert_eq!(check(&log()), Vec::<String>::new());
    }

    #[test]
    fn reordered_or_dropped_fetches_fail() {
        let mut l = log();
        l.swap(1, 4);
        let p = check(&l);
        assert!(
            p.iter()
                .any(|x| x.contains("but the last one before it was")),
            "{p:?}"
        );
        let mut l = log();
        l.remove(1);
        assert!(check(&l)[0].contains("follows record"), "{:?}", check(&l));
    }

    #[test]
    fn wrong_hands_and_missing_digests_fail() {
        let mut l = log();
        l[2].leaf.actor_role = "tenderer".into();
        l[3].body = Some(json!({"outcome": "bad_signature", "digest": "zz"}));
        let p = check(&l);
        assert!(p[0].contains("caused by a tenderer"), "{p:?}");
        assert!(p[1].contains("without its digest"), "{p:?}");
        let mut l = log();
        l[1].leaf.subject = "91429005MA4F000002".into();
        assert!(check(&l)[0].contains("another organisation"));
        // A principal's bundle has no registration to compare with: the order rules wait for
        // the whole log, the role and digest rules do not.
        let mut l = log();
        l[4].leaf.actor_role = "regulator".into();
        let p = LicencesReplay.check(&BundleScope::Principal("B".into()), &l[1..]);
        assert_eq!(p.len(), 1, "{p:?}");
    }
}
