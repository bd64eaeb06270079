//! The evaluation report's process rules for the offline verifier (docs/EVALUATION.md §21),
//! replayed from the tender's chain alone.

use std::collections::{BTreeSet, HashMap};

use base64::Engine;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::draw;
use crate::domain::evaluation::lot;
use crate::domain::evaluation::lowest_price::agreed;
use crate::domain::evaluation::qualitative::Recommendation;
use crate::domain::evaluation::report::{self, Document};
use crate::domain::evaluation::scoring::ScoreSheet;
use crate::domain::evaluation::sheet::{report_statement, Assent, Sheet, SheetOf};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Every report stands as the chain tells it:
///
/// * `evaluation_report_generated` is by the committee's elected leader; its document hashes to
///   the digest it states; its members are exactly the committee's active members at that
///   point (drawn and checked in, or the tenderer's representatives, as `CommitteesReplay`
///   checks their joining); its K is the one the K lottery revealed earlier in the chain drew;
///   and its candidates follow from its inputs and the section's method
///   (`domain::evaluation::report::check`);
/// * every `evaluation_report_signed` is by a member the report lists, once, over that report's
///   digest, its signature verifying with the certificate it logged; deemed agreement only
///   after the signing time;
/// * `evaluation_report_completed` comes only when every member's position is in;
/// * no sheet of the committee is recorded while its report stands (generated and not void);
/// * the report's inputs carry exactly the revealed sheets of its members (the last reveal of
///   each stage): their verdicts, scores, agreed adjustments, recommendations and remarks;
/// * its opened bids are exactly those the section's opening record lists as opened, and its
///   motions exactly those the chain closed for the committee, each with the votes for it
///   counted at its close.
pub struct ReportsReplay;

#[derive(Default)]
struct Committee {
    /// member id → person, of the active members.
    active: HashMap<String, String>,
    leader: Option<String>,
    /// The report being signed or complete: id, its members, positions recorded, sign_until.
    report: Option<Standing>,
}

struct Standing {
    id: String,
    digest: [u8; 32],
    tender: String,
    section: String,
    members: BTreeSet<String>,
    positions: BTreeSet<String>,
    sign_until: String,
}

