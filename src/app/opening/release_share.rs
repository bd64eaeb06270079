//! R2: a custodian releases its shares of the remedy keys of the bids still sealed, each signed.
//!
//! Every share is checked on its own against the commitment the bidder signed: one that
//! matches counts, one that does not is recorded as the custodian's fault. Either way a release
//! is final (`share_already_released` for a second one). A bid with t valid shares is opened at
//! once, and its released share values are forgotten whatever the outcome.

use super::*;
use crate::app::support::signing::require_person;
use crate::app::support::signing::verify_statement;
use crate::app::support::signing::Signing;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event as AuditEvent;
use crate::audit::EventType;
use crate::crypto::keys::SignatureAlgorithm;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::types::to_db;
use crate::domain::bidding::OpeningPhase;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::seal::statements;
use crate::wire::opening::*;
use base64::Engine;
use serde_json::json;

/// One share as released: the bid, the share index, its value and the signature over
/// `statements::share_release_payload`.
#[derive(Clone, Debug)]
pub struct ReleasedShare {
    pub bid_id: String,
    pub share_index: u8,
    pub value: [u8; 32],
    pub signature: Vec<u8>,
}

impl Drop for ReleasedShare {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.value);
    }
}

pub async fn release_shares(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    shares: Vec<ReleasedShare>,
    certificate_chain: Vec<Vec<u8>>,
    algorithm: SignatureAlgorithm,
) -> AppResult<ShareStatus> {
    let (a, t, s, now, signing) = (
        actor.clone(),
        tender.to_string(),
        section.to_string(),
        ctx.clock.now(),
        Signing::of(ctx),
    );
    let (threshold, accepted, ready) = ctx
        .db
        .write(move |c| {
            let (index, threshold) = own_index(c, &a, &t, &s)?;
            let o = find_opening(c, &t, &s)?;
            if phase_of(&o)? != OpeningPhase::Recovering {
                return Err(wrong_phase(&o, "recovery"));
            }
            let person = idrepo::find_person(c, &a.id)?
                .ok_or_else(|| AppError::forbidden("not a person"))?;
            let cert = signing.certificate(&certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
            let mut accepted = Vec::new();
            let mut ready = Vec::new();
            for sh in &shares {
                let bid = repo::find_bid(c, &sh.bid_id)?
                    .filter(|b| b.tender_id == t && b.section_code == s)
                    .ok_or_else(|| AppError::new(ErrorCode::NoBid, "no such bid in section"))?;
                if sh.share_index != index {
                    return Err(AppError::field(
                        "releases[].share_index",
                        "not_yours",
                        "that is not your share's index",
                    ));
                }
                let released = repo::releases_of_bid(c, &bid.id)?;
                if released.iter().any(|r| r.share_index == i32::from(index)) {
                    return Err(AppError::new(
                        ErrorCode::ShareAlreadyReleased,
                        format!("you released your share of {} already", bid.id),
                    ));
                }
                if bid.state()? != BidState::Submitted {
                    return Err(AppError::new(
                        ErrorCode::OpeningPhase,
                        format!("bid {} is already {}", bid.id, bid.state()?.as_str()),
                    ));
                }
                let manifest: Manifest = parse_json(&bid.manifest, "manifest")?;
                let manifest_sha256 = seal::manifest_sha256(&manifest);
                verify_statement(
                    &cert.spki_der,
                    algorithm,
                    &statements::share_release_payload(&t, &s, &manifest_sha256, index, &sh.value),
                    &sh.signature,
                    "share release",
                )?;
                let remedy_bid = manifest.remedy_bid();
                let valid = manifest
                    .remedy
                    .check_share(&remedy_bid, index, &sh.value)
                    .is_ok();
                let share_sha256 =
                    hex::encode(ring::digest::digest(&ring::digest::SHA256, &sh.value));
                repo::insert_release(
                    c,
                    &repo::ReleaseRow {
                        bid_id: bid.id.clone(),
                        share_index: i32::from(index),
                        tender_id: t.clone(),
                        section_code: s.clone(),
                        custodian_id: a.id.clone(),
                        // A share that fails its commitment is evidence, not key material
                        // anyone needs: only its digest is kept.
                        share_value: valid.then(|| hex::encode(sh.value)),
                        share_sha256: share_sha256.clone(),
                        valid,
                        signature: base64::engine::general_purpose::STANDARD.encode(&sh.signature),
                        released_at: to_db(now),
                    },
                )?;
                let body = json!({"tender": t, "section": s, "bid": bid.id,
                    "share_index": index, "custodian": a.id, "share_sha256": share_sha256,
                    "valid": valid, "fault": if valid { None } else { Some("custodian") },
                    "certificate_serial": cert.serial_hex});
                audit::record(
                    c,
                    now,
                    AuditEvent {
                        event_type: EventType::ShareReleased,
                        tender_id: Some(t.clone()),
                        section_id: Some(s.clone()),
                        actor: a.audit_as(Role::Custodian),
                        subject: bid.id.clone(),
                        body,
                    },
                )?;
                accepted.push((bid.id.clone(), valid));
                if let Some(r) = ready_for_recovery(c, &bid, threshold)? {
                    ready.push(r);
                }
            }
            Ok((threshold, accepted, ready))
        })
        .await?;
    if !ready.is_empty() {
        recover_and_open(ctx, ready).await?;
        advance(ctx, tender, section).await?;
    }
    ctx.db
        .read_primary(move |c| {
            let mut bids = Vec::new();
            for (id, ok) in accepted {
                let b = repo::find_bid(c, &id)?
                    .ok_or_else(|| internal(anyhow::anyhow!("bid {id} vanished")))?;
                let valid = repo::releases_of_bid(c, &id)?
                    .iter()
                    .filter(|r| r.valid)
                    .count();
                bids.push(BidShareStatus {
                    bid_id: id,
                    accepted: ok,
                    valid_shares: valid as u32,
                    status: status_of(&b)?,
                });
            }
            Ok(ShareStatus {
                threshold: u32::from(threshold),
                bids,
            })
        })
        .await
}
