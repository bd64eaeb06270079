//! Seats of a draw that more than one stage moves: calling the next reserve when a seated
//! member is out (the draws stage for declines, lapses, recusals at check-in and absences; the
//! evaluation stage when a member leaves the formed committee, 条例48, and the award stage when
//! a drawn award-committee member leaves before the deciding), telling a member it
//! holds a seat, and the seats' time limits. A stage never imports another: both call this.

use crate::app::support::errors::internal;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::draws as repo;
use crate::db::repo::experts as xrepo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::draw::{self as rules, checkin, Seat};
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use serde_json::json;

/// The time limits of draws' seats, from `[experts.draws]`.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub answer_minutes: u32,
    pub checkin_open_minutes: u32,
    pub checkin_close_minutes: u32,
}

impl Timing {
    pub fn of(s: &crate::config::DrawSettings) -> Timing {
        Timing {
            answer_minutes: s.answer_minutes,
            checkin_open_minutes: s.checkin_open_minutes,
            checkin_close_minutes: s.checkin_close_minutes,
        }
    }

    /// By when a member called at `now` must check in.
    pub fn checkin_due(&self, draw: &repo::DrawRow, now: DateTime<Utc>) -> DateTime<Utc> {
        checkin::due(
            from_db(draw.evaluation_at),
            now,
            self.checkin_open_minutes,
            self.checkin_close_minutes,
        )
    }

    /// By when a seat must check in (seats called before check-in existed: the window's end).
    pub fn seat_checkin_due(&self, draw: &repo::DrawRow, seat: &repo::SeatRow) -> DateTime<Utc> {
        seat.checkin_by.map(from_db).unwrap_or_else(|| {
            from_db(draw.evaluation_at)
                + chrono::Duration::minutes(i64::from(self.checkin_close_minutes))
        })
    }
}

/// Tells a member it holds a seat (sealed event, outbox mail to its contact address).
pub fn notify(
    c: &mut AnyConnection,
    draw: &repo::DrawRow,
    seat: &repo::SeatRow,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::DrawSeatNotified,
            tender_id: None,
            section_id: None,
            actor: ActorRef::system(),
            subject: seat.principal_id.clone(),
            body: json!({"draw": draw.id, "group": seat.group_code, "rank": seat.rank,
                "member": seat.expert_id, "answer_by": seat.answer_by.map(from_db)}),
        },
    )?;
    let award = draw.purpose == rules::Purpose::AwardCommittee.as_str();
    if let Some(member) = xrepo::find(c, &seat.expert_id)? {
        let answer_by = seat.answer_by.map(from_db).map(|t| t.to_rfc3339());
        crate::mail::enqueue(
            c,
            now,
            crate::mail::OutgoingMail {
                to: member.email,
                subject: if award {
                    "定标委员抽取通知 / You have been drawn for an award committee".into()
                } else {
                    "评标专家抽取通知 / You have been drawn for an evaluation".into()
                },
                body: format!(
                    "You have been drawn ({}) for {} on {} at {}.\n\
                     Confirm or decline before {} (GET /api/v1/me/draw-seats).\n",
                    seat.group_code,
                    if award {
                        "an award committee (定标委员会)"
                    } else {
                        "an evaluation"
                    },
                    from_db(draw.evaluation_at).to_rfc3339(),
                    draw.place,
                    answer_by.unwrap_or_default()
                ),
                kind: "draw_seat".into(),
                tender_id: None,
            },
        )?;
    }
    Ok(())
}