impl Rule for ReportsReplay {
    fn name(&self) -> &'static str {
        "evaluation reports replay"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole_chain = matches!(scope, BundleScope::All | BundleScope::Tender(_));
        let mut out = Vec::new();
        let mut committees: HashMap<String, Committee> = HashMap::new();
        // K lotteries revealed: draw id → K drawn.
        let mut ks: HashMap<String, rust_decimal::Decimal> = HashMap::new();
        // Per committee and stage: the sheets of the last reveal, by person.
        let mut revealed: HashMap<(String, String), Vec<(String, Sheet)>> = HashMap::new();
        // Per (tender, section): the bids the opening record lists as opened.
        let mut opened: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
        // Per committee: the motions closed, as (bid, votes for).
        let mut closed: HashMap<String, Vec<(String, usize)>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(body) = &e.body else { continue };
            let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            let id = s("committee");
            let kind = e.leaf.event_type.as_str();
            match kind {
                "draw_revealed" => {
                    if let Ok(record) =
                        serde_json::from_value::<draw::Record>(body["record"].clone())
                    {
                        let seed =
                            draw::seed(&record.frame_digest, &record.secret, &record.contributions);
                        let is_k = serde_json::from_str::<serde_json::Value>(&record.frame.rules)
                            .is_ok_and(|r| r["draw"] == "price_coefficient_k");
                        if let (true, Some(k)) = (is_k, lot::k_from_seed(&record.frame, &seed)) {
                            ks.insert(s("draw"), k);
                        }
                    }
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
                "rejection_motion_closed" => {
                    let votes_for = body["votes_for"].as_u64().unwrap_or_default() as usize;
                    closed
                        .entry(id.clone())
                        .or_default()
                        .push((s("bid"), votes_for));
                }
                "evaluation_sheets_revealed" => {
                    let sheets = body["sheets"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|x| {
                            let person = x["person"].as_str()?.to_string();
                            let sheet = serde_json::from_value(x["body"].clone()).ok()?;
                            Some((person, sheet))
                        })
                        .collect();
                    revealed.insert((id.clone(), s("stage")), sheets);
                }
                "committee_formed" => {
                    let c = committees.entry(id).or_default();
                    for m in body["members"].as_array().into_iter().flatten() {
                        let (Some(member), Some(person)) =
                            (m["member"].as_str(), m["person"].as_str())
                        else {
                            continue;
                        };
                        c.active.insert(member.into(), person.into());
                    }
                }
                "committee_member_joined" => {
                    let c = committees.entry(id).or_default();
                    c.active.insert(s("member"), s("person"));
                }
                "committee_member_left" => {
                    let c = committees.entry(id).or_default();
                    c.active.remove(&s("member"));
                    if c.leader.as_deref() == Some(s("member").as_str()) {
                        c.leader = None;
                    }
                }
                "committee_leader_elected" => {
                    committees.entry(id).or_default().leader = Some(s("leader"));
                }
                "evaluation_report_voided" => {
                    committees.entry(id).or_default().report = None;
                }
                "evaluation_report_generated" => {
                    let c = committees.entry(id.clone()).or_default();
                    let at = format!("entry {i}: report {}", s("report"));
                    let doc: Document = match serde_json::from_value(body["document"].clone()) {
                        Ok(d) => d,
                        Err(err) => {
                            out.push(format!("{at}: unreadable document: {err}"));
                            continue;
                        }
                    };
                    let digest = report::digest(&report::bytes(&doc));
                    if hex::encode(digest) != s("digest") {
                        out.push(format!("{at}: the document does not hash to its digest"));
                    }
                    if let Err(m) = report::check(&doc) {
                        out.push(format!("{at}: {m}"));
                    }
                    if whole_chain {
                        let leader = c.leader.as_ref().and_then(|l| c.active.get(l));
                        if leader != Some(&e.leaf.actor_id) {
                            out.push(format!(
                                "{at}: generated by {}, not the committee's elected leader",
                                e.leaf.actor_id
                            ));
                        }
                        let active: BTreeSet<&String> = c.active.values().collect();
                        let listed: BTreeSet<&String> =
                            doc.members.iter().map(|m| &m.member).collect();
                        if active != listed {
                            out.push(format!(
                                "{at}: its members are not the committee's active members"
                            ));
                        }
                        let stages: Vec<&Vec<(String, Sheet)>> = revealed
                            .iter()
                            .filter(|((c, _), _)| *c == id)
                            .map(|(_, v)| v)
                            .collect();
                        if let Some(m) = inputs_disagree(&doc, &stages) {
                            out.push(format!("{at}: {m}"));
                        }
                        let listed: BTreeSet<String> =
                            doc.inputs.bids.iter().map(|b| b.bid.clone()).collect();
                        let key = (doc.tender.clone(), doc.section.code.clone());
                        if opened.get(&key) != Some(&listed) {
                            out.push(format!(
                                "{at}: its opened bids are not those the opening record opened"
                            ));
                        }
                        let mut chain = closed.get(&id).cloned().unwrap_or_default();
                        let mut used: Vec<(String, usize)> = doc
                            .inputs
                            .motions
                            .iter()
                            .map(|m| (m.motion.bid.clone(), m.votes_for))
                            .collect();
                        chain.sort();
                        used.sort();
                        if chain != used {
                            out.push(format!(
                                "{at}: its motions are not those the committee closed"
                            ));
                        }
                        if let Some(k) = &doc.k {
                            if ks.get(&k.draw) != Some(&k.k) {
                                out.push(format!(
                                    "{at}: K {} is not what lottery {} drew",
                                    k.k, k.draw
                                ));
                            }
                        }
                    }
                    if let Some(prior) = &c.report {
                        out.push(format!("{at}: report {} still stands", prior.id));
                    }
                    c.report = Some(Standing {
                        id: s("report"),
                        digest,
                        tender: doc.tender.clone(),
                        section: doc.section.code.clone(),
                        members: doc.member_ids().into_iter().collect(),
                        positions: BTreeSet::new(),
                        sign_until: s("sign_until"),
                    });
                }
                "evaluation_report_signed" => {
                    let at = format!("entry {i}: report {}", s("report"));
                    let Some(r) = committees.get_mut(&id).and_then(|c| c.report.as_mut()) else {
                        if whole_chain {
                            out.push(format!("{at}: signed, but no such report stands"));
                        }
                        continue;
                    };
                    if let Some(silent) = body["deemed_agreed"].as_array() {
                        let due = s("sign_until");
                        let due_at = parse_time(&due);
                        if due_at != parse_time(&r.sign_until)
                            || parse_time(&e.leaf.occurred_at) < due_at
                        {
                            out.push(format!("{at}: deemed agreement before the signing time"));
                        }
                        for m in silent.iter().filter_map(|m| m.as_str()) {
                            if !r.members.contains(m) || !r.positions.insert(m.to_string()) {
                                out.push(format!("{at}: {m} deemed to agree twice or unlisted"));
                            }
                        }
                        continue;
                    }
                    let member = s("member");
                    if !r.members.contains(&member) || e.leaf.actor_id != member {
                        out.push(format!("{at}: signed by {member}, not a member it lists"));
                    }
                    if !r.positions.insert(member.clone()) {
                        out.push(format!("{at}: {member} signed twice"));
                    }
                    if let Some(m) = position_problem(body, r, &id, &member) {
                        out.push(format!("{at}: {m}"));
                    }
                }
                "evaluation_report_completed" => {
                    let at = format!("entry {i}: report {}", s("report"));
                    match committees.get(&id).and_then(|c| c.report.as_ref()) {
                        Some(r) if r.positions == r.members => {}
                        Some(_) => out.push(format!("{at}: completed before every position")),
                        None if whole_chain => {
                            out.push(format!("{at}: completed, but no such report stands"))
                        }
                        None => {}
                    }
                }
                k if k.starts_with("evaluation_sheet") => {
                    if let Some(r) = committees.get(&id).and_then(|c| c.report.as_ref()) {
                        out.push(format!(
                            "entry {i}: a sheet of committee {id} after its report {}",
                            r.id
                        ));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// Sorted JSON texts of a list, so two lists compare as multisets.
fn texts<T: serde::Serialize>(items: &[T]) -> Vec<String> {
    let mut out: Vec<String> = items
        .iter()
        .map(|x| serde_json::to_string(x).unwrap_or_default())
        .collect();
    out.sort();
    out
}

/// Whether the document's inputs differ from what its members' revealed sheets say.
fn inputs_disagree(doc: &Document, stages: &[&Vec<(String, Sheet)>]) -> Option<String> {
    let members = doc.member_ids();
    let mut verdicts = Vec::new();
    let mut scores = Vec::new();
    let mut adjustments = Vec::new();
    let mut recommendations = Vec::new();
    let mut remarks = Vec::new();
    for (person, sheet) in stages.iter().flat_map(|v| v.iter()) {
        if !members.contains(person) {
            continue;
        }
        match sheet.clone() {
            Sheet::Preliminary { verdicts: v } => verdicts.extend(v),
            Sheet::Scoring { scores: s } => scores.push(ScoreSheet {
                member: person.clone(),
                scores: s,
            }),
            Sheet::Adjustments { applied } => adjustments.push((person.clone(), applied)),
            Sheet::Qualitative {
                remarks: r,
                recommended,
            } => {
                remarks.extend(r);
                recommendations.push(Recommendation {
                    member: person.clone(),
                    bids: recommended,
                });
            }
        }
    }
    let i = &doc.inputs;
    let pairs = [
        ("verdicts", texts(&verdicts), texts(&i.verdicts)),
        ("score sheets", texts(&scores), texts(&i.sheets)),
        (
            "adjustments",
            texts(&agreed(&members, &adjustments)),
            texts(&i.applied),
        ),
        (
            "recommendations",
            texts(&recommendations),
            texts(&i.recommendations),
        ),
        ("remarks", texts(&remarks), texts(&i.remarks)),
    ];
    pairs
        .into_iter()
        .find(|(_, want, got)| want != got)
        .map(|(what, _, _)| format!("its {what} are not the members' revealed sheets"))
}

fn parse_time(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
}

/// A member's signature must verify, with the certificate it logged, over the report statement
/// of the standing report's digest and the position it logged.
fn position_problem(
    body: &serde_json::Value,
    r: &Standing,
    committee: &str,
    member: &str,
) -> Option<String> {
    let s = |k: &str| body[k].as_str().unwrap_or_default();
    if s("digest") != hex::encode(r.digest) {
        return Some("signed over another digest".into());
    }
    let assent = match s("assent") {
        "agreed" => Assent::Agrees,
        "dissented" => Assent::Dissents {
            reason: s("reason").to_string(),
        },
        other => return Some(format!("a signed position {other:?}")),
    };
    let of = SheetOf {
        committee,
        tender: &r.tender,
        section: &r.section,
        member,
    };
    let Some(msg) = report_statement(&of, &r.digest, &assent) else {
        return Some("a dissent without its reason".into());
    };
    let unsigned = || Some("no readable certificate, algorithm or signature".to_string());
    let Ok(cert) = B64.decode(s("certificate")) else {
        return unsigned();
    };
    let meta = match crate::crypto::x509::CertMeta::parse(&cert) {
        Ok(m) => m,
        Err(e) => return Some(format!("the signer's certificate is unreadable: {e}")),
    };
    let Some(alg) = crate::crypto::keys::SignatureAlgorithm::parse(s("signature_algorithm")) else {
        return unsigned();
    };
    let Ok(sig) = B64.decode(s("signature")) else {
        return unsigned();
    };
    crate::crypto::keys::verify_signature(&meta.spki_der, alg, &msg, &sig)
        .err()
        .map(|e| format!("the signature does not verify: {e}"))
}
