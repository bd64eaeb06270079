//! A drawn committee's check-in state, once the evaluation has started.

use super::*;
use crate::app::AppContext;
use crate::domain::draw::checkin::Conflict;
use crate::error::ErrorCode;

/// The committee of `draw` as it stands: each called member, whether it has checked in, and
/// who left (declined, lapsed, recused with its declared conflict, absent). For the tender's
/// parties, regulators and the trading centre, and only once the draw is revealed (before, the
/// names are the members' own).
pub async fn committee(ctx: &AppContext, actor: &Actor, draw: &str) -> AppResult<Committee> {
    let (draw, actor) = (draw.to_string(), actor.clone());
    let open_minutes = ctx.settings.experts.draws.checkin_open_minutes;
    ctx.db
        .read(move |c| {
            let row = repo::find(c, &draw)?.ok_or_else(not_found)?;
            let tender = trepo::find_tender(c, &row.tender_id)?.ok_or_else(not_found)?;
            if !may_view(c, &actor, &tender)? {
                return Err(not_found());
            }
            if row.state().map_err(internal)? != DrawState::Revealed {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the committee is known once the evaluation starts",
                ));
            }
            committee_of(c, &row, open_minutes)
        })
        .await
}

/// The committee view of a draw (no authorisation: callers decide who sees it).
pub(crate) fn committee_of(
    c: &mut AnyConnection,
    row: &repo::DrawRow,
    open_minutes: u32,
) -> AppResult<Committee> {
    let outline = outline_of(row)?;
    let mut seats = Vec::new();
    for (seat, checkin) in repo::committee(c, &row.id)? {
        let name = xrepo::find(c, &seat.expert_id)?
            .map(|m| m.name)
            .unwrap_or_default();
        let conflict = checkin.as_ref().and_then(|k| {
            Some(Conflict {
                party: k.conflict_party.clone()?,
                reason: k.conflict_reason.clone()?,
            })
        });
        seats.push(CommitteeSeat {
            specialty: seat.group_code.clone(),
            rank: unsigned(seat.rank),
            member_id: seat.expert_id.clone(),
            person_id: seat.principal_id.clone(),
            name,
            seat: seat.seat().map_err(internal)?,
            checkin_by: seat.checkin_by.map(from_db),
            checked_in_at: checkin.map(|k| from_db(k.checked_in_at)),
            conflict,
        });
    }
    let complete = outline.iter().all(|g| {
        let n = seats
            .iter()
            .filter(|s| s.specialty == g.code && s.seat == Seat::CheckedIn)
            .count();
        n >= g.count as usize
    });
    let evaluation_at = from_db(row.evaluation_at);
    Ok(Committee {
        draw_id: row.id.clone(),
        tender_id: row.tender_id.clone(),
        section: row.section_code.clone(),
        evaluation_at,
        checkin_opens: checkin::opens(evaluation_at, open_minutes),
        complete,
        seats,
    })
}
