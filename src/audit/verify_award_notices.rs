//! The award notices' process rules for the offline verifier (docs/AWARD.md "Notices"),
//! replayed from the tender's chain alone.

use std::collections::HashMap;

use base64::Engine;
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::crypto::x509::{extract_identity, CertMeta, IdentityExtraction};
use crate::domain::award_notices::notice_statement;
use crate::domain::evaluation::candidates::Candidates;
use crate::domain::evaluation::report::Document;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Every `award_notices_issued` stands as the chain tells it:
///
/// * **not early**: under 评定分离 not before the end of the result's publicity — the latest
///   `publicity_until` any earlier event of the section logged (and the one the notices state),
///   with no objection open; traditionally not before the award (`decided_at` logged, at or
///   before the notices);
/// * **the winner is a candidate** of the 评标报告 the award rests on: a report of the section
///   generated and completed earlier in the chain with the digest the notices name, whose
///   derivation lists the winner among its candidates (and the candidates the notices state);
///   and it is the winner any earlier event of the section named last (an
///   `award_winner_dropped_out` names its `next_winner`, or nobody);
/// * **signed by the tenderer**: each notice's signature verifies, with the organisation
///   certificate logged, over `etender-award-notice/v1` ‖ its digest; the certificate carries the
///   signer's USCC; the signer is the tenderer or agent the notices name, one of whom signed the
///   tender's published notice (`tender_published`).
pub struct AwardNoticesReplay;

#[derive(Default)]
struct Section {
    publicity_until: Option<DateTime<Utc>>,
    winner: Option<String>,
}

impl Rule for AwardNoticesReplay {
    fn name(&self) -> &'static str {
        "award notices replay"
    }

    fn check(&self, _scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let mut out = Vec::new();
        // report digest → candidates (generated), and whether completed.
        let mut reports: HashMap<String, (Vec<String>, bool)> = HashMap::new();
        let mut sections: HashMap<(String, String), Section> = HashMap::new();
        // tender → organisations that signed its published notice.
        let mut publishers: HashMap<String, Vec<String>> = HashMap::new();
        for e in entries {
            let Some(body) = &e.body else { continue };
            let tender = e.leaf.tender_id.clone().unwrap_or_default();
            let section = e.leaf.section_id.clone().unwrap_or_default();
            match e.leaf.event_type.as_str() {
                "tender_published" | "tender_amended" => {
                    if let Some(s) = body["signer"].as_str() {
                        publishers.entry(tender).or_default().push(s.to_string());
                    }
                }
                "evaluation_report_generated" => {
                    let digest = body["digest"].as_str().unwrap_or_default().to_string();
                    let candidates = serde_json::from_value::<Document>(body["document"].clone())
                        .map(|d| match d.derivation.candidates {
                            Candidates::Ranked { bids } | Candidates::Unranked { bids } => bids,
                            Candidates::SectionFails { .. } => Vec::new(),
                        })
                        .unwrap_or_default();
                    reports.insert(digest, (candidates, false));
                }
                "evaluation_report_completed" => {
                    if let Some(r) = reports.get_mut(body["digest"].as_str().unwrap_or_default()) {
                        r.1 = true;
                    }
                }
                "award_notices_issued" => {
                    let at = parse_time(&e.leaf.occurred_at);
                    let s = sections.entry((tender.clone(), section)).or_default();
                    let signed_tender = publishers.get(&tender).cloned().unwrap_or_default();
                    for p in notices_problems(body, at, s, &reports, &signed_tender) {
                        out.push(format!("entry {}: {p}", e.leaf.index));
                    }
                }
                _ if !section.is_empty() => {
                    let s = sections.entry((tender, section)).or_default();
                    if let Some(until) = body["publicity_until"].as_str() {
                        s.publicity_until = Some(parse_time(until).trunc_subsecs(6));
                    }
                    if e.leaf.event_type == "award_winner_dropped_out" {
                        // The winner named now is the next in rank, or nobody.
                        s.winner = body["next_winner"].as_str().map(str::to_string);
                    } else if let Some(w) = body["winner"].as_str() {
                        s.winner = Some(w.to_string());
                    }
                }
                _ => {}
            }
        }
        out
    }
}

