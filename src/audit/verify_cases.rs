//! Administrative-penalty cases, for the offline verifier (docs/SUPERVISION.md "Cases"): each
//! case's entries (subject: the case id) replay through `domain::case::advance` from its clue,
//! officers and the party each take only their own steps, every piece of evidence is confirmed
//! by a second officer before the review, the hearing is recorded by its chair, the party's
//! submissions come within its period, the decision within its limit and never heavier than the
//! notice (行政处罚法42, 45, 60, 64).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::bundle::BundleScope;
use super::leaf::parse_time;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::case::{advance, not_heavier, Penalty, State, Step};

/// The case replay rule.
pub struct CasesReplay;

#[derive(Default)]
struct Evidence {
    added_by: String,
    second: String,
    confirmed: bool,
}

struct Replay {
    state: State,
    /// The principal the clue named as the party, if it was registered.
    party: Option<String>,
    evidence: BTreeMap<String, Evidence>,
    notified: Option<Vec<Penalty>>,
    hearing_rights: bool,
    reply_due: Option<DateTime<Utc>>,
    decision_due: Option<DateTime<Utc>>,
    chair: Option<String>,
    hearing_at: Option<DateTime<Utc>>,
}

/// Events that record an act within a state rather than a step.
const ACTS: [&str; 5] = [
    "case_evidence_added",
    "case_evidence_confirmed",
    "case_defence_submitted",
    "case_time_extended",
    "case_clue_opened",
];

fn time(body: &serde_json::Value, key: &str) -> Option<DateTime<Utc>> {
    body[key].as_str().and_then(parse_time)
}

impl Rule for CasesReplay {
    fn name(&self) -> &'static str {
        "cases follow the penalty procedure"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let mut out = Vec::new();
        let mut cases: HashMap<String, Replay> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let kind = e.leaf.event_type.as_str();
            let step = Step::of_event(kind);
            if step.is_none() && !ACTS.contains(&kind) {
                continue;
            }
            let case = e.leaf.subject.clone();
            // Only a bundle holding every entry of the case can be replayed.
            let whole = match scope {
                BundleScope::All => true,
                BundleScope::Principal(p) => *p == case,
                BundleScope::Tender(_) => false,
            };
            let Some(body) = &e.body else { continue };
            if !whole {
                continue;
            }
            let at = format!("entry {i} ({kind}) of case {case}");
            let party_step = kind == "case_defence_submitted" || step.is_some_and(Step::by_party);
            let role_ok = if party_step {
                e.leaf.actor_role == "party"
            } else {
                e.leaf.actor_role == "regulator"
            };
            if !role_ok {
                out.push(format!("{at} was taken by a {}", e.leaf.actor_role));
            }
            let when = parse_time(&e.leaf.occurred_at).unwrap_or(DateTime::<Utc>::MAX_UTC);
            if kind == "case_clue_opened" {
                if cases.contains_key(&case) {
                    out.push(format!("{at} opens the case a second time"));
                }
                cases.insert(
                    case,
                    Replay {
                        state: State::Clue,
                        party: body["party"]["principal"].as_str().map(str::to_string),
                        evidence: BTreeMap::new(),
                        notified: None,
                        hearing_rights: false,
                        reply_due: None,
                        decision_due: None,
                        chair: None,
                        hearing_at: None,
                    },
                );
                continue;
            }
            let Some(r) = cases.get_mut(&case) else {
                out.push(format!("{at} comes before the case's clue"));
                continue;
            };
            // An organisation registered only after the clue is not named; then only the role
            // is checked.
            if party_step && r.party.as_ref().is_some_and(|p| *p != e.leaf.actor_id) {
                out.push(format!("{at} was taken by someone other than the party"));
            }
            let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            match step {
                Some(step) => {
                    let from = r.state;
                    let Some(to) = advance(from, step) else {
                        out.push(format!("{at} cannot follow {}", from.as_str()));
                        continue;
                    };
                    if s("state") != to.as_str() {
                        out.push(format!("{at} states {}, not {}", s("state"), to.as_str()));
                    }
                    r.state = to;
                    out.extend(check_step(&at, r, step, from, e, body, when));
                }
                None => out.extend(check_act(&at, r, kind, e, body, when)),
            }
        }
        out
    }
}

