//! 结案: the executed case is closed; nothing follows.

use serde_json::json;

use super::*;
use crate::app::AppContext;
use crate::db::types::to_db;

/// Close the case; audited `case_closed`.
pub async fn close(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Case> {
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let (_, mut row) = load_for_officer(c, &actor, &id)?;
            take(&mut row, Step::Close)?;
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseClosed,
                json!({}),
            )?;
            case_dto(c, row)
        })
        .await
}
