//! The award's publicity rules for the offline verifier (docs/AWARD.md §6), replayed from the
//! tender's chain alone.

use std::collections::{BTreeSet, HashMap};

use base64::Engine;
use chrono::{DateTime, SubsecRound, Utc};

use super::bundle::BundleScope;
use super::leaf::parse_time;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::award::publicity::objection_statement;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Per section, in log order:
///
/// * an objection (`award_objection_raised`) is raised inside the publicity window the chain
///   announced for its section (`publicity_from` ≤ at < `publicity_until`), its signature
///   verifying with the certificate it logged over `objection_statement`;
/// * no award (`award_winner_named`) and no notice (an `award_*notice*` event) while an objection
///   raised is not answered (`award_objection_answered`), and no award before its publicity
///   ended;
/// * no award and no notice while the section is sent back for re-evaluation (an upheld
///   objection, or a 条例56 re-check — also from `decided`, awarded but not yet notified) until
///   its award begins again from the committee's new report (`award_begun`);
/// * a traditional award goes to a candidate still in the running, and departs from the first
///   of them only with a written reason, never where the tender requires rank #1 (条例55);
/// * a winner dropping out is followed by the next candidate in rank that has not dropped out
///   and whose bid had not lapsed (the entry's `lapsed`).
pub struct AwardPublicityReplay;

#[derive(Default)]
struct Section {
    window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ranked: Vec<String>,
    out: Vec<String>,
    rank_one_required: bool,
    open: BTreeSet<String>,
    /// Sent back for re-evaluation and not begun again (the entry that sent it back).
    recheck: Option<u64>,
}

fn time(v: &serde_json::Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        // Entries carry microseconds; a window bound may be finer.
        .map(|t| t.with_timezone(&Utc).trunc_subsecs(6))
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// Whether an event type is one of the award's notices (中标通知书 and the rest).
fn is_notice(kind: &str) -> bool {
    kind.starts_with("award_") && kind.contains("notice")
}

impl Rule for AwardPublicityReplay {
    fn name(&self) -> &'static str {
        "award publicity: objections inside it, no award while one is open, rank #1 or a reason"
    }

    fn check(&self, _: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let mut out = Vec::new();
        let mut sections: HashMap<(String, String), Section> = HashMap::new();
        for e in entries {
            let (Some(t), Some(body)) = (e.leaf.tender_id.as_deref(), e.body.as_ref()) else {
                continue;
            };
            let kind = e.leaf.event_type.as_str();
            let sec = e
                .leaf
                .section_id
                .clone()
                .or_else(|| body["section"].as_str().map(str::to_string));
            let Some(sec) = sec else { continue };
            let at = parse_time(&e.leaf.occurred_at);
            let i = e.leaf.index;
            let here = format!("entry {i} ({kind}, tender {t} section {sec})");
            let s = sections.entry((t.to_string(), sec.clone())).or_default();
            if let (Some(from), Some(until)) = (
                time(&body["publicity_from"]),
                time(&body["publicity_until"]),
            ) {
                if kind != "award_objection_raised" {
                    s.window = Some((from, until));
                }
            }
            if let Some(from) = s.recheck {
                if kind == "award_winner_named" || is_notice(kind) {
                    out.push(format!(
                        "{here}: while the section is sent back for re-evaluation (entry {from})"
                    ));
                }
            }
            match kind {
                "award_begun" => s.recheck = None,
                "award_candidates_published" => {
                    s.ranked = strings(&body["candidates"]);
                    s.out.clear();
                    s.rank_one_required = body["rank_one_required"].as_bool().unwrap_or(true);
                }
                "award_objection_raised" => {
                    match (s.window, at) {
                        (Some((from, until)), Some(at)) if from <= at && at < until => {}
                        (Some((from, until)), _) => out.push(format!(
                            "{here}: an objection outside the publicity [{from}, {until})"
                        )),
                        (None, _) => {
                            out.push(format!("{here}: an objection with no publicity announced"))
                        }
                    }
                    if let Some(p) = objection_signature_problem(t, &sec, body) {
                        out.push(format!("{here}: {p}"));
                    }
                    s.open
                        .insert(body["objection"].as_str().unwrap_or_default().into());
                }
                "award_objection_answered" => {
                    let id = body["objection"].as_str().unwrap_or_default();
                    if !s.open.remove(id) {
                        out.push(format!("{here}: answers objection {id}, which is not open"));
                    }
                    if body["outcome"] == "upheld" && body["send_back"] == "reevaluation" {
                        s.recheck = Some(i);
                    }
                    if body["outcome"] == "upheld" {
                        // The section goes back: what was published no longer stands, and the
                        // other objections to it are settled with it.
                        s.window = None;
                        for other in strings(&body["also_settled"]) {
                            s.open.remove(&other);
                        }
                    }
                }
                "award_winner_named" => {
                    if !s.open.is_empty() {
                        out.push(format!(
                            "{here}: awarded while objection(s) {:?} were open",
                            s.open
                        ));
                    }
                    match (s.window, at) {
                        (Some((_, until)), Some(at)) if at >= until => {}
                        _ => out.push(format!("{here}: awarded before its publicity ended")),
                    }
                    self::choice_problems(s, body, &here, &mut out);
                }
                "award_sent_back" => {
                    if body["send_back"] == "reevaluation" {
                        s.recheck = Some(i);
                    }
                    s.window = None;
                    s.open.clear();
                }
                "award_winner_dropped_out" => {
                    s.out
                        .push(body["winner"].as_str().unwrap_or_default().into());
                    // Past the bids whose validity had ended (`ValidityReplay` checks the
                    // entry's `lapsed` is exactly those).
                    let lapsed = strings(&body["lapsed"]);
                    if let Some(next) = body["next_winner"].as_str() {
                        if s.ranked
                            .iter()
                            .find(|c| !s.out.contains(c) && !lapsed.contains(c))
                            .map(String::as_str)
                            != Some(next)
                        {
                            out.push(format!("{here}: {next} is not the next candidate in rank"));
                        }
                    }
                }
                k if is_notice(k) && !s.open.is_empty() => {
                    out.push(format!(
                        "{here}: a notice while objection(s) {:?} were open",
                        s.open
                    ));
                }
                _ => {}
            }
        }
        out
    }
}

