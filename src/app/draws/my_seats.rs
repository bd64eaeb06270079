//! The caller's own seats in draws: what it was drawn for, and what it must answer.

use super::*;
use crate::app::AppContext;

/// The caller's own seats in draws (reserves not yet called are not shown: a reserve learns of
/// the draw when it is called).
pub async fn my_seats(ctx: &AppContext, actor: &Actor) -> AppResult<Vec<Assignment>> {
    let me = actor.id.clone();
    ctx.db
        .read(move |c| {
            let mut out = Vec::new();
            for seat in repo::seats_of(c, &me)? {
                let draw = repo::find(c, &seat.draw_id)?.ok_or_else(not_found)?;
                out.push(assignment(&draw, &seat)?);
            }
            Ok(out)
        })
        .await
}

pub(super) fn assignment(draw: &repo::DrawRow, seat: &repo::SeatRow) -> AppResult<Assignment> {
    Ok(Assignment {
        draw_id: draw.id.clone(),
        tender_id: draw.tender_id.clone(),
        section: draw.section_code.clone(),
        specialty: seat.group_code.clone(),
        evaluation_at: from_db(draw.evaluation_at),
        place: draw.place.clone(),
        remote: draw.remote,
        seat: seat.seat().map_err(internal)?,
        answer_by: seat.answer_by.map(from_db),
    })
}
