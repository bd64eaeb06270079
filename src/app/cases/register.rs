//! 立案: the clue becomes a case, and the 90 days to decide (行政处罚法60) start. An act
//! discovered after its limitation (36: two years, five if grave) is not punished: the clue is
//! declined instead (`exits`).

use serde_json::json;

use super::*;
use crate::app::AppContext;
use crate::db::types::to_db;
use crate::domain::case::{decision_due, within_limitation};

/// Register the case; audited `case_registered` with the decision's limit.
pub async fn register(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Case> {
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let (_, mut row) = load_for_officer(c, &actor, &id)?;
            take(&mut row, Step::Register)?;
            let occurred_on = legal_date(from_db(row.occurred_on));
            if !within_limitation(occurred_on, row.grave, from_db(row.opened_at)) {
                return Err(AppError::rule(
                    "occurred_on",
                    "limitation_expired",
                    "discovered after the limitation (行政处罚法36): decline the clue",
                ));
            }
            let due = decision_due(now, 0);
            row.registered_at = Some(to_db(now));
            row.decision_due = Some(to_db(due));
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"decision_due": due});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseRegistered,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}
