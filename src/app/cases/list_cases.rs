//! `GET /api/v1/cases`: the caller's department's cases, paged by id, optionally only those
//! still open, each with the limits that run against it and whether one is broken — the
//! regulator's view of its own caseload (issue 15 item 7). One statement a page.

use chrono::{DateTime, Utc};

use super::officer;
use crate::app::support::pages;
use crate::app::{Actor, AppContext};
use crate::db::repo::cases as repo;
use crate::db::types::from_db;
use crate::domain::case::{SourceKind, State};
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult};
use crate::wire::cases::{CaseSource, CaseSummary};
use crate::wire::Page;

pub async fn list_cases(
    ctx: &AppContext,
    actor: &Actor,
    open_only: bool,
    after: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<CaseSummary>> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden(
            "a department's officers read its cases",
        ));
    }
    let page = pages::parse::<String>(after.as_deref(), limit, pages::LISTS)?;
    let (actor, now) = (actor.clone(), ctx.clock.now());
    ctx.db
        .read(move |c| {
            let o = officer(c, &actor)?;
            let open: Vec<&str> = State::ALL
                .into_iter()
                .filter(|s| !s.is_final())
                .map(State::as_str)
                .collect();
            let rows = repo::department_page(
                c,
                &o.department_code,
                open_only.then_some(open.as_slice()),
                &page,
            )?;
            let (rows, next) = pages::cut(&page, rows, |r| r.id.clone());
            let items = rows
                .into_iter()
                .map(|r| summary(r, now))
                .collect::<AppResult<Vec<_>>>()?;
            Ok(pages::to_page(items, next))
        })
        .await
}

fn summary(r: repo::CaseRow, now: DateTime<Utc>) -> AppResult<CaseSummary> {
    let state = State::parse(&r.state).ok_or_else(|| {
        crate::app::support::errors::internal(anyhow::anyhow!("case {}: state", r.id))
    })?;
    let rank = |s: State| State::ALL.iter().position(|x| *x == s);
    let before = |s: State| rank(state) < rank(s);
    let kind = SourceKind::parse(&r.source_kind).ok_or_else(|| {
        crate::app::support::errors::internal(anyhow::anyhow!("case {}: source", r.id))
    })?;
    let decision_due = r.decision_due.map(from_db);
    let serve_due = r.serve_due.map(from_db);
    // A limit is broken when its instant has passed and the step it bounds has not happened.
    let overdue = r.served_late
        || (!state.is_final() && before(State::Decided) && decision_due.is_some_and(|d| now >= d))
        || (state == State::Decided && serve_due.is_some_and(|d| now >= d));
    Ok(CaseSummary {
        id: r.id,
        state,
        party_name: r.party_name,
        party_uscc: r.party_uscc,
        source: CaseSource {
            kind,
            id: r.source_id,
        },
        summary: r.summary,
        opened_at: from_db(r.opened_at),
        registered_at: r.registered_at.map(from_db),
        decision_due,
        reply_due: r.reply_due.map(from_db),
        serve_due,
        served_at: r.served_at.map(from_db),
        overdue,
    })
}
