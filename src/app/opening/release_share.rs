//! R2: a custodian releases its share of the section opening key, signed; with k shares the key
//! is recovered and every bid still sealed is opened.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::signing::require_person;
use crate::app::support::signing::verify_statement;
use crate::app::support::signing::Signed;
use crate::app::support::signing::Signing;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event as AuditEvent;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::types::to_db;
use crate::db::types::unsigned;
use crate::domain::bidding::OpeningPhase;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::seal::statements;
use crate::wire::opening::*;
use base64::Engine;
use serde_json::json;

pub async fn release_share(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    share_index: u8,
    value: [u8; 32],
    signed: Signed,
) -> AppResult<ShareStatus> {
    let (a, t, s, now, signing) = (
        actor.clone(),
        tender.to_string(),
        section.to_string(),
        ctx.clock.now(),
        Signing::of(ctx),
    );
    // Record the release; if enough shares are in, take them out for recovery.
    let (threshold, count, to_recover) = ctx
        .db
        .write(move |c| {
            let mut share = own_share(c, &a, &t, &s)?;
            if share.share_index != i32::from(share_index) {
                return Err(AppError::field("share_index", "not_yours", "that is not your share's index"));
            }
            let o = find_opening(c, &t, &s)?;
            if phase_of(&o)? != OpeningPhase::Recovering {
                return Err(wrong_phase(&o, "recovery"));
            }
            let person = idrepo::find_person(c, &a.id)?.ok_or_else(|| AppError::forbidden("not a person"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statements::share_release_payload(&t, &s, share_index, &value),
                &signed.signature,
                "share release",
            )?;
            // The share must be the one wrapped to this custodian: check it against nothing
            // secret — recovery checks the combination against the published key.
            share.released_share = Some(hex::encode(value));
            share.release_signature = Some(base64::engine::general_purpose::STANDARD.encode(&signed.signature));
            share.released_at = Some(to_db(now));
            repo::update_share(c, &share)?;
            audit::record(
                c,
                now,
                AuditEvent {
                    event_type: EventType::ShareReleased,
                    tender_id: Some(t.clone()),
                    section_id: Some(s.clone()),
                    actor: a.audit_as(Role::Custodian),
                    subject: t.clone(),
                    body: json!({"tender": t, "section": s, "share_index": share_index, "custodian": a.id,
                        "share_sha256": hex::encode(ring::digest::digest(&ring::digest::SHA256, &value)),
                        "certificate_serial": cert.serial_hex}),
                },
            )?;
            let key = repo::opening_key(c, &t, &s)?.ok_or_else(|| internal(anyhow::anyhow!("opening key missing")))?;
            let released: Vec<(u8, [u8; 32])> = repo::shares_of(c, &t, &s)?
                .iter()
                .filter_map(|r| {
                    let mut v = [0u8; 32];
                    hex::decode_to_slice(r.released_share.as_deref()?, &mut v).ok()?;
                    Some((r.share_index as u8, v))
                })
                .collect();
            let ready = released.len() >= key.threshold as usize;
            Ok((unsigned(key.threshold), released.len() as u32, if ready { Some((key, released)) } else { None }))
        })
        .await?;
    let Some((key, released)) = to_recover else {
        return Ok(ShareStatus {
            shares_submitted: count,
            threshold,
            recovered: false,
            error: None,
        });
    };
    match recover_and_open(ctx, tender, section, &key, released).await {
        Ok(()) => {
            advance(ctx, tender, section).await?;
            Ok(ShareStatus {
                shares_submitted: count,
                threshold,
                recovered: true,
                error: None,
            })
        }
        Err(e) => Ok(ShareStatus {
            shares_submitted: count,
            threshold,
            recovered: false,
            error: Some(e),
        }),
    }
}
