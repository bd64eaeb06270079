//! `POST /api/v1/complaints/{id}/handling`: the department accepts the complaint or refuses it
//! naming the ground (条例61: within 3 working days of receipt). A step after the limit is still
//! taken — the complainant is owed an answer — and recorded as late (`handled_late`), which the
//! regulator's view and the log show.

use serde_json::json;

use super::complaint_common::*;
use crate::app::{Actor, AppContext};
use crate::audit::EventType;
use crate::db::repo::identity as idrepo;
use crate::db::repo::supervision as repo;
use crate::db::types::{from_db, to_db};
use crate::domain::complaint::{acceptance_due, Event, RefusalGround};
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult};
use crate::mail::{enqueue, OutgoingMail};
use crate::wire::supervision::{Complaint, HandleComplaintRequest};

pub async fn handle_complaint(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    req: HandleComplaintRequest,
) -> AppResult<Complaint> {
    if let HandleComplaintRequest::Refuse { reason, .. } = &req {
        if !text_ok(reason, 4000) {
            return Err(AppError::field("reason", "length", "1 to 4000 characters"));
        }
    }
    let (id, actor, now, cal) = (
        id.to_string(),
        actor.clone(),
        ctx.clock.now(),
        ctx.calendar.clone(),
    );
    let out = ctx
        .db
        .write(move |c| {
            let mut row = lock(c, &id)?;
            require_department(c, &actor, &row)?;
            let (event, kind) = match &req {
                HandleComplaintRequest::Accept {} => (Event::Accept, EventType::ComplaintAccepted),
                HandleComplaintRequest::Refuse { .. } => {
                    (Event::Refuse, EventType::ComplaintRefused)
                }
            };
            let next = next_state(&row, event)?;
            // The limit may be unknowable (a year the calendar lacks): the step is not refused
            // for that, and lateness is left unrecorded rather than guessed.
            let late = acceptance_due(&cal, from_db(row.filed_at))
                .ok()
                .map(|due| now >= due);
            row.state = next.as_str().into();
            row.handled_by = Some(actor.id.clone());
            row.handled_at = Some(to_db(now));
            row.handled_late = late;
            let (ground, reason) = match &req {
                HandleComplaintRequest::Refuse { ground, reason } => {
                    (Some(*ground), Some(reason.clone()))
                }
                HandleComplaintRequest::Accept {} => (None, None),
            };
            row.refusal_ground = ground.map(|g| g.as_str().into());
            row.refusal_reason = reason.clone();
            repo::update_complaint(c, &row)?;
            let view = dto(&cal, &row, now)?;
            let reason_sha256 = reason
                .as_deref()
                .map(|r| crate::audit::sha256_hex(r.as_bytes()));
            audit(
                c,
                now,
                &row,
                actor.audit_as(Role::Regulator),
                kind,
                json!({"complaint": row.id, "state": next, "late": late,
                    "ground": ground.map(RefusalGround::as_str),
                    "reason_sha256": reason_sha256,
                    "decision_due": view.decision_due}),
            )?;
            if let Some(org) = idrepo::find_organisation(c, &row.complainant_id)? {
                let body = match &req {
                    HandleComplaintRequest::Accept {} => format!(
                        "您的投诉（{}）已受理，行政监督部门将在三十个工作日内作出书面处理决定\
                         （招标投标法实施条例第六十一条）。",
                        row.id
                    ),
                    HandleComplaintRequest::Refuse { reason, .. } => {
                        format!("您的投诉（{}）不予受理：{reason}", row.id)
                    }
                };
                enqueue(
                    c,
                    now,
                    OutgoingMail {
                        to: org.contact_email,
                        subject: "投诉受理情况".into(),
                        body,
                        kind: kind.as_str().into(),
                        tender_id: Some(row.tender_id.clone()),
                    },
                )?;
            }
            Ok(view)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}
