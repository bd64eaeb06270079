//! Remedy custodians of a section (docs/SEALED-BIDS.md §6, docs/BIDDING.md §1): published with
//! the tender as public keys only, and shown with it so bidders can split their remedy keys
//! among them. No secret is generated on the server: each bidder's tool draws its own remedy
//! key and wraps its shares to these keys.

use crate::app::support::errors::*;
use crate::config::CustodianIndependence;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::to_db;
use crate::db::types::unsigned;
use crate::db::AnyConnection;
use crate::domain::tender::TenderDraft;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::error::FieldError;
use crate::seal::RemedyPolicy;
use crate::seal::X25519PublicKey;
use crate::wire::bids::*;
use chrono::DateTime;
use chrono::Utc;
use std::collections::HashMap;

pub fn parse_public_key(field: &str, hex_key: &str) -> AppResult<X25519PublicKey> {
    let bytes = hex::decode(hex_key.trim()).ok().filter(|b| b.len() == 32);
    let Some(b) = bytes else {
        return Err(AppError::field(
            field,
            "invalid_key",
            "must be 32 bytes of lower-case hex (an X25519 public key)",
        ));
    };
    let mut k = [0u8; 32];
    k.copy_from_slice(&b);
    Ok(X25519PublicKey(k))
}

/// Refusals for custodians without an envelope key, as rule violations of the draft.
pub fn missing_envelope_keys(
    c: &mut AnyConnection,
    draft: &TenderDraft,
) -> AppResult<Vec<FieldError>> {
    let mut out = Vec::new();
    for (i, pid) in draft.custodians.person_ids.iter().enumerate() {
        if repo::envelope_key(c, pid)?.is_none() {
            out.push(FieldError {
                field: format!("custodians.person_ids[{i}]"),
                code: "custodian_envelope_key_missing".into(),
                message: format!("{pid} has not registered an envelope key"),
            });
        }
    }
    Ok(out)
}

/// Refusals for custodians who are staff of the tender's tenderer or agent (under
/// `tenders.custodian_independence = "strict"`): whoever a custodian works for could otherwise
/// make up, with the tenderer's side, a quorum that opens bids early.
pub fn dependent_custodians(
    c: &mut AnyConnection,
    rule: CustodianIndependence,
    tender: &trepo::TenderRow,
    draft: &TenderDraft,
) -> AppResult<Vec<FieldError>> {
    if rule == CustodianIndependence::Off {
        return Ok(Vec::new());
    }
    let parties: Vec<&str> = std::iter::once(tender.tenderer_id.as_str())
        .chain(tender.agent_id.as_deref())
        .collect();
    let mut out = Vec::new();
    for (i, pid) in draft.custodians.person_ids.iter().enumerate() {
        let org = idrepo::find_person(c, pid)?.and_then(|p| p.organisation_id);
        if let Some(org) = org.filter(|o| parties.contains(&o.as_str())) {
            out.push(FieldError {
                field: format!("custodians.person_ids[{i}]"),
                code: "custodian_not_independent".into(),
                message: format!("{pid} is staff of {org}, a party of this tender"),
            });
        }
    }
    Ok(out)
}

/// At submission (under `"strict"`): an organisation whose staff includes a custodian of the
/// tender may not bid on it, because its custodian would hold a share of every rival's bid.
pub fn refuse_custodian_employer(
    c: &mut AnyConnection,
    rule: CustodianIndependence,
    tender: &str,
    section: &str,
    organisation: &str,
) -> AppResult<()> {
    if rule == CustodianIndependence::Off {
        return Ok(());
    }
    if let Some(custodian) = repo::custodian_on_staff_of(c, tender, section, organisation)? {
        return Err(AppError::new(
            ErrorCode::CustodianConflict,
            format!(
                "{custodian} holds a remedy share of this tender and is your staff: you cannot bid"
            ),
        ));
    }
    Ok(())
}

