//! Close every published tender whose deadline has come by the server clock (投标截止). Run by a
//! background task every second and callable directly (tests drive the clock, then call it).

use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::AppContext;
use crate::audit::ActorRef;
use crate::audit::EventType;
use crate::db::repo::tenders as repo;
use crate::db::types::to_db;
use crate::domain::lifecycle::transition;
use crate::domain::lifecycle::Event;
use crate::domain::lifecycle::EventKind;
use crate::domain::lifecycle::StateKind;
use crate::error::AppResult;
use serde_json::json;

/// Close every published tender whose deadline has come by the server clock (投标截止). Run by a
/// background task every second and callable directly (tests drive the clock, then call it).
pub async fn close_due(ctx: &AppContext) -> AppResult<usize> {
    let now = ctx.clock.now();
    let due = ctx
        .db
        .read_primary(move |c| {
            Ok(repo::due_for_deadline(
                c,
                StateKind::Published.as_str(),
                to_db(now),
            )?)
        })
        .await?;
    let mut closed = 0;
    for id in due {
        let env = Env::of(ctx);
        let done = ctx
            .db
            .write(move |c| {
                let Some(mut row) = repo::lock_tender(c, &id)? else {
                    return Ok(false);
                };
                let state = state_of(&row)?;
                let draft = published_draft(c, &row)?;
                let rules = rules_for(&env.rules, &draft);
                // Another node may have closed it, or an amendment moved the deadline meanwhile.
                let Ok(next) = transition(
                    &state,
                    &Event::DeadlineReached,
                    now,
                    &draft.schedule,
                    &rules,
                ) else {
                    return Ok(false);
                };
                set_state(&mut row, &next, now)?;
                repo::update_tender(c, &row)?;
                record(
                    c,
                    &env,
                    now,
                    &row,
                    Change::new(
                        ActorRef::system(),
                        EventType::TenderClosed,
                        json!({"tender": row.id, "bid_deadline": draft.schedule.bid_deadline}),
                    ),
                    Some(Publicity {
                        release: Some((EventKind::DeadlineReached, next.kind())),
                        announcement: Some((
                            crate::domain::tender::AnnouncementKind::Deadline,
                            format!("投标截止：{}", row.title),
                        )),
                        mail: None,
                    }),
                )?;
                Ok(true)
            })
            .await?;
        closed += usize::from(done);
    }
    if closed > 0 {
        // The bid deadline is a milestone: a signed checkpoint covers the closing at once, so
        // no later rewrite of who was on time can go unnoticed.
        crate::audit::checkpoint_now(&ctx.db, &ctx.audit_log, "deadline").await?;
    }
    Ok(closed)
}
