//! The complaint rules for the offline verifier (docs/SUPERVISION.md §5), replayed from the
//! tender's chain alone: each complaint's steps follow `domain::complaint::advance` from its
//! filing, the department's steps are a regulator's, a withdrawal is the complainant's own, and
//! the complaint's and the decision's signatures verify with the certificates the entries carry.

use std::collections::HashMap;

use base64::Engine;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::complaint::{
    advance, content_digest, decision_statement, statement, Event, Outcome, State, Subject,
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub struct ComplaintsReplay;

struct Filed {
    state: State,
    complainant: String,
}

fn event_of(kind: &str) -> Option<Event> {
    Some(match kind {
        "complaint_accepted" => Event::Accept,
        "complaint_refused" => Event::Refuse,
        "complaint_paused" => Event::Pause,
        "complaint_resumed" => Event::Resume,
        "complaint_decided" => Event::Decide,
        "complaint_withdrawn" => Event::Withdraw,
        _ => return None,
    })
}

/// Whether the signature in `body` verifies over `msg` with the certificate it carries.
fn signature_problem(body: &serde_json::Value, msg: &[u8], what: &str) -> Option<String> {
    let s = |k: &str| body[k].as_str().unwrap_or_default();
    let Ok(cert) = B64.decode(s("certificate")) else {
        return Some(format!("the {what}'s certificate is not base64"));
    };
    let meta = match crate::crypto::x509::CertMeta::parse(&cert) {
        Ok(m) => m,
        Err(e) => return Some(format!("the {what}'s certificate is unreadable: {e}")),
    };
    let Some(alg) = crate::crypto::keys::SignatureAlgorithm::parse(s("signature_algorithm")) else {
        return Some(format!("the {what}'s signature algorithm is unknown"));
    };
    let Ok(sig) = B64.decode(s("signature")) else {
        return Some(format!("the {what}'s signature is not base64"));
    };
    crate::crypto::keys::verify_signature(&meta.spki_der, alg, msg, &sig)
        .err()
        .map(|e| format!("the {what}'s signature does not verify: {e}"))
}

impl Rule for ComplaintsReplay {
    fn name(&self) -> &'static str {
        "complaints: steps in the law's order, by the department, signed filing and decision"
    }

    fn check(&self, _: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let mut out = Vec::new();
        let mut complaints: HashMap<String, Filed> = HashMap::new();
        for e in entries {
            let kind = e.leaf.event_type.as_str();
            if !kind.starts_with("complaint_") {
                continue;
            }
            let (Some(tender), Some(body)) = (e.leaf.tender_id.as_deref(), e.body.as_ref()) else {
                continue;
            };
            let id = body["complaint"].as_str().unwrap_or_default().to_string();
            let here = format!("entry {} ({kind}, complaint {id})", e.leaf.index);
            if kind == "complaint_filed" {
                if complaints.contains_key(&id) {
                    out.push(format!("{here}: filed twice"));
                    continue;
                }
                let s = |k: &str| body[k].as_str();
                match Subject::parse(s("subject").unwrap_or_default()) {
                    Some(subject) => {
                        let msg = statement(
                            tender,
                            s("section"),
                            subject,
                            s("objection"),
                            s("complainant_uscc").unwrap_or_default(),
                            s("text_sha256").unwrap_or_default(),
                        );
                        if let Some(p) = signature_problem(body, &msg, "complaint") {
                            out.push(format!("{here}: {p}"));
                        }
                        if subject.needs_prior_objection() && s("objection").is_none() {
                            out.push(format!("{here}: no prior objection (条例60)"));
                        }
                    }
                    None => out.push(format!("{here}: an unknown subject")),
                }
                complaints.insert(
                    id,
                    Filed {
                        state: State::Filed,
                        complainant: e.leaf.actor_id.clone(),
                    },
                );
                continue;
            }
            let Some(event) = event_of(kind) else {
                continue;
            };
            let Some(c) = complaints.get_mut(&id) else {
                out.push(format!("{here}: a step on a complaint never filed"));
                continue;
            };
            match advance(c.state, event) {
                Some(next) => c.state = next,
                None => {
                    out.push(format!("{here}: not allowed from {}", c.state.as_str()));
                    continue;
                }
            }
            if event == Event::Withdraw {
                if e.leaf.actor_id != c.complainant {
                    out.push(format!("{here}: withdrawn by another than the complainant"));
                }
            } else if e.leaf.actor_role != "regulator" {
                out.push(format!(
                    "{here}: taken by {}, not the department",
                    e.leaf.actor_role
                ));
            }
            if event == Event::Decide {
                let s = |k: &str| body[k].as_str().unwrap_or_default();
                // The text published with the decision is the one the officer signed.
                if let Some(text) = body["text"].as_str() {
                    if content_digest(text) != s("text_sha256") {
                        out.push(format!(
                            "{here}: the decision text logged is not the one signed"
                        ));
                    }
                }
                match Outcome::parse_code(s("outcome")) {
                    Some(o) => {
                        let msg = decision_statement(&id, o, s("text_sha256"));
                        if let Some(p) = signature_problem(body, &msg, "decision") {
                            out.push(format!("{here}: {p}"));
                        }
                    }
                    None => out.push(format!("{here}: an unknown outcome")),
                }
            }
        }
        out
    }
}
