//! The award's deciding for the offline verifier (docs/AWARD.md §3.6), replayed from the
//! tender's chain alone:
//!
//! * every ballot, opinion and decision is cast once per step by a member of that step, acting
//!   as itself, while the step is open; what the close reveals is what was committed to
//!   (SHA-256 of `ballot::statement`), and each signature verifies with the published
//!   certificate;
//! * each closed step is the step the method called for at that point, from the convened setup
//!   (`domain::award::replay`), with its missing ballots as missing;
//! * each lot's order is the order its lottery's revealed record gives;
//! * each 定标报告 replays (`report::check`: the winner is one of the candidates and follows
//!   from the steps), its steps are the steps the chain closed, its digest is its bytes', and
//!   every signature of it is a member's, once, and verifies (over the dissent statement with
//!   its written dissent when it dissents), before the report's `sign_until`; the members the
//!   system records as deemed to agree (条例53) are exactly the silent ones, at or after
//!   `sign_until`; and it completes only with every member's position recorded.

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::award::ballot::{self, BallotOf, Cast};
use crate::domain::award::report::{self, Document};
use crate::domain::award::{self as engine, CastKind, Setup, Step};
use crate::domain::draw::{self, Record};

pub struct AwardReplay;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A revealed cast as compared with the report: (member, kind, choices, signature).
type Revealed = (String, String, Vec<String>, String);

/// A generated report: its members, digest, (tender, section, award round), the end of its
/// signing time, and the members whose position is recorded so far.
struct Generated {
    members: Vec<String>,
    digest: String,
    at: (String, String, u32),
    sign_until: Option<chrono::DateTime<chrono::Utc>>,
    recorded: Vec<String>,
}

#[derive(Default)]
struct Deciding {
    setup: Option<Setup>,
    steps: Vec<Step>,
    /// step id → the casts the close revealed, as (member, kind, choices, signature).
    closed: BTreeMap<String, Vec<Revealed>>,
}

