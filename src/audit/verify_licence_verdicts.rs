//! The licence verdicts frozen into an evaluation (免证明, docs/LICENCES.md §9) for the offline
//! verifier: when they were frozen, by whom, on which records, and that the report honours
//! them. The log carries no licence content, so each verdict is re-checked as far as it carries
//! its own inputs (the certificate, its last valid day, the deadline) and the record it rests
//! on is matched to the registry fetches the log shows.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::evaluation::report::Document;
use crate::domain::evaluation::sheet::Stage;
use crate::domain::licence::{judge, FactsState, FrozenBid, LicenceRequirements};

/// - `licence_verdicts_frozen` is the platform's (`system`), at most once per section, and
///   before any 初步评审 sheet of that section is submitted;
/// - each bid's verdicts hold together (`FrozenBid::check`): one per requirement of the
///   section's, in order; overall and standing following from them; a met requirement naming
///   a certificate valid on the deadline's China day; an expiry naming the day it lapsed; no
///   record exactly when nothing is judged;
/// - over the tender's chain: the bids frozen are exactly those the opening record opened, and
///   every report of the section carries exactly the frozen verdicts as its inputs (so its
///   derivation, which `ReportsReplay` recomputes, rejects every `not_met` bid automatically);
///   a section with licence requirements has no report without them;
/// - over the whole log: each record judged is the bidder's newest `ok` fetch before the
///   freeze (its fetch id and digest), `current` if no failed attempt followed it, else
///   `stale`; `unavailable` only when the bidder has no `ok` fetch before it.
pub struct LicenceVerdictsReplay;

#[derive(Default)]
struct Fetches {
    /// USCC → (fetch id, digest) of its newest `ok` fetch.
    ok: HashMap<String, (String, String)>,
    /// USCC → the fetch id of its newest fetch, whatever the outcome.
    any: HashMap<String, String>,
}

