//! The rounds' clock: a round whose contribution did not come in time gets the documented
//! fallback of every draw (docs/DRAWS.md §5) — `draw_contribution_missed`, then the root of the
//! first audit checkpoint signed after it as the contribution — and is drawn. Called by the
//! worker; idempotent.

use super::*;
use crate::app::AppContext;

/// One pass; returns how many rounds were drawn by the fallback.
pub async fn tick(ctx: &AppContext) -> AppResult<usize> {
    let now = ctx.clock.now();
    ctx.db
        .write(move |c| {
            let mut drawn = 0;
            for due in repo::rounds_due(c, to_db(now))? {
                let Some(mut row) = repo::lock_round(c, &due.id)? else {
                    continue;
                };
                if round_state(&row)? == RoundState::Committed && fallback(c, &mut row, now)? {
                    drawn += 1;
                }
            }
            Ok(drawn)
        })
        .await
}

fn fallback(
    c: &mut AnyConnection,
    row: &mut repo::RoundRow,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let event = |event_type, body| Event {
        event_type,
        tender_id: None,
        section_id: None,
        actor: ActorRef::system(),
        subject: row.id.clone(),
        body,
    };
    let Some(missed) = row.fallback_event.clone() else {
        let id = audit::record(
            c,
            now,
            event(
                EventType::DrawContributionMissed,
                json!({"draw": row.id, "deadline": from_db(row.contribute_by)}),
            ),
        )?;
        row.fallback_event = Some(id);
        repo::update_round(c, row)?;
        return Ok(false);
    };
    let Some((size, root)) = crate::db::repo::draws::first_checkpoint_after_event(c, &missed)?
    else {
        // The sequencer signs one within its interval; a later pass finds it.
        return Ok(false);
    };
    let value: [u8; 32] = root
        .try_into()
        .map_err(|_| internal(anyhow::anyhow!("checkpoint {size} root is not 32 bytes")))?;
    row.contributor = Some("fallback:checkpoint".into());
    row.contribution = Some(hex::encode(value));
    row.contributed_at = Some(to_db(now));
    audit::record(
        c,
        now,
        event(
            EventType::DrawContributed,
            json!({"draw": row.id, "contributor": "fallback:checkpoint",
                "value": hex::encode(value), "fallback": {"missed_event": missed,
                "checkpoint_tree_size": size}}),
        ),
    )?;
    make(c, row, now)?;
    Ok(true)
}
