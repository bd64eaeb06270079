//! `POST …/committee/members/{member}/leave`: a member leaves the committee (条例48) — it must
//! recuse, falls ill or leaves — by its own request, or named by the tenderer or its agent with
//! the reason. From then on it reads nothing and its conclusions are void (`left_at` marks
//! where; its sheets are kept, marked void — `support::evaluation::void_sheets`). An expert's
//! seat in the draw goes out (`recused` or `left`) and the next reserve of its specialty is
//! called in the recorded order (`app::support::seats::replace`); the reserve joins the
//! committee when it checks in, signing the commitment like every seated expert. A leader that
//! leaves is no longer the leader: the members elect one again. A member leaving while the
//! report is being signed voids the report; once the report is complete nobody leaves.

use super::*;
use crate::app::support::evaluation;
use crate::app::support::seats::{self, Timing};
use crate::app::support::tender::is_party;
use crate::app::{Actor, AppContext};
use crate::db::repo::draws as drepo;
use crate::db::repo::tenders as trepo;
use crate::domain::authz::Permission;
use crate::domain::draw::Seat;
use crate::domain::evaluation::committee::{LeaveReason, MemberKind};
use crate::error::ErrorCode;

/// Longest note, in characters.
const NOTE_MAX: usize = 500;

pub async fn leave_committee(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    member: &str,
    req: LeaveRequest,
) -> AppResult<EvaluationCommittee> {
    let note = req.note.trim().to_string();
    if note.is_empty() || note.chars().count() > NOTE_MAX {
        return Err(AppError::field(
            "note",
            "length",
            format!("say why in 1–{NOTE_MAX} characters"),
        ));
    }
    let (tender, section, member, actor, now) = (
        tender.to_string(),
        section.to_string(),
        member.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let timing = Timing::of(&ctx.settings.experts.draws);
    let policy = ctx.settings.evaluation.policy();
    ctx.db
        .write(move |c| {
            // The draw first, then the committee: the order a reserve's check-in takes them in
            // (`support::seats::join_committee`), so that the two never wait on each other.
            let found = crepo::of_section(c, &tender, &section)?.ok_or_else(no_committee)?;
            let draw = drepo::lock(c, &found.draw_id)?.ok_or_else(no_committee)?;
            let mut row = crepo::lock_of_section(c, &tender, &section)?.ok_or_else(no_committee)?;
            let t = trepo::find_tender(c, &row.tender_id)?.ok_or_else(no_committee)?;
            let mut members = crepo::members(c, &row.id)?;
            let party =
                actor.require(Permission::ManageTenders).is_ok() && is_party(c, &actor, &t)?;
            let Some(i) = members.iter().position(|m| m.id == member) else {
                return Err(AppError::not_found("no such member of this committee"));
            };
            if members[i].principal_id != actor.id && !party {
                return Err(AppError::forbidden(
                    "a member leaves by itself, or the tenderer or its agent names it",
                ));
            }
            if !members[i].active {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "this member has left already",
                ));
            }
            if row.state().map_err(internal)? == CommitteeState::Reported {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the committee's report is complete: its work is done",
                ));
            }
            // Leaving while the report is signed voids it: the replacement evaluates afresh.
            super::reporting::void_report_of(c, &mut row, "a member left", now)?;
            let leaving = &mut members[i];
            leaving.active = false;
            leaving.left_at = Some(to_db(now));
            leaving.left_reason = Some(req.reason.as_str().into());
            leaving.left_note = Some(note.clone());
            leaving.leader_vote = None;
            let leaving = leaving.clone();
            crepo::update_member(c, &leaving)?;
            // Its sheets are void from now on (kept); a stage its departure completes is
            // revealed among those who remain, once the departure is recorded.
            let voided = evaluation::void_sheets(c, &row, &leaving.id)?;
            let was_leader = row.leader_member_id.as_deref() == Some(leaving.id.as_str());
            if was_leader {
                // A new election: the old votes elected someone who is gone.
                row.leader_member_id = None;
                row.set_state(CommitteeState::Forming);
                crepo::update(c, &row)?;
                crepo::clear_votes(c, &row.id)?;
            } else {
                for m in members.iter_mut() {
                    if m.leader_vote.as_deref() == Some(leaving.id.as_str()) {
                        m.leader_vote = None;
                        crepo::update_member(c, m)?;
                    }
                }
            }
            let mut called = None;
            if leaving.kind().map_err(internal)? == MemberKind::Expert {
                let seat = drepo::seats(c, &draw.id)?.into_iter().find(|s| {
                    s.principal_id == leaving.principal_id && s.status == Seat::CheckedIn.as_str()
                });
                if let Some(mut seat) = seat {
                    seat.set_seat(match req.reason {
                        LeaveReason::Recused => Seat::Recused,
                        LeaveReason::Ill | LeaveReason::Left => Seat::Left,
                    });
                    drepo::update_seat(c, &seat)?;
                    called = seats::replace(c, &draw, &seat, &timing, now)?;
                }
            }
            // The member itself, or the tender's tenderer or agent naming it.
            let by = if leaving.principal_id == actor.id {
                "member"
            } else {
                "tender_party"
            };
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::CommitteeMemberLeft,
                    tender_id: Some(row.tender_id.clone()),
                    section_id: Some(row.section_code.clone()),
                    actor: actor.audit_ref(),
                    subject: row.id.clone(),
                    body: json!({"committee": row.id, "member": leaving.id,
                        "person": leaving.principal_id, "kind": leaving.kind,
                        "reason": req.reason.as_str(), "note": note, "by": by,
                        "leader_cleared": was_leader, "called_rank": called,
                        "sheets_voided": voided}),
                },
            )?;
            evaluation::reveal_completed(c, &row, policy, now)?;
            // Its votes on open motions are void; the others' may now be complete.
            sitting::close_complete_motions(c, &row, now)?;
            let members = crepo::members(c, &row.id)?;
            // One fewer active member can make the votes already cast a majority.
            tally(c, &mut row, &members, now)?;
            committee_dto(c, &row, &members)
        })
        .await
}
