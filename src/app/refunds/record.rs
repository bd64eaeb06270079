//! `POST /api/v1/bond-refunds/{id}/refund`: the trading centre (an administrator) records a
//! refund made today — the bank transfer's reference; the platform computes the interest to
//! the fen from the day the bond arrived to today (算头不算尾, `[bonds]` rate and day basis).
//! A refund recorded after its 5 days is recorded as late.

use chrono::SubsecRound;
use serde_json::json;

use super::*;
use crate::app::{Actor, AppContext};
use crate::audit::{self, Event, EventType};
use crate::db::types::to_db;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::error::{AppError, ErrorCode};
use crate::wire::contracts::RecordRefundRequest;

pub async fn record_refund(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    req: RecordRefundRequest,
) -> AppResult<BondRefund> {
    actor.require(Permission::RecordBondRefunds)?;
    let reference = req.bank_reference.trim().to_string();
    if reference.is_empty() || reference.chars().count() > 100 {
        return Err(AppError::field(
            "bank_reference",
            "length",
            "1 to 100 characters",
        ));
    }
    let (actor, id, now) = (
        actor.clone(),
        id.to_string(),
        ctx.clock.now().trunc_subsecs(6),
    );
    ctx.db
        .write(move |c| {
            let mut r = repo::find_refund(c, &id)?
                .ok_or_else(|| AppError::not_found(format!("no bond refund {id}")))?;
            match state_of(&r)? {
                RefundState::Due => {}
                s => {
                    return Err(AppError::new(
                        ErrorCode::InvalidStateTransition,
                        format!("the bond is {}", s.as_str()),
                    ))
                }
            }
            let (days, interest) = interest_at(&r, now)?;
            r.state = RefundState::Refunded.as_str().into();
            r.interest = interest.map(|i| i.to_string());
            r.refunded_at = Some(to_db(now));
            r.bank_reference = Some(reference);
            r.recorded_by = Some(actor.id.clone());
            repo::update_refund(c, &r)?;
            let due = r.due_at.map(from_db);
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::BondRefunded,
                    tender_id: (!r.sealed).then(|| r.tender_id.clone()),
                    section_id: (!r.sealed).then(|| r.section_code.clone()),
                    actor: actor.audit_as(Role::Administrator),
                    subject: r.id.clone(),
                    body: json!({"refund": r.id, "bond": r.bond_id, "kind": r.kind,
                        "principal": r.principal, "interest": r.interest, "days": days,
                        "interest_rate": r.interest_rate, "day_basis": r.day_basis,
                        "bank_reference": r.bank_reference, "due_at": due,
                        "late": due.is_some_and(|d| now >= d)}),
                },
            )?;
            refund_dto(&r, now)
        })
        .await
}
