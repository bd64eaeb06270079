//! `POST …/award/committee/members/{person}/leave`: the tenderer or its agent records that a
//! member of the formed award committee leaves — a conflict of interest found, ill or
//! unreachable, or recused — while the committee is formed and before the deciding starts (the
//! 定标会议 convened). The seat is filled the way it was filled: a drawn seat by the award
//! draw's next reserve, called in the recorded order (`support::seats::replace`, as for a
//! member leaving the evaluation committee) who joins when it checks in and signs the award
//! pledge (`support::award_committee::join_from_draw`); an appointed seat by a member the
//! tenderer appoints (`appoint_replacement`). The roster changes, so the earlier witness no
//! longer covers it: the section is back at `committee` until the supervising regulator has
//! witnessed the new roster (`witness_committee`). A chair who leaves names its successor among
//! those who stay.
//!
//! Once the deciding has started nobody is replaced (`award_deciding_started`): a member who
//! no longer votes is recorded with missing ballots, as §2 of docs/AWARD.md has it.

use super::*;
use crate::app::support::award as award_support;
use crate::app::support::award_committee::{roster_changed, roster_json};
use crate::app::support::publicity::{self, Change};
use crate::app::support::seats::{self, Timing};
use crate::app::support::tender::load_as_party;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::award_rounds as rrepo;
use crate::db::repo::draws as drepo;
use crate::db::types::to_db;
use crate::domain::award::committee::{Appointment, AwardLeaveReason, MemberRole};
use crate::domain::award::stage::StageEvent;
use crate::domain::draw::Seat;
use serde_json::json;

/// Longest note, in characters.
const NOTE_MAX: usize = 500;

pub async fn member_leaves(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    person: &str,
    req: AwardMemberLeaves,
) -> AppResult<AwardCommittee> {
    let note = req.note.trim().to_string();
    if note.is_empty() || note.chars().count() > NOTE_MAX {
        return Err(AppError::field(
            "note",
            "length",
            format!("say what happened in 1–{NOTE_MAX} characters"),
        ));
    }
    let (tender, section, person, actor, now) = (
        tender.to_string(),
        section.to_string(),
        person.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let timing = Timing::of(&ctx.settings.experts.draws);
    ctx.db
        .write(move |c| {
            let t = load_as_party(c, &actor, &tender)?;
            let mut award = award_support::load(c, &t.id, &section)?;
            let round = award.row.award_round;
            require_not_started(c, &award, round)?;
            let mut committee =
                acrepo::committee_of(c, &t.id, &section, round)?.ok_or_else(|| {
                    AppError::new(
                        ErrorCode::InvalidStateTransition,
                        "the award committee is not formed yet",
                    )
                })?;
            let mut records = acrepo::records(c, &t.id, &section, round)?;
            let Some(i) = records.iter().position(|m| m.person_id == person) else {
                return Err(AppError::not_found(
                    "no such member of this award committee",
                ));
            };
            if !records[i].active {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "this member has left already",
                ));
            }
            let was_chair = records[i].role()? == MemberRole::Chair;
            let new_chair = match (was_chair, req.chair.as_deref().map(str::trim)) {
                (true, Some(p)) if p != person => {
                    let Some(j) = records.iter().position(|m| m.active && m.person_id == p) else {
                        return Err(AppError::field(
                            "chair",
                            "not_a_member",
                            "the new chair is one of the members who stay",
                        ));
                    };
                    Some(j)
                }
                (true, _) => {
                    return Err(AppError::field(
                        "chair",
                        "required",
                        "the chair leaves: name the new chair among the members who stay",
                    ))
                }
                (false, None) => None,
                (false, Some(_)) => {
                    return Err(AppError::field(
                        "chair",
                        "not_allowed",
                        "the chair stays; only a chair who leaves is succeeded",
                    ))
                }
            };
            let leaving = &mut records[i];
            leaving.active = false;
            leaving.left_at = Some(to_db(now));
            leaving.left_reason = Some(req.reason.as_str().into());
            if was_chair {
                leaving.role = MemberRole::Member.as_str().into();
            }
            let leaving = leaving.clone();
            acrepo::update_member(c, &leaving)?;
            if let Some(j) = new_chair {
                records[j].role = MemberRole::Chair.as_str().into();
                acrepo::update_member(c, &records[j])?;
            }
            // A drawn seat goes out in its draw and the next reserve is called.
            let (mut out_rank, mut called) = (None, None);
            if leaving.how()? == Appointment::Drawn {
                let draw_id = leaving.draw_id.clone().unwrap_or_default();
                let draw = drepo::lock(c, &draw_id)?
                    .ok_or_else(|| internal(anyhow::anyhow!("award draw {draw_id}")))?;
                let seat = drepo::seats(c, &draw.id)?.into_iter().find(|s| {
                    s.principal_id == leaving.person_id && s.status == Seat::CheckedIn.as_str()
                });
                if let Some(mut seat) = seat {
                    seat.set_seat(match req.reason {
                        AwardLeaveReason::ConflictFound | AwardLeaveReason::Recused => {
                            Seat::Recused
                        }
                        AwardLeaveReason::Unreachable => Seat::Left,
                    });
                    drepo::update_seat(c, &seat)?;
                    out_rank = Some(seat.rank);
                    called = seats::replace(c, &draw, &seat, &timing, now)?;
                }
            }
            let roster = roster_changed(c, &mut committee)?;
            let stage = award_support::advance(c, now, &mut award, &StageEvent::ReplaceMember)?;
            let body = json!({"tender": t.id, "section": section, "award_round": round,
                "person": leaving.person_id, "member": leaving.member_id, "how": leaving.how,
                "chair": was_chair, "new_chair": new_chair.map(|j| &records[j].person_id),
                "reason": req.reason, "note": note, "draw": leaving.draw_id,
                "out_rank": out_rank, "called_rank": called,
                "roster_sha256": committee.roster_sha256, "roster": roster_json(&roster),
                "stage": stage});
            let change = Change::new(actor.audit_ref(), EventType::AwardCommitteeMemberLeft, body)
                .in_section(&section);
            publicity::event(c, now, &t.id, change)?;
            committee_dto(c, &committee, award.section.award_committee_rule())
        })
        .await
}

/// A member is replaced only while the committee is formed and its deciding has not started:
/// the section at `committee`, or at `deciding` with no step opened. Later the deciding has
/// started (`award_deciding_started`); elsewhere the award is at another stage (`award_stage`).
pub(super) fn require_not_started(
    c: &mut AnyConnection,
    award: &award_support::Award,
    round: i32,
) -> AppResult<()> {
    let started = || {
        AppError::new(
            ErrorCode::AwardDecidingStarted,
            "the 定标会议 is convened: a member who leaves now is not replaced, its ballots are \
             recorded as missing",
        )
    };
    match award.stage {
        AwardStage::Committee => Ok(()),
        AwardStage::Deciding => {
            let (t, s) = (&award.row.tender_id, &award.row.section_code);
            if rrepo::steps(c, t, s, round)?.is_empty() {
                Ok(())
            } else {
                Err(started())
            }
        }
        AwardStage::Reporting | AwardStage::Publicity | AwardStage::Notified => Err(started()),
        other => require_stage(other, AwardStage::Committee, "replacing a member"),
    }
}
