//! Clarifications and rejection motions for the offline verifier (docs/EVALUATION.md §18.4),
//! replayed from the tender's chain alone.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use base64::Engine as _;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::evaluation::clarification::{answer_statement, Answer, Question};
use crate::domain::evaluation::majority;

/// Every clarification answer verifies: its question's digest is the one `clarification_asked`
/// recorded (and that digest is the question's own), its signature verifies with the bidder's
/// certificate over `clarification::answer_statement`, and it is answered once. Every rejection
/// vote comes from an active member of the committee on an open motion, once; a member that
/// leaves takes its votes on open motions with it; and every `rejection_motion_closed` carries
/// the tally those votes give — every active member voted, `votes_for` counted, carried exactly
/// when more than half of the active members voted for it.
pub struct ClarificationsMotionsReplay;

#[derive(Default)]
struct Motion {
    committee: String,
    votes: BTreeMap<String, bool>,
    closed: bool,
}

impl Rule for ClarificationsMotionsReplay {
    fn name(&self) -> &'static str {
        "clarifications and motions replay"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole_chain = matches!(scope, BundleScope::All | BundleScope::Tender(_));
        let mut out = Vec::new();
        let mut active: HashMap<String, BTreeSet<String>> = HashMap::new();
        let mut asked: HashMap<String, String> = HashMap::new();
        let mut answered: BTreeSet<String> = BTreeSet::new();
        let mut motions: HashMap<String, Motion> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(body) = &e.body else { continue };
            let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            let committee = s("committee");
            match e.leaf.event_type.as_str() {
                "committee_formed" => {
                    let members = body["members"].as_array().into_iter().flatten();
                    active.insert(
                        committee,
                        members
                            .filter_map(|m| m["member"].as_str().map(str::to_string))
                            .collect(),
                    );
                }
                "committee_member_joined" => {
                    active.entry(committee).or_default().insert(s("member"));
                }
                "committee_member_left" => {
                    let member = s("member");
                    if let Some(a) = active.get_mut(&committee) {
                        a.remove(&member);
                    }
                    for m in motions.values_mut() {
                        if m.committee == committee && !m.closed {
                            m.votes.remove(&member);
                        }
                    }
                }
                "clarification_asked" => {
                    let id = s("clarification");
                    let digest = serde_json::from_value::<Question>(body["question"].clone())
                        .map(|q| hex::encode(q.digest(&committee, &s("bid"), &id)));
                    if digest.ok() != Some(s("question_sha256")) {
                        out.push(format!(
                            "entry {i}: clarification {id}: the recorded digest is not the \
                             question's"
                        ));
                    }
                    asked.insert(id, s("question_sha256"));
                }
                "clarification_answered" => {
                    let id = s("clarification");
                    match asked.get(&id) {
                        Some(d) if *d != s("question_sha256") => out.push(format!(
                            "entry {i}: clarification {id}: the answer names another question"
                        )),
                        None if whole_chain => out.push(format!(
                            "entry {i}: clarification {id} is answered but was never asked"
                        )),
                        _ => {}
                    }
                    if !answered.insert(id.clone()) {
                        out.push(format!("entry {i}: clarification {id} is answered twice"));
                    }
                    if let Some(problem) = answer_signature_problem(body) {
                        out.push(format!("entry {i}: clarification {id}: {problem}"));
                    }
                }
                "rejection_motion_proposed" => {
                    motions.insert(
                        s("motion"),
                        Motion {
                            committee,
                            ..Motion::default()
                        },
                    );
                }
                "rejection_vote_cast" => {
                    let (id, member) = (s("motion"), s("member"));
                    let Some(m) = motions.get_mut(&id) else {
                        if whole_chain {
                            out.push(format!("entry {i}: a vote on motion {id}, never proposed"));
                        }
                        continue;
                    };
                    let is_active = active.get(&committee).is_some_and(|a| a.contains(&member));
                    if m.closed || (whole_chain && !is_active) {
                        out.push(format!(
                            "entry {i}: motion {id}: a vote by {member}, not an active member \
                             on an open motion"
                        ));
                    }
                    let in_favour = body["in_favour"].as_bool().unwrap_or(false);
                    if m.votes.insert(member.clone(), in_favour).is_some() {
                        out.push(format!("entry {i}: motion {id}: {member} votes twice"));
                    }
                }
                "rejection_motion_closed" => {
                    let id = s("motion");
                    let Some(m) = motions.get_mut(&id) else {
                        if whole_chain {
                            out.push(format!("entry {i}: motion {id} closed, never proposed"));
                        }
                        continue;
                    };
                    let members = active.get(&committee).cloned().unwrap_or_default();
                    let voters: BTreeSet<String> = m.votes.keys().cloned().collect();
                    let votes_for = m.votes.values().filter(|f| **f).count();
                    let n = |k: &str| usize::try_from(body[k].as_u64().unwrap_or(u64::MAX)).ok();
                    let carried = body["carried"].as_bool();
                    if m.closed
                        || voters != members
                        || n("active_members") != Some(members.len())
                        || n("votes_for") != Some(votes_for)
                        || carried != Some(majority(votes_for, members.len()))
                    {
                        out.push(format!(
                            "entry {i}: motion {id}: the tally recorded is not the one the \
                             active members' votes give ({votes_for} for of {})",
                            members.len()
                        ));
                    }
                    m.closed = true;
                }
                _ => {}
            }
        }
        out
    }
}

/// The answer's signature must verify with the certificate it logged over the statement built
/// from the logged question digest, USCC and answer.
fn answer_signature_problem(body: &serde_json::Value) -> Option<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let s = |k: &str| body[k].as_str().unwrap_or_default();
    let Ok(cert) = b64.decode(s("certificate")) else {
        return Some("the bidder's certificate is not base64".into());
    };
    let meta = match crate::crypto::x509::CertMeta::parse(&cert) {
        Ok(m) => m,
        Err(e) => return Some(format!("the bidder's certificate is unreadable: {e}")),
    };
    let Some(alg) = crate::crypto::keys::SignatureAlgorithm::parse(s("signature_algorithm")) else {
        return Some("an unknown signature algorithm".into());
    };
    let (Ok(sig), Some(digest), Ok(answer)) = (
        b64.decode(s("signature")),
        hex::decode(s("question_sha256"))
            .ok()
            .and_then(|d| <[u8; 32]>::try_from(d).ok()),
        serde_json::from_value::<Answer>(body["answer"].clone()),
    ) else {
        return Some("the answer entry is malformed".into());
    };
    let msg = answer_statement(&digest, s("bidder_uscc"), &answer);
    crate::crypto::keys::verify_signature(&meta.spki_der, alg, &msg, &sig)
        .err()
        .map(|e| format!("the answer's signature does not verify: {e}"))
}