struct OpenStep {
    key: (String, String, i64),
    kind: String,
    among: Vec<String>,
    picks: usize,
    members: Vec<String>,
    draw: Option<String>,
    committed: BTreeMap<(String, String), String>,
    closed: bool,
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

impl Rule for AwardReplay {
    fn name(&self) -> &'static str {
        "award deciding replay"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole_chain = matches!(scope, BundleScope::All | BundleScope::Tender(_));
        let mut out = Vec::new();
        let mut decidings: HashMap<(String, String, i64), Deciding> = HashMap::new();
        let mut steps: HashMap<String, OpenStep> = HashMap::new();
        let mut draws: HashMap<String, Record> = HashMap::new();
        let mut reports: HashMap<String, Generated> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(body) = &e.body else { continue };
            let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            let tender = e.leaf.tender_id.clone().unwrap_or_default();
            let section = e.leaf.section_id.clone().unwrap_or_default();
            let round = body["award_round"].as_i64().unwrap_or_default();
            let key = (tender.clone(), section.clone(), round);
            match e.leaf.event_type.as_str() {
                "draw_revealed" => {
                    if let Ok(r) = serde_json::from_value::<Record>(body["record"].clone()) {
                        draws.insert(s("draw"), r);
                    }
                }
                "award_step_opened" if body["convened"] == true => {
                    match serde_json::from_value::<Setup>(body["setup"].clone()) {
                        Ok(setup) => decidings.entry(key).or_default().setup = Some(setup),
                        Err(err) => out.push(format!("entry {i}: an unreadable setup: {err}")),
                    }
                }
                "award_step_opened" => {
                    steps.insert(
                        s("step"),
                        OpenStep {
                            key,
                            kind: s("kind"),
                            among: strings(&body["among"]),
                            picks: usize::try_from(body["picks"].as_u64().unwrap_or_default())
                                .unwrap_or_default(),
                            members: strings(&body["members"]),
                            draw: body["draw"].as_str().map(str::to_string),
                            committed: BTreeMap::new(),
                            closed: false,
                        },
                    );
                }
                "award_ballot_cast" => {
                    let (id, member, kind) = (s("step"), s("member"), s("kind"));
                    let Some(st) = steps.get_mut(&id) else {
                        if whole_chain {
                            out.push(format!("entry {i}: a cast in step {id}, never opened"));
                        }
                        continue;
                    };
                    if st.closed {
                        out.push(format!("entry {i}: a cast in step {id} after it closed"));
                    }
                    if !st.members.contains(&member) || e.leaf.actor_id != member {
                        out.push(format!(
                            "entry {i}: step {id}: a cast by {member}, who is not a member \
                             of the step or not the caster"
                        ));
                    }
                    if st
                        .committed
                        .insert((member.clone(), kind.clone()), s("commitment"))
                        .is_some()
                    {
                        out.push(format!("entry {i}: step {id}: a second {kind} of {member}"));
                    }
                }
                "award_step_closed" => {
                    let id = s("step");
                    let Some(st) = steps.get_mut(&id) else {
                        if whole_chain {
                            out.push(format!("entry {i}: step {id} closes, never opened"));
                        }
                        continue;
                    };
                    st.closed = true;
                    let st = &*st;
                    let mut revealed = Vec::new();
                    for x in body["casts"].as_array().into_iter().flatten() {
                        if let Some(p) = cast_problem(st, &id, x) {
                            out.push(format!("entry {i}: step {id}: {p}"));
                        }
                        revealed.push((
                            x["member"].as_str().unwrap_or_default().to_string(),
                            x["kind"].as_str().unwrap_or_default().to_string(),
                            strings(&x["choices"]),
                            x["signature"].as_str().unwrap_or_default().to_string(),
                        ));
                    }
                    if whole_chain && revealed.len() != st.committed.len() {
                        out.push(format!(
                            "entry {i}: step {id}: {} casts committed, {} revealed",
                            st.committed.len(),
                            revealed.len()
                        ));
                    }
                    let step = match st.kind.as_str() {
                        "vote" => Some(Step::Vote {
                            among: st.among.clone(),
                            picks: st.picks,
                            ballots: st
                                .members
                                .iter()
                                .map(|m| {
                                    revealed
                                        .iter()
                                        .find(|r| r.0 == *m && r.1 == "ballot")
                                        .map(|r| r.2.clone())
                                        .unwrap_or_default()
                                })
                                .collect(),
                        }),
                        "lot" => match lot_order(st, &draws) {
                            Ok(order) => {
                                let stated = strings(&body["lot"]["order"]);
                                if stated != order {
                                    out.push(format!(
                                        "entry {i}: step {id}: the lot's order is not the one \
                                         its draw gives"
                                    ));
                                }
                                Some(Step::Lot {
                                    among: st.among.clone(),
                                    count: st.picks,
                                    order,
                                })
                            }
                            Err(p) => {
                                if whole_chain {
                                    out.push(format!("entry {i}: step {id}: {p}"));
                                }
                                None
                            }
                        },
                        _ => deliberation(&revealed, body),
                    };
                    let d = decidings.entry(st.key.clone()).or_default();
                    d.closed.insert(id.clone(), revealed);
                    if let (Some(step), Some(setup)) = (step, d.setup.as_ref()) {
                        d.steps.push(step);
                        if let Err(err) = engine::replay(setup, &d.steps) {
                            out.push(format!(
                                "entry {i}: step {id} is not what the method called for: {err}"
                            ));
                        }
                    }
                }
                "award_report_generated" => {
                    let doc: Document = match serde_json::from_value(body["document"].clone()) {
                        Ok(d) => d,
                        Err(err) => {
                            out.push(format!("entry {i}: an unreadable 定标报告: {err}"));
                            continue;
                        }
                    };
                    if let Err(err) = report::check(&doc) {
                        out.push(format!("entry {i}: the 定标报告 does not replay: {err}"));
                    }
                    let digest = hex::encode(report::digest(&report::bytes(&doc)));
                    if digest != s("digest") {
                        out.push(format!(
                            "entry {i}: the 定标报告's digest is not its bytes'"
                        ));
                    }
                    if let Some(d) = decidings.get(&key) {
                        for st in &doc.steps {
                            let stated: Vec<_> = st
                                .casts
                                .iter()
                                .filter(|c| c.kind != CastKind::Missing)
                                .map(|c| {
                                    (
                                        c.member.clone(),
                                        c.kind.as_str().to_string(),
                                        c.choices.clone(),
                                        c.signature.clone(),
                                    )
                                })
                                .collect();
                            let mut closed = d.closed.get(&st.id).cloned().unwrap_or_default();
                            let mut stated = stated;
                            closed.sort();
                            stated.sort();
                            if closed != stated {
                                out.push(format!(
                                    "entry {i}: the 定标报告's step {} is not the step the log \
                                     closed",
                                    st.id
                                ));
                            }
                        }
                    }
                    let members = doc.members.iter().map(|m| m.person.clone()).collect();
                    let at = (doc.tender.clone(), doc.section.clone(), doc.award_round);
                    let sign_until = body["sign_until"]
                        .as_str()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| t.with_timezone(&chrono::Utc));
                    let g = Generated {
                        members,
                        digest,
                        at,
                        sign_until,
                        recorded: Vec::new(),
                    };
                    reports.insert(s("report"), g);
                }
                "award_report_signed" if body.get("deemed_agreed").is_some() => {
                    let id = s("report");
                    let Some(g) = reports.get_mut(&id) else {
                        continue;
                    };
                    let deemed = strings(&body["deemed_agreed"]);
                    let at = super::leaf::parse_time(&e.leaf.occurred_at);
                    if e.leaf.actor_role != "system" {
                        out.push(format!("entry {i}: deemed agreement not by the system"));
                    }
                    match (g.sign_until, at) {
                        (Some(until), Some(at)) if at >= until => {}
                        _ => out.push(format!(
                            "entry {i}: members of the 定标报告 {id} deemed to agree before \
                             its signing time ended"
                        )),
                    }
                    let mut silent: Vec<String> = g
                        .members
                        .iter()
                        .filter(|m| !g.recorded.contains(m))
                        .cloned()
                        .collect();
                    let mut named = deemed.clone();
                    silent.sort();
                    named.sort();
                    if silent != named {
                        out.push(format!(
                            "entry {i}: the 定标报告 {id} deems {named:?} to agree; the silent \
                             members are {silent:?}"
                        ));
                    }
                    g.recorded.extend(deemed);
                }
                "award_report_completed" => {
                    let id = s("report");
                    if let Some(g) = reports.get(&id) {
                        if g.members.iter().any(|m| !g.recorded.contains(m)) {
                            out.push(format!(
                                "entry {i}: the 定标报告 {id} completes before every member's \
                                 position is recorded"
                            ));
                        }
                    }
                }
                "award_report_signed" => {
                    let id = s("report");
                    let Some(g) = reports.get_mut(&id) else {
                        continue;
                    };
                    let (members, digest, at) = (&g.members, &g.digest, &g.at);
                    let member = s("member");
                    if let (Some(until), Some(signed_at)) =
                        (g.sign_until, super::leaf::parse_time(&e.leaf.occurred_at))
                    {
                        if signed_at >= until {
                            out.push(format!(
                                "entry {i}: the 定标报告 {id} signed by {member} after its \
                                 signing time"
                            ));
                        }
                    }
                    if g.recorded.contains(&member) {
                        out.push(format!(
                            "entry {i}: the 定标报告 {id} signed twice by {member}"
                        ));
                    }
                    if !members.contains(&member) {
                        out.push(format!(
                            "entry {i}: the 定标报告 {id} signed by {member}, not a member"
                        ));
                        continue;
                    }
                    let Ok(d) = hex::decode(digest).map(|d| d.try_into()) else {
                        continue;
                    };
                    let Ok(d): Result<[u8; 32], _> = d else {
                        continue;
                    };
                    let dissent = body["dissent"].as_str();
                    let statement =
                        ballot::report_position_statement(&at.0, &at.1, at.2, &d, &member, dissent);
                    if let Some(p) = signature_problem(body, &statement) {
                        out.push(format!("entry {i}: the 定标报告 {id} of {member}: {p}"));
                    }
                    g.recorded.push(member);
                }
                _ => {}
            }
        }
        out
    }
}

