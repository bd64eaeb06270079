//! Where the award starts, for the offline verifier (docs/AWARD.md §3): from the tender's chain
//! alone, each section's award rests on a complete 评标报告 and carries exactly its candidates,
//! and the tender's aggregate state follows from its sections' stages.

use std::collections::{BTreeSet, HashMap};

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::award::stage::{self, AwardStage};
use crate::domain::evaluation::candidates::Candidates;
use crate::domain::evaluation::report::{self, Document};

/// Every `award_begun` is the system's, after the `evaluation_report_completed` of the report it
/// names (in the same tender and section), states that report's digest, its candidates in the
/// report's order, its award mode and that mode's first stage; every `tender_award_progressed`
/// states the aggregate of the section stages it lists (`domain::award::stage::tender_state`).
pub struct AwardStartReplay;

struct Generated {
    tender: String,
    section: String,
    digest: String,
    candidates: Option<Vec<String>>,
    mode: &'static str,
    first: AwardStage,
}

impl Rule for AwardStartReplay {
    fn name(&self) -> &'static str {
        "the award starts from complete reports"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole_chain = matches!(scope, BundleScope::All | BundleScope::Tender(_));
        let mut out = Vec::new();
        let mut reports: HashMap<String, Generated> = HashMap::new();
        let mut complete: BTreeSet<String> = BTreeSet::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(body) = &e.body else { continue };
            let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            match e.leaf.event_type.as_str() {
                "evaluation_report_generated" => {
                    let Ok(doc) = serde_json::from_value::<Document>(body["document"].clone())
                    else {
                        continue;
                    };
                    let candidates = match &doc.derivation.candidates {
                        Candidates::Ranked { bids } | Candidates::Unranked { bids } => {
                            Some(bids.clone())
                        }
                        Candidates::SectionFails { .. } => None,
                    };
                    let mode = &doc.section.award;
                    reports.insert(
                        s("report"),
                        Generated {
                            tender: doc.tender.clone(),
                            section: doc.section.code.clone(),
                            digest: hex::encode(report::digest(&report::bytes(&doc))),
                            candidates,
                            mode: if stage::separated(mode) {
                                "separated"
                            } else {
                                "traditional"
                            },
                            first: stage::begin(mode),
                        },
                    );
                }
                "evaluation_report_completed" => {
                    complete.insert(s("report"));
                }
                "award_begun" => {
                    let at = format!("entry {i}: the award of {}", s("section"));
                    if e.leaf.actor_id != "system" {
                        out.push(format!(
                            "{at} was begun by {}, not the system",
                            e.leaf.actor_id
                        ));
                    }
                    if !whole_chain {
                        continue;
                    }
                    let report = s("report");
                    let Some(r) = reports.get(&report) else {
                        out.push(format!("{at} rests on report {report}, never generated"));
                        continue;
                    };
                    if !complete.contains(&report) {
                        out.push(format!(
                            "{at} rests on report {report} before it was complete"
                        ));
                    }
                    let candidates: Option<Vec<String>> =
                        serde_json::from_value(body["candidates"].clone()).ok();
                    let first = AwardStage::parse(&s("stage"));
                    let problems = [
                        (r.tender != s("tender"), "another tender's report"),
                        (r.section != s("section"), "another section's report"),
                        (
                            r.digest != s("report_digest"),
                            "a digest the report does not have",
                        ),
                        (
                            r.candidates != candidates,
                            "candidates the report does not name",
                        ),
                        (
                            r.mode != s("mode"),
                            "an award mode the section does not have",
                        ),
                        (
                            first != Some(r.first),
                            "a first stage its mode does not have",
                        ),
                    ];
                    for (bad, what) in problems {
                        if bad {
                            out.push(format!("{at} states {what}"));
                        }
                    }
                }
                "tender_award_progressed" => {
                    let stages: Option<Vec<AwardStage>> =
                        serde_json::from_value(body["sections"].clone()).ok();
                    let stated = s("state");
                    match stages {
                        Some(st) if stage::tender_state(&st).as_str() == stated => {}
                        _ => out.push(format!(
                            "entry {i}: the tender's award state {stated} does not follow from \
                             its sections' stages"
                        )),
                    }
                }
                _ => {}
            }
        }
        out
    }
}
