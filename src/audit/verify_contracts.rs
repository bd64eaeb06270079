//! The contracts' and bond refunds' process rules for the offline verifier
//! (docs/CONTRACTS.md), replayed from the tender's chain alone.

use std::collections::{BTreeSet, HashMap};

use base64::Engine;
use serde_json::Value;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::crypto::x509::{extract_identity, CertMeta, IdentityExtraction};
use crate::domain::contract::{change_statement, completion_statement, contract_statement};
use crate::domain::evaluation::report::ReportOutcome;
use crate::domain::performance::{rating_statement, reply_due, reply_statement, Grade, Phase};
use crate::domain::refund::{interest, InterestRule};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Every contract stands as the chain tells it:
///
/// * **drafted after the 中标通知书**: `contract_drafted` follows the section's
///   `award_notices_issued`, once a section;
/// * **signed by its two parties**: every `contract_signature_added` and
///   `contract_change_signed` verifies over `etender-contract/v1` (or `-change/v1`) ‖ its
///   digest with the organisation certificate logged, whose USCC is that side's as the draft
///   named it; `contract_signed` only when both sides signed the digest then current (the last
///   drafted or edited one); an edit after a signature voids it;
/// * **changed only by both**: `contract_change_effective` and `contract_terminated` only for a
///   proposed change both sides signed, on a signed contract; nothing is signed after the end;
/// * **withdrawn only as a draft**: `contract_withdrawn` (its winner dropped out) ends a
///   contract never signed; it takes no step after;
/// * **payments only on a signed contract, each once**: every `contract_payments_imported`
///   follows the contract's signing, names payments paid to the winner as the draft named it,
///   each with a positive amount in fen and an id never imported before, and states the total
///   paid so far exactly;
/// * **performance rated by the tenderer, after signing, final once**: every
///   `contract_performance_rated` follows the contract's signing and no final rating; its
///   document hashes to its digest, names the contract's current version and parties, and
///   carries the phase, score and the grade the score falls in; the tenderer's organisation
///   certificate signed `etender-performance-rating/v1` ‖ the digest (a terminated contract
///   takes only its final rating); every `contract_performance_replied` answers a rating the
///   chain shows, once, within its 15 days, with a document naming that rating, its digest and
///   the winner, signed by the winner's organisation certificate;
/// * **completed once, by the tenderer**: a `contract_completed` follows the signing and
///   nothing ends the contract before it; its document hashes to its digest and names the
///   contract's current version, parties and the date logged; the tenderer's organisation
///   certificate signed `etender-contract-completion/v1` ‖ the digest; after it only reminders,
///   payments, the final rating and replies;
/// * **refunds with exact interest**: every `bond_refunded` states principal, days, rate and
///   day basis whose interest (cash) is the one logged, and is recorded by an administrator;
/// * **bonds due on a ground that happened**: a section's `bond_refunds_due` follows its ground
///   in the chain — `contract_signed` the section's contract signed, `section_failed` its
///   `opening_failed`, an `evaluation_report_completed` with outcome `section_fails` or an
///   `award_winner_dropped_out` that re-tenders it, `validity_declined` a bidder's declining
///   (or silence on) an extension of its bid's validity, `tender_terminated` the tender's
///   termination (a withdrawal's, `bid_withdrawn`, names no tender and is the bid's own);
/// * **contracted on signed contracts**: every `tender_contracted` names at least one contract,
///   each drafted for the section it is listed with, in that tender, and signed before it.
pub struct ContractsReplay;

/// What has happened to the sections (and tenders) so far: the grounds bonds may be due on.
#[derive(Default)]
struct Grounds {
    signed: BTreeSet<(String, String)>,
    failed: BTreeSet<(String, String)>,
    /// Reports completed whose body the reader may not see (the tender's parties while another
    /// section is still evaluated): each may have failed its section.
    unseen_reports: BTreeSet<(String, String)>,
    terminated: BTreeSet<String>,
    /// Sections where a bidder declined to extend its bid's validity, or stayed silent.
    declined: BTreeSet<(String, String)>,
}

