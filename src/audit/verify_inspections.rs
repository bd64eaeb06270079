//! The 双随机一公开 rules for the offline verifier (docs/SUPERVISION.md §9). The draw itself is
//! replayed by `DrawsReplay` like every draw; here, over the same export: a round was asked for
//! by a regulator and contributed to by another one (or by the documented fallback); the teams
//! logged in `inspection_tasks_assigned` are exactly what `domain::inspection::assign` gives
//! for the revealed result and the frame's rules; results and evidence are recorded and signed
//! only by members of the task's team, each signature verifies over the results it names, and
//! results are published only once every member has signed the results last recorded.

use std::collections::{BTreeSet, HashMap};

use base64::Engine;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::draw::{Purpose, Record};
use crate::domain::inspection::{assign, result_statement, RoundRules};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub struct InspectionsReplay;

#[derive(Default)]
struct Task {
    team: BTreeSet<String>,
    digest: Option<String>,
    signed: BTreeSet<String>,
    published: bool,
}

impl Rule for InspectionsReplay {
    fn name(&self) -> &'static str {
        "inspections: rounds by regulators, teams as assigned, results signed by the team"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole = matches!(scope, BundleScope::All);
        let mut out = Vec::new();
        // Round (draw) id → requester; revealed records of inspection draws.
        let mut requested: HashMap<String, String> = HashMap::new();
        let mut revealed: HashMap<String, Record> = HashMap::new();
        let mut tasks: HashMap<String, Task> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(body) = &e.body else { continue };
            let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            let at = format!("entry {i}");
            match e.leaf.event_type.as_str() {
                "draw_requested" if body["frame"]["purpose"] == Purpose::Inspection.as_str() => {
                    if e.leaf.actor_role != "regulator" {
                        out.push(format!(
                            "{at}: round {} asked for by a non-regulator",
                            s("draw")
                        ));
                    }
                    requested.insert(s("draw"), e.leaf.actor_id.clone());
                }
                "draw_contributed" => {
                    let Some(requester) = requested.get(&s("draw")) else {
                        continue;
                    };
                    let fallback = body.get("fallback").is_some();
                    if !fallback
                        && (e.leaf.actor_role != "regulator" || &e.leaf.actor_id == requester)
                    {
                        out.push(format!(
                            "{at}: round {}: the contribution is not another regulator's",
                            s("draw")
                        ));
                    }
                }
                "draw_revealed" if requested.contains_key(&s("draw")) => {
                    match serde_json::from_value::<Record>(body["record"].clone()) {
                        Ok(r) => {
                            revealed.insert(s("draw"), r);
                        }
                        Err(err) => out.push(format!("{at}: unreadable round record: {err}")),
                    }
                }
                "inspection_tasks_assigned" => {
                    assigned(&at, body, &revealed, whole, &mut tasks, &mut out);
                }
                kind @ ("inspection_evidence_added"
                | "inspection_results_recorded"
                | "inspection_result_signed") => {
                    let Some(t) = tasks.get_mut(&s("task")) else {
                        if whole {
                            out.push(format!("{at}: task {} was never assigned", s("task")));
                        }
                        continue;
                    };
                    if !t.team.contains(&e.leaf.actor_id) {
                        out.push(format!(
                            "{at}: {kind} by someone not on task {}'s team",
                            s("task")
                        ));
                    }
                    if t.published {
                        out.push(format!(
                            "{at}: {kind} after task {} was published",
                            s("task")
                        ));
                    }
                    if kind == "inspection_results_recorded" {
                        t.digest = Some(s("results_digest"));
                        t.signed.clear();
                    } else if kind == "inspection_result_signed" {
                        if t.digest.as_deref() != Some(s("results_digest").as_str()) {
                            out.push(format!(
                                "{at}: task {}: a signature over results not the last recorded",
                                s("task")
                            ));
                        }
                        let msg = result_statement(&s("task"), &s("object"), &s("results_digest"));
                        if let Some(m) = signature_problem(body, &msg) {
                            out.push(format!("{at}: task {}: {m}", s("task")));
                        }
                        t.signed.insert(e.leaf.actor_id.clone());
                    }
                }
                "inspection_result_published" => {
                    let Some(t) = tasks.get_mut(&s("task")) else {
                        if whole {
                            out.push(format!("{at}: task {} was never assigned", s("task")));
                        }
                        continue;
                    };
                    if t.digest.as_deref() != Some(s("results_digest").as_str())
                        || !t.team.is_subset(&t.signed)
                    {
                        out.push(format!(
                            "{at}: task {} published without every member's signature on its \
                             results",
                            s("task")
                        ));
                    }
                    t.published = true;
                }
                _ => {}
            }
        }
        out
    }
}

/// The logged assignment must be the replayed one.
fn assigned(
    at: &str,
    body: &serde_json::Value,
    revealed: &HashMap<String, Record>,
    whole: bool,
    tasks: &mut HashMap<String, Task>,
    out: &mut Vec<String>,
) {
    let round = body["round"].as_str().unwrap_or_default();
    let logged = body["tasks"].as_array().cloned().unwrap_or_default();
    for t in &logged {
        let team = t["team"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["person"].as_str().map(str::to_string))
            .collect();
        let id = t["task"].as_str().unwrap_or_default().to_string();
        tasks.insert(
            id,
            Task {
                team,
                ..Task::default()
            },
        );
    }
    let Some(record) = revealed.get(round) else {
        if whole {
            out.push(format!(
                "{at}: round {round} assigned before its draw was revealed"
            ));
        }
        return;
    };
    let rules: RoundRules = match serde_json::from_str(&record.frame.rules) {
        Ok(r) => r,
        Err(err) => {
            out.push(format!("{at}: round {round}: unreadable rules: {err}"));
            return;
        }
    };
    let replay = assign(&rules, &record.result);
    if replay.len() != logged.len() {
        out.push(format!(
            "{at}: round {round}: {} tasks logged, the replay gives {}",
            logged.len(),
            replay.len()
        ));
        return;
    }
    for (n, (want, got)) in replay.iter().zip(&logged).enumerate() {
        let same = got["object"] == want.object.as_str()
            && got["team"] == serde_json::json!(want.members)
            && got["substitutions"] == serde_json::json!(want.substitutions)
            && got["staffed"] == want.staffed;
        if !same {
            out.push(format!(
                "{at}: round {round}: task {} is not the replayed assignment ({} with {:?})",
                n + 1,
                want.object,
                want.members
                    .iter()
                    .map(|m| m.person.as_str())
                    .collect::<Vec<_>>()
            ));
        }
    }
}

fn signature_problem(body: &serde_json::Value, msg: &[u8]) -> Option<String> {
    let s = |k: &str| body[k].as_str().unwrap_or_default();
    let Ok(cert) = B64.decode(s("certificate")) else {
        return Some("the signer's certificate is not base64".into());
    };
    let meta = match crate::crypto::x509::CertMeta::parse(&cert) {
        Ok(m) => m,
        Err(e) => return Some(format!("the signer's certificate is unreadable: {e}")),
    };
    let Some(alg) = crate::crypto::keys::SignatureAlgorithm::parse(s("signature_algorithm")) else {
        return Some("the signature algorithm is unknown".into());
    };
    let Ok(sig) = B64.decode(s("signature")) else {
        return Some("the signature is not base64".into());
    };
    crate::crypto::keys::verify_signature(&meta.spki_der, alg, msg, &sig)
        .err()
        .map(|e| format!("the results signature does not verify: {e}"))
}
