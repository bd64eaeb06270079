//! `POST /api/v1/complaints/{id}/withdrawal`: the complainant withdraws its complaint before the
//! decision (《工程建设项目招标投标活动投诉处理办法》第19条). The department hears of it; what it
//! found may still become a case of its own motion.

use serde_json::json;

use super::complaint_common::*;
use crate::app::{Actor, AppContext};
use crate::audit::EventType;
use crate::db::repo::supervision as repo;
use crate::db::types::to_db;
use crate::domain::complaint::Event;
use crate::error::{AppError, AppResult};
use crate::wire::supervision::Complaint;

pub async fn withdraw_complaint(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Complaint> {
    let (id, actor, now, cal) = (
        id.to_string(),
        actor.clone(),
        ctx.clock.now(),
        ctx.calendar.clone(),
    );
    ctx.db
        .write(move |c| {
            let mut row = lock(c, &id)?;
            if row.complainant_id != actor.id {
                return Err(AppError::forbidden(
                    "only the complainant withdraws its complaint",
                ));
            }
            let next = next_state(&row, Event::Withdraw)?;
            row.state = next.as_str().into();
            row.withdrawn_at = Some(to_db(now));
            repo::update_complaint(c, &row)?;
            audit(
                c,
                now,
                &row,
                actor.audit_ref(),
                EventType::ComplaintWithdrawn,
                json!({"complaint": row.id, "state": next}),
            )?;
            dto(&cal, &row, now)
        })
        .await
}