impl Rule for LicenceVerdictsReplay {
    fn name(&self) -> &'static str {
        "licence verdicts frozen once, before the sheets, on the records held, and honoured"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole = matches!(scope, BundleScope::All);
        let chain = whole || matches!(scope, BundleScope::Tender(_));
        let mut out = Vec::new();
        let mut fetches = Fetches::default();
        let mut opened: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
        let mut sheets: HashSet<(String, String)> = HashSet::new();
        let mut frozen: HashMap<(String, String), Vec<FrozenBid>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(body) = &e.body else { continue };
            let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            let key = (
                e.leaf.tender_id.clone().unwrap_or_default(),
                e.leaf.section_id.clone().unwrap_or_default(),
            );
            match e.leaf.event_type.as_str() {
                "licences_fetched" => {
                    let (uscc, id) = (e.leaf.subject.clone(), s("fetch_id"));
                    if s("outcome") == "ok" {
                        fetches.ok.insert(uscc.clone(), (id.clone(), s("digest")));
                    }
                    fetches.any.insert(uscc, id);
                }
                "opening_record_published" => {
                    let bids = body["bids"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|b| b["status"] == "opened")
                        .filter_map(|b| b["bid"].as_str().map(str::to_string))
                        .collect();
                    opened.insert((s("tender"), s("section")), bids);
                }
                "evaluation_sheet_submitted"
                    if Stage::parse(&s("stage")) == Some(Stage::Preliminary) =>
                {
                    sheets.insert(key);
                }
                "licence_verdicts_frozen" => {
                    let at = format!("entry {i} (licence_verdicts_frozen of {}/{})", key.0, key.1);
                    if e.leaf.actor_role != "system" {
                        out.push(format!("{at} was recorded by a {}", e.leaf.actor_role));
                    }
                    if sheets.contains(&key) {
                        out.push(format!(
                            "{at} comes after a preliminary sheet of the section"
                        ));
                    }
                    let bids = match frozen_of(body) {
                        Ok(b) => b,
                        Err(m) => {
                            out.push(format!("{at}: {m}"));
                            continue;
                        }
                    };
                    out.extend(
                        bids.iter()
                            .filter_map(|b| b.1.clone().err())
                            .map(|m| format!("{at}: {m}")),
                    );
                    let bids: Vec<FrozenBid> = bids.into_iter().map(|b| b.0).collect();
                    if chain {
                        let listed: BTreeSet<String> = bids.iter().map(|b| b.bid.clone()).collect();
                        if opened.get(&key) != Some(&listed) {
                            out.push(format!("{at}: its bids are not those the opening opened"));
                        }
                    }
                    if whole {
                        out.extend(
                            bids.iter()
                                .filter_map(|b| record_problem(b, &fetches))
                                .map(|m| format!("{at}: {m}")),
                        );
                    }
                    if frozen.insert(key, bids).is_some() {
                        out.push(format!("{at}: the section's verdicts were frozen before"));
                    }
                }
                "evaluation_report_generated" if chain => {
                    let Ok(doc) = serde_json::from_value::<Document>(body["document"].clone())
                    else {
                        continue; // ReportsReplay names an unreadable document.
                    };
                    let at = format!("entry {i}: report {}", s("report"));
                    let key = (doc.tender.clone(), doc.section.code.clone());
                    let want = frozen.get(&key).cloned().unwrap_or_default();
                    if want != doc.inputs.licences {
                        out.push(format!(
                            "{at}: its licence verdicts are not those frozen for the section"
                        ));
                    }
                    if want.is_empty() && !doc.section.licence_requirements.is_empty() {
                        out.push(format!(
                            "{at}: the section has licence requirements but none were frozen"
                        ));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

type Checked = (FrozenBid, Result<(), String>);

/// The frozen bids of an entry, each with its own consistency at the entry's deadline and
/// against the requirements it states.
fn frozen_of(body: &serde_json::Value) -> Result<Vec<Checked>, String> {
    let deadline: DateTime<Utc> = serde_json::from_value(body["bid_deadline"].clone())
        .map_err(|e| format!("no readable bid deadline: {e}"))?;
    let req: LicenceRequirements = serde_json::from_value(body["requirements"].clone())
        .map_err(|e| format!("no readable requirements: {e}"))?;
    let bids: Vec<FrozenBid> = serde_json::from_value(body["bids"].clone())
        .map_err(|e| format!("unreadable bids: {e}"))?;
    let texts: Vec<String> = judge(&req, None, deadline)
        .into_iter()
        .map(|v| v.requirement)
        .collect();
    Ok(bids
        .into_iter()
        .map(|b| {
            let named: Vec<&String> = b.verdicts.iter().map(|v| &v.requirement).collect();
            let fits = if named.iter().copied().eq(texts.iter()) {
                b.check(deadline)
            } else {
                Err(format!(
                    "bid {}: its verdicts are not the section's requirements",
                    b.bid
                ))
            };
            (b, fits)
        })
        .collect())
}

/// Whether the record a frozen bid names is the one the log says the platform held.
fn record_problem(b: &FrozenBid, fetches: &Fetches) -> Option<String> {
    let at = |m: &str| Some(format!("bid {} ({}): {m}", b.bid, b.bidder));
    match fetches.ok.get(&b.bidder) {
        None if b.state == FactsState::Unavailable => None,
        None => at("judged on a record the log never fetched"),
        Some((id, digest)) => {
            if b.fetch_id.as_ref() != Some(id) || b.digest.as_ref() != Some(digest) {
                return at("the record judged is not the newest good fetch before the freeze");
            }
            let current = fetches.any.get(&b.bidder) == Some(id);
            let want = if current {
                FactsState::Current
            } else {
                FactsState::Stale
            };
            (b.state != want)
                .then(|| format!("bid {}: its record is {:?}, not {want:?}", b.bid, b.state))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::leaf::LeafEntry;
    use serde_json::{json, Value};

    fn e(
        index: u64,
        ty: &str,
        role: &str,
        tender: Option<&str>,
        subject: &str,
        body: Value,
    ) -> VerifiedEntry {
        VerifiedEntry {
            leaf: LeafEntry {
                v: 1,
                index,
                event_id: format!("e{index}"),
                event_type: ty.into(),
                tender_id: tender.map(str::to_string),
                section_id: tender.map(|_| "BD01".to_string()),
                actor_role: role.into(),
                actor_id: role.into(),
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

    fn frozen(state: &str, fetch: Option<&str>, until: &str) -> Value {
        let digest = fetch.map(|_| "d1".repeat(32));
        json!({"committee": "c", "bid_deadline": "2026-12-01T01:00:00Z",
            "requirements": {"safety_permit": true},
            "bids": [{"bid": "b1", "bidder": "U", "state": state, "fetch_id": fetch,
                "digest": digest, "fetched_at": null, "age_seconds": 60,
                "verdicts": [{"requirement": "安全生产许可证", "verdict": "met",
                    "certificate": "P1", "valid_until": until, "reason": null}],
                "overall": "met", "standing": "met"}]})
    }

    fn log(last: Value, role: &str) -> Vec<VerifiedEntry> {
        vec![
            e(
                0,
                "licences_fetched",
                "bidder",
                None,
                "U",
                json!({"fetch_id": "f1", "outcome": "ok", "digest": "d1".repeat(32)}),
            ),
            e(
                1,
                "licences_fetched",
                "committee_member",
                None,
                "U",
                json!({"fetch_id": "f2", "outcome": "unreachable", "digest": null}),
            ),
            e(
                2,
                "opening_record_published",
                "system",
                Some("T"),
                "T",
                json!({"tender": "T", "section": "BD01",
                    "bids": [{"bid": "b1", "status": "opened"}]}),
            ),
            e(3, "licence_verdicts_frozen", role, Some("T"), "c", last),
        ]
    }

    fn check(es: &[VerifiedEntry]) -> Vec<String> {
        LicenceVerdictsReplay.check(&BundleScope::All, es)
    }

    #[test]
    fn a_stale_record_judged_on_the_deadline_day_passes() {
        assert_eq!(
            check(&log(frozen("stale", Some("f1"), "2026-12-01"), "system")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_wrong_state_record_actor_or_date_fails() {
        let current = check(&log(frozen("current", Some("f1"), "2026-12-01"), "system"));
        assert!(
            current.iter().any(|m| m.contains("not Stale")),
            "{current:?}"
        );
        let none = check(&log(frozen("unavailable", None, "2026-12-01"), "system"));
        assert!(
            none.iter()
                .any(|m| m.contains("judged without a record") || m.contains("newest good fetch")),
            "{none:?}"
        );
        let other = check(&log(frozen("stale", Some("f2"), "2026-12-01"), "system"));
        assert!(
            other.iter().any(|m| m.contains("newest good fetch")),
            "{other:?}"
        );
        let by = check(&log(
            frozen("stale", Some("f1"), "2026-12-01"),
            "committee_member",
        ));
        assert!(
            by.iter()
                .any(|m| m.contains("recorded by a committee_member")),
            "{by:?}"
        );
        let lapsed = check(&log(frozen("stale", Some("f1"), "2026-11-30"), "system"));
        assert!(
            lapsed
                .iter()
                .any(|m| m.contains("met without a certificate valid")),
            "{lapsed:?}"
        );
    }
}
