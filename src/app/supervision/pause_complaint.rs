//! `POST /api/v1/complaints/{id}/pauses`: testing, inspection or expert review (检验、检测、鉴定、
//! 专家评审) starts or ends; its working days are not counted in the 30 (条例61). A pause runs
//! by Shanghai days from the day it starts through the day it ends, both left out — the days are
//! the server's, never the caller's.

use serde_json::json;

use super::complaint_common::*;
use crate::app::{Actor, AppContext};
use crate::audit::EventType;
use crate::db::repo::supervision as repo;
use crate::domain::complaint::{Event, Pause};
use crate::domain::identity::Role;
use crate::domain::schedule::legal_date;
use crate::error::{AppError, AppResult};
use crate::wire::supervision::{Complaint, ComplaintPauseRequest};

pub async fn pause_complaint(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    req: ComplaintPauseRequest,
) -> AppResult<Complaint> {
    if let ComplaintPauseRequest::Start { reason } = &req {
        if !text_ok(reason, 2000) {
            return Err(AppError::field("reason", "length", "1 to 2000 characters"));
        }
    }
    let (id, actor, now, cal) = (
        id.to_string(),
        actor.clone(),
        ctx.clock.now(),
        ctx.calendar.clone(),
    );
    ctx.db
        .write(move |c| {
            let mut row = lock(c, &id)?;
            require_department(c, &actor, &row)?;
            let mut pauses = pauses_of(&row)?;
            let today = legal_date(now);
            let (event, kind, reason) = match &req {
                ComplaintPauseRequest::Start { reason } => {
                    (Event::Pause, EventType::ComplaintPaused, Some(reason))
                }
                ComplaintPauseRequest::End {} => (Event::Resume, EventType::ComplaintResumed, None),
            };
            let next = next_state(&row, event)?;
            match event {
                Event::Pause => pauses.push(Pause {
                    from: today,
                    to: None,
                }),
                _ => {
                    if let Some(p) = pauses.iter_mut().find(|p| p.to.is_none()) {
                        p.to = Some(today);
                    }
                }
            }
            row.state = next.as_str().into();
            row.pauses =
                serde_json::to_string(&pauses).map_err(crate::app::support::errors::internal)?;
            repo::update_complaint(c, &row)?;
            let view = dto(&cal, &row, now)?;
            audit(
                c,
                now,
                &row,
                actor.audit_as(Role::Regulator),
                kind,
                json!({"complaint": row.id, "state": next, "day": today,
                    "reason_sha256": reason.map(|r| crate::audit::sha256_hex(r.as_bytes())),
                    "decision_due": view.decision_due}),
            )?;
            Ok(view)
        })
        .await
}
