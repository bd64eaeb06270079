//! Submit a complete upload: the bid exists from this commit, judged on time by the server clock
//! inside the same transaction. Returns the receipt with its audit proof.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event as AuditEvent;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::to_db;
use crate::domain::bidding::BidState;
use crate::domain::bidding::UploadState;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::seal;
use crate::seal::Manifest;
use crate::wire::bids::ReceiptKind;
use crate::wire::bids::*;
use serde_json::json;

/// Submit a complete upload: the bid exists from this commit, judged on time by the server
/// clock inside the same transaction. Returns the receipt with its audit proof.
pub async fn submit(
    ctx: &AppContext,
    actor: &Actor,
    upload_id: &str,
    from: Option<std::net::IpAddr>,
) -> AppResult<Receipt> {
    let (a, id, clock, storage) = (
        actor.clone(),
        upload_id.to_string(),
        ctx.clock.clone(),
        ctx.storage.clone(),
    );
    let independence = ctx.settings.tenders.custodian_independence;
    let bid_id = ctx
        .db
        .write(move |c| {
            let mut u = own_upload(c, &a, &id)?;
            if u.state()? != UploadState::Open {
                return Err(AppError::new(
                    ErrorCode::UploadClosed,
                    format!("the upload is {}", u.state),
                ));
            }
            let row = trepo::lock_tender(c, &u.tender_id)?
                .ok_or_else(|| internal(anyhow::anyhow!("upload of a missing tender")))?;
            // The time that decides "on time" is read here, with the tender locked in this
            // transaction, never before waiting for the write connection.
            let now = clock.now();
            check_accepting(&row, now)?;
            // Again here: staff may have been attached since the upload opened.
            crate::app::support::keys::refuse_custodian_employer(
                c,
                independence,
                &u.tender_id,
                &u.section_code,
                &u.organisation_id,
            )?;
            require_not_party(&row, &u.organisation_id)?;
            crate::app::support::bans::refuse_banned(c, &u.organisation_id, now)?;
            let parts = repo::upload_parts(c, &u.id)?;
            if let Some(p) = parts.iter().find(|p| !p.complete) {
                return Err(AppError::new(
                    ErrorCode::UploadIncomplete,
                    format!(
                        "part {} has {} of {} bytes",
                        p.part_index, p.received, p.ciphertext_len
                    ),
                ));
            }
            // A replacement made meanwhile (another session of the same bidder) wins.
            let next = repo::max_version(c, &u.tender_id, &u.section_code, &u.organisation_id)? + 1;
            if u.bid_version != next {
                return Err(AppError::new(
                    ErrorCode::BidVersionMismatch,
                    format!(
                        "version {} was taken meanwhile; seal the bid again as version {next}",
                        u.bid_version
                    ),
                ));
            }
            let draft = published_draft(c, &row)?;
            let sec = draft
                .sections
                .iter()
                .find(|s| s.code == u.section_code)
                .cloned()
                .ok_or_else(|| internal(anyhow::anyhow!("section vanished")))?;
            bonds_cover(c, &sec, &u.tender_id, &u.organisation_id)?;
            let manifest: Manifest = parse_json(&u.manifest, "manifest")?;
            check_reuse_with_earlier(
                c,
                &u.tender_id,
                &u.section_code,
                &u.organisation_id,
                &manifest,
            )?;
            let previous = current_bid(c, &u.tender_id, &u.section_code, &u.organisation_id)?;
            let bid_id = uuid::Uuid::now_v7().to_string();
            let mut bid_parts = Vec::with_capacity(parts.len());
            for p in &parts {
                let mp = manifest
                    .part(p.part_index as u32)
                    .ok_or_else(|| internal(anyhow::anyhow!("manifest part missing")))?;
                let key = storage
                    .promote(&u.id, p.part_index as u32, &p.ciphertext_sha256)
                    .map_err(|e| internal(anyhow::anyhow!("store part: {e}")))?;
                bid_parts.push(repo::BidPartRow {
                    bid_id: bid_id.clone(),
                    part_index: p.part_index,
                    kind: match mp.kind {
                        seal::PartKind::Summary => "summary".into(),
                        seal::PartKind::Document => "document".into(),
                    },
                    name: p.name.clone(),
                    ciphertext_len: p.ciphertext_len,
                    ciphertext_sha256: p.ciphertext_sha256.clone(),
                    storage_key: key,
                    plaintext_sha256: None,
                    opened_key: None,
                });
            }
            let org = idrepo::find_organisation(c, &u.organisation_id)?
                .ok_or_else(|| internal(anyhow::anyhow!("organisation vanished")))?;
            let parts_json = bid_parts.iter().map(part_json).collect::<Vec<_>>();
            let body = json!({
                "bid": bid_id, "tender": u.tender_id, "section": u.section_code,
                "organisation": u.organisation_id, "bidder_uscc": org.uscc,
                "version": u.bid_version, "manifest_sha256": u.manifest_sha256,
                "certificate_serial": u.certificate_serial, "received_at": now,
                "supersedes": previous.as_ref().map(|b| b.id.clone()), "parts": parts_json,
            });
            let event_id = audit::record(
                c,
                now,
                AuditEvent {
                    event_type: EventType::BidSubmitted,
                    tender_id: None,
                    section_id: None,
                    actor: a.audit_as(crate::domain::identity::Role::Bidder),
                    subject: bid_id.clone(),
                    body,
                },
            )?;
            if let Some(mut prev) = previous.clone() {
                prev.state = BidState::Superseded.as_str().into();
                prev.closed_at = Some(to_db(now));
                repo::update_bid(c, &prev)?;
            }
            let bid = repo::BidRow {
                id: bid_id.clone(),
                tender_id: u.tender_id.clone(),
                section_code: u.section_code.clone(),
                organisation_id: u.organisation_id.clone(),
                bidder_uscc: org.uscc.clone(),
                version: u.bid_version,
                state: BidState::Submitted.as_str().into(),
                manifest: u.manifest.clone(),
                manifest_sha256: u.manifest_sha256.clone(),
                certificate: u.certificate.clone(),
                certificate_serial: u.certificate_serial.clone(),
                signature_algorithm: u.signature_algorithm.clone(),
                tender_version: row.version,
                confirmed_tender_version: row.version,
                received_at: to_db(now),
                receipt_event_id: event_id,
                supersedes: previous.map(|b| b.id),
                closed_at: None,
                summary: None,
            };
            repo::insert_bid(c, &bid, &bid_parts)?;
            u.set_state(UploadState::Submitted);
            u.updated_at = to_db(now);
            if let Some(a) = from.map(|a| a.to_string()) {
                if !u.addresses.contains(&a) {
                    u.addresses.push(a);
                }
            }
            repo::update_upload(c, &u)?;
            Ok(bid_id)
        })
        .await?;
    ctx.storage.remove_staging(upload_id);
    ctx.uploads.forget(upload_id);
    receipt_for(ctx, actor, &bid_id, ReceiptKind::Submission, None).await
}

/// A stored part as the submission's audit body lists it.
fn part_json(p: &repo::BidPartRow) -> serde_json::Value {
    json!({"index": p.part_index, "ciphertext_len": p.ciphertext_len,
        "ciphertext_sha256": p.ciphertext_sha256})
}
