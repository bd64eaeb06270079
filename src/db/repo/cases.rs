//! Administrative-penalty cases (行政处罚) and their evidence: the rows the case use-cases lock,
//! change and read, the sources a clue may name, and the public credit list (条例78).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::repo::{keyset, Keyset};
use crate::db::schema::{case_evidence, cases};
use crate::db::AnyConnection;
use crate::domain::case::State;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = cases, treat_none_as_null = true)]
pub struct CaseRow {
    pub id: String,
    pub department_code: String,
    pub state: String,
    pub source_kind: String,
    pub source_id: String,
    pub party_kind: String,
    pub party_uscc: Option<String>,
    pub party_person: Option<String>,
    pub party_name: String,
    pub summary: String,
    /// 00:00 Shanghai of the day the act occurred or ended.
    pub occurred_on: NaiveDateTime,
    pub grave: bool,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
    pub registered_at: Option<NaiveDateTime>,
    pub extended_days: i32,
    pub decision_due: Option<NaiveDateTime>,
    /// JSON `wire::cases::Notice`.
    pub notice: Option<String>,
    pub notified_at: Option<NaiveDateTime>,
    pub reply_due: Option<NaiveDateTime>,
    pub hearing_rights: bool,
    /// JSON `wire::cases::Defence`.
    pub defence: Option<String>,
    /// JSON `wire::cases::Hearing`.
    pub hearing: Option<String>,
    /// JSON `wire::cases::Decision`.
    pub decision: Option<String>,
    pub decision_no: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub serve_due: Option<NaiveDateTime>,
    pub served_at: Option<NaiveDateTime>,
    pub served_late: bool,
    pub executed_at: Option<NaiveDateTime>,
    /// The side exit's reason, or the execution's record.
    pub outcome: Option<String>,
    pub updated_at: NaiveDateTime,
}

impl CaseRow {
    pub fn state(&self) -> QueryResult<State> {
        State::parse(&self.state).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("unknown case state {}", self.state).into(),
            )
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = case_evidence, treat_none_as_null = true)]
pub struct EvidenceRow {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub storage_key: String,
    pub sha256: String,
    pub size: i64,
    pub added_by: String,
    pub added_at: NaiveDateTime,
    pub second_officer: String,
    pub confirmed_at: Option<NaiveDateTime>,
}

pub fn insert(c: &mut AnyConnection, row: &CaseRow) -> QueryResult<()> {
    diesel::insert_into(cases::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update(c: &mut AnyConnection, row: &CaseRow) -> QueryResult<()> {
    diesel::update(cases::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn find(c: &mut AnyConnection, id: &str) -> QueryResult<Option<CaseRow>> {
    cases::table
        .find(id)
        .select(CaseRow::as_select())
        .first(c)
        .optional()
}

/// The case, locked for the writing transaction (PostgreSQL; SQLite has one writer).
pub fn lock(c: &mut AnyConnection, id: &str) -> QueryResult<Option<CaseRow>> {
    match c {
        AnyConnection::Postgresql(pg) => cases::table
            .find(id)
            .select(CaseRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        AnyConnection::Sqlite(_) => find(c, id),
    }
}

pub fn decision_no_taken(c: &mut AnyConnection, no: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        cases::table.filter(cases::decision_no.eq(no)),
    ))
    .get_result(c)
}

pub fn insert_evidence(c: &mut AnyConnection, row: &EvidenceRow) -> QueryResult<()> {
    diesel::insert_into(case_evidence::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_evidence(c: &mut AnyConnection, row: &EvidenceRow) -> QueryResult<()> {
    diesel::update(case_evidence::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

/// A case's evidence in the order it was added.
pub fn evidence_of(c: &mut AnyConnection, case: &str) -> QueryResult<Vec<EvidenceRow>> {
    case_evidence::table
        .filter(case_evidence::case_id.eq(case))
        .order(case_evidence::id.asc())
        .select(EvidenceRow::as_select())
        .load(c)
}

/// The served decisions (the public credit list), by case id.
pub fn served_page(
    c: &mut AnyConnection,
    uscc: Option<&str>,
    page: &Keyset<String>,
) -> QueryResult<Vec<CaseRow>> {
    let mut q = cases::table
        .filter(cases::served_at.is_not_null())
        .select(CaseRow::as_select())
        .into_boxed();
    if let Some(u) = uscc {
        q = q.filter(cases::party_uscc.eq(u.to_string()));
    }
    keyset(q, cases::id, page).load(c)
}

/// The decisions served on the organisation `uscc` and decided after `decided_after`, in case
/// order: the decisions part of its credit record (`support::credit`).
pub fn served_against(
    c: &mut AnyConnection,
    uscc: &str,
    decided_after: NaiveDateTime,
) -> QueryResult<Vec<CaseRow>> {
    cases::table
        .filter(cases::served_at.is_not_null())
        .filter(cases::party_uscc.eq(uscc.to_string()))
        .filter(cases::decided_at.gt(decided_after))
        .order(cases::id.asc())
        .select(CaseRow::as_select())
        .load(c)
}

/// A department's cases by id (UUIDv7: roughly opening order); `open_states` only those in one
/// of them.
pub fn department_page(
    c: &mut AnyConnection,
    department: &str,
    open_states: Option<&[&str]>,
    page: &Keyset<String>,
) -> QueryResult<Vec<CaseRow>> {
    let mut q = cases::table
        .filter(cases::department_code.eq(department.to_string()))
        .select(CaseRow::as_select())
        .into_boxed();
    if let Some(states) = open_states {
        let states: Vec<String> = states.iter().map(|s| s.to_string()).collect();
        q = q.filter(cases::state.eq_any(states));
    }
    keyset(q, cases::id, page).load(c)
}

/// Whether a collusion signal `tender/section/seq` was computed.
pub fn collusion_signal_exists(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    seq: i32,
) -> QueryResult<bool> {
    use crate::db::schema::collusion_signals as s;
    diesel::select(diesel::dsl::exists(
        s::table
            .filter(s::tender_id.eq(tender))
            .filter(s::section_code.eq(section))
            .filter(s::seq.eq(seq)),
    ))
    .get_result(c)
}

/// Whether a deviation flag (an evaluator's score far from the others') exists.
pub fn deviation_flag_exists(c: &mut AnyConnection, id: &str) -> QueryResult<bool> {
    use crate::db::schema::deviation_flags as d;
    diesel::select(diesel::dsl::exists(d::table.find(id))).get_result(c)
}