/// The traditional award's choice against the published ranking.
fn choice_problems(s: &Section, body: &serde_json::Value, here: &str, out: &mut Vec<String>) {
    let winner = body["winner"].as_str().unwrap_or_default();
    let eligible: Vec<&String> = s.ranked.iter().filter(|c| !s.out.contains(c)).collect();
    if !eligible.iter().any(|c| c.as_str() == winner) {
        out.push(format!(
            "{here}: the winner {winner} is not a candidate in the running"
        ));
        return;
    }
    if eligible.first().map(|c| c.as_str()) == Some(winner) {
        return;
    }
    if s.rank_one_required {
        out.push(format!(
            "{here}: departs from rank #1 where the tender requires it (条例55)"
        ));
    }
    if body["reason"].as_str().is_none_or(|r| r.trim().is_empty()) {
        out.push(format!(
            "{here}: departs from rank #1 without a written reason"
        ));
    }
}

/// The objection's signature must verify with the certificate it logged.
fn objection_signature_problem(
    tender: &str,
    section: &str,
    body: &serde_json::Value,
) -> Option<String> {
    let s = |k: &str| body[k].as_str().unwrap_or_default();
    let Ok(cert) = B64.decode(s("certificate")) else {
        return Some("the objector's certificate is not base64".into());
    };
    let meta = match crate::crypto::x509::CertMeta::parse(&cert) {
        Ok(m) => m,
        Err(e) => return Some(format!("the objector's certificate is unreadable: {e}")),
    };
    let Some(alg) = crate::crypto::keys::SignatureAlgorithm::parse(s("signature_algorithm")) else {
        return Some("an unknown signature algorithm".into());
    };
    let (Ok(sig), Some(round)) = (B64.decode(s("signature")), body["round"].as_i64()) else {
        return Some("the objection entry is malformed".into());
    };
    let round = i32::try_from(round).ok()?;
    let msg = objection_statement(tender, section, round, s("objector_uscc"), s("text_sha256"));
    crate::crypto::keys::verify_signature(&meta.spki_der, alg, &msg, &sig)
        .err()
        .map(|e| format!("the objection's signature does not verify: {e}"))
}
