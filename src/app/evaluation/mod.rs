//! The evaluation (评标, issue 13): after the opening the section's bids are evaluated by its
//! committee. Opened bids are readable by those the law allows and by nobody else, every read
//! in the audit log; the committee is formed from the draw's checked-in experts and the
//! tenderer's representatives, elects its leader, and a member who leaves is replaced from the
//! draw's reserves; its members sign their sheets stage by stage, hidden from each other until
//! all are in; the leader generates the report from what was recorded, the members sign it or
//! dissent, and the tender moves on (docs/EVALUATION.md).

mod answer_clarification;
mod ask_clarification;
mod ask_more_time;
mod clarifications;
mod collusion_signals;
mod committee;
mod decide_clarification;
mod deviation_flags;
mod elect_leader;
mod extend_time;
mod file_deviation_reason;
mod form_committee;
mod generate_report;
mod inputs;
mod leave_committee;
mod licence_review;
mod motions;
mod my_sheets;
mod propose_motion;
mod read_bid_part;
mod replace_representative;
mod report;
mod reporting;
mod sign_report;
mod sitting;
mod stage_sheets;
mod submit_sheet;
mod tick;
mod vote_motion;

pub use answer_clarification::*;
pub use ask_clarification::*;
pub use ask_more_time::*;
pub use clarifications::*;
pub use collusion_signals::*;
pub use committee::*;
pub use decide_clarification::*;
pub use deviation_flags::*;
pub use elect_leader::*;
pub use extend_time::*;
pub use file_deviation_reason::*;
pub use form_committee::*;
pub use generate_report::*;
pub use leave_committee::*;
pub use licence_review::*;
pub use motions::*;
pub use my_sheets::*;
pub use propose_motion::*;
pub use read_bid_part::*;
pub use replace_representative::*;
pub use report::*;
pub use sign_report::*;
pub use stage_sheets::*;
pub use submit_sheet::*;
pub use tick::*;
pub use vote_motion::*;

use crate::app::support::errors::internal;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::committees as crepo;
use crate::db::repo::identity as idrepo;
use crate::db::types::{from_db, to_db, unsigned};
use crate::db::AnyConnection;
use crate::domain::evaluation::committee::{self as rules, CommitteeState};
use crate::error::{AppError, AppResult};
use crate::wire::evaluation::*;
use chrono::{DateTime, Utc};
use serde_json::json;

fn no_committee() -> AppError {
    AppError::not_found("no committee for this section")
}

/// The committee as its viewers see it.
fn committee_dto(
    c: &mut AnyConnection,
    row: &crepo::CommitteeRow,
    members: &[crepo::MemberRow],
) -> AppResult<EvaluationCommittee> {
    let votes_for = |id: &str| {
        members
            .iter()
            .filter(|m| m.active && m.leader_vote.as_deref() == Some(id))
            .count()
    };
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        let name = idrepo::find_person(c, &m.principal_id)?
            .map(|p| p.name)
            .unwrap_or_default();
        out.push(CommitteeMember {
            id: m.id.clone(),
            person_id: m.principal_id.clone(),
            name,
            kind: m.kind().map_err(internal)?,
            expert_id: m.expert_id.clone(),
            specialty: m.specialty.clone(),
            active: m.active,
            joined_at: from_db(m.joined_at),
            left_at: m.left_at.map(from_db),
            left_reason: m.left_reason().map_err(internal)?,
            replaced_by: m.replaced_by.clone(),
            votes: u32::try_from(votes_for(&m.id)).unwrap_or(u32::MAX),
        });
    }
    Ok(EvaluationCommittee {
        id: row.id.clone(),
        tender_id: row.tender_id.clone(),
        section: row.section_code.clone(),
        draw_id: row.draw_id.clone(),
        state: row.state().map_err(internal)?,
        leader: row.leader_member_id.clone(),
        formed_at: from_db(row.formed_at),
        min_members: unsigned(row.min_members),
        votes_cast: u32::try_from(
            members
                .iter()
                .filter(|m| m.active && m.leader_vote.is_some())
                .count(),
        )
        .unwrap_or(u32::MAX),
        members: out,
        time_requests: u32::try_from(
            crepo::time_requests(c, &row.id)?
                .iter()
                .filter(|r| members.iter().any(|m| m.active && m.id == r.member_id))
                .count(),
        )
        .unwrap_or(u32::MAX),
        extension_required_at: row.extension_required_at.map(from_db),
        extended_until: row.extended_until.map(from_db),
    })
}

