//! Bid validity (投标有效期) extensions for the offline verifier (docs/BIDDING.md, "Bid
//! validity"), replayed from the tender's chain alone.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use base64::Engine;
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::audit::{canonical_json, sha256_hex};
use crate::crypto::x509::{extract_identity, CertMeta, IdentityExtraction};
use crate::domain::validity::{
    answer_document, answer_statement, base_end, ended, valid_until, Asked,
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Every extension of a section's bid validity stands as the chain tells it:
///
/// * **from the validity the tender states**: an extension's `base_end` is the bid deadline
///   plus the validity days of the tender's last `tender_published` or `tender_amended`, and
///   the section's first extension extends that end;
/// * **asked by the tender's side, one at a time, before the validity ends**: every
///   `bid_validity_extension_requested` comes from the tenderer or its agent, while no other
///   extension of the section is open, at a time before the end it extends; its new end is
///   later than that end, its answers due after the request and no later than that end; after
///   a first extension, the end it extends is the last one's new end; it asks at least one bid;
/// * **answered by the bids asked, once, in time, signed**: every `bid_validity_answered`
///   answers an extension the chain shows, for a bid it asked and with that bid's USCC, once,
///   before the answers were due; its document hashes to its digest and is the one
///   `domain::validity::answer_document` builds from the extension, the bid and the answer;
///   the bidder's organisation certificate (its USCC the bid's) signed
///   `etender-validity-answer/v1` ‖ the digest;
/// * **closed when due, with every bid accounted for**: `bid_validity_extension_closed` comes
///   once, from the system, at or after the answers were due, and lists as agreed, declined and
///   silent exactly the bids the chain shows so;
/// * **notices only to a bid still valid**: an `award_notices_issued` names a winner whose bid
///   did not decline, or stay silent on, an extension before the notices;
/// * **reminders from the system**: `bid_validity_reminder_sent` is the deadline watch's;
/// * **a 评定分离 deciding among the bids still valid**: the setup a convened `award_step_opened`
///   logs names, in order, exactly those candidates of the section's last `award_begun` that no
///   earlier `award_winner_dropped_out` names and whose validity had not ended at the convening
///   (`domain::validity::valid_until`, from the stated end through the chain's extensions and
///   answers) — no lapsed or dropped-out bid among them, none in the running left out;
/// * **a drop-out that knows the validity**: an `award_winner_dropped_out` for
///   `validity_lapsed` names a winner whose validity had ended then, and its `lapsed` lists, in
///   rank order, exactly the other candidates in the running whose validity had ended then (the
///   next winner is chosen past them, `AwardPublicityReplay`).
pub struct ValidityReplay;

#[derive(Default)]
struct Extension {
    section: (String, String),
    previous_end: String,
    new_end: String,
    answer_due: Option<DateTime<Utc>>,
    /// bid → USCC
    asked: BTreeMap<String, String>,
    /// bid → agreed
    answers: BTreeMap<String, bool>,
    /// bid → when it answered
    answered_at: BTreeMap<String, DateTime<Utc>>,
    closed: bool,
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Rule for ValidityReplay {
    fn name(&self) -> &'static str {
        "bid validity replay"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole_chain = matches!(scope, BundleScope::All | BundleScope::Tender(_));
        let mut out = Vec::new();
        let mut extensions: HashMap<String, Extension> = HashMap::new();
        // (tender, section) → the extensions, in order.
        let mut of_section: HashMap<(String, String), Vec<String>> = HashMap::new();
        // bid → when its validity ended (declined, or silent when the answers were due).
        let mut lapsed: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
        // tender → the validity end it states (deadline + days), at the log's resolution.
        let mut stated: HashMap<String, DateTime<Utc>> = HashMap::new();
        // (tender, section) → the candidates its award began with.
        let mut begun: HashMap<(String, String), Vec<String>> = HashMap::new();
        // (tender, section) → the winners that dropped out.
        let mut dropped: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
        for e in entries {
            let ty = e.leaf.event_type.as_str();
            if !ty.starts_with("bid_validity_")
                && !matches!(
                    ty,
                    "award_notices_issued"
                        | "tender_published"
                        | "tender_amended"
                        | "award_begun"
                        | "award_step_opened"
                        | "award_winner_dropped_out"
                )
            {
                continue;
            }
            let Some(body) = &e.body else { continue };
            if matches!(ty, "tender_published" | "tender_amended") {
                // Logs from before the validity was logged name no days: nothing to check.
                let (Some(deadline), Some(days)) = (
                    time(body["bid_deadline"].as_str().unwrap_or_default()),
                    body["bid_validity_days"].as_u64(),
                ) else {
                    continue;
                };
                let end = base_end(deadline, u32::try_from(days).unwrap_or(u32::MAX));
                stated.insert(
                    e.leaf.tender_id.clone().unwrap_or_default(),
                    end.trunc_subsecs(6),
                );
                continue;
            }
            let at = time(&e.leaf.occurred_at);
            let key = (
                e.leaf.tender_id.clone().unwrap_or_default(),
                e.leaf.section_id.clone().unwrap_or_default(),
            );
            let text = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            let mut problem = |p: String| out.push(format!("entry {}: {p}", e.leaf.index));
            let id = text("extension");
            match ty {
                "bid_validity_extension_requested" => {
                    let role = &e.leaf.actor_role;
                    if !role
                        .split('+')
                        .any(|r| matches!(r, "tenderer" | "agent" | "agent_staff"))
                    {
                        problem(format!(
                            "extension {id} asked by someone not the tender's side"
                        ));
                    }
                    let base = time(&text("base_end"));
                    if let Some(stated) = stated.get(&key.0) {
                        if base != Some(*stated) {
                            problem(format!(
                                "extension {id} starts from a validity other than the tender \
                                 states ({stated})"
                            ));
                        }
                    }
                    let list = of_section.entry(key.clone()).or_default();
                    if whole_chain && list.is_empty() && text("previous_end") != text("base_end") {
                        problem(format!(
                            "extension {id}, the section's first, extends an end that is not the \
                             stated one"
                        ));
                    }
                    if let Some(prev) = list.last().and_then(|p| extensions.get(p)) {
                        if !prev.closed {
                            problem(format!(
                                "extension {id} asked while the section's extension before it \
                                 was still open"
                            ));
                        }
                        if prev.new_end != text("previous_end") {
                            problem(format!(
                                "extension {id} extends an end that is not the last extension's"
                            ));
                        }
                    }
                    let (previous, new, due) = (
                        time(&text("previous_end")),
                        time(&text("new_end")),
                        time(&text("answer_due")),
                    );
                    match (previous, new, due, at) {
                        (Some(p), Some(n), Some(d), Some(at)) => {
                            if at >= p || n <= p || d <= at || d > p {
                                problem(format!(
                                    "extension {id}: asked at {at}, it extends {p} to {n} with \
                                     answers due {d}, which the rules do not allow"
                                ));
                            }
                        }
                        _ => problem(format!("extension {id}: its times cannot be read")),
                    }
                    let asked: BTreeMap<String, String> = body["asked"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| {
                            let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
                            (s("bid"), s("bidder_uscc"))
                        })
                        .collect();
                    if asked.is_empty() {
                        problem(format!("extension {id} asks no bid"));
                    }
                    list.push(id.clone());
                    extensions.insert(
                        id,
                        Extension {
                            section: key,
                            previous_end: text("previous_end"),
                            new_end: text("new_end"),
                            answer_due: due,
                            asked,
                            ..Extension::default()
                        },
                    );
                }
                "bid_validity_answered" => {
                    let Some(x) = extensions.get_mut(&id) else {
                        if whole_chain {
                            problem(format!("an answer to extension {id}, never asked"));
                        }
                        continue;
                    };
                    let bid = text("bid");
                    let agree = body["agree"].as_bool().unwrap_or(false);
                    let Some(uscc) = x.asked.get(&bid).cloned() else {
                        problem(format!("extension {id} answered for bid {bid}, not asked"));
                        continue;
                    };
                    if uscc != text("bidder_uscc") {
                        problem(format!(
                            "extension {id}: bid {bid} answered under another USCC"
                        ));
                    }
                    if x.answers.insert(bid.clone(), agree).is_some() {
                        problem(format!("extension {id}: bid {bid} answered twice"));
                    }
                    if let Some(a) = at {
                        x.answered_at.entry(bid.clone()).or_insert(a);
                    }
                    if x.closed || matches!((at, x.answer_due), (Some(a), Some(d)) if a >= d) {
                        problem(format!(
                            "extension {id}: bid {bid} answered after it was due"
                        ));
                    }
                    let expected = canonical_json(&answer_document(
                        &id,
                        &x.section.0,
                        &x.section.1,
                        &bid,
                        &uscc,
                        time(&x.previous_end).unwrap_or_default(),
                        time(&x.new_end).unwrap_or_default(),
                        agree,
                    ));
                    if text("document") != expected
                        || sha256_hex(expected.as_bytes()) != text("digest")
                    {
                        problem(format!(
                            "extension {id}: bid {bid}'s answer document is not the one its \
                             extension and answer give, or not its digest"
                        ));
                    }
                    if let Some(p) = signature_problem(body, &uscc) {
                        problem(format!("extension {id}: bid {bid}: {p}"));
                    }
                    if !agree {
                        if let Some(a) = at {
                            lapsed.entry(bid).or_insert(a);
                        }
                    }
                }
                "bid_validity_extension_closed" => {
                    let Some(x) = extensions.get_mut(&id) else {
                        if whole_chain {
                            problem(format!("extension {id} closed, never asked"));
                        }
                        continue;
                    };
                    if std::mem::replace(&mut x.closed, true) {
                        problem(format!("extension {id} closed twice"));
                    }
                    if e.leaf.actor_role != "system" {
                        problem(format!("extension {id} closed by someone, not the system"));
                    }
                    if matches!((at, x.answer_due), (Some(a), Some(d)) if a < d) {
                        problem(format!("extension {id} closed before its answers were due"));
                    }
                    let listed = |k: &str| -> BTreeSet<String> {
                        body[k]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    };
                    let want = |pred: &dyn Fn(Option<&bool>) -> bool| -> BTreeSet<String> {
                        x.asked
                            .keys()
                            .filter(|b| pred(x.answers.get(*b)))
                            .cloned()
                            .collect()
                    };
                    let silent = want(&|a| a.is_none());
                    if listed("agreed") != want(&|a| a == Some(&true))
                        || listed("declined") != want(&|a| a == Some(&false))
                        || listed("silent") != silent
                    {
                        problem(format!(
                            "extension {id} closed with answers other than the chain shows"
                        ));
                    }
                    if let Some(d) = x.answer_due {
                        for b in silent {
                            lapsed.entry(b).or_insert(d);
                        }
                    }
                }
                "bid_validity_reminder_sent" if e.leaf.actor_role != "system" => {
                    problem("a validity reminder sent by someone, not the system".into());
                }
                "award_begun" => {
                    begun.insert(key, strings(&body["candidates"]));
                }
                "award_winner_dropped_out" => {
                    let winner = text("winner");
                    if let (Some(at), Some(base)) = (at, stated.get(&key.0)) {
                        let lapsed_then = |b: &str| {
                            let asked = asked_of(b, of_section.get(&key), &extensions);
                            ended(valid_until(*base, &asked, at), at)
                        };
                        if text("reason") == "validity_lapsed" && !lapsed_then(&winner) {
                            problem(format!(
                                "bid {winner} dropped out for a validity that had not ended at \
                                 {at}"
                            ));
                        }
                        // Entries from before the drop-out listed them carry no `lapsed`.
                        if let (Some(listed), Some(candidates)) =
                            (body.get("lapsed"), begun.get(&key))
                        {
                            let out = dropped.get(&key);
                            let due: Vec<String> = candidates
                                .iter()
                                .filter(|b| **b != winner && !out.is_some_and(|o| o.contains(*b)))
                                .filter(|b| lapsed_then(b))
                                .cloned()
                                .collect();
                            if strings(listed) != due {
                                problem(format!(
                                    "the drop-out of {winner} at {at} lists as lapsed {:?}, not \
                                     the candidates in the running whose bids had ended, {due:?}",
                                    strings(listed)
                                ));
                            }
                        }
                    }
                    dropped.entry(key).or_default().insert(winner);
                }
                "award_step_opened" if body["convened"] == true => {
                    let Some(candidates) = begun.get(&key) else {
                        if whole_chain {
                            problem("a deciding convened on an award never begun".into());
                        }
                        continue;
                    };
                    let (Some(at), Some(base)) = (at, stated.get(&key.0)) else {
                        continue;
                    };
                    let out = dropped.get(&key);
                    let valid: Vec<String> = candidates
                        .iter()
                        .filter(|b| !out.is_some_and(|o| o.contains(*b)))
                        .filter(|b| {
                            let asked = asked_of(b, of_section.get(&key), &extensions);
                            !ended(valid_until(*base, &asked, at), at)
                        })
                        .cloned()
                        .collect();
                    let among = strings(&body["setup"]["candidates"]);
                    if among != valid {
                        problem(format!(
                            "the deciding convened at {at} among {among:?}, not among the \
                             candidates still in the running, their bids still valid then, \
                             {valid:?}"
                        ));
                    }
                }
                "award_notices_issued" => {
                    let winner = text("winner");
                    if let (Some(ended), Some(at)) = (lapsed.get(&winner), at) {
                        if *ended <= at {
                            problem(format!(
                                "notices issued to bid {winner}, whose validity ended at {ended}"
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// The extensions `bid` was asked in, oldest first, with its answers so far — what
/// `domain::validity::valid_until` judges a bid's end from, as the platform does.
fn asked_of(
    bid: &str,
    section: Option<&Vec<String>>,
    extensions: &HashMap<String, Extension>,
) -> Vec<Asked> {
    section
        .into_iter()
        .flatten()
        .filter_map(|id| extensions.get(id))
        .filter(|x| x.asked.contains_key(bid))
        .filter_map(|x| {
            Some(Asked {
                new_end: time(&x.new_end)?,
                answer_due: x.answer_due?,
                answer: x
                    .answers
                    .get(bid)
                    .and_then(|agree| Some((*agree, *x.answered_at.get(bid)?))),
            })
        })
        .collect()
}

/// The answer's signature must verify, with a certificate of the bid's USCC, over the statement
/// of the logged digest.
fn signature_problem(body: &Value, uscc: &str) -> Option<String> {
    let text = |k: &str| body[k].as_str().unwrap_or_default();
    let Ok(der) = B64.decode(text("certificate")) else {
        return Some("the bidder's certificate is not base64".into());
    };
    let meta = match CertMeta::parse(&der) {
        Ok(m) => m,
        Err(e) => return Some(format!("the bidder's certificate is unreadable: {e}")),
    };
    let got = extract_identity(&der, &IdentityExtraction::default())
        .ok()
        .and_then(|i| i.uscc);
    if got.as_deref() != Some(uscc) {
        return Some("signed with a certificate that is not the bidder's organisation's".into());
    }
    let digest: Option<[u8; 32]> = hex::decode(text("digest"))
        .ok()
        .and_then(|d| d.try_into().ok());
    let (Some(digest), Some(alg), Ok(sig)) = (
        digest,
        crate::crypto::keys::SignatureAlgorithm::parse(text("signature_algorithm")),
        B64.decode(text("signature")),
    ) else {
        return Some("a signature, digest or algorithm that cannot be read".into());
    };
    crate::crypto::keys::verify_signature(&meta.spki_der, alg, &answer_statement(&digest), &sig)
        .err()
        .map(|e| format!("the answer's signature does not verify: {e}"))
}
