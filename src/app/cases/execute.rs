//! 执行 (行政处罚法66–73): the officers record what was performed — the fine paid at the
//! designated bank (the authority does not collect, 67), the confiscation, the ban in force.

use serde_json::json;

use super::*;
use crate::app::support::errors::text;
use crate::app::AppContext;
use crate::db::types::to_db;

/// Record the execution; audited `case_executed`.
pub async fn execute(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    record_text: &str,
) -> AppResult<Case> {
    let record_text = text("record", record_text, LONG_TEXT)?;
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let (_, mut row) = load_for_officer(c, &actor, &id)?;
            take(&mut row, Step::Execute)?;
            row.executed_at = Some(to_db(now));
            row.outcome = Some(record_text.clone());
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"record": record_text});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseExecuted,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}
