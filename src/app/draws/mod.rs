//! Drawing the evaluation committee's experts (随机抽取, 条例46–48) through the one verifiable
//! mechanism of `domain::draw` (docs/DRAWS.md): the tenderer or agent requests a draw, the
//! platform freezes the eligible experts and commits to its secret, the supervising regulator
//! contributes its own random value, and the draw is made; drawn experts confirm or decline and
//! reserves are called in the recorded order; when the evaluation starts the secret and every
//! seat are published in the tender's audit chain, so that anyone can replay the draw.
//!
//! Who sees names: before the reveal, each member its own seat and nobody else — not the
//! tenderer, the agent, bidders, the public or regulators (their events are sealed, the draw's
//! result is logged only as a digest). Afterwards, the tender's parties and overseers.

mod answer;
mod check_in;
mod committee;
mod contribute;
mod my_seats;
mod request;
mod tick;
mod view;

use crate::app::support::errors::*;
pub use crate::app::support::lottery::logged_frame;
use crate::app::support::lottery::{self, contributions_of, frame_of, hex32};
use crate::app::support::seats::{notify, replace, Timing};
use crate::app::Actor;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::draws as repo;
use crate::db::repo::experts as xrepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, to_db, unsigned};
use crate::db::AnyConnection;
use crate::domain::draw::{self as rules, checkin, DrawState, Frame, Purpose, Seat};
use crate::error::{AppError, AppResult};
use crate::wire::draws::*;
pub use answer::*;
pub use check_in::*;
use chrono::{DateTime, Utc};
pub use committee::*;
pub use contribute::*;
pub use my_seats::*;
pub use request::*;
use serde_json::json;
pub use tick::*;
pub use view::*;

fn outline_of(row: &repo::DrawRow) -> AppResult<Vec<rules::GroupOutline>> {
    serde_json::from_str(&row.outline).map_err(internal)
}

/// Makes the draw from the frame, the secret and the contributions recorded: seats every
/// member in draw order, notifies the drawn ones, logs the result as a digest only.
fn make_draw(
    c: &mut AnyConnection,
    timing: &Timing,
    row: &mut repo::DrawRow,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if purpose_of(row)? == Purpose::Lottery {
        return lottery::make(c, row, now);
    }
    let frame = frame_of(c, row)?;
    let contributions = contributions_of(&repo::contributions(c, &row.id)?)?;
    let seed = rules::seed(
        &hex32(&row.frame_digest)?,
        &hex32(&row.secret)?,
        &contributions,
    );
    let result = rules::select(&frame, &seed);
    let member_ids: Vec<&str> = result
        .iter()
        .flat_map(|g| g.drawn.iter().chain(&g.reserves))
        .map(String::as_str)
        .collect();
    let principals = principals_of(c, &member_ids)?;
    let answer_by = now + chrono::Duration::minutes(i64::from(timing.answer_minutes));
    let checkin_by = timing.checkin_due(row, now);
    for g in &result {
        let order = g.drawn.iter().map(|m| (m, true));
        let order = order.chain(g.reserves.iter().map(|m| (m, false)));
        for (rank, (member, drawn)) in order.enumerate() {
            let mut seat = repo::SeatRow {
                draw_id: row.id.clone(),
                group_code: g.group.clone(),
                rank: i32::try_from(rank).unwrap_or(i32::MAX),
                expert_id: member.clone(),
                principal_id: principals
                    .iter()
                    .find(|(m, _)| m == member)
                    .map(|(_, p)| p.clone())
                    .ok_or_else(|| internal(anyhow::anyhow!("member {member} vanished")))?,
                status: Seat::Waiting.as_str().into(),
                answer_by: None,
                answered_at: None,
                checkin_by: None,
            };
            if drawn {
                seat.set_seat(Seat::Notified);
                seat.answer_by = Some(to_db(answer_by));
                seat.checkin_by = Some(to_db(checkin_by));
            }
            repo::insert_seat(c, &seat)?;
            if drawn {
                notify(c, row, &seat, now)?;
            }
        }
    }
    let digest = hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        serde_json::to_string(&result).map_err(internal)?.as_bytes(),
    ));
    row.set_state(DrawState::Drawn);
    row.drawn_at = Some(to_db(now));
    repo::update(c, row)?;
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::DrawMade,
            tender_id: Some(row.tender_id.clone()),
            section_id: Some(row.section_code.clone()),
            actor: ActorRef::system(),
            subject: row.id.clone(),
            body: json!({"draw": row.id, "result_sha256": digest,
                "seats": member_ids.len(), "contributions": contributions.len()}),
        },
    )?;
    Ok(())
}

