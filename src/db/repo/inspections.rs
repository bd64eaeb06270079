//! 双随机一公开 rounds and their joint tasks (docs/SUPERVISION.md §9), and the pools a round is
//! drawn from: every registered organisation, expert and published tender with its grade, read
//! in one statement each, since a city's register runs to a hundred thousand objects.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::repo::{keyset, Keyset};
use crate::db::schema::{inspection_evidence, inspection_rounds, inspection_tasks};
use crate::db::AnyConnection;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = inspection_rounds, treat_none_as_null = true)]
pub struct RoundRow {
    pub id: String,
    pub plan_code: String,
    pub teams: i32,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub contribute_by: NaiveDateTime,
    pub frame_event: String,
    pub frame_digest: String,
    pub commitment: String,
    pub secret: String,
    /// JSON `domain::draw::GroupOutline` list.
    pub outline: String,
    pub state: String,
    pub contributor: Option<String>,
    pub contribution: Option<String>,
    pub contributed_at: Option<NaiveDateTime>,
    pub fallback_event: Option<String>,
    pub drawn_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = inspection_tasks, treat_none_as_null = true)]
pub struct TaskRow {
    pub id: String,
    pub round_id: String,
    pub seq: i32,
    pub object_kind: String,
    pub object_id: String,
    pub unit: Option<String>,
    pub stratum: String,
    /// JSON `domain::inspection::Member` list.
    pub team: String,
    pub substitutions: String,
    pub staffed: bool,
    /// JSON `domain::artefacts::CheckItem` list, frozen at the draw.
    pub checklist: String,
    pub state: String,
    pub visited_on: Option<String>,
    pub results: Option<String>,
    pub results_digest: Option<String>,
    /// JSON list of the members' signatures over the current results.
    pub signatures: String,
    pub findings: i32,
    pub recorded_at: Option<NaiveDateTime>,
    pub published_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = inspection_evidence)]
pub struct EvidenceRow {
    pub id: String,
    pub task_id: String,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub storage_key: String,
    pub sha256: String,
    pub size: i64,
    pub added_by: String,
    pub added_at: NaiveDateTime,
}