/// The order of a lot step, replayed from its lottery's revealed record.
fn lot_order(st: &OpenStep, draws: &HashMap<String, Record>) -> Result<Vec<String>, String> {
    let id = st.draw.clone().ok_or("a lot without a draw")?;
    let r = draws
        .get(&id)
        .ok_or(format!("draw {id} is never revealed"))?;
    let seed = draw::seed(&r.frame_digest, &r.secret, &r.contributions);
    Ok(engine::lot::order(&r.frame, &seed, st.picks))
}

fn deliberation(revealed: &[Revealed], body: &serde_json::Value) -> Option<Step> {
    let reason_of = |m: &str, k: &str| {
        body["casts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|x| x["member"] == m && x["kind"] == k)
            .and_then(|x| x["reason"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let decision = revealed.iter().find(|r| r.1 == "decision")?;
    Some(Step::Deliberation {
        opinions: revealed
            .iter()
            .filter(|r| r.1 == "opinion")
            .map(|r| engine::Opinion {
                member: r.0.clone(),
                candidate: r.2.first().cloned().unwrap_or_default(),
                reason: reason_of(&r.0, "opinion"),
            })
            .collect(),
        decision: engine::Decision {
            candidate: decision.2.first().cloned().unwrap_or_default(),
            reason: reason_of(&decision.0, "decision"),
        },
    })
}

/// What is wrong with one revealed cast, if anything.
fn cast_problem(st: &OpenStep, step: &str, x: &serde_json::Value) -> Option<String> {
    let s = |k: &str| x[k].as_str().unwrap_or_default().to_string();
    let (member, kind) = (s("member"), s("kind"));
    if !st.members.contains(&member) {
        return Some(format!("a {kind} of {member}, who is not a member"));
    }
    let Some(committed) = st.committed.get(&(member.clone(), kind.clone())) else {
        return Some(format!("a {kind} of {member} revealed but never cast"));
    };
    let reason = x["reason"].as_str().map(str::to_string);
    let Some(cast) = Cast::from_parts(&kind, strings(&x["choices"]), reason) else {
        return Some(format!("the {kind} of {member} is unreadable"));
    };
    if let Cast::Ballot { choices, .. } = &cast {
        if choices.len() != st.picks || choices.iter().any(|c| !st.among.contains(c)) {
            return Some(format!(
                "the ballot of {member} names other than {:?}",
                st.among
            ));
        }
    }
    let (tender, section, round) = &st.key;
    let of = BallotOf {
        step,
        tender,
        section,
        award_round: u32::try_from(*round).unwrap_or_default(),
        member: &member,
    };
    let statement = ballot::statement(&of, &cast);
    let digest = hex::encode(ballot::commitment(&statement));
    if digest != *committed || digest != s("statement_sha256") {
        return Some(format!(
            "the {kind} of {member} does not match the commitment it cast"
        ));
    }
    signature_problem(x, &statement).map(|p| format!("the {kind} of {member}: {p}"))
}

fn signature_problem(x: &serde_json::Value, statement: &[u8]) -> Option<String> {
    let s = |k: &str| x[k].as_str().unwrap_or_default();
    let Ok(cert) = B64.decode(s("certificate")) else {
        return Some("no usable certificate".into());
    };
    let meta = match crate::crypto::x509::CertMeta::parse(&cert) {
        Ok(m) => m,
        Err(e) => return Some(format!("the certificate is unreadable: {e}")),
    };
    let (Some(alg), Ok(sig)) = (
        crate::crypto::keys::SignatureAlgorithm::parse(s("signature_algorithm")),
        B64.decode(s("signature")),
    ) else {
        return Some("no usable signature".into());
    };
    crate::crypto::keys::verify_signature(&meta.spki_der, alg, statement, &sig)
        .err()
        .map(|e| format!("the signature does not verify: {e}"))
}
