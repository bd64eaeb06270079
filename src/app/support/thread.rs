//! The one thread mechanism (see `domain::thread`): raise, answer once, list what a caller may
//! see. The stage that owns a kind of thread adds its own rules around these (deadlines, the
//! state change an objection causes, what is announced).

use chrono::{DateTime, Utc};

use crate::app::Actor;
use crate::db::repo::tenders::{self as repo, TenderRow, ThreadRow};
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::identity::Role;
use crate::domain::thread::{visible, ThreadKind, Viewer};
use crate::error::{AppError, AppResult, ErrorCode};

/// Who raises a thread: the caller's organisation, or the caller itself when it acts alone.
pub fn raiser_of(actor: &Actor) -> String {
    actor
        .organisation_id
        .clone()
        .unwrap_or_else(|| actor.id.clone())
}

/// Open a thread of `kind` on `tender`, raised by `by`.
pub fn raise(
    c: &mut AnyConnection,
    tender: &TenderRow,
    kind: ThreadKind,
    by: String,
    body: String,
    now: DateTime<Utc>,
    answer_due: Option<DateTime<Utc>>,
) -> AppResult<ThreadRow> {
    let row = ThreadRow {
        id: uuid::Uuid::now_v7().to_string(),
        tender_id: tender.id.clone(),
        kind: kind.as_str().into(),
        raised_by: by,
        body,
        raised_at: to_db(now),
        answer_due: answer_due.map(to_db),
        answer: None,
        answered_by: None,
        answered_at: None,
    };
    repo::insert_thread(c, &row)?;
    Ok(row)
}

/// The unanswered thread `id` of `kind` on `tender`: 404 if there is none, 409
/// (`invalid_state_transition`) if it was answered already.
pub fn open_thread(
    c: &mut AnyConnection,
    tender: &TenderRow,
    kind: ThreadKind,
    id: &str,
) -> AppResult<ThreadRow> {
    let t = repo::find_thread(c, &tender.id, kind, id)?
        .ok_or_else(|| AppError::not_found(format!("no such {}", kind.as_str())))?;
    if t.answer.is_some() {
        return Err(AppError::new(
            ErrorCode::InvalidStateTransition,
            format!("this {} is already answered", kind.as_str()),
        ));
    }
    Ok(t)
}

/// Answer `thread` once, as `by`; returns the answered row.
pub fn answer(
    c: &mut AnyConnection,
    thread: &ThreadRow,
    answer: &str,
    by: &str,
    now: DateTime<Utc>,
) -> AppResult<ThreadRow> {
    if repo::answer_thread(c, &thread.id, answer, by, to_db(now))? == 0 {
        return Err(AppError::new(
            ErrorCode::InvalidStateTransition,
            "this thread is already answered",
        ));
    }
    Ok(ThreadRow {
        answer: Some(answer.to_string()),
        answered_by: Some(by.to_string()),
        answered_at: Some(to_db(now)),
        ..thread.clone()
    })
}

/// The threads of `kind` on `tender` that `actor` (anonymous: `None`) may read, each with
/// whether the caller raised it.
pub fn readable(
    c: &mut AnyConnection,
    tender: &TenderRow,
    kind: ThreadKind,
    actor: Option<&Actor>,
    party: bool,
) -> AppResult<Vec<(ThreadRow, bool)>> {
    let me = actor.map(raiser_of);
    let regulator = actor.is_some_and(|a| a.has(Role::Regulator));
    Ok(repo::threads(c, &tender.id, kind)?
        .into_iter()
        .filter_map(|t| {
            let raiser = me.as_deref() == Some(t.raised_by.as_str());
            let viewer = Viewer {
                party,
                regulator,
                raiser,
            };
            visible(kind, viewer, t.answer.is_some()).then_some((t, raiser))
        })
        .collect())
}
