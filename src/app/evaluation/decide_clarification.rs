//! `POST …/clarifications/{id}/decision`: the leader records, once, whether the committee
//! accepts the bidder's answer and why (the answer is the bidder's; its acceptance is the
//! committee's record, `clarification_decided`). Only an answered clarification is decided.

use super::sitting::*;
use super::*;
use crate::app::support::errors::text;
use crate::app::{Actor, AppContext};
use crate::db::repo::clarifications as qrepo;
use crate::error::ErrorCode;
use crate::wire::clarifications::*;

/// Longest reason, in characters.
const REASON_MAX: usize = 2000;

pub async fn decide_clarification(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    id: &str,
    req: DecideClarificationRequest,
) -> AppResult<Clarification> {
    let reason = text("reason", &req.reason, REASON_MAX)?;
    let (tender, section, id, actor, now) = (
        tender.to_string(),
        section.to_string(),
        id.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let sitting = Sitting::lock(c, &tender, &section)?;
            let leader = sitting.leader(&actor, "records the committee's decision")?;
            let mut row = qrepo::find(c, &id)?
                .filter(|r| r.committee_id == sitting.row.id)
                .ok_or_else(|| AppError::not_found("no such clarification"))?;
            if row.answer.is_none() {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the bidder has not answered",
                ));
            }
            if row.accepted.is_some() {
                return Err(AppError::conflict("this answer is decided already"));
            }
            let bid = opened_bid(c, &sitting.tender.id, &section, &row.bid_id)?;
            row.accepted = Some(req.accepted);
            row.decision_reason = Some(reason.clone());
            row.decided_by = Some(leader.id.clone());
            row.decided_at = Some(to_db(now));
            qrepo::update(c, &row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::ClarificationDecided,
                    tender_id: Some(sitting.row.tender_id.clone()),
                    section_id: Some(section.clone()),
                    actor: as_member(&actor),
                    subject: row.id.clone(),
                    body: json!({"committee": sitting.row.id, "clarification": row.id,
                        "bid": row.bid_id, "accepted": req.accepted, "reason": reason,
                        "decided_by": leader.id}),
                },
            )?;
            clarification_dto(&row, &sitting.row, &bid.row.bidder_uscc, now)
        })
        .await
}