fn notices_problems(
    body: &Value,
    at: DateTime<Utc>,
    s: &Section,
    reports: &HashMap<String, (Vec<String>, bool)>,
    publishers: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    let text = |k: &str| body[k].as_str().unwrap_or_default().to_string();
    let winner = text("winner");
    if text("mode") == "separated" {
        // The log keeps microseconds: an end stated finer is compared at that resolution.
        let stated = body["publicity_until"]
            .as_str()
            .map(|t| parse_time(t).trunc_subsecs(6));
        match (s.publicity_until, stated) {
            (None, None) => out.push("notices under 评定分离 without a publicity".to_string()),
            (chain, stated) => {
                let until = chain.max(stated).unwrap_or(DateTime::<Utc>::MAX_UTC);
                if at < until {
                    out.push(format!(
                        "notices issued before the publicity ended ({until})"
                    ));
                }
                if chain.is_some() && stated.is_some() && chain != stated {
                    out.push("the notices state another end of publicity".to_string());
                }
            }
        }
    } else {
        match body["decided_at"]
            .as_str()
            .map(|t| parse_time(t).trunc_subsecs(6))
        {
            Some(d) if d <= at => {}
            _ => out.push("notices issued before the tenderer's award".to_string()),
        }
    }
    if body["open_objections"].as_i64().unwrap_or(0) != 0 {
        out.push("notices issued with an objection open".to_string());
    }
    match reports.get(&text("report_digest")) {
        None => out.push("the award rests on a report the chain does not hold".to_string()),
        Some((_, false)) => out.push("the award rests on a report not completed".to_string()),
        Some((candidates, true)) => {
            if !candidates.contains(&winner) {
                out.push(format!(
                    "the winner {winner} is not one of the report's candidates"
                ));
            }
            let stated: Vec<String> =
                serde_json::from_value(body["candidates"].clone()).unwrap_or_default();
            if &stated != candidates {
                out.push("the notices state other candidates than the report's".to_string());
            }
        }
    }
    if let Some(w) = &s.winner {
        if *w != winner {
            out.push(format!("the notices name {winner}, the award named {w}"));
        }
    }
    out.extend(signature_problems(body, publishers));
    out
}

/// Each notice's signature verifies with the logged organisation certificate, whose USCC is the
/// signer's; the signer is the tenderer or agent the notices name, one of whom signed the
/// tender's notice.
fn signature_problems(body: &Value, publishers: &[String]) -> Vec<String> {
    let text = |k: &str| body[k].as_str().unwrap_or_default();
    let signer = text("signer");
    let parties: Vec<&str> = [text("tenderer"), text("agent")]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    if !parties.iter().any(|p| publishers.iter().any(|q| q == p)) {
        return vec![
            "the notices name a tenderer and agent who did not sign the tender's \
            notice"
                .to_string(),
        ];
    }
    if !parties.contains(&signer) {
        return vec![format!(
            "the notices are signed by {signer}, neither the tenderer nor its agent"
        )];
    }
    let Ok(der) = B64.decode(text("certificate")) else {
        return vec!["the signer's certificate is not base64".to_string()];
    };
    let meta = match CertMeta::parse(&der) {
        Ok(m) => m,
        Err(e) => return vec![format!("the signer's certificate is unreadable: {e}")],
    };
    let uscc = extract_identity(&der, &IdentityExtraction::default())
        .ok()
        .and_then(|i| i.uscc);
    let mut out = Vec::new();
    if uscc.as_deref() != Some(text("signer_uscc")) || text("signer_uscc").is_empty() {
        out.push("the certificate is not the signer organisation's".to_string());
    }
    let Some(alg) = crate::crypto::keys::SignatureAlgorithm::parse(text("signature_algorithm"))
    else {
        out.push("unknown signature algorithm".to_string());
        return out;
    };
    let notices = body["notices"].as_array().cloned().unwrap_or_default();
    if notices.is_empty() {
        out.push("no notices".to_string());
    }
    for n in notices {
        let digest: Option<[u8; 32]> = n["digest"]
            .as_str()
            .and_then(|d| hex::decode(d).ok())
            .and_then(|b| b.try_into().ok());
        let sig = n["signature"].as_str().and_then(|s| B64.decode(s).ok());
        let ok = match (digest, sig) {
            (Some(d), Some(sig)) => crate::crypto::keys::verify_signature(
                &meta.spki_der,
                alg,
                &notice_statement(&d),
                &sig,
            )
            .is_ok(),
            _ => false,
        };
        if !ok {
            out.push(format!(
                "the signature of the notice to bid {} does not verify",
                n["bid"].as_str().unwrap_or_default()
            ));
        }
    }
    out
}

fn parse_time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