fn check_step(
    at: &str,
    r: &mut Replay,
    step: Step,
    from: State,
    e: &VerifiedEntry,
    body: &serde_json::Value,
    when: DateTime<Utc>,
) -> Vec<String> {
    let mut out = Vec::new();
    let penalties =
        || serde_json::from_value::<Vec<Penalty>>(body["penalties"].clone()).unwrap_or_default();
    match step {
        Step::Register => r.decision_due = time(body, "decision_due"),
        Step::Review => {
            if r.evidence.is_empty() {
                out.push(format!("{at} reviews a case without evidence"));
            }
            for (id, ev) in &r.evidence {
                if !ev.confirmed {
                    out.push(format!(
                        "{at} reviews evidence {id} no second officer confirmed"
                    ));
                }
            }
        }
        Step::Notify => {
            r.notified = Some(penalties());
            r.hearing_rights = body["hearing_rights"].as_bool().unwrap_or(false);
            r.reply_due = time(body, "reply_due");
        }
        Step::RequestHearing => {
            if r.reply_due.is_none_or(|d| when >= d) {
                out.push(format!("{at} asks for a hearing after the party's period"));
            }
            if !r.hearing_rights {
                out.push(format!(
                    "{at} asks for a hearing the penalty gives no right to"
                ));
            }
        }
        Step::ScheduleHearing => {
            r.chair = body["chair"].as_str().map(str::to_string);
            r.hearing_at = time(body, "at");
            let investigated = r.evidence.values().any(|ev| {
                Some(&ev.added_by) == r.chair.as_ref() || Some(&ev.second) == r.chair.as_ref()
            });
            if investigated {
                out.push(format!("{at} has an investigator chair the hearing"));
            }
        }
        Step::HoldHearing => {
            if r.chair.as_deref() != Some(e.leaf.actor_id.as_str()) {
                out.push(format!("{at} was recorded by someone other than the chair"));
            }
            if r.hearing_at.is_none_or(|h| when < h) {
                out.push(format!("{at} was held before its time"));
            }
        }
        Step::Decide => {
            let decided = penalties();
            let notified = r.notified.clone().unwrap_or_default();
            if !not_heavier(&decided, &notified) {
                out.push(format!("{at} decides a penalty heavier than the notice's"));
            }
            if r.decision_due.is_none_or(|d| when >= d) {
                out.push(format!("{at} decides after the time to decide"));
            }
            if from == State::Notified && r.reply_due.is_none_or(|d| when < d) {
                out.push(format!("{at} decides within the party's period"));
            }
        }
        _ => {}
    }
    out
}

fn check_act(
    at: &str,
    r: &mut Replay,
    kind: &str,
    e: &VerifiedEntry,
    body: &serde_json::Value,
    when: DateTime<Utc>,
) -> Vec<String> {
    let mut out = Vec::new();
    let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
    match kind {
        "case_evidence_added" => {
            if !r.state.takes_evidence() {
                out.push(format!("{at} adds evidence to a {} case", r.state.as_str()));
            }
            let second = s("second_officer");
            if second.is_empty() || second == e.leaf.actor_id {
                out.push(format!("{at} names no second officer"));
            }
            let ev = Evidence {
                added_by: e.leaf.actor_id.clone(),
                second,
                confirmed: false,
            };
            r.evidence.insert(s("evidence"), ev);
        }
        "case_evidence_confirmed" => {
            if !r.state.takes_evidence() {
                out.push(format!(
                    "{at} confirms evidence of a {} case",
                    r.state.as_str()
                ));
            }
            match r.evidence.get_mut(&s("evidence")) {
                None => out.push(format!("{at} confirms evidence never added")),
                Some(ev) => {
                    if ev.second != e.leaf.actor_id || ev.added_by == e.leaf.actor_id {
                        out.push(format!(
                            "{at} was confirmed by someone other than its second officer"
                        ));
                    }
                    if ev.confirmed {
                        out.push(format!("{at} confirms evidence a second time"));
                    }
                    ev.confirmed = true;
                }
            }
        }
        "case_defence_submitted"
            if !r.state.takes_defence() || r.reply_due.is_none_or(|d| when >= d) =>
        {
            out.push(format!("{at} is outside the party's period"));
        }
        "case_time_extended" => {
            if !r.state.takes_extension() || r.decision_due.is_none_or(|d| when >= d) {
                out.push(format!(
                    "{at} extends a limit already passed or not running"
                ));
            }
            r.decision_due = time(body, "decision_due");
        }
        _ => {}
    }
    out
}
