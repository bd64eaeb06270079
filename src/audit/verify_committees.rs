//! The evaluation committees' process rules for the offline verifier (docs/EVALUATION.md §16):
//! replayed from the tender's chain alone, so a regulator holding an export can check them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::draw::Seat;
use crate::domain::evaluation::committee::{composition, elected};

/// Every committee is sound as the chain tells it: `committee_formed` is recorded once per
/// section, by the tender's tenderer or agent (their roles), after its draw's `draw_revealed`,
/// with every expert member seated in that revealed draw (not out at the reveal) and a
/// composition that breaks no rule of 招标投标法37; and every `committee_leader_elected` names
/// the member that more than half of the active members had voted for in the
/// `committee_leader_voted` entries before it, counting departures (`committee_member_left`:
/// its vote and the votes for it go; a leader that leaves opens a new election) and joins
/// (`committee_member_joined`). No vote comes while a leader stands.
pub struct CommitteesReplay;

/// What the replay knows of one committee.
#[derive(Default)]
struct Replayed {
    active: BTreeSet<String>,
    votes: BTreeMap<String, String>,
    leader: Option<String>,
}

/// The roles that run a tender, as `Actor::audit_ref` names them.
const RUNS_TENDERS: [&str; 3] = ["tenderer", "agent", "agent_staff"];

impl Rule for CommitteesReplay {
    fn name(&self) -> &'static str {
        "committees replay"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole_chain = matches!(scope, BundleScope::All | BundleScope::Tender(_));
        let mut out = Vec::new();
        // Per draw: the persons seated (not out) in the revealed record.
        let mut revealed: HashMap<String, BTreeSet<String>> = HashMap::new();
        let mut formed: BTreeSet<(String, String)> = BTreeSet::new();
        let mut committees: HashMap<String, Replayed> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(body) = &e.body else { continue };
            let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            let id = s("committee");
            match e.leaf.event_type.as_str() {
                "draw_revealed" => {
                    let seated = body["seats"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|x| {
                            x["seat"]
                                .as_str()
                                .and_then(Seat::parse)
                                .is_some_and(|seat| !seat.is_out())
                        })
                        .filter_map(|x| x["person"].as_str().map(str::to_string))
                        .collect();
                    revealed.insert(s("draw"), seated);
                }
                "committee_formed" => {
                    let section = (
                        e.leaf.tender_id.clone().unwrap_or_default(),
                        e.leaf.section_id.clone().unwrap_or_default(),
                    );
                    if !formed.insert(section.clone()) {
                        out.push(format!(
                            "entry {i}: committee {id}: a second committee for section {} of \
                             tender {}",
                            section.1, section.0
                        ));
                    }
                    let roles: Vec<&str> = e.leaf.actor_role.split('+').collect();
                    if !roles.iter().any(|r| RUNS_TENDERS.contains(r)) {
                        out.push(format!(
                            "entry {i}: committee {id} was formed by a {} — not the tender's \
                             tenderer or agent",
                            e.leaf.actor_role
                        ));
                    }
                    let members: Vec<&serde_json::Value> =
                        body["members"].as_array().into_iter().flatten().collect();
                    let kind = |m: &serde_json::Value, k: &str| m["kind"].as_str() == Some(k);
                    let experts = members.iter().filter(|m| kind(m, "expert")).count();
                    let reps = members.iter().filter(|m| kind(m, "representative")).count();
                    let min = usize::try_from(body["min_members"].as_u64().unwrap_or(0))
                        .unwrap_or(usize::MAX);
                    let broken = composition(experts, reps, min);
                    if !broken.is_empty() || experts + reps != members.len() {
                        out.push(format!(
                            "entry {i}: committee {id} breaks the composition rules ({})",
                            crate::domain::evaluation::committee::codes(&broken)
                        ));
                    }
                    match revealed.get(&s("draw")) {
                        Some(seated) => {
                            for m in members.iter().filter(|m| kind(m, "expert")) {
                                let person = m["person"].as_str().unwrap_or_default();
                                if !seated.contains(person) {
                                    out.push(format!(
                                        "entry {i}: committee {id}: expert {person} is not \
                                         seated in the revealed draw {}",
                                        s("draw")
                                    ));
                                }
                            }
                        }
                        None if whole_chain => out.push(format!(
                            "entry {i}: committee {id} was formed before its draw {} was \
                             revealed",
                            s("draw")
                        )),
                        None => {}
                    }
                    let c = committees.entry(id).or_default();
                    c.active = members
                        .iter()
                        .filter_map(|m| m["member"].as_str().map(str::to_string))
                        .collect();
                }
                "committee_member_joined" => {
                    committees.entry(id).or_default().active.insert(s("member"));
                }
                "committee_member_left" => {
                    let c = committees.entry(id).or_default();
                    let member = s("member");
                    c.active.remove(&member);
                    c.votes.remove(&member);
                    if c.leader.as_deref() == Some(member.as_str()) {
                        c.leader = None;
                        c.votes.clear();
                    } else {
                        c.votes.retain(|_, v| *v != member);
                    }
                }
                "committee_leader_voted" => {
                    let c = committees.entry(id.clone()).or_default();
                    if c.leader.is_some() {
                        out.push(format!(
                            "entry {i}: committee {id}: a vote while a leader stands"
                        ));
                    }
                    c.votes.insert(s("voter"), s("for"));
                }
                "committee_leader_elected" => {
                    let c = committees.entry(id.clone()).or_default();
                    let votes = c
                        .votes
                        .iter()
                        .filter(|(voter, _)| c.active.contains(*voter))
                        .map(|(_, v)| v.as_str());
                    let winner = elected(c.active.len(), votes).map(str::to_string);
                    let leader = s("leader");
                    if winner.as_deref() != Some(leader.as_str()) || c.leader.is_some() {
                        out.push(format!(
                            "entry {i}: committee {id}: leader {leader} is not elected by a \
                             majority of the votes recorded"
                        ));
                    }
                    c.leader = Some(leader);
                }
                _ => {}
            }
        }
        out
    }
}