fn principals_of(c: &mut AnyConnection, members: &[&str]) -> AppResult<Vec<(String, String)>> {
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        let row = xrepo::find(c, m)?
            .ok_or_else(|| internal(anyhow::anyhow!("member {m} is in a frame but gone")))?;
        out.push((row.id, row.principal_id));
    }
    Ok(out)
}

/// A seated member dropped out (`out`: declined, lapsed): records it and calls the next
/// waiting reserve of the same group, if any.
fn drop_out(
    c: &mut AnyConnection,
    draw: &repo::DrawRow,
    seat: &mut repo::SeatRow,
    out: Seat,
    by: ActorRef,
    timing: &Timing,
    now: DateTime<Utc>,
) -> AppResult<()> {
    seat.set_seat(out);
    seat.answered_at = Some(to_db(now));
    repo::update_seat(c, seat)?;
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::DrawAnswered,
            tender_id: None,
            section_id: None,
            actor: by,
            subject: seat.principal_id.clone(),
            body: json!({"draw": draw.id, "group": seat.group_code, "rank": seat.rank,
                "member": seat.expert_id, "seat": out.as_str()}),
        },
    )?;
    replace(c, draw, seat, timing, now).map(|_| ())
}

/// Whether `actor` sees the draw of this tender at all (its parties and overseers).
fn may_view(c: &mut AnyConnection, actor: &Actor, tender: &trepo::TenderRow) -> AppResult<bool> {
    use crate::domain::identity::Role;
    Ok(actor.has(Role::Regulator)
        || actor.has(Role::Administrator)
        || crate::app::support::tender::is_party(c, actor, tender)?)
}

fn purpose_of(row: &repo::DrawRow) -> AppResult<Purpose> {
    Purpose::parse(&row.purpose).ok_or_else(|| internal(anyhow::anyhow!("draw {}", row.id)))
}

fn draw_dto(
    row: &repo::DrawRow,
    contributions: &[repo::ContributionRow],
    seats: &[repo::SeatRow],
) -> AppResult<Draw> {
    let state = row.state().map_err(internal)?;
    let revealed = state == DrawState::Revealed;
    let groups = outline_of(row)?
        .into_iter()
        .map(|g| {
            let seats = revealed.then(|| {
                seats
                    .iter()
                    .filter(|s| s.group_code == g.code)
                    .map(|s| {
                        Ok(SeatView {
                            rank: unsigned(s.rank),
                            member_id: s.expert_id.clone(),
                            person_id: s.principal_id.clone(),
                            seat: s.seat().map_err(internal)?,
                            answered_at: s.answered_at.map(from_db),
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()
            });
            Ok(DrawGroupView {
                specialty: g.code.clone(),
                count: g.count,
                reserves: g.reserves,
                candidates: g.candidates,
                seats: seats.transpose()?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Draw {
        id: row.id.clone(),
        purpose: purpose_of(row)?,
        tender_id: row.tender_id.clone(),
        section: row.section_code.clone(),
        state,
        requested_at: from_db(row.requested_at),
        evaluation_at: from_db(row.evaluation_at),
        place: row.place.clone(),
        remote: row.remote,
        frame_digest: row.frame_digest.clone(),
        commitment: row.commitment.clone(),
        contribute_by: from_db(row.contribute_by),
        groups,
        contributions: contributions
            .iter()
            .map(|c| ContributionView {
                contributor: c.contributor.clone(),
                value: c.value.clone(),
                contributed_at: from_db(c.contributed_at),
            })
            .collect(),
        secret: revealed.then(|| row.secret.clone()),
        drawn_at: row.drawn_at.map(from_db),
        revealed_at: row.revealed_at.map(from_db),
        lottery: None,
    })
}

/// A draw as its viewers see it, with its contributions, seats and a lottery's outcome.
fn full_dto(c: &mut AnyConnection, row: &repo::DrawRow) -> AppResult<Draw> {
    let contributions = repo::contributions(c, &row.id)?;
    let seats = repo::seats(c, &row.id)?;
    let mut d = draw_dto(row, &contributions, &seats)?;
    d.lottery = lottery::outcome(c, row)?;
    Ok(d)
}

fn not_found() -> AppError {
    AppError::not_found("no such draw")
}
