//! The evaluation sheets' process rules for the offline verifier (docs/EVALUATION.md §17),
//! replayed from the tender's chain alone: who may submit, that what was revealed is what was
//! committed to, that every revealed sheet is signed by its member, and that a member that left
//! is never revealed as counting.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use base64::Engine as _;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::evaluation::sheet::{self, Sheet, SheetOf, Stage};

/// Every `evaluation_sheet_submitted` comes from an active member of its committee (by the
/// `committee_formed`, `committee_member_joined` and `committee_member_left` entries before it),
/// acting as itself, once per stage while it is active, and a second-stage sheet only after
/// 初步评审 is revealed; every sheet an
/// `evaluation_sheets_revealed` publishes was committed to before by that member
/// (`commitment` = SHA-256 of `sheet::statement` recomputed from the published body), its
/// signature verifies with the published certificate over that statement, and its member has
/// not left. A stage's sheets are revealed with every active member's sheet among them. An
/// entry naming no stage of the platform's is a finding of its own.
pub struct SheetsReplay;

#[derive(Default)]
struct Committee {
    /// member id → person id.
    persons: BTreeMap<String, String>,
    active: BTreeSet<String>,
    left: BTreeSet<String>,
    /// (member, stage) → commitment, as submitted.
    committed: BTreeMap<(String, Stage), String>,
    /// Whether 初步评审 has been revealed: the second stage's sheets come after.
    preliminary_revealed: bool,
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

impl Rule for SheetsReplay {
    fn name(&self) -> &'static str {
        "evaluation sheets replay"
    }

    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let whole_chain = matches!(scope, BundleScope::All | BundleScope::Tender(_));
        let mut out = Vec::new();
        let mut committees: HashMap<String, Committee> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(body) = &e.body else { continue };
            let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            let id = s("committee");
            match e.leaf.event_type.as_str() {
                "committee_formed" => {
                    let c = committees.entry(id).or_default();
                    for m in body["members"].as_array().into_iter().flatten() {
                        let (member, person) = (
                            m["member"].as_str().unwrap_or_default().to_string(),
                            m["person"].as_str().unwrap_or_default().to_string(),
                        );
                        c.active.insert(member.clone());
                        c.persons.insert(member, person);
                    }
                }
                "committee_member_joined" => {
                    let c = committees.entry(id).or_default();
                    c.active.insert(s("member"));
                    c.persons.insert(s("member"), s("person"));
                }
                "committee_member_left" => {
                    let c = committees.entry(id).or_default();
                    c.active.remove(&s("member"));
                    c.left.insert(s("member"));
                }
                "evaluation_sheet_submitted" => {
                    let Some(c) = committees.get_mut(&id) else {
                        if whole_chain {
                            out.push(format!(
                                "entry {i}: a sheet for committee {id}, which was never formed"
                            ));
                        }
                        continue;
                    };
                    let member = s("member");
                    let Some(stage) = Stage::parse(&s("stage")) else {
                        out.push(format!(
                            "entry {i}: committee {id}: a sheet of {member} names no stage ({:?})",
                            s("stage")
                        ));
                        continue;
                    };
                    if !c.active.contains(&member) {
                        out.push(format!(
                            "entry {i}: committee {id}: {member} is not an active member and \
                             submits a {stage} sheet"
                        ));
                    }
                    let person = c.persons.get(&member).cloned().unwrap_or_default();
                    if person != s("person") || e.leaf.actor_id != person {
                        out.push(format!(
                            "entry {i}: committee {id}: the {stage} sheet of {member} is not \
                             submitted by its member"
                        ));
                    }
                    if stage != Stage::Preliminary && !c.preliminary_revealed {
                        out.push(format!(
                            "entry {i}: committee {id}: a {stage} sheet of {member} before 初步评审 \
                             is revealed"
                        ));
                    }
                    let key = (member.clone(), stage);
                    if c.committed.insert(key, s("commitment")).is_some() {
                        out.push(format!(
                            "entry {i}: committee {id}: a second {stage} sheet of {member}"
                        ));
                    }
                }
                "evaluation_sheets_revealed" => {
                    let Some(c) = committees.get_mut(&id) else {
                        continue;
                    };
                    let Some(stage) = Stage::parse(&s("stage")) else {
                        out.push(format!(
                            "entry {i}: committee {id}: sheets revealed for no stage ({:?})",
                            s("stage")
                        ));
                        continue;
                    };
                    c.preliminary_revealed |= stage == Stage::Preliminary;
                    let c = &*c;
                    let tender = e.leaf.tender_id.clone().unwrap_or_default();
                    let section = e.leaf.section_id.clone().unwrap_or_default();
                    let mut revealed = BTreeSet::new();
                    for x in body["sheets"].as_array().into_iter().flatten() {
                        let member = x["member"].as_str().unwrap_or_default().to_string();
                        let of = Of {
                            committee: &id,
                            tender: &tender,
                            section: &section,
                            stage,
                        };
                        if let Some(problem) = revealed_problem(c, &of, x) {
                            out.push(format!("entry {i}: committee {id}: {problem}"));
                        }
                        revealed.insert(member);
                    }
                    if let Some(missing) = c.active.iter().find(|m| !revealed.contains(*m)) {
                        if whole_chain {
                            out.push(format!(
                                "entry {i}: committee {id}: the {stage} sheets are revealed \
                                 without the sheet of active member {missing}"
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

struct Of<'a> {
    committee: &'a str,
    tender: &'a str,
    section: &'a str,
    stage: Stage,
}

/// What is wrong with one revealed sheet, if anything.
fn revealed_problem(c: &Committee, of: &Of<'_>, x: &serde_json::Value) -> Option<String> {
    let s = |k: &str| x[k].as_str().unwrap_or_default();
    let (member, stage) = (s("member").to_string(), of.stage);
    if c.left.contains(&member) {
        return Some(format!(
            "the {stage} sheet of {member}, who left, is revealed as counting"
        ));
    }
    let person = c.persons.get(&member).map_or("", String::as_str);
    if person != s("person") {
        return Some(format!(
            "the {stage} sheet of {member} names another person"
        ));
    }
    let Some(committed) = c.committed.get(&(member.clone(), stage)) else {
        return Some(format!(
            "the {stage} sheet of {member} is revealed but was never submitted"
        ));
    };
    let body: Sheet = match serde_json::from_value(x["body"].clone()) {
        Ok(b) => b,
        Err(e) => return Some(format!("the {stage} sheet of {member} is unreadable: {e}")),
    };
    if body.stage() != stage {
        return Some(format!("the sheet of {member} is not a {stage} sheet"));
    }
    let at = SheetOf {
        committee: of.committee,
        tender: of.tender,
        section: of.section,
        member: person,
    };
    let statement = match sheet::statement(&at, &body) {
        Ok(st) => st,
        Err(e) => {
            return Some(format!(
                "the {stage} sheet of {member} cannot be stated: {e}"
            ))
        }
    };
    let digest = hex::encode(sheet::commitment(&statement));
    if digest != *committed || digest != s("commitment") {
        return Some(format!(
            "the {stage} sheet of {member} does not match the commitment it submitted"
        ));
    }
    let unsigned = || {
        Some(format!(
            "the {stage} sheet of {member} carries no usable signature"
        ))
    };
    let Ok(cert) = B64.decode(s("certificate")) else {
        return unsigned();
    };
    let meta = match crate::crypto::x509::CertMeta::parse(&cert) {
        Ok(m) => m,
        Err(e) => return Some(format!("the certificate of {member} is unreadable: {e}")),
    };
    let (Some(alg), Ok(sig)) = (
        crate::crypto::keys::SignatureAlgorithm::parse(s("signature_algorithm")),
        B64.decode(s("signature")),
    ) else {
        return unsigned();
    };
    crate::crypto::keys::verify_signature(&meta.spki_der, alg, &statement, &sig)
        .err()
        .map(|e| format!("the {stage} sheet of {member}: the signature does not verify: {e}"))
}
