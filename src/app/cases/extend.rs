//! The 90 days to decide are extended (行政处罚法60: "经本行政机关负责人批准，可以延长"): an officer
//! of the department records the head's approval with its reason, before the limit passes — an
//! extension afterwards would rewrite a limit already missed.

use serde_json::json;

use super::*;
use crate::app::support::errors::text;
use crate::app::AppContext;
use crate::db::types::to_db;
use crate::domain::case::{decision_due, MAX_EXTENSION_DAYS};

/// Extend by `days` calendar days; audited `case_time_extended` with the new limit.
pub async fn extend(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    days: u32,
    reason: &str,
) -> AppResult<Case> {
    let reason = text("reason", reason, LONG_TEXT)?;
    if !(1..=MAX_EXTENSION_DAYS).contains(&days) {
        return Err(AppError::field(
            "days",
            "out_of_range",
            format!("1 to {MAX_EXTENSION_DAYS} days"),
        ));
    }
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let (_, mut row) = load_for_officer(c, &actor, &id)?;
            if !row.state().map_err(AppError::internal)?.takes_extension() {
                return Err(wrong_state(&row, "extension"));
            }
            let (Some(registered), Some(due)) = (row.registered_at, row.decision_due) else {
                return Err(wrong_state(&row, "extension"));
            };
            if now >= from_db(due) {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    "the time to decide is over: it can no longer be extended",
                ));
            }
            let total = unsigned(row.extended_days) + days;
            let new_due = decision_due(from_db(registered), total);
            row.extended_days = i32::try_from(total).unwrap_or(i32::MAX);
            row.decision_due = Some(to_db(new_due));
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"days": days, "reason": reason, "decision_due": new_due});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseTimeExtended,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}
