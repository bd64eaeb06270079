//! The draws' clock: fallback contributions, unanswered seats, and the reveal when the
//! evaluation starts. Called by the worker; idempotent.

use super::*;
use crate::app::AppContext;

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DrawTick {
    pub fallbacks: usize,
    pub lapsed: usize,
    pub absent: usize,
    pub revealed: usize,
}

/// One pass over the draws at the server's clock: a contribution overdue gets the fallback
/// (the root of the first audit checkpoint signed after its deadline, once there is one) and
/// the draw is made; a seat unanswered in time lapses and the next reserve is called; a called
/// member not checked in by its time is absent and replaced likewise; a draw whose evaluation
/// has begun is revealed.
pub async fn tick(ctx: &AppContext) -> AppResult<DrawTick> {
    let now = ctx.clock.now();
    let timing = Timing::of(&ctx.settings.experts.draws);
    ctx.db
        .write(move |c| {
            let mut done = DrawTick::default();
            for seat in repo::overdue_seats(c, to_db(now))? {
                let draw = repo::lock(c, &seat.draw_id)?.ok_or_else(not_found)?;
                if draw.state().map_err(internal)? != DrawState::Drawn {
                    continue;
                }
                let mut seat = seat;
                let by = ActorRef::system();
                drop_out(c, &draw, &mut seat, Seat::Lapsed, by, &timing, now)?;
                done.lapsed += 1;
            }
            for row in repo::due(c, to_db(now))? {
                let Some(mut row) = repo::lock(c, &row.id)? else {
                    continue;
                };
                match row.state().map_err(internal)? {
                    DrawState::Committed => {
                        if fallback(c, &mut row, &timing, now)? {
                            done.fallbacks += 1;
                        }
                    }
                    DrawState::Drawn => {
                        reveal(c, &mut row, now)?;
                        done.revealed += 1;
                    }
                    DrawState::Revealed => {}
                }
            }
            // After the reveal, so that it shows the committee as the evaluation began.
            for seat in repo::absent_seats(c, to_db(now))? {
                let draw = repo::lock(c, &seat.draw_id)?.ok_or_else(not_found)?;
                if draw.state().map_err(internal)? == DrawState::Committed {
                    continue;
                }
                let mut seat = seat;
                let by = ActorRef::system();
                drop_out(c, &draw, &mut seat, Seat::Absent, by, &timing, now)?;
                done.absent += 1;
            }
            Ok(done)
        })
        .await
}

/// The fallback for a contribution that never came (docs/DRAWS.md §5), in two passes: the
/// first records `draw_contribution_missed`; once the sequencer has integrated that event and
/// signed a checkpoint containing it, the root of the first such checkpoint is the
/// contribution, and the draw is made. The operator fixed its secret before that checkpoint
/// could exist, and the checkpoint covers every event up to it.
fn fallback(
    c: &mut AnyConnection,
    row: &mut repo::DrawRow,
    timing: &Timing,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(event) = row.fallback_event.clone() else {
        let id = audit::record(
            c,
            now,
            Event {
                event_type: EventType::DrawContributionMissed,
                tender_id: Some(row.tender_id.clone()),
                section_id: Some(row.section_code.clone()),
                actor: ActorRef::system(),
                subject: row.id.clone(),
                body: json!({"draw": row.id, "deadline": from_db(row.contribute_by)}),
            },
        )?;
        row.fallback_event = Some(id);
        repo::update(c, row)?;
        return Ok(false);
    };
    let Some((size, root)) = repo::first_checkpoint_after_event(c, &event)? else {
        // The sequencer signs one within its interval; a later pass finds it.
        return Ok(false);
    };
    let value: [u8; 32] = root
        .try_into()
        .map_err(|_| internal(anyhow::anyhow!("checkpoint {size} root is not 32 bytes")))?;
    let contribution = repo::ContributionRow {
        draw_id: row.id.clone(),
        position: 0,
        contributor: "fallback:checkpoint".into(),
        value: hex::encode(value),
        signature: None,
        signature_algorithm: None,
        signer_fingerprint: None,
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
            actor: ActorRef::system(),
            subject: row.id.clone(),
            body: json!({"draw": row.id, "contributor": contribution.contributor,
                "value": contribution.value, "fallback": {"missed_event": event,
                "checkpoint_tree_size": size}}),
        },
    )?;
    make_draw(c, timing, row, now)?;
    Ok(true)
}

/// Publishes everything a regulator needs to replay the draw: the secret, the contributions
/// and the result in draw order, with what became of each seat.
fn reveal(c: &mut AnyConnection, row: &mut repo::DrawRow, now: DateTime<Utc>) -> AppResult<()> {
    let frame = frame_of(c, row)?;
    let contributions = contributions_of(&repo::contributions(c, &row.id)?)?;
    let seats = repo::seats(c, &row.id)?;
    let result: Vec<rules::Drawn> = frame
        .groups
        .iter()
        .map(|g| {
            let mine: Vec<&repo::SeatRow> =
                seats.iter().filter(|s| s.group_code == g.code).collect();
            let split = (g.count as usize).min(mine.len());
            rules::Drawn {
                group: g.code.clone(),
                drawn: mine[..split].iter().map(|s| s.expert_id.clone()).collect(),
                reserves: mine[split..].iter().map(|s| s.expert_id.clone()).collect(),
            }
        })
        .collect();
    let record = rules::Record {
        frame_digest: hex32(&row.frame_digest)?,
        commitment: hex32(&row.commitment)?,
        secret: hex32(&row.secret)?,
        frame,
        contributions,
        result,
    };
    let seat_list: Vec<_> = seats
        .iter()
        .map(|s| {
            json!({"group": s.group_code, "rank": s.rank, "member": s.expert_id,
                "person": s.principal_id, "seat": s.status,
                "answered_at": s.answered_at.map(from_db)})
        })
        .collect();
    row.set_state(DrawState::Revealed);
    row.revealed_at = Some(to_db(now));
    repo::update(c, row)?;
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::DrawRevealed,
            tender_id: Some(row.tender_id.clone()),
            section_id: Some(row.section_code.clone()),
            actor: ActorRef::system(),
            subject: row.id.clone(),
            body: json!({"draw": row.id, "record": record, "seats": seat_list}),
        },
    )?;
    Ok(())
}
