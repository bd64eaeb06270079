//! `GET /api/v1/supervision/breaches`: every statutory limit broken on the tenders, complaints
//! and cases of the caller's department, computed from what the stages recorded and the server
//! clock (issue 15 item 7): complaints accepted or decided late or now past their limit (the
//! working-day calendar, as `complaint_common::dto` derives them), objections to the documents
//! or to an award's publicity answered late or now unanswered past their 3 days, award results
//! published late, written reports (招标投标法47) filed late or missing, cases decided or served
//! late or now past their limit.
//!
//! A breach has no row of its own: it is derived. The list reads the department's candidates —
//! rows late by their own record or whose step is still owed, never its settled history — in
//! six statements (the officer's and one a source), derives the breaches, and pages them in
//! memory by a stable key (`{kind}/{subject}`), so a page never skips or repeats one whatever
//! changes between two. A report bounded by what is late or still running, like the collusion
//! view, not a history paged in SQL. A limit in a year the calendar does not cover is left out
//! (the complaint itself says `due_unknown`).

use chrono::{DateTime, Utc};

use super::complaint_common::{pauses_of, state_of};
use super::supervised_tenders::department_of;
use crate::app::support::pages;
use crate::app::{Actor, AppContext};
use crate::db::repo::oversight as repo;
use crate::db::types::from_db;
use crate::domain::calendar::WorkCalendar;
use crate::domain::case::State as CaseState;
use crate::domain::complaint::{acceptance_due, decision_due, State as ComplaintState};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::oversight::{Breach, BreachKind, BreachSubject};
use crate::wire::Page;

