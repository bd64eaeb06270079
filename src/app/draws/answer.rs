//! A drawn member confirms or declines its seat.

use super::*;
use crate::app::AppContext;
use crate::domain::identity::Role;
use crate::error::ErrorCode;

/// A drawn member confirms or declines, before its answer is due; a decline calls the next
/// reserve of the same specialty in the recorded order.
pub async fn answer(
    ctx: &AppContext,
    actor: &Actor,
    draw: &str,
    accept: bool,
) -> AppResult<Assignment> {
    let (draw, actor, now) = (draw.to_string(), actor.clone(), ctx.clock.now());
    let timing = Timing::of(&ctx.settings.experts.draws);
    ctx.db
        .write(move |c| {
            let row = repo::lock(c, &draw)?.ok_or_else(not_found)?;
            let mut seat = repo::seats(c, &row.id)?
                .into_iter()
                .find(|s| s.principal_id == actor.id && s.status != Seat::Waiting.as_str())
                .ok_or_else(not_found)?;
            if seat.seat().map_err(internal)? != Seat::Notified {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    format!("this seat is {} already", seat.status),
                ));
            }
            if seat.answer_by.is_some_and(|due| now >= from_db(due)) {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    "the time to answer is over",
                ));
            }
            let by = actor.audit_as(Role::Expert);
            if accept {
                seat.set_seat(Seat::Confirmed);
                seat.answered_at = Some(to_db(now));
                repo::update_seat(c, &seat)?;
                audit::record(
                    c,
                    now,
                    Event {
                        event_type: EventType::DrawAnswered,
                        tender_id: None,
                        section_id: None,
                        actor: by,
                        subject: actor.id.clone(),
                        body: json!({"draw": row.id, "group": seat.group_code,
                            "rank": seat.rank, "member": seat.expert_id,
                            "seat": Seat::Confirmed.as_str()}),
                    },
                )?;
            } else {
                drop_out(c, &row, &mut seat, Seat::Declined, by, &timing, now)?;
            }
            assignment(&row, &seat)
        })
        .await
}