impl Grounds {
    fn holds(&self, ground: &str, key: &(String, String)) -> bool {
        match ground {
            "contract_signed" => self.signed.contains(key),
            "section_failed" => self.failed.contains(key) || self.unseen_reports.contains(key),
            "tender_terminated" => self.terminated.contains(&key.0),
            "bid_withdrawn" => true,
            "validity_declined" => self.declined.contains(key),
            _ => false,
        }
    }
}

#[derive(Default)]
struct Contract {
    /// (tender, section) of its `contract_drafted`.
    at: (String, String),
    usccs: HashMap<String, String>,
    digest: String,
    signed_by: BTreeSet<String>,
    signed: bool,
    ended: bool,
    /// change id → (digest, sides signed)
    changes: HashMap<String, (String, BTreeSet<String>)>,
    /// Treasury payments imported, and their total.
    payments: BTreeSet<String>,
    paid: rust_decimal::Decimal,
    /// The final performance rating was given.
    rated_final: bool,
    /// Ratings given: id → (digest, when, replied).
    ratings: HashMap<String, (String, String, bool)>,
}

impl Rule for ContractsReplay {
    fn name(&self) -> &'static str {
        "contracts replay"
    }

    fn check(&self, _scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let mut out = Vec::new();
        let mut notified: BTreeSet<(String, String)> = BTreeSet::new();
        let mut contracts: HashMap<String, Contract> = HashMap::new();
        let mut grounds = Grounds::default();
        for e in entries {
            let ty = e.leaf.event_type.as_str();
            let key = (
                e.leaf.tender_id.clone().unwrap_or_default(),
                e.leaf.section_id.clone().unwrap_or_default(),
            );
            let Some(body) = &e.body else {
                if ty == "evaluation_report_completed" {
                    grounds.unseen_reports.insert(key);
                }
                continue;
            };
            match ty {
                "opening_failed" => {
                    grounds.failed.insert(key.clone());
                }
                "evaluation_report_completed"
                    if body["outcome"] == ReportOutcome::SectionFails.as_str() =>
                {
                    grounds.failed.insert(key.clone());
                }
                "award_winner_dropped_out" if body["retender"] == true => {
                    grounds.failed.insert(key.clone());
                }
                "tender_terminated" => {
                    grounds.terminated.insert(key.0.clone());
                }
                "contract_signed" => {
                    grounds.signed.insert(key.clone());
                }
                "bid_validity_answered" if body["agree"] == false => {
                    grounds.declined.insert(key.clone());
                }
                "bid_validity_extension_closed"
                    if body["silent"].as_array().is_some_and(|s| !s.is_empty()) =>
                {
                    grounds.declined.insert(key.clone());
                }
                _ => {}
            }
            let text = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            let mut problem = |p: String| out.push(format!("entry {}: {p}", e.leaf.index));
            match ty {
                "award_notices_issued" => {
                    notified.insert(key);
                }
                "bond_refunds_due" => {
                    let ground = body["ground"].as_str().unwrap_or_default();
                    if !grounds.holds(ground, &key) {
                        problem(format!(
                            "bonds of section {} made due on ground {ground:?}, which the chain \
                             does not show before it",
                            key.1
                        ));
                    }
                }
                "tender_contracted" => {
                    let listed = body["contracts"].as_array().cloned().unwrap_or_default();
                    if listed.is_empty() {
                        problem("a tender contracted naming no contract".into());
                    }
                    for l in &listed {
                        let id = l["contract"].as_str().unwrap_or_default();
                        let at = (
                            key.0.clone(),
                            l["section"].as_str().unwrap_or_default().into(),
                        );
                        match contracts.get(id) {
                            Some(k) if k.signed && k.at == at => {}
                            _ => problem(format!(
                                "the tender contracted with contract {id:?} of section {}, which \
                                 the chain does not show signed there before",
                                at.1
                            )),
                        }
                    }
                }
                "bond_refunded" => {
                    if e.leaf.actor_role != "administrator" {
                        problem("a bond refund recorded by someone not the trading centre".into());
                    }
                    problem_refund(body).into_iter().for_each(&mut problem);
                }
                _ if ty.starts_with("contract_") => {
                    let id = text("contract");
                    if ty == "contract_drafted" {
                        if !notified.contains(&key) {
                            problem("a contract drafted before the section's notices".into());
                        }
                        if contracts.contains_key(&id) {
                            problem(format!("contract {id} drafted twice"));
                        }
                        let mut c = Contract {
                            at: key.clone(),
                            digest: text("digest"),
                            ..Contract::default()
                        };
                        c.usccs.insert("tenderer".into(), text("tenderer_uscc"));
                        c.usccs.insert("winner".into(), text("winner_uscc"));
                        contracts.insert(id, c);
                        continue;
                    }
                    let Some(c) = contracts.get_mut(&id) else {
                        problem(format!("{ty} for a contract {id} the chain never drafted"));
                        continue;
                    };
                    for p in step(c, ty, body, &e.leaf.occurred_at) {
                        problem(p);
                    }
                }
                _ => {}
            }
        }
        out
    }
}