/// Counts the current election: when more than half of the active members vote for one
/// active member, it is the leader (`committee_leader_elected`) and the committee evaluates.
fn tally(
    c: &mut AnyConnection,
    row: &mut crepo::CommitteeRow,
    members: &[crepo::MemberRow],
    now: DateTime<Utc>,
) -> AppResult<()> {
    if row.state().map_err(internal)? != CommitteeState::Forming {
        return Ok(());
    }
    let active: Vec<&crepo::MemberRow> = members.iter().filter(|m| m.active).collect();
    let votes = active.iter().filter_map(|m| m.leader_vote.as_deref());
    let Some(leader) = rules::elected(active.len(), votes).map(str::to_string) else {
        return Ok(());
    };
    let count = active
        .iter()
        .filter(|m| m.leader_vote.as_deref() == Some(leader.as_str()))
        .count();
    row.leader_member_id = Some(leader.clone());
    row.set_state(CommitteeState::Evaluating);
    crepo::update(c, row)?;
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::CommitteeLeaderElected,
            tender_id: Some(row.tender_id.clone()),
            section_id: Some(row.section_code.clone()),
            actor: ActorRef::system(),
            subject: row.id.clone(),
            body: json!({"committee": row.id, "leader": leader, "votes": count,
                "active_members": active.len(),
                "voters": active.iter().filter(|m| m.leader_vote.as_deref()
                    == Some(leader.as_str())).map(|m| m.id.clone()).collect::<Vec<_>>()}),
        },
    )?;
    // The review starts now: the licence verdicts are frozen before any sheet can be in.
    crate::app::support::licences::freeze(c, row, now)?;
    Ok(())
}

/// The caller's active membership of `committee`, if any.
fn active_member_of<'a>(
    members: &'a [crepo::MemberRow],
    principal: &str,
) -> Option<&'a crepo::MemberRow> {
    members
        .iter()
        .find(|m| m.active && m.principal_id == principal)
}

/// A sheet as its readers see it.
fn sheet_dto(row: &crate::db::repo::sheets::SheetRow) -> AppResult<EvaluationSheet> {
    Ok(EvaluationSheet {
        id: row.id.clone(),
        member_id: row.member_id.clone(),
        person_id: row.principal_id.clone(),
        stage: row.stage()?,
        sheet: crate::app::support::json::parse_json(&row.body, "sheet")?,
        statement_sha256: row.statement_sha256.clone(),
        signature: row.signature.clone(),
        signature_algorithm: row.signature_algorithm.clone(),
        signer_fingerprint: row.signer_fingerprint.clone(),
        submitted_at: from_db(row.submitted_at),
        revealed_at: row.revealed_at.map(from_db),
        void: row.void,
    })
}

/// The section's committee and the caller's membership (present or past); regulators see
/// without one. Anyone else learns nothing, not even that the committee exists.
fn committee_for_reader(
    c: &mut AnyConnection,
    actor: &crate::app::Actor,
    tender: &str,
    section: &str,
) -> AppResult<(crepo::CommitteeRow, Option<crepo::MemberRow>)> {
    let row = crepo::of_section(c, tender, section)?.ok_or_else(no_committee)?;
    let me = crepo::members(c, &row.id)?
        .into_iter()
        .find(|m| m.principal_id == actor.id);
    if me.is_none() && !actor.has(crate::domain::identity::Role::Regulator) {
        return Err(no_committee());
    }
    Ok((row, me))
}