pub async fn breaches(
    ctx: &AppContext,
    actor: &Actor,
    kind: Option<BreachKind>,
    after: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<Breach>> {
    let page = pages::parse::<String>(after.as_deref(), limit, pages::LISTS)?;
    if let Some(a) = &page.after {
        let known = a
            .split_once('/')
            .is_some_and(|(k, rest)| BreachKind::parse(k).is_some() && !rest.is_empty());
        if !known {
            return Err(AppError::new(
                ErrorCode::MalformedParameter,
                "after must be a cursor from `next`",
            ));
        }
    }
    let (actor, now, cal) = (actor.clone(), ctx.clock.now(), ctx.calendar.clone());
    ctx.db
        .read(move |c| {
            let department = department_of(c, &actor)?;
            let mut all = Vec::new();
            for row in repo::complaint_breach_candidates(c, &department)? {
                complaint_breaches(&cal, &row, now, &mut all)?;
            }
            let open: Vec<&str> = CaseState::ALL
                .into_iter()
                .filter(|s| !s.is_final())
                .map(CaseState::as_str)
                .collect();
            for row in repo::case_breach_candidates(c, &department, &open)? {
                case_breaches(&row, now, &mut all)?;
            }
            for (id, tender, section, due, done) in
                repo::objection_breach_candidates(c, &department)?
            {
                let kind = match section {
                    Some(_) => BreachKind::AwardObjection,
                    None => BreachKind::DocumentsObjection,
                };
                let subject = BreachSubject {
                    tender: Some(tender),
                    section,
                    objection: Some(id.clone()),
                    ..none()
                };
                push(
                    &mut all,
                    kind,
                    &id,
                    subject,
                    from_db(due),
                    done.map(from_db),
                    now,
                );
            }
            let award = [
                (
                    BreachKind::WrittenReport,
                    repo::written_report_candidates(c, &department)?,
                ),
                (
                    BreachKind::AwardPublication,
                    repo::late_publications(c, &department)?,
                ),
            ];
            for (kind, rows) in award {
                for (tender, section, round, due, done) in rows {
                    let id = format!("{tender}/{section}/{round}");
                    let subject = BreachSubject {
                        tender: Some(tender),
                        section: Some(section),
                        award_round: Some(round),
                        ..none()
                    };
                    push(
                        &mut all,
                        kind,
                        &id,
                        subject,
                        from_db(due),
                        done.map(from_db),
                        now,
                    );
                }
            }
            all.retain(|b| kind.is_none_or(|k| b.kind == k));
            all.sort_by(|a, b| a.key.cmp(&b.key));
            if let Some(after) = &page.after {
                all.retain(|b| &b.key > after);
            }
            all.truncate(usize::try_from(page.limit + 1).unwrap_or(usize::MAX));
            let (items, next) = pages::cut(&page, all, |b| b.key.clone());
            Ok(pages::to_page(items, next))
        })
        .await
}

fn none() -> BreachSubject {
    BreachSubject {
        tender: None,
        section: None,
        complaint: None,
        objection: None,
        case: None,
        award_round: None,
    }
}

/// Adds the breach of a limit `due` on a step done at `done` (none: still owed) if it is one:
/// done at or after the limit, or owed with the limit reached. Every limit here is the first
/// instant too late except the written report's, the last instant in time
/// (`domain::award_notices::is_overdue`).
fn push(
    out: &mut Vec<Breach>,
    kind: BreachKind,
    id: &str,
    subject: BreachSubject,
    due: DateTime<Utc>,
    done: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) {
    let at = done.unwrap_or(now);
    let broken = match kind {
        BreachKind::WrittenReport => crate::domain::award_notices::is_overdue(due, done, now),
        _ => at >= due,
    };
    if !broken {
        return;
    }
    out.push(Breach {
        key: format!("{}/{id}", kind.as_str()),
        kind,
        subject,
        due,
        done_at: done,
        late_by_seconds: (at - due).num_seconds(),
    });
}

fn complaint_breaches(
    cal: &WorkCalendar,
    row: &crate::db::repo::supervision::ComplaintRow,
    now: DateTime<Utc>,
    out: &mut Vec<Breach>,
) -> AppResult<()> {
    let state = state_of(row)?;
    let subject = || BreachSubject {
        tender: Some(row.tender_id.clone()),
        section: row.section_code.clone(),
        complaint: Some(row.id.clone()),
        ..none()
    };
    if state == ComplaintState::Filed || row.handled_late == Some(true) {
        if let Ok(due) = acceptance_due(cal, from_db(row.filed_at)) {
            let done = row.handled_at.map(from_db);
            let kind = BreachKind::ComplaintAcceptance;
            push(out, kind, &row.id, subject(), due, done, now);
        }
    }
    let undecided = state == ComplaintState::Accepted;
    if undecided || row.decided_late == Some(true) {
        let pauses = pauses_of(row)?;
        if let Some(at) = row.handled_at {
            if let Ok(Some(due)) = decision_due(cal, from_db(at), &pauses) {
                let done = row.decided_at.map(from_db).filter(|_| !undecided);
                let kind = BreachKind::ComplaintDecision;
                push(out, kind, &row.id, subject(), due, done, now);
            }
        }
    }
    Ok(())
}

fn case_breaches(
    row: &crate::db::repo::cases::CaseRow,
    now: DateTime<Utc>,
    out: &mut Vec<Breach>,
) -> AppResult<()> {
    let state = CaseState::parse(&row.state).ok_or_else(|| {
        crate::app::support::errors::internal(anyhow::anyhow!("case {}: state", row.id))
    })?;
    let rank = |s: CaseState| CaseState::ALL.iter().position(|x| *x == s);
    let subject = || BreachSubject {
        case: Some(row.id.clone()),
        ..none()
    };
    if let Some(due) = row.decision_due.map(from_db) {
        let owed = !state.is_final() && rank(state) < rank(CaseState::Decided);
        let done = row.decided_at.map(from_db);
        if owed || done.is_some() {
            let kind = BreachKind::CaseDecision;
            push(
                out,
                kind,
                &row.id,
                subject(),
                due,
                done.filter(|_| !owed),
                now,
            );
        }
    }
    if let Some(due) = row.serve_due.map(from_db) {
        let owed = state == CaseState::Decided && row.served_at.is_none();
        let done = row.served_at.map(from_db);
        if owed || row.served_late {
            push(
                out,
                BreachKind::CaseService,
                &row.id,
                subject(),
                due,
                done,
                now,
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn pushed(kind: BreachKind, due: &str, done: Option<&str>, now: &str) -> Vec<Breach> {
        let mut out = Vec::new();
        push(&mut out, kind, "x", none(), at(due), done.map(at), at(now));
        out
    }

    #[test]
    fn a_limit_is_broken_from_its_first_late_instant_and_stays_broken_once_done_late() {
        let due = "2026-12-10T16:00:00Z";
        let k = BreachKind::ComplaintAcceptance;
        assert!(pushed(k, due, None, "2026-12-10T15:59:59Z").is_empty());
        let open = pushed(k, due, None, due);
        assert_eq!((open[0].done_at, open[0].late_by_seconds), (None, 0));
        assert_eq!(open[0].key, "complaint_acceptance/x");
        assert!(pushed(k, due, Some("2026-12-10T15:59:59Z"), "2026-12-20T00:00:00Z").is_empty());
        let late = pushed(k, due, Some("2026-12-11T00:00:00Z"), "2026-12-20T00:00:00Z");
        assert_eq!(late[0].late_by_seconds, 8 * 3600);
        assert_eq!(late[0].done_at, Some(at("2026-12-11T00:00:00Z")));
    }

    #[test]
    fn the_written_report_is_in_time_at_its_limit() {
        let due = "2026-12-20T00:00:00Z";
        let k = BreachKind::WrittenReport;
        assert!(pushed(k, due, Some(due), "2026-12-30T00:00:00Z").is_empty());
        assert!(pushed(k, due, None, due).is_empty());
        assert_eq!(
            pushed(k, due, None, "2026-12-20T00:00:01Z")[0].late_by_seconds,
            1
        );
        let late = pushed(k, due, Some("2026-12-21T00:00:00Z"), "2026-12-30T00:00:00Z");
        assert_eq!(late[0].late_by_seconds, 86_400);
    }
}
