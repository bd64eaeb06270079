//! What the complaint verbs share (docs/SUPERVISION.md §5): who acts for the department a
//! complaint went to, the wire view with its limits derived from the working-day calendar, and
//! the audit entry every step writes under the tender.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::app::support::errors::internal;
use crate::app::support::publicity::{event, Change};
use crate::app::Actor;
use crate::audit::{ActorRef, EventType};
use crate::db::repo::supervision::{self as repo, ComplaintRow};
use crate::db::types::from_db;
use crate::db::AnyConnection;
use crate::domain::calendar::WorkCalendar;
use crate::domain::complaint::{
    acceptance_due, advance, decision_due, Event, Outcome, Pause, RefusalGround, State, Subject,
};
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::supervision::Complaint;

/// Longest complaint or decision text, in characters.
pub(super) const TEXT_MAX: usize = 20_000;

pub(super) fn state_of(row: &ComplaintRow) -> AppResult<State> {
    State::parse(&row.state).ok_or_else(|| {
        internal(anyhow::anyhow!(
            "complaint {}: state {:?}",
            row.id,
            row.state
        ))
    })
}

pub(super) fn pauses_of(row: &ComplaintRow) -> AppResult<Vec<Pause>> {
    serde_json::from_str(&row.pauses).map_err(internal)
}

/// The state `event` moves the complaint to, or `invalid_state_transition`.
pub(super) fn next_state(row: &ComplaintRow, event: Event) -> AppResult<State> {
    let state = state_of(row)?;
    advance(state, event).ok_or_else(|| {
        AppError::new(
            ErrorCode::InvalidStateTransition,
            format!("the complaint is {}", state.as_str()),
        )
    })
}

/// The caller acts for the department the complaint went to: a regulator recorded as its
/// officer (`other_department` otherwise); a complaint on a tender that names no department is
/// any regulator's, as its tender is (`support::departments`).
pub(super) fn require_department(
    c: &mut AnyConnection,
    actor: &Actor,
    row: &ComplaintRow,
) -> AppResult<()> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden(
            "the supervising department handles complaints",
        ));
    }
    let Some(department) = &row.department_code else {
        return Ok(());
    };
    match repo::find_officer(c, &actor.id)? {
        Some(o) if &o.department_code == department => Ok(()),
        _ => Err(AppError::new(
            ErrorCode::OtherDepartment,
            format!("the complaint went to department {department}; only its officers handle it"),
        )),
    }
}

/// The complaint, locked, or 404.
pub(super) fn lock(c: &mut AnyConnection, id: &str) -> AppResult<ComplaintRow> {
    repo::lock_complaint(c, id)?.ok_or_else(|| AppError::not_found("no such complaint"))
}

/// Writes a complaint step's audit entry under its tender (and section).
pub(super) fn audit(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    row: &ComplaintRow,
    who: ActorRef,
    kind: EventType,
    body: Value,
) -> AppResult<()> {
    let mut change = Change::new(who, kind, body);
    if let Some(s) = &row.section_code {
        change = change.in_section(s);
    }
    event(c, now, &row.tender_id, change)?;
    Ok(())
}

/// The wire view at `now`, the limits derived from `cal`.
pub(super) fn dto(
    cal: &WorkCalendar,
    row: &ComplaintRow,
    now: DateTime<Utc>,
) -> AppResult<Complaint> {
    let state = state_of(row)?;
    let pauses = pauses_of(row)?;
    let filed_at = from_db(row.filed_at);
    let mut unknown = None;
    let acceptance = match acceptance_due(cal, filed_at) {
        Ok(d) => Some(d),
        Err(e) => {
            unknown = Some(e.to_string());
            None
        }
    };
    let decision = match (state, row.handled_at) {
        (State::Accepted | State::Paused, Some(at)) => {
            match decision_due(cal, from_db(at), &pauses) {
                Ok(d) => d,
                Err(e) => {
                    unknown = Some(e.to_string());
                    None
                }
            }
        }
        _ => None,
    };
    let overdue = row.handled_late == Some(true)
        || row.decided_late == Some(true)
        || (state == State::Filed && acceptance.is_some_and(|d| now >= d))
        || (state == State::Accepted && decision.is_some_and(|d| now >= d));
    let subject = Subject::parse(&row.subject)
        .ok_or_else(|| internal(anyhow::anyhow!("complaint {}: subject", row.id)))?;
    let outcome = match &row.outcome {
        Some(o) => Some(
            Outcome::parse_code(o)
                .ok_or_else(|| internal(anyhow::anyhow!("complaint {}: outcome", row.id)))?,
        ),
        None => None,
    };
    Ok(Complaint {
        id: row.id.clone(),
        tender: row.tender_id.clone(),
        section: row.section_code.clone(),
        department: row.department_code.clone(),
        subject,
        objection: row.objection_id.clone(),
        complainant_uscc: row.complainant_uscc.clone(),
        text: row.body.clone(),
        known_at: from_db(row.known_at),
        filed_at,
        state,
        acceptance_due: acceptance,
        decision_due: decision,
        due_unknown: unknown,
        handled_at: row.handled_at.map(from_db),
        refusal: row.refusal_ground.as_deref().and_then(RefusalGround::parse),
        refusal_reason: row.refusal_reason.clone(),
        pauses,
        outcome,
        decision: row.decision_text.clone(),
        decided_at: row.decided_at.map(from_db),
        withdrawn_at: row.withdrawn_at.map(from_db),
        overdue,
    })
}

/// Text of 1 to `max` characters, not blank.
pub(super) fn text_ok(s: &str, max: usize) -> bool {
    let n = s.trim().chars().count();
    n > 0 && s.chars().count() <= max
}
