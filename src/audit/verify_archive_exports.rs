//! The archive's export, for the offline verifier (docs/ARCHIVE.md): who may export a tender's
//! archive and when, from the tender's chain alone.

use std::collections::HashSet;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};

/// The roles an `archive_exported` may be recorded under: the tender's parties and regulators.
const EXPORTERS: &[&str] = &["tenderer", "agent", "agent_staff", "regulator"];

/// Every `archive_exported` is a tender party's or a regulator's, names its own tender, and —
/// in a whole chain — follows an `award_notices_issued` of that tender (the archive is made
/// once the notices are issued: `app::support::archive::ready`); the checkpoint it names was
/// signed before it (its tree size is at most the export's own index).
pub struct ArchiveExportsReplay;

impl Rule for ArchiveExportsReplay {
    fn name(&self) -> &'static str {
        "archives exported by a party or regulator, after the notices"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole_chain = matches!(scope, BundleScope::All | BundleScope::Tender(_));
        let mut notified: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        for e in entries {
            let l = &e.leaf;
            let tender = l.tender_id.as_deref().unwrap_or_default();
            if l.event_type == "award_notices_issued" {
                notified.insert(tender);
                continue;
            }
            if l.event_type != "archive_exported" {
                continue;
            }
            let at = format!("entry {} (archive_exported of tender {tender})", l.index);
            if !EXPORTERS.contains(&l.actor_role.as_str()) {
                out.push(format!(
                    "{at}: recorded as {}, but only the tender's parties and regulators \
                     export its archive",
                    l.actor_role
                ));
            }
            if whole_chain && !notified.contains(tender) {
                out.push(format!(
                    "{at}: exported before any award notice of the tender was issued"
                ));
            }
            let Some(body) = &e.body else { continue };
            if body["tender"].as_str() != Some(tender) || l.subject != tender {
                out.push(format!("{at}: names another tender"));
            }
            let size = body["checkpoint"]
                .as_str()
                .and_then(|c| c.lines().nth(1))
                .and_then(|s| s.parse::<u64>().ok());
            match size {
                Some(s) if s <= l.index => {}
                Some(s) => out.push(format!(
                    "{at}: names a checkpoint of size {s}, signed after the export"
                )),
                None => out.push(format!("{at}: names no checkpoint")),
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

    fn e(index: u64, ty: &str, role: &str, body: Value) -> VerifiedEntry {
        VerifiedEntry {
            leaf: LeafEntry {
                v: 1,
                index,
                event_id: format!("e{index}"),
                event_type: ty.into(),
                tender_id: Some("T".into()),
                section_id: None,
                actor_role: role.into(),
                actor_id: "P".into(),
                subject: "T".into(),
                body_sha256: String::new(),
                occurred_at: "2026-12-05T02:00:00.000000Z".into(),
                prev_tender_index: None,
                prev_tender_leaf_hash: None,
            },
            leaf_hash: [0; 32],
            body: Some(body),
        }
    }

    fn export(index: u64, role: &str, size: u64) -> VerifiedEntry {
        let cp = format!("example.com/log\n{size}\nAAAA\n\n— example.com/log sig\n");
        e(
            index,
            "archive_exported",
            role,
            json!({"tender": "T", "checkpoint": cp}),
        )
    }

    fn check(entries: &[VerifiedEntry]) -> Vec<String> {
        ArchiveExportsReplay.check(&BundleScope::Tender("T".into()), entries)
    }

    #[test]
    fn an_export_after_the_notices_by_a_party_or_regulator_passes() {
        let log = vec![
            e(3, "award_notices_issued", "agent", json!({})),
            export(5, "agent", 4),
            export(6, "regulator", 6),
        ];
        assert_eq!(check(&log), Vec::<String>::new());
    }

    #[test]
    fn an_export_out_of_order_by_another_role_or_naming_a_later_checkpoint_fails() {
        let early = check(&[
            export(2, "agent", 1),
            e(3, "award_notices_issued", "agent", json!({})),
        ]);
        assert!(early[0].contains("before any award notice"), "{early:?}");
        let notices = e(3, "award_notices_issued", "agent", json!({}));
        let bidder = check(&[notices.clone(), export(5, "bidder", 4)]);
        assert!(bidder[0].contains("recorded as bidder"), "{bidder:?}");
        let later = check(&[notices.clone(), export(5, "agent", 9)]);
        assert!(later[0].contains("signed after the export"), "{later:?}");
        let mut other = export(5, "agent", 4);
        other.body = Some(json!({"tender": "U", "checkpoint": "o\n4\n"}));
        assert!(check(&[notices, other])[0].contains("another tender"));
    }
}
