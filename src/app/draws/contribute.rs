//! The supervising regulator contributes its random value; the draw is made at once.

use super::*;
use crate::app::support::signing::{verify_statement, Signed, Signing};
use crate::app::AppContext;
use crate::domain::identity::Role;
use crate::error::ErrorCode;

/// The supervising regulator contributes 32 random bytes, signed with its certificate over
/// `contribution_message` (bound to the frame and the commitment), while the draw waits for
/// it; the draw is then made in the same transaction.
pub async fn contribute(
    ctx: &AppContext,
    actor: &Actor,
    draw: &str,
    value: [u8; 32],
    signed: Signed,
) -> AppResult<Draw> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden("the supervising regulator contributes"));
    }
    let (draw, actor, now) = (draw.to_string(), actor.clone(), ctx.clock.now());
    let (signing, timing) = (Signing::of(ctx), Timing::of(&ctx.settings.experts.draws));
    ctx.db
        .write(move |c| {
            let mut row = repo::lock(c, &draw)?.ok_or_else(not_found)?;
            crate::app::support::departments::require_supervisor(c, &actor, &row.tender_id)?;
            if row.state().map_err(internal)? != DrawState::Committed {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "this draw has its contribution already",
                ));
            }
            if now >= from_db(row.contribute_by) {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    "the time for the contribution is over; the fallback applies",
                ));
            }
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            let message = rules::contribution_message(
                &hex32(&row.frame_digest)?,
                &hex32(&row.commitment)?,
                &actor.id,
                &value,
            );
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &message,
                &signed.signature,
                "contribution",
            )?;
            let contribution = repo::ContributionRow {
                draw_id: row.id.clone(),
                position: 0,
                contributor: actor.id.clone(),
                value: hex::encode(value),
                signature: Some(base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    &signed.signature,
                )),
                signature_algorithm: Some(signed.signature_algorithm.as_str().into()),
                signer_fingerprint: Some(cert.fingerprint_sha256.clone()),
                contributed_at: to_db(now),
            };
            repo::insert_contribution(c, &contribution)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::DrawContributed,
                    tender_id: Some(row.tender_id.clone()),
                    section_id: Some(row.section_code.clone()),
                    actor: actor.audit_as(Role::Regulator),
                    subject: row.id.clone(),
                    body: json!({"draw": row.id, "contributor": actor.id,
                        "frame_digest": row.frame_digest, "commitment": row.commitment,
                        "value": contribution.value, "signature": contribution.signature,
                        "signature_algorithm": contribution.signature_algorithm,
                        "signer": cert.fingerprint_sha256,
                        "certificate": base64::Engine::encode(
                            &base64::engine::general_purpose::STANDARD,
                            signed.certificate_chain.first().cloned().unwrap_or_default())}),
                },
            )?;
            make_draw(c, &timing, &mut row, now)?;
            full_dto(c, &row)
        })
        .await
}