pub fn insert_round(c: &mut AnyConnection, row: &RoundRow) -> QueryResult<()> {
    diesel::insert_into(inspection_rounds::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_round(c: &mut AnyConnection, row: &RoundRow) -> QueryResult<()> {
    diesel::update(inspection_rounds::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_round(c: &mut AnyConnection, id: &str) -> QueryResult<Option<RoundRow>> {
    inspection_rounds::table
        .find(id)
        .select(RoundRow::as_select())
        .first(c)
        .optional()
}

/// The round, locked for the rest of the transaction on PostgreSQL (SQLite's writer is alone).
pub fn lock_round(c: &mut AnyConnection, id: &str) -> QueryResult<Option<RoundRow>> {
    match c {
        AnyConnection::Postgresql(pg) => inspection_rounds::table
            .find(id)
            .select(RoundRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        AnyConnection::Sqlite(_) => find_round(c, id),
    }
}

/// Rounds still waiting for their contribution whose time is over.
pub fn rounds_due(c: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<Vec<RoundRow>> {
    inspection_rounds::table
        .filter(inspection_rounds::state.eq("committed"))
        .filter(inspection_rounds::contribute_by.le(now))
        .order(inspection_rounds::id.asc())
        .select(RoundRow::as_select())
        .load(c)
}

/// Inserts a round's tasks, 50 rows (950 parameters, under SQLite's oldest limit) a statement.
pub fn insert_tasks(c: &mut AnyConnection, rows: &[TaskRow]) -> QueryResult<()> {
    // Multi-row INSERT needs the concrete connection: MultiBackend has no batch insert.
    for chunk in rows.chunks(50) {
        let q = diesel::insert_into(inspection_tasks::table).values(chunk);
        match c {
            AnyConnection::Postgresql(pg) => q.execute(pg)?,
            AnyConnection::Sqlite(lite) => q.execute(lite)?,
        };
    }
    Ok(())
}

pub fn update_task(c: &mut AnyConnection, row: &TaskRow) -> QueryResult<()> {
    diesel::update(inspection_tasks::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_task(c: &mut AnyConnection, id: &str) -> QueryResult<Option<TaskRow>> {
    inspection_tasks::table
        .find(id)
        .select(TaskRow::as_select())
        .first(c)
        .optional()
}

pub fn lock_task(c: &mut AnyConnection, id: &str) -> QueryResult<Option<TaskRow>> {
    match c {
        AnyConnection::Postgresql(pg) => inspection_tasks::table
            .find(id)
            .select(TaskRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        AnyConnection::Sqlite(_) => find_task(c, id),
    }
}

/// A page of a round's tasks by their number.
pub fn tasks_of(
    c: &mut AnyConnection,
    round: &str,
    page: &Keyset<i32>,
) -> QueryResult<Vec<TaskRow>> {
    let q = inspection_tasks::table
        .filter(inspection_tasks::round_id.eq(round.to_string()))
        .select(TaskRow::as_select())
        .into_boxed();
    keyset(q, inspection_tasks::seq, page).load(c)
}

/// How many tasks of a round are in each state.
pub fn task_counts(c: &mut AnyConnection, round: &str) -> QueryResult<Vec<(String, i64)>> {
    inspection_tasks::table
        .filter(inspection_tasks::round_id.eq(round))
        .group_by(inspection_tasks::state)
        .select((inspection_tasks::state, diesel::dsl::count_star()))
        .load(c)
}

/// A page of published tasks by id, with the plan of each (one statement).
pub fn published(
    c: &mut AnyConnection,
    plan: Option<&str>,
    page: &Keyset<String>,
) -> QueryResult<Vec<(TaskRow, String)>> {
    let mut q = inspection_tasks::table
        .inner_join(inspection_rounds::table)
        .filter(inspection_tasks::state.eq("published"))
        .select((TaskRow::as_select(), inspection_rounds::plan_code))
        .into_boxed();
    if let Some(p) = plan {
        q = q.filter(inspection_rounds::plan_code.eq(p.to_string()));
    }
    keyset(q, inspection_tasks::id, page).load(c)
}

pub fn insert_evidence(c: &mut AnyConnection, row: &EvidenceRow) -> QueryResult<()> {
    diesel::insert_into(inspection_evidence::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn evidence_of(c: &mut AnyConnection, task: &str) -> QueryResult<Vec<EvidenceRow>> {
    inspection_evidence::table
        .filter(inspection_evidence::task_id.eq(task))
        .order(inspection_evidence::id.asc())
        .select(EvidenceRow::as_select())
        .load(c)
}

/// Every registered organisation's USCC, ascending.
pub fn organisation_usccs(c: &mut AnyConnection) -> QueryResult<Vec<String>> {
    use crate::db::schema::organisations as o;
    o::table.order(o::uscc.asc()).select(o::uscc).load(c)
}

/// Every expert as (id, employer's USCC), by id.
pub fn expert_units(c: &mut AnyConnection) -> QueryResult<Vec<(String, Option<String>)>> {
    use crate::db::schema::experts as e;
    e::table
        .order(e::id.asc())
        .select((e::id, e::employer_uscc))
        .load(c)
}

/// Every published tender as (id, its tenderer's USCC), by id.
pub fn tender_units(c: &mut AnyConnection) -> QueryResult<Vec<(String, String)>> {
    use crate::db::schema::{organisations as o, tenders as t};
    t::table
        .inner_join(o::table.on(o::id.eq(t::tenderer_id)))
        .filter(t::published_at.is_not_null())
        .order(t::id.asc())
        .select((t::id, o::uscc))
        .load(c)
}

/// The grades regulators set on objects of one kind, as (id, grade).
pub fn grades_of(c: &mut AnyConnection, kind: &str) -> QueryResult<Vec<(String, String)>> {
    use crate::db::schema::credit_grades as g;
    g::table
        .filter(g::object_kind.eq(kind))
        .select((g::object_id, g::grade))
        .load(c)
}
