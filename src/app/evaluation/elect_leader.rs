//! `POST …/committee/leader-votes`: an active member votes for a leader (组长) among the active
//! members; it may change its vote until one is elected by more than half of the active
//! members (`committee_leader_elected`), then further votes are refused. Every vote is audited.
//! The election starts the review: the section's licence verdicts are frozen in the same
//! transaction (docs/LICENCES.md §9), and the vote that will elect first fetches every opened
//! bidder's record from the registry, so they rest on its answer of that moment (or, when it
//! is down, on the cached record, stale, or on nothing: `unverified`).

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
    prefetch(ctx, &actor, &tender, &section, &req.member_id).await?;
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

/// When this vote would elect the leader of a section with licence requirements whose verdicts
/// are not frozen yet: fetches every opened bidder's record now (outside any transaction; each
/// fetch recorded and audited, caused by the voter). Anything else fetches nothing; a refused
/// vote is refused by the write that follows.
async fn prefetch(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    candidate: &str,
) -> AppResult<()> {
    let (t, s, voter, candidate) = (
        tender.to_string(),
        section.to_string(),
        actor.id.clone(),
        candidate.to_string(),
    );
    let usccs = ctx
        .db
        .read(move |c| {
            let none = Ok(Vec::new());
            let Some(row) = crepo::of_section(c, &t, &s)? else {
                return none;
            };
            let members = crepo::members(c, &row.id)?;
            let forming = row.state().map_err(internal)? == CommitteeState::Forming;
            if !forming || active_member_of(&members, &voter).is_none() {
                return none;
            }
            let active: Vec<&crepo::MemberRow> = members.iter().filter(|m| m.active).collect();
            let votes = active.iter().map(|m| {
                if m.principal_id == voter {
                    Some(candidate.as_str())
                } else {
                    m.leader_vote.as_deref()
                }
            });
            if rules::elected(active.len(), votes.flatten()).is_none() {
                return none;
            }
            if crate::db::repo::licences::frozen(c, &t, &s)?.is_some() {
                return none;
            }
            let tender = crate::db::repo::tenders::find_tender(c, &t)?.ok_or_else(no_committee)?;
            let draft = crate::app::support::tender::published_draft(c, &tender)?;
            let wanted = draft
                .sections
                .iter()
                .any(|x| x.code == s && !x.licence_requirements.is_empty());
            if !wanted {
                return none;
            }
            let mut usccs: Vec<String> = crate::app::support::evaluation::opened_bids(c, &t, &s)?
                .into_iter()
                .map(|b| b.bidder)
                .collect();
            usccs.sort();
            usccs.dedup();
            Ok(usccs)
        })
        .await?;
    let by = ActorRef {
        role: "committee_member".into(),
        id: actor.id.clone(),
    };
    for uscc in usccs {
        crate::app::support::licences::fetch(ctx, by.clone(), &uscc).await?;
    }
    Ok(())
}
