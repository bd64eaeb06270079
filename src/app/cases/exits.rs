//! The side exits: 不予立案 (a clue not filed), 撤销立案 / 终止调查 (a case withdrawn), 不予处罚
//! (facts not established, minor and corrected, no fault: 行政处罚法33, 57) and 移送 (another
//! authority's matter, or a crime for the judiciary: 57). Each ends the case with its reason.

use serde_json::json;

use super::*;
use crate::app::support::errors::text;
use crate::app::AppContext;
use crate::db::types::to_db;

/// Which exit, and why.
#[derive(Clone, Debug)]
pub enum Exit {
    Decline { reason: String },
    Withdraw { reason: String },
    NoPenalty { reason: String },
    Transfer { to: String, reason: String },
}

impl Exit {
    fn step(&self) -> (Step, EventType) {
        match self {
            Exit::Decline { .. } => (Step::Decline, EventType::CaseDeclined),
            Exit::Withdraw { .. } => (Step::Withdraw, EventType::CaseWithdrawn),
            Exit::NoPenalty { .. } => (Step::NoPenalty, EventType::CaseNoPenalty),
            Exit::Transfer { .. } => (Step::Transfer, EventType::CaseTransferred),
        }
    }

    fn outcome(&self) -> AppResult<(String, Option<String>)> {
        match self {
            Exit::Decline { reason } | Exit::Withdraw { reason } | Exit::NoPenalty { reason } => {
                Ok((text("reason", reason, LONG_TEXT)?, None))
            }
            Exit::Transfer { to, reason } => Ok((
                text("reason", reason, LONG_TEXT)?,
                Some(text("to", to, SHORT_TEXT)?),
            )),
        }
    }
}

/// End the case by a side exit; audited with the exit's own event.
pub async fn exit(ctx: &AppContext, actor: &Actor, id: &str, exit: Exit) -> AppResult<Case> {
    let (reason, to) = exit.outcome()?;
    let (step, event) = exit.step();
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let (_, mut row) = load_for_officer(c, &actor, &id)?;
            take(&mut row, step)?;
            row.outcome = Some(match &to {
                Some(to) => format!("{to}: {reason}"),
                None => reason.clone(),
            });
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"reason": reason, "to": to});
            record(c, now, as_officer(&actor), &row, event, body)?;
            case_dto(c, row)
        })
        .await
}
