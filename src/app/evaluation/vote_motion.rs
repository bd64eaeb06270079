//! `POST …/motions/{motion}/votes`: an active member votes once on an open motion, while the
//! committee evaluates: for (a reason optional: the motion's grounds are its reason) or against
//! (a reason required: the dissent is written, 条例53). Votes are open among the members and
//! to regulators. When every active member has voted the motion closes, carried by a majority
//! of the active members (`Motion::decide`); a member that left before the close voted in vain.
//! `rejection_vote_cast`, then `rejection_motion_closed` with the tally.

use super::sitting::*;
use super::*;
use crate::app::{Actor, AppContext};
use crate::db::repo::motions as mrepo;
use crate::error::ErrorCode;
use crate::wire::clarifications::*;

/// Longest reason, in characters.
const REASON_MAX: usize = 2000;

pub async fn vote_motion(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    motion: &str,
    req: MotionVoteRequest,
) -> AppResult<RejectionMotion> {
    let reason = req
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    if !req.in_favour && reason.is_none() {
        return Err(AppError::field(
            "reason",
            "required",
            "a vote against gives its reason (the dissent is written, 条例53)",
        ));
    }
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > REASON_MAX)
    {
        return Err(AppError::field(
            "reason",
            "length",
            format!("at most {REASON_MAX} characters"),
        ));
    }
    let (tender, section, motion, actor, now) = (
        tender.to_string(),
        section.to_string(),
        motion.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let sitting = Sitting::lock(c, &tender, &section)?;
            let member = sitting.member(&actor, "vote on rejections")?;
            sitting.require_evaluating()?;
            let row = mrepo::of_committee(c, &sitting.row.id)?
                .into_iter()
                .find(|m| m.id == motion)
                .ok_or_else(|| AppError::not_found("no such motion of this committee"))?;
            if row.closed_at.is_some() {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "this motion is closed",
                ));
            }
            if mrepo::votes(c, &row.id)?
                .iter()
                .any(|v| v.member_id == member.id)
            {
                return Err(AppError::conflict("you have voted on this motion already"));
            }
            mrepo::insert_vote(
                c,
                &mrepo::VoteRow {
                    motion_id: row.id.clone(),
                    member_id: member.id.clone(),
                    in_favour: req.in_favour,
                    reason: reason.clone(),
                    voted_at: to_db(now),
                },
            )
            .map_err(|e| {
                if idrepo::is_unique_violation(&e) {
                    AppError::conflict("you have voted on this motion already")
                } else {
                    e.into()
                }
            })?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::RejectionVoteCast,
                    tender_id: Some(sitting.row.tender_id.clone()),
                    section_id: Some(section.clone()),
                    actor: as_member(&actor),
                    subject: row.id.clone(),
                    body: json!({"committee": sitting.row.id, "motion": row.id,
                        "bid": row.bid_id, "member": member.id, "in_favour": req.in_favour,
                        "reason": reason}),
                },
            )?;
            close_complete_motions(c, &sitting.row, now)?;
            let row = mrepo::of_committee(c, &sitting.row.id)?
                .into_iter()
                .find(|m| m.id == motion)
                .ok_or_else(no_committee)?;
            motion_dto(c, &row, &sitting.members)
        })
        .await
}