fn step(c: &mut Contract, ty: &str, body: &Value, at: &str) -> Vec<String> {
    let text = |k: &str| body[k].as_str().unwrap_or_default().to_string();
    let mut out = Vec::new();
    // Payments made before a termination may be reported after it.
    let after_end = [
        "contract_reminder_sent",
        "contract_overdue_flagged",
        "contract_payments_imported",
        "contract_performance_replied",
    ];
    let final_rating = ty == "contract_performance_rated"
        && body["phase"].as_str() == Some(Phase::Completion.as_str());
    if c.ended && !after_end.contains(&ty) && !final_rating {
        out.push(format!("{ty} after the contract ended"));
    }
    match ty {
        "contract_terms_edited" => {
            if c.signed {
                out.push("a signed contract's terms edited".into());
            }
            c.digest = text("digest");
            c.signed_by.clear();
        }
        "contract_signature_added" => {
            let side = text("side");
            if text("digest") != c.digest {
                out.push("a signature over a digest not current".into());
            }
            out.extend(signature(body, c.usccs.get(&side), |d| {
                contract_statement(d)
            }));
            c.signed_by.insert(side);
        }
        "contract_signed" => {
            if c.signed_by.len() != 2 || text("digest") != c.digest {
                out.push("signed without both parties' signatures on its digest".into());
            }
            c.signed = true;
        }
        "contract_change_proposed" => {
            if !c.signed {
                out.push("a change proposed before the contract was signed".into());
            }
            c.changes
                .insert(text("change"), (text("digest"), BTreeSet::new()));
        }
        "contract_change_signed" => {
            let side = text("side");
            match c.changes.get_mut(&text("change")) {
                None => out.push("a signature on a change never proposed".into()),
                Some((digest, sides)) => {
                    if *digest != text("digest") {
                        out.push("a change signature over another digest".into());
                    }
                    sides.insert(side.clone());
                    out.extend(signature(body, c.usccs.get(&side), change_statement));
                }
            }
        }
        "contract_payments_imported" => out.extend(payments(c, body)),
        "contract_performance_rated" => {
            out.extend(rating(c, body));
            c.ratings
                .insert(text("rating"), (text("digest"), at.to_string(), false));
        }
        "contract_performance_replied" => out.extend(reply(c, body, at)),
        "contract_completed" => {
            out.extend(completion(c, body));
            c.ended = true;
        }
        "contract_withdrawn" => {
            if c.signed {
                out.push("a signed contract withdrawn".into());
            }
            c.ended = true;
        }
        "contract_change_effective" | "contract_terminated" => {
            match c.changes.get(&text("change")) {
                Some((_, sides)) if sides.len() == 2 => {}
                _ => out.push(format!("{ty} without both parties' signatures")),
            }
            if ty == "contract_terminated" {
                c.ended = true;
            } else {
                c.digest = text("digest");
            }
        }
        _ => {}
    }
    out
}

