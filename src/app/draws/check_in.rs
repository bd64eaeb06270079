//! A seated member checks in at the evaluation: the signed commitment (承诺书) and recusal
//! self-declaration; a declared conflict hands the seat to the next reserve.

use super::*;
use crate::app::support::signing::{require_person, verify_statement, Signed, Signing};
use crate::app::AppContext;
use crate::db::repo::identity as idrepo;
use crate::domain::draw::checkin::{Conflict, Window};
use crate::domain::identity::Role;
use crate::error::ErrorCode;

/// The caller checks in for its seat in `draw`, within its window (from
/// `experts.draws.checkin_open_minutes` before the evaluation to its seat's `checkin_by`),
/// signing `checkin::statement` with its own personal certificate. With a conflict the seat
/// is `recused` and the next reserve of the specialty is called in the recorded order.
pub async fn check_in(
    ctx: &AppContext,
    actor: &Actor,
    draw: &str,
    conflict: Option<Conflict>,
    signed: Signed,
) -> AppResult<CheckIn> {
    if let Some(e) = conflict.as_ref().and_then(|c| c.check().err()) {
        return Err(AppError::field(e.field, e.code, e.message));
    }
    let (draw, actor, now) = (draw.to_string(), actor.clone(), ctx.clock.now());
    let (signing, timing) = (Signing::of(ctx), Timing::of(&ctx.settings.experts.draws));
    ctx.db
        .write(move |c| {
            let row = repo::lock(c, &draw)?.ok_or_else(not_found)?;
            if row.state().map_err(internal)? == DrawState::Committed {
                return Err(not_found());
            }
            let mut seat = repo::seats(c, &row.id)?
                .into_iter()
                .find(|s| s.principal_id == actor.id && s.status != Seat::Waiting.as_str())
                .ok_or_else(not_found)?;
            let state = seat.seat().map_err(internal)?;
            if !matches!(state, Seat::Notified | Seat::Confirmed) {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    format!("this seat is {} already", state.as_str()),
                ));
            }
            let evaluation_at = from_db(row.evaluation_at);
            let due = timing.seat_checkin_due(&row, &seat);
            match checkin::window(now, evaluation_at, timing.checkin_open_minutes, due) {
                Window::NotYetOpen => {
                    return Err(AppError::new(
                        ErrorCode::InvalidStateTransition,
                        format!(
                            "check-in opens at {}",
                            checkin::opens(evaluation_at, timing.checkin_open_minutes).to_rfc3339()
                        ),
                    ))
                }
                Window::Closed => {
                    return Err(AppError::new(
                        ErrorCode::DeadlinePassed,
                        "the time to check in is over",
                    ))
                }
                Window::Open => {}
            }
            let person = idrepo::find_person(c, &actor.id)?
                .ok_or_else(|| AppError::forbidden("experts check in in person"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
            let statement = checkin::statement_for(
                purpose_of(&row)?,
                &row.id,
                &hex32(&row.frame_digest)?,
                &seat.expert_id,
                &actor.id,
                conflict.as_ref(),
            );
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statement,
                &signed.signature,
                "check-in statement",
            )?;
            let b64 = &base64::engine::general_purpose::STANDARD;
            let checkin_row = repo::CheckinRow {
                draw_id: row.id.clone(),
                group_code: seat.group_code.clone(),
                rank: seat.rank,
                expert_id: seat.expert_id.clone(),
                principal_id: actor.id.clone(),
                checked_in_at: to_db(now),
                conflict_party: conflict.as_ref().map(|c| c.party.clone()),
                conflict_reason: conflict.as_ref().map(|c| c.reason.clone()),
                signature: base64::Engine::encode(b64, &signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().into(),
                signer_fingerprint: cert.fingerprint_sha256.clone(),
            };
            repo::insert_checkin(c, &checkin_row)?;
            let after = if conflict.is_some() {
                Seat::Recused
            } else {
                Seat::CheckedIn
            };
            seat.set_seat(after);
            if seat.answered_at.is_none() {
                seat.answered_at = Some(to_db(now));
            }
            repo::update_seat(c, &seat)?;
            // Sealed like the answers: the names stay the member's and the system's until
            // the reveal. The replacement below goes into the tender's chain by ranks only.
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::DrawCheckedIn,
                    tender_id: None,
                    section_id: None,
                    actor: actor.audit_as(if purpose_of(&row)? == Purpose::AwardCommittee {
                        Role::AwardCommittee
                    } else {
                        Role::Expert
                    }),
                    subject: actor.id.clone(),
                    body: json!({"draw": row.id, "group": seat.group_code, "rank": seat.rank,
                        "member": seat.expert_id, "seat": after.as_str(),
                        "conflict": conflict, "statement_sha256": hex::encode(
                            ring::digest::digest(&ring::digest::SHA256, &statement)),
                        "signature": checkin_row.signature,
                        "signature_algorithm": checkin_row.signature_algorithm,
                        "signer": cert.fingerprint_sha256,
                        "certificate": base64::Engine::encode(b64,
                            signed.certificate_chain.first().cloned().unwrap_or_default())}),
                },
            )?;
            if purpose_of(&row)? == Purpose::AwardCommittee && conflict.is_none() {
                // The award committee's statements are kept together, whoever signed them.
                let certificate = base64::Engine::encode(
                    b64,
                    signed
                        .certificate_chain
                        .first()
                        .cloned()
                        .unwrap_or_default(),
                );
                let mut statement_row = award_statement(&row, &seat, &checkin_row, &statement, c)?;
                statement_row.certificate = certificate;
                crate::db::repo::award_committees::insert_statement(c, &statement_row)?;
            }
            if after == Seat::Recused {
                replace(c, &row, &seat, &timing, now)?;
            } else {
                // A reserve called for a member who left a formed committee joins it now.
                crate::app::support::seats::join_committee(c, &row, &seat, now)?;
            }
            Ok(CheckIn {
                draw_id: row.id.clone(),
                specialty: seat.group_code.clone(),
                seat: after,
                checked_in_at: now,
                conflict,
            })
        })
        .await
}

/// The award statement a drawn member's check-in makes, for the award round in progress.
fn award_statement(
    row: &repo::DrawRow,
    seat: &repo::SeatRow,
    checkin: &repo::CheckinRow,
    statement: &[u8],
    c: &mut AnyConnection,
) -> AppResult<crate::db::repo::award_committees::StatementRow> {
    let round = crate::db::repo::awards::get(c, &row.tender_id, &row.section_code)?
        .map_or(1, |a| a.award_round);
    Ok(crate::db::repo::award_committees::StatementRow {
        id: uuid::Uuid::now_v7().to_string(),
        tender_id: row.tender_id.clone(),
        section_code: row.section_code.clone(),
        award_round: round,
        person_id: checkin.principal_id.clone(),
        member_id: seat.expert_id.clone(),
        conflict_party: None,
        conflict_reason: None,
        statement_sha256: hex::encode(ring::digest::digest(&ring::digest::SHA256, statement)),
        signature: checkin.signature.clone(),
        signature_algorithm: checkin.signature_algorithm.clone(),
        signer_fingerprint: checkin.signer_fingerprint.clone(),
        certificate: String::new(),
        signed_at: checkin.checked_in_at,
    })
}
