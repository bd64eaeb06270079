//! The supervision artefacts for the offline verifier (docs/SUPERVISION.md, "the six
//! artefacts"): who recorded each, that a plan is published once and never changed after, that
//! rows name items recorded before them, and that an import's summary counts the rows it changed.

use std::collections::{HashMap, HashSet};

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};

/// - 监管事项, 合规手册 entries and 检查实施清单 items are recorded by a regulator or the trading
///   centre; plans, their publication and credit grades by a regulator only;
/// - a plan is published at most once, and no `inspection_plan_recorded` follows its
///   publication (a published plan is frozen);
/// - over the whole log: a plan is published only after it was recorded, and every entry,
///   check item and plan names items recorded before it;
/// - over the whole log: each `supervision_sheet_imported` states as created plus updated the
///   number of row events carrying its file digest since that file's previous import.
pub struct ArtefactsReplay;

const BY_REGULATOR_OR_CENTRE: &[&str] = &[
    "supervision_item_recorded",
    "compliance_entry_recorded",
    "check_item_recorded",
];
const BY_REGULATOR: &[&str] = &[
    "inspection_plan_recorded",
    "inspection_plan_published",
    "credit_grade_set",
];

impl Rule for ArtefactsReplay {
    fn name(&self) -> &'static str {
        "supervision artefacts by their departments, plans frozen once published"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole = matches!(scope, BundleScope::All);
        let mut out = Vec::new();
        let mut items: HashSet<String> = HashSet::new();
        let mut plans: HashSet<String> = HashSet::new();
        let mut published: HashSet<String> = HashSet::new();
        let mut by_file: HashMap<String, u64> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let ty = e.leaf.event_type.as_str();
            let role = e.leaf.actor_role.as_str();
            let at = format!("entry {i} ({ty} of {})", e.leaf.subject);
            let roles: Vec<&str> = role.split('+').collect();
            if BY_REGULATOR_OR_CENTRE.contains(&ty)
                && !roles
                    .iter()
                    .any(|r| *r == "regulator" || *r == "administrator")
            {
                out.push(format!(
                    "{at} was recorded by a {role}, not a regulator or the centre"
                ));
            }
            if BY_REGULATOR.contains(&ty) && role != "regulator" {
                out.push(format!("{at} was recorded by a {role}, not a regulator"));
            }
            if ty == "supervision_sheet_imported"
                && !roles
                    .iter()
                    .any(|r| *r == "regulator" || *r == "administrator")
            {
                out.push(format!("{at} was imported by a {role}"));
            }
            let subject = e.leaf.subject.clone();
            match ty {
                "inspection_plan_recorded" if published.contains(&subject) => {
                    out.push(format!("{at} changes plan {subject} after its publication"));
                }
                "inspection_plan_published" => {
                    if !published.insert(subject.clone()) {
                        out.push(format!("{at} publishes plan {subject} a second time"));
                    }
                    if whole && !plans.contains(&subject) {
                        out.push(format!("{at} publishes plan {subject}, never recorded"));
                    }
                }
                _ => {}
            }
            let Some(body) = &e.body else { continue };
            let named: Vec<String> = match ty {
                "compliance_entry_recorded" => vec![body["entry"]["item_code"].clone()],
                "check_item_recorded" => vec![body["check"]["item_code"].clone()],
                "inspection_plan_recorded" => body["plan"]["items"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
                _ => Vec::new(),
            }
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect();
            if whole {
                for item in named.iter().filter(|x| !items.contains(*x)) {
                    out.push(format!("{at} names item {item}, not recorded before it"));
                }
            }
            match ty {
                "supervision_item_recorded" => {
                    items.insert(subject);
                }
                "inspection_plan_recorded" => {
                    plans.insert(subject);
                }
                "supervision_sheet_imported" if whole => {
                    let sha = body["sha256"].as_str().unwrap_or_default();
                    let changed = body["created"].as_u64().unwrap_or(0)
                        + body["updated"].as_u64().unwrap_or(0);
                    let rows = by_file.remove(sha).unwrap_or(0);
                    if rows != changed {
                        out.push(format!(
                            "{at} states {changed} changed rows; the log has {rows} from that file"
                        ));
                    }
                }
                _ => {}
            }
            if let Some(sha) = body["import"].as_str() {
                *by_file.entry(sha.to_string()).or_default() += 1;
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

    fn e(index: u64, ty: &str, role: &str, subject: &str, body: Value) -> VerifiedEntry {
        VerifiedEntry {
            leaf: LeafEntry {
                v: 1,
                index,
                event_id: format!("e{index}"),
                event_type: ty.into(),
                tender_id: None,
                section_id: None,
                actor_role: role.into(),
                actor_id: "R".into(),
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

    fn log() -> Vec<VerifiedEntry> {
        vec![
            e(
                0,
                "supervision_item_recorded",
                "administrator",
                "ZJ-001",
                json!({"item": {"code": "ZJ-001"}, "import": "f1"}),
            ),
            e(
                1,
                "supervision_sheet_imported",
                "administrator",
                "items",
                json!({"sha256": "f1", "created": 1, "updated": 0}),
            ),
            e(
                2,
                "check_item_recorded",
                "regulator",
                "ZJ-001-01",
                json!({"check": {"item_code": "ZJ-001"}, "import": null}),
            ),
            e(
                3,
                "inspection_plan_recorded",
                "regulator",
                "P1",
                json!({"plan": {"items": ["ZJ-001"]}, "import": null}),
            ),
            e(4, "inspection_plan_published", "regulator", "P1", json!({})),
        ]
    }

    fn check(entries: &[VerifiedEntry]) -> Vec<String> {
        ArtefactsReplay.check(&BundleScope::All, entries)
    }

    #[test]
    fn an_honest_log_passes() {
        assert_eq!(check(&log()), Vec::<String>::new());
    }

    #[test]
    fn a_plan_changed_after_publication_fails() {
        let mut l = log();
        l.push(e(
            5,
            "inspection_plan_recorded",
            "regulator",
            "P1",
            json!({"plan": {"items": ["ZJ-001"]}}),
        ));
        l.push(e(
            6,
            "inspection_plan_published",
            "regulator",
            "P1",
            json!({}),
        ));
        let p = check(&l);
        assert!(p[0].contains("after its publication"), "{p:?}");
        assert!(p[1].contains("second time"), "{p:?}");
    }

    #[test]
    fn out_of_order_and_wrong_hands_fail() {
        let mut l = log();
        l.swap(0, 2); // the check item now comes before its item
        l[4].leaf.actor_role = "administrator".into(); // the centre publishing a plan
        let p = check(&l);
        assert!(
            p.iter().any(|x| x.contains("not recorded before it")),
            "{p:?}"
        );
        assert!(p.iter().any(|x| x.contains("not a regulator")), "{p:?}");
        let mut l = log();
        l.remove(3); // a plan published that was never recorded
        assert!(check(&l)[0].contains("never recorded"));
        l[0].leaf.actor_role = "bidder".into();
        assert!(check(&l)[0].contains("not a regulator or the centre"));
    }

    #[test]
    fn an_import_summary_must_count_its_rows() {
        let mut l = log();
        l[1].body = Some(json!({"sha256": "f1", "created": 2, "updated": 0}));
        assert!(check(&l)[0].contains("states 2 changed rows"));
    }
}