/// Calls the next waiting reserve of `seat`'s group, in the recorded draw order, for the seat
/// that is out, and logs the replacement in the tender's chain by ranks only
/// (`draw_seat_replaced`: the names stay sealed until the reveal, and the offline verifier
/// checks the order, docs/DRAWS.md §9). Returns the rank called, if a reserve was left.
pub fn replace(
    c: &mut AnyConnection,
    draw: &repo::DrawRow,
    seat: &repo::SeatRow,
    timing: &Timing,
    now: DateTime<Utc>,
) -> AppResult<Option<i32>> {
    let mut group: Vec<repo::SeatRow> = repo::seats(c, &draw.id)?
        .into_iter()
        .filter(|s| s.group_code == seat.group_code)
        .collect();
    let states = group
        .iter()
        .map(|s| s.seat().map_err(internal))
        .collect::<AppResult<Vec<_>>>()?;
    let mut called = None;
    if let Some(i) = rules::next_reserve(&states) {
        let next = &mut group[i];
        next.set_seat(Seat::Notified);
        next.answer_by = Some(to_db(
            now + chrono::Duration::minutes(i64::from(timing.answer_minutes)),
        ));
        next.checkin_by = Some(to_db(timing.checkin_due(draw, now)));
        repo::update_seat(c, next)?;
        notify(c, draw, next, now)?;
        called = Some(next.rank);
    }
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::DrawSeatReplaced,
            tender_id: Some(draw.tender_id.clone()),
            section_id: Some(draw.section_code.clone()),
            actor: ActorRef::system(),
            subject: draw.id.clone(),
            body: json!({"draw": draw.id, "group": seat.group_code, "out_rank": seat.rank,
                "reason": seat.status, "called_rank": called}),
        },
    )?;
    Ok(called)
}

/// Whether every specialty of `draw` has its count checked in (the committee can be formed).
pub fn complete(draw: &repo::DrawRow, seats: &[repo::SeatRow]) -> AppResult<bool> {
    // The row's outline: the frame itself is kept only in its audit entry (docs/DRAWS.md §8).
    let outline: Vec<rules::GroupOutline> =
        serde_json::from_str(&draw.outline).map_err(internal)?;
    for g in &outline {
        let mut n = 0usize;
        for s in seats.iter().filter(|s| s.group_code == g.code) {
            if s.seat().map_err(internal)? == Seat::CheckedIn {
                n += 1;
            }
        }
        if n < g.count as usize {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A member of `draw` has just checked in: when the section's committee is already formed
/// (the member is a reserve called for one who left it), it joins the committee, taking the
/// seat of the earliest member of its specialty that left unreplaced (`committee_member_joined`).
/// Before the committee is formed nothing happens: the formation takes every checked-in seat.
pub fn join_committee(
    c: &mut AnyConnection,
    draw: &repo::DrawRow,
    seat: &repo::SeatRow,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use crate::db::repo::committees as crepo;
    use crate::domain::evaluation::committee::MemberKind;
    if draw.purpose == rules::Purpose::AwardCommittee.as_str() {
        // A reserve called for a member who left a formed award committee.
        return crate::app::support::award_committee::join_from_draw(c, draw, seat, now);
    }
    let Some(committee) = crepo::lock_of_draw(c, &draw.id)? else {
        return Ok(());
    };
    let members = crepo::members(c, &committee.id)?;
    if members.iter().any(|m| m.principal_id == seat.principal_id) {
        return Ok(());
    }
    let id = uuid::Uuid::now_v7().to_string();
    crepo::insert_member(
        c,
        &crepo::MemberRow {
            id: id.clone(),
            committee_id: committee.id.clone(),
            principal_id: seat.principal_id.clone(),
            kind: MemberKind::Expert.as_str().into(),
            expert_id: Some(seat.expert_id.clone()),
            specialty: Some(seat.group_code.clone()),
            active: true,
            joined_at: to_db(now),
            left_at: None,
            left_reason: None,
            left_note: None,
            replaced_by: None,
            leader_vote: None,
        },
    )?;
    let mut replaces = None;
    if let Some(mut gone) = members.into_iter().find(|m| {
        !m.active
            && m.replaced_by.is_none()
            && m.kind == MemberKind::Expert.as_str()
            && m.specialty.as_deref() == Some(seat.group_code.as_str())
    }) {
        gone.replaced_by = Some(id.clone());
        crepo::update_member(c, &gone)?;
        replaces = Some(gone.id);
    }
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::CommitteeMemberJoined,
            tender_id: Some(committee.tender_id.clone()),
            section_id: Some(committee.section_code.clone()),
            actor: ActorRef::system(),
            subject: committee.id.clone(),
            body: json!({"committee": committee.id, "member": id, "person": seat.principal_id,
                "kind": MemberKind::Expert.as_str(), "expert": seat.expert_id,
                "specialty": seat.group_code, "draw": draw.id, "rank": seat.rank,
                "replaces": replaces}),
        },
    )?;
    Ok(())
}
