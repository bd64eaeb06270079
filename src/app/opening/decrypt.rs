//! R1: a bidder releases the data keys of its parts, signed; the server opens the bid at once.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::signing::verify_statement;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::db::types::from_db;
use crate::domain::bidding::BidState;
use crate::domain::bidding::OpeningPhase;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::seal;
use crate::seal::Dek;
use crate::seal::Manifest;
use crate::seal::PartKey;
use crate::wire::opening::*;

pub async fn decrypt(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    keys: Vec<ReleasedKey>,
) -> AppResult<BidOutcome> {
    let org = actor.bidder_org()?;
    let (t, s, now) = (tender.to_string(), section.to_string(), ctx.clock.now());
    let (bid, parts) = ctx
        .db
        .read_primary(move |c| {
            let o = find_opening(c, &t, &s)?;
            if phase_of(&o)? != OpeningPhase::Decrypting || now >= from_db(o.decryption_until) {
                return Err(wrong_phase(&o, "the decryption window"));
            }
            let bid = ceremony_bids(c, &t, &s)?
                .into_iter()
                .find(|b| b.organisation_id == org)
                .ok_or_else(|| {
                    AppError::new(ErrorCode::NoBid, "you have no bid in this opening")
                })?;
            if bid.state()? != BidState::Submitted {
                return Err(AppError::new(
                    ErrorCode::OpeningPhase,
                    format!("your bid is already {}", bid.state()?.as_str()),
                ));
            }
            let parts = repo::bid_parts(c, &bid.id)?;
            Ok((bid, parts))
        })
        .await?;
    let manifest: Manifest = parse_json(&bid.manifest, "manifest")?;
    // Every part's key, each signed by the bid's certificate key over its commitment.
    let alg = manifest.outer_signature.algorithm;
    let spki = manifest.outer_signature.signer_spki.clone();
    let mut deks: Vec<(u32, Dek)> = Vec::new();
    for p in &manifest.parts {
        let k = keys.iter().find(|k| k.index == p.index).ok_or_else(|| {
            AppError::field("keys", "missing", format!("no key for part {}", p.index))
        })?;
        let payload = seal::dek_release_payload(&manifest, p.index)
            .map_err(|e| AppError::new(ErrorCode::BidManifestInvalid, e.to_string()))?;
        verify_statement(&spki, alg, &payload, &k.signature, "key release")?;
        deks.push((p.index, Dek::from_bytes(k.dek)));
    }
    if keys.len() != manifest.parts.len() {
        return Err(AppError::field(
            "keys",
            "unexpected",
            "one key per part, no more",
        ));
    }
    let storage = ctx.storage.clone();
    let (b2, p2) = (bid.clone(), parts.clone());
    let (result, digests) = tokio::task::spawn_blocking(move || {
        let key = |i: u32| -> PartKey<'_> {
            match deks.iter().find(|(j, _)| *j == i) {
                Some((_, d)) => PartKey::Dek(d),
                None => PartKey::Dek(&deks[0].1),
            }
        };
        open_result(open_bid(&storage, &b2, &p2, &key))
    })
    .await
    .map_err(internal)?;
    let (actor_id, now, kek) = (actor.id.clone(), ctx.clock.now(), ctx.kek.clone());
    ctx.db
        .write(move |c| {
            let o = find_opening(c, &bid.tender_id, &bid.section_code)?;
            if phase_of(&o)? != OpeningPhase::Decrypting {
                return Err(wrong_phase(&o, "the decryption window"));
            }
            let mut b = repo::find_bid(c, &bid.id)?
                .filter(|b| b.state().is_ok_and(|s| s == BidState::Submitted))
                .ok_or_else(|| {
                    AppError::new(ErrorCode::OpeningPhase, "the bid was settled meanwhile")
                })?;
            save_opened_parts(c, &kek, &b.id, &digests)?;
            let attempt = settle(c, now, &mut b, "r1", &actor_id, (result, &digests))?;
            Ok(BidOutcome {
                bid_id: b.id.clone(),
                status: status_of(&b)?,
                attempt,
            })
        })
        .await
}
