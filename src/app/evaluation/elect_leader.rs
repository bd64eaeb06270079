//! `POST …/committee/leader-votes`: an active member votes for a leader (组长) among the active
//! members; it may change its vote until one is elected by more than half of the active
//! members (`committee_leader_elected`), then further votes are refused. Every vote is audited.

use super::*;
use crate::app::{Actor, AppContext};
use crate::error::{ErrorCode, FieldError};

pub async fn elect_leader(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: LeaderVoteRequest,
) -> AppResult<EvaluationCommittee> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let mut row = crepo::lock_of_section(c, &tender, &section)?.ok_or_else(no_committee)?;
            let mut members = crepo::members(c, &row.id)?;
            let voter = active_member_of(&members, &actor.id)
                .map(|m| m.id.clone())
                .ok_or_else(|| {
                    AppError::forbidden("only the committee's active members elect its leader")
                })?;
            if row.state().map_err(internal)? != CommitteeState::Forming {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the leader is elected already",
                ));
            }
            if !members.iter().any(|m| m.active && m.id == req.member_id) {
                return Err(AppError::validation(vec![FieldError::new(
                    "member_id",
                    "not_an_active_member",
                    "vote for an active member of this committee",
                )]));
            }
            let m = members
                .iter_mut()
                .find(|m| m.id == voter)
                .ok_or_else(no_committee)?;
            let previous = m.leader_vote.replace(req.member_id.clone());
            crepo::update_member(c, m)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::CommitteeLeaderVoted,
                    tender_id: Some(row.tender_id.clone()),
                    section_id: Some(row.section_code.clone()),
                    actor: actor.audit_ref(),
                    subject: row.id.clone(),
                    body: json!({"committee": row.id, "voter": voter, "for": req.member_id,
                        "previous": previous}),
                },
            )?;
            tally(c, &mut row, &members, now)?;
            committee_dto(c, &row, &members)
        })
        .await
}
