//! `POST …/sections/{section}/motions`: an active member proposes, while the committee
//! evaluates, to reject an opened bid on a judged statutory ground (否决投标, 条例51) with its
//! written grounds. A code that is no statutory reason, or an automatic one (`price_above_cap`,
//! `multiple_bids_or_prices`: facts of the opening record, not votes), or no grounds, is
//! `rejection_reason_required`. A bid rejected already, or with a motion open, is `conflict`.
//! Every active member then votes (`vote_motion`); `rejection_motion_proposed` is audited.

use super::sitting::*;
use super::*;
use crate::app::{Actor, AppContext};
use crate::db::repo::motions as mrepo;
use crate::domain::evaluation::rejection::{Motion, RejectionReason};
use crate::domain::evaluation::EvaluationError;
use crate::error::FieldError;
use crate::wire::clarifications::*;

/// Longest statement, in characters.
const STATEMENT_MAX: usize = 4000;

pub async fn propose_motion(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: ProposeMotionRequest,
) -> AppResult<RejectionMotion> {
    let reason = RejectionReason::parse(req.reason.trim());
    let motion = Motion {
        bid: req.bid_id.clone(),
        reason: reason.unwrap_or(RejectionReason::NotResponsive),
        written_reason: req.statement.trim().to_string(),
    };
    let refused = |field: &str, code: &str, msg: &str| {
        let mut e = crate::app::support::errors::evaluation_error(
            EvaluationError::RejectionReasonRequired {
                bid: req.bid_id.clone(),
            },
        );
        e.errors = vec![FieldError::new(field, code, msg)];
        e
    };
    match reason {
        None => {
            return Err(refused(
                "reason",
                "not_statutory",
                "not a statutory rejection reason code (条例51, 34, 37)",
            ))
        }
        Some(r) if r.is_automatic() => {
            return Err(refused(
                "reason",
                "automatic",
                "this ground is found from the opening record, not voted on",
            ))
        }
        _ => {}
    }
    if motion.check().is_err() || motion.written_reason.chars().count() > STATEMENT_MAX {
        return Err(refused(
            "statement",
            "length",
            &format!("the written grounds, 1–{STATEMENT_MAX} characters"),
        ));
    }
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let sitting = Sitting::lock(c, &tender, &section)?;
            let member = sitting.member(&actor, "propose rejections")?;
            sitting.require_evaluating()?;
            let bid = opened_bid(c, &sitting.tender.id, &section, &motion.bid)?;
            require_in_play(c, &sitting, &bid.row.id)?;
            let open = mrepo::of_committee(c, &sitting.row.id)?
                .into_iter()
                .any(|m| m.bid_id == bid.row.id && m.closed_at.is_none());
            if open {
                return Err(AppError::conflict(
                    "a motion to reject this bid is open already",
                ));
            }
            let row = mrepo::MotionRow {
                id: uuid::Uuid::now_v7().to_string(),
                committee_id: sitting.row.id.clone(),
                bid_id: bid.row.id.clone(),
                reason: motion.reason.as_str().into(),
                statement: motion.written_reason.clone(),
                proposed_by: member.id.clone(),
                proposed_at: to_db(now),
                closed_at: None,
                carried: None,
            };
            mrepo::insert(c, &row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::RejectionMotionProposed,
                    tender_id: Some(sitting.row.tender_id.clone()),
                    section_id: Some(section.clone()),
                    actor: as_member(&actor),
                    subject: row.id.clone(),
                    body: json!({"committee": sitting.row.id, "motion": row.id,
                        "bid": row.bid_id, "reason": row.reason,
                        "article": motion.reason.article(), "statement": row.statement,
                        "proposed_by": member.id}),
                },
            )?;
            motion_dto(c, &row, &sitting.members)
        })
        .await
}