fn payments(c: &mut Contract, body: &Value) -> Vec<String> {
    use rust_decimal::Decimal;
    let mut out = Vec::new();
    if !c.signed {
        out.push("payments imported for a contract not signed".into());
    }
    let winner = c.usccs.get("winner").cloned().unwrap_or_default();
    let list = body["payments"].as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        out.push("a payments entry naming no payment".into());
    }
    for p in &list {
        let id = p["payment_id"].as_str().unwrap_or_default().to_string();
        let amount = p["amount"]
            .as_str()
            .and_then(|a| a.parse::<Decimal>().ok())
            .unwrap_or_default();
        if amount <= Decimal::ZERO || amount.normalize().scale() > 2 {
            out.push(format!(
                "payment {id}: amount {} is not positive in fen",
                p["amount"]
            ));
        }
        if p["payee_uscc"].as_str() != Some(winner.as_str()) {
            out.push(format!(
                "payment {id}: paid to someone not the contract's winner"
            ));
        }
        if id.is_empty() || !c.payments.insert(id.clone()) {
            out.push(format!("payment {id:?} imported twice"));
        }
        c.paid += amount;
    }
    let total = body["paid_total"]
        .as_str()
        .and_then(|a| a.parse::<Decimal>().ok());
    if total != Some(c.paid) {
        out.push(format!(
            "paid_total {} is not the sum of the payments imported ({})",
            body["paid_total"], c.paid
        ));
    }
    out
}

/// A 履约评价: on a signed contract, none after the final one; the document logged is the
/// one digested, names this contract's current version and parties, says what the entry says
/// with the grade its score falls in; the tenderer's certificate signed it.
fn rating(c: &mut Contract, body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if !c.signed {
        out.push("a performance rating of a contract not signed".into());
    }
    if c.rated_final {
        out.push("a performance rating after the final one".into());
    }
    let phase = body["phase"].as_str().and_then(Phase::parse);
    c.rated_final |= phase == Some(Phase::Completion);
    let text = body["document"].as_str().unwrap_or_default();
    if super::sha256_hex(text.as_bytes()).as_str() != body["digest"].as_str().unwrap_or_default() {
        out.push("a rating whose document does not hash to its digest".into());
    }
    let doc: Value = serde_json::from_str(text).unwrap_or_default();
    let score = doc["score"]
        .as_str()
        .and_then(|s| s.parse::<rust_decimal::Decimal>().ok());
    let expected = [
        ("contract_digest", Some(c.digest.as_str())),
        ("tenderer_uscc", c.usccs.get("tenderer").map(String::as_str)),
        ("winner_uscc", c.usccs.get("winner").map(String::as_str)),
        ("phase", phase.map(Phase::as_str)),
        ("score", body["score"].as_str()),
        ("grade", score.and_then(Grade::of).map(Grade::as_str)),
        ("grade", body["grade"].as_str()),
        ("contract", body["contract"].as_str()),
    ];
    for (k, want) in expected {
        if want.is_none() || doc[k].as_str() != want {
            out.push(format!(
                "a rating whose document's {k} is {} where {want:?} was due",
                doc[k]
            ));
        }
    }
    out.extend(signature(body, c.usccs.get("tenderer"), rating_statement));
    out
}

/// A completion (履约完成): of a signed contract; the document logged is the one digested and
/// names this contract's current version, its parties and the date the entry states; the
/// tenderer's certificate signed it.
fn completion(c: &Contract, body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if !c.signed {
        out.push("a completion of a contract not signed".into());
    }
    let text = body["document"].as_str().unwrap_or_default();
    if super::sha256_hex(text.as_bytes()).as_str() != body["digest"].as_str().unwrap_or_default() {
        out.push("a completion whose document does not hash to its digest".into());
    }
    let doc: Value = serde_json::from_str(text).unwrap_or_default();
    let expected = [
        ("kind", Some("contract_completion")),
        ("contract_digest", Some(c.digest.as_str())),
        ("tenderer_uscc", c.usccs.get("tenderer").map(String::as_str)),
        ("winner_uscc", c.usccs.get("winner").map(String::as_str)),
        ("completed_on", body["completed_on"].as_str()),
        ("contract", body["contract"].as_str()),
    ];
    for (k, want) in expected {
        if want.is_none() || doc[k].as_str() != want {
            out.push(format!(
                "a completion whose document's {k} is {} where {want:?} was due",
                doc[k]
            ));
        }
    }
    out.extend(signature(
        body,
        c.usccs.get("tenderer"),
        completion_statement,
    ));
    out
}

