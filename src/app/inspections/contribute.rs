//! An officer of one of the plan's departments — not the one who asked for the round —
//! contributes 32 random bytes signed with its personal certificate over
//! `domain::draw::contribution_message`; the round is drawn, revealed and assigned in the same
//! transaction.

use super::*;
use crate::app::support::signing::{require_person, verify_statement, Signed, Signing};
use crate::app::AppContext;

/// Contribute to round `id`; makes the draw.
pub async fn contribute(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    value: [u8; 32],
    signed: Signed,
) -> AppResult<InspectionRound> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden(
            "an officer of the plan's departments contributes",
        ));
    }
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    let signing = Signing::of(ctx);
    ctx.db
        .write(move |c| {
            let mut row =
                repo::lock_round(c, &id)?.ok_or_else(|| AppError::not_found("no such round"))?;
            let plan = load_plan(c, &row.plan_code)?;
            plan_officer(c, &actor, &plan)?;
            if row.requested_by == actor.id {
                return Err(AppError::forbidden(
                    "another officer than the one who asked for the round contributes",
                ));
            }
            if round_state(&row)? != RoundState::Committed {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "this round has its contribution already",
                ));
            }
            if now >= from_db(row.contribute_by) {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    "the time for the contribution is over; the fallback applies",
                ));
            }
            let person = crate::db::repo::identity::find_person(c, &actor.id)?
                .ok_or_else(|| AppError::forbidden("signed by a person"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
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
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD;
            row.contributor = Some(actor.id.clone());
            row.contribution = Some(hex::encode(value));
            row.contributed_at = Some(to_db(now));
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::DrawContributed,
                    tender_id: None,
                    section_id: None,
                    actor: actor.audit_as(Role::Regulator),
                    subject: row.id.clone(),
                    body: json!({"draw": row.id, "contributor": actor.id,
                        "frame_digest": row.frame_digest, "commitment": row.commitment,
                        "value": hex::encode(value), "signature": b64.encode(&signed.signature),
                        "signature_algorithm": signed.signature_algorithm.as_str(),
                        "certificate": b64.encode(&signed.certificate_chain[0]),
                        "signer_fingerprint": cert.fingerprint_sha256}),
                },
            )?;
            make(c, &mut row, now)?;
            round_view(c, &row)
        })
        .await
}