/// At publication: each section records its custodians' registered envelope public keys and
/// the threshold (share i to `custodians.person_ids[i-1]`). Nothing secret is generated or
/// stored. Returns what the publication event logs.
pub fn publish_custodians(
    c: &mut AnyConnection,
    tender: &trepo::TenderRow,
    draft: &TenderDraft,
    now: DateTime<Utc>,
) -> AppResult<Vec<SectionRemedy>> {
    let ids = &draft.custodians.person_ids;
    let mut keys = Vec::with_capacity(ids.len());
    for pid in ids {
        let row = repo::envelope_key(c, pid)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::RuleViolation,
                format!("custodian {pid} has no envelope key"),
            )
        })?;
        keys.push(stored_public_key(&row.public_key)?);
    }
    let policy = RemedyPolicy {
        threshold: draft.custodians.threshold,
        custodians: keys,
    };
    // Same rule the bidder's tool applies; checked here so no tender is published that no bid
    // could be sealed for.
    policy.validate().map_err(|e| {
        let mut err = AppError::validation(vec![FieldError {
            field: "custodians".into(),
            code: "custodian_keys_unusable".into(),
            message: e.to_string(),
        }]);
        err.code = ErrorCode::RuleViolation;
        err
    })?;
    let n = i32::try_from(ids.len()).map_err(internal)?;
    let mut rows = Vec::new();
    for section in &draft.sections {
        for (i, (pid, key)) in ids.iter().zip(&policy.custodians).enumerate() {
            let row = repo::RemedyCustodianRow {
                tender_id: tender.id.clone(),
                section_code: section.code.clone(),
                share_index: i32::try_from(i + 1).map_err(internal)?,
                custodian_id: pid.clone(),
                public_key: hex::encode(key.0),
                threshold: i32::from(policy.threshold),
                total: n,
                created_at: to_db(now),
            };
            repo::insert_remedy_custodian(c, &row)?;
            rows.push(row);
        }
    }
    Ok(group(&rows)?.remove(&tender.id).unwrap_or_default())
}

/// A public key as stored (hex): anything else is a corrupt row, not the caller's fault.
pub fn stored_public_key(hex_key: &str) -> AppResult<X25519PublicKey> {
    parse_public_key("stored key", hex_key)
        .map_err(|_| AppError::internal(anyhow::anyhow!("corrupt stored key {hex_key:?}")))
}

/// Rows (ordered by tender, section, share index) → per tender, one entry per section.
fn group(rows: &[repo::RemedyCustodianRow]) -> AppResult<HashMap<String, Vec<SectionRemedy>>> {
    let mut out: HashMap<String, Vec<SectionRemedy>> = HashMap::new();
    for r in rows {
        let sections = out.entry(r.tender_id.clone()).or_default();
        if sections.last().is_none_or(|s| s.section != r.section_code) {
            sections.push(SectionRemedy {
                section: r.section_code.clone(),
                threshold: unsigned(r.threshold),
                custodians: Vec::new(),
            });
        }
        if let Some(s) = sections.last_mut() {
            s.custodians.push(RemedyCustodian {
                share_index: unsigned(r.share_index),
                person_id: r.custodian_id.clone(),
                public_key: stored_public_key(&r.public_key)?,
            });
        }
    }
    Ok(out)
}

/// Every section's remedy custodians of a tender.
pub fn section_remedies(c: &mut AnyConnection, tender_id: &str) -> AppResult<Vec<SectionRemedy>> {
    let rows = repo::remedy_custodians_of_all(c, &[tender_id.to_string()])?;
    Ok(group(&rows)?.remove(tender_id).unwrap_or_default())
}

/// The same for a list page's tenders, in one query.
pub fn section_remedies_of_all(
    c: &mut AnyConnection,
    tenders: &[String],
) -> AppResult<HashMap<String, Vec<SectionRemedy>>> {
    group(&repo::remedy_custodians_of_all(c, tenders)?)
}

/// The policy a section's bids are sealed to and checked against.
pub fn remedy_policy(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<RemedyPolicy> {
    let rows = repo::remedy_custodians_of(c, tender, section)?;
    let first = rows
        .first()
        .ok_or_else(|| internal(anyhow::anyhow!("published section without custodians")))?;
    Ok(RemedyPolicy {
        threshold: u8::try_from(first.threshold).map_err(internal)?,
        custodians: rows
            .iter()
            .map(|r| stored_public_key(&r.public_key))
            .collect::<AppResult<_>>()?,
    })
}