/// The winner's reply to a rating: to a rating the chain shows, once, within its 15 days; the
/// document logged is the one digested and names that rating, its digest and the winner; the
/// winner's certificate signed it.
fn reply(c: &mut Contract, body: &Value, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    let id = body["rating"].as_str().unwrap_or_default();
    let Some((digest, rated_at, replied)) = c.ratings.get_mut(id) else {
        return vec![format!(
            "a reply to a rating {id:?} the chain does not show"
        )];
    };
    if *replied {
        out.push(format!("a second reply to rating {id}"));
    }
    *replied = true;
    let time = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
    match (time(rated_at), time(at)) {
        (Some(r), Some(a)) if a.to_utc() < reply_due(r.to_utc()) => {}
        _ => out.push(format!("a reply to rating {id} after its 15 days")),
    }
    let text = body["document"].as_str().unwrap_or_default();
    if super::sha256_hex(text.as_bytes()).as_str() != body["digest"].as_str().unwrap_or_default() {
        out.push("a reply whose document does not hash to its digest".into());
    }
    let doc: Value = serde_json::from_str(text).unwrap_or_default();
    let expected = [
        ("rating", Some(id)),
        ("rating_digest", Some(digest.as_str())),
        ("winner_uscc", c.usccs.get("winner").map(String::as_str)),
    ];
    for (k, want) in expected {
        if want.is_none() || doc[k].as_str() != want {
            out.push(format!(
                "a reply whose document's {k} is {} where {want:?} was due",
                doc[k]
            ));
        }
    }
    out.extend(signature(body, c.usccs.get("winner"), reply_statement));
    out
}

fn signature(
    body: &Value,
    uscc: Option<&String>,
    statement: impl Fn(&[u8; 32]) -> Vec<u8>,
) -> Vec<String> {
    let text = |k: &str| body[k].as_str().unwrap_or_default();
    let Ok(der) = B64.decode(text("certificate")) else {
        return vec!["the signer's certificate is not base64".into()];
    };
    let meta = match CertMeta::parse(&der) {
        Ok(m) => m,
        Err(e) => return vec![format!("the signer's certificate is unreadable: {e}")],
    };
    let mut out = Vec::new();
    let got = extract_identity(&der, &IdentityExtraction::default())
        .ok()
        .and_then(|i| i.uscc);
    if uscc.is_none() || got.as_ref() != uscc {
        out.push(format!(
            "the {} signed with a certificate that is not its organisation's",
            text("side")
        ));
    }
    let digest: Option<[u8; 32]> = hex::decode(text("digest"))
        .ok()
        .and_then(|d| d.try_into().ok());
    let (Some(digest), Some(alg), Ok(sig)) = (
        digest,
        crate::crypto::keys::SignatureAlgorithm::parse(text("signature_algorithm")),
        B64.decode(text("signature")),
    ) else {
        out.push("a signature, digest or algorithm that cannot be read".into());
        return out;
    };
    if crate::crypto::keys::verify_signature(&meta.spki_der, alg, &statement(&digest), &sig)
        .is_err()
    {
        out.push(format!("the {}'s signature does not verify", text("side")));
    }
    out
}

fn problem_refund(body: &Value) -> Vec<String> {
    let dec = |k: &str| {
        body[k]
            .as_str()
            .and_then(|s| s.parse::<rust_decimal::Decimal>().ok())
    };
    if body["kind"].as_str() != Some("cash") {
        return if body["interest"].is_null() {
            Vec::new()
        } else {
            vec!["interest on a bond that was not cash".into()]
        };
    }
    let (Some(principal), Some(rate), Some(days), Some(basis)) = (
        dec("principal"),
        dec("interest_rate"),
        body["days"].as_i64(),
        body["day_basis"]
            .as_u64()
            .and_then(|b| u32::try_from(b).ok()),
    ) else {
        return vec!["a refund without principal, rate, days or day basis".into()];
    };
    let expected = interest(
        principal,
        days,
        InterestRule {
            annual_percent: rate,
            day_basis: basis,
        },
    );
    match dec("interest") {
        Some(i) if i == expected => Vec::new(),
        other => vec![format!(
            "a refund's interest {other:?} is not {expected} (principal {principal}, {days} \
             days at {rate} % over {basis})"
        )],
    }
}
