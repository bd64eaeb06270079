//! 串标围标 signals of a section, computed in the transaction that publishes its opening record
//! (docs/EVALUATION.md §9): every bid is settled then, and nothing about them changes after.
//! One `BidFacts` per opened bid from what the platform holds — the opened summary (price,
//! project manager), each document's plaintext digest checked at the opening, the summary's
//! preparation record (device fingerprint, documents' metadata; `repo::collusion`), the
//! addresses its upload was opened and submitted from, the accounts its cash bonds were paid
//! from — then the pure `domain::collusion::signals`. The part keys are not needed: everything
//! here was read while the bids were opened. The tender's own documents are public files, so
//! their digests never count as shared content.
//!
//! Stored per section (`collusion_runs`, `collusion_signals`) with one audit entry
//! `collusion_signals_computed` naming the count and the SHA-256 of the signals' canonical JSON
//! (not the signals: the committee and regulators read them, `evaluation::collusion_signals`).

use super::*;
use crate::db::repo::collusion as crepo;
use crate::domain::bidding::BondKind;
use crate::domain::bidding::UploadState;
use crate::domain::collusion::{self, BidFacts, DocumentMeta, Person};
use crate::domain::money::Money;
use std::collections::HashMap;
use std::net::IpAddr;

/// Computes and stores the section's signals; `bids` are the ceremony's bids (only opened ones
/// are compared).
pub(super) fn compute(
    c: &mut AnyConnection,
    settings: &collusion::Settings,
    tender: &str,
    section: &str,
    bids: &[repo::BidRow],
    now: DateTime<Utc>,
) -> AppResult<()> {
    if crepo::find_run(c, tender, section)?.is_some() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let opened: Vec<&repo::BidRow> = bids
        .iter()
        .filter(|b| b.state().is_ok_and(|s| s == BidState::Opened))
        .collect();
    let mut settings = settings.clone();
    for d in trepo::documents(c, tender)? {
        settings
            .public_digests
            .insert(d.sha256.to_ascii_lowercase());
    }
    let ids: Vec<String> = opened.iter().map(|b| b.id.clone()).collect();
    let mut preparations: HashMap<String, seal::Preparation> =
        crepo::preparations_of(c, &ids)?.into_iter().collect();
    let mut facts = Vec::with_capacity(opened.len());
    for b in opened {
        facts.push(facts_of(c, b, preparations.remove(&b.id))?);
    }
    let signals = collusion::signals(&facts, &settings);
    let canonical = audit::canonical_json(&serde_json::to_value(&signals).map_err(internal)?);
    let digest = hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        canonical.as_bytes(),
    ));
    let rows = signals
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(crepo::SignalRow {
                tender_id: tender.to_string(),
                section_code: section.to_string(),
                seq: i32::try_from(i).map_err(internal)?,
                kind: s.kind.as_str().into(),
                strength: s.strength.as_str().into(),
                members: serde_json::to_string(&s.bids).map_err(internal)?,
                evidence: s.evidence.clone(),
                basis: s.basis.clone(),
                computed_at: to_db(now),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let run = crepo::RunRow {
        tender_id: tender.to_string(),
        section_code: section.to_string(),
        bids: i32::try_from(facts.len()).map_err(internal)?,
        signals: i32::try_from(rows.len()).map_err(internal)?,
        digest: digest.clone(),
        computed_at: to_db(now),
        duration_ms: 0,
    };
    crepo::insert_run(c, &run, &rows)?;
    // Measured to the last row written; kept for operators and `make bench`.
    let ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    crepo::set_duration(c, tender, section, ms)?;
    let strong = signals
        .iter()
        .filter(|s| s.strength == collusion::Strength::Strong)
        .count();
    audit::record(
        c,
        now,
        AuditEvent {
            event_type: EventType::CollusionSignalsComputed,
            tender_id: Some(tender.to_string()),
            section_id: Some(section.to_string()),
            actor: ActorRef::system(),
            subject: format!("{tender}/{section}"),
            body: json!({"tender": tender, "section": section, "bids": facts.len(),
                "signals": signals.len(), "strong": strong, "signals_sha256": digest}),
        },
    )?;
    Ok(())
}

/// What the platform holds about one opened bid.
fn facts_of(
    c: &mut AnyConnection,
    b: &repo::BidRow,
    preparation: Option<seal::Preparation>,
) -> AppResult<BidFacts> {
    let summary: Value = match &b.summary {
        Some(s) => parse_json(s, "opened summary")?,
        None => Value::Null,
    };
    let price = serde_json::from_value::<Money>(summary["price"].clone())
        .ok()
        .map(|m| m.amount());
    let project_manager = summary["project_manager"]
        .as_str()
        .filter(|n| !n.trim().is_empty())
        .map(|n| Person {
            name: n.to_string(),
            id: None,
        });
    let document_digests = repo::bid_parts(c, &b.id)?
        .into_iter()
        .filter_map(|p| p.plaintext_sha256)
        .collect();
    let (device, documents) = match preparation {
        Some(p) => (
            p.device.map(|d| collusion::Device {
                mac: d.mac,
                cpu: d.cpu,
                disk: d.disk,
                board: d.board,
                pricing_dongle: d.pricing_dongle,
            }),
            p.documents.into_iter().map(document_meta).collect(),
        ),
        None => (None, Vec::new()),
    };
    let (t, s, org) = (&b.tender_id, &b.section_code, &b.organisation_id);
    let bond_accounts = repo::bonds_of(c, t, s, org)?
        .into_iter()
        .filter(|bond| bond.kind().is_ok_and(|k| k == BondKind::Cash))
        .filter_map(|bond| bond.payer_account)
        .collect();
    let mut upload_addresses: Vec<IpAddr> = Vec::new();
    for u in repo::uploads_of(c, t, s, org, UploadState::Submitted)? {
        if u.manifest_sha256 != b.manifest_sha256 {
            continue;
        }
        for a in u.addresses.iter().filter_map(|a| a.parse::<IpAddr>().ok()) {
            if !upload_addresses.contains(&a) {
                upload_addresses.push(a);
            }
        }
    }
    Ok(BidFacts {
        bid: b.id.clone(),
        bidder: b.organisation_id.clone(),
        price,
        document_digests,
        documents,
        device,
        upload_addresses,
        bond_accounts,
        project_manager,
    })
}

fn document_meta(d: seal::DocumentMetadata) -> DocumentMeta {
    DocumentMeta {
        author: d.author,
        creator: d.creator,
        created: d.created,
        modified: d.modified,
        last_modified_by: d.last_modified_by,
        company: d.company,
    }
}
