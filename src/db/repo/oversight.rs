//! The regulator's view per department (docs/SUPERVISION.md "The regulator's view per
//! department"): which department each published tender names, a department's tenders and
//! deviation flags by page, and what a page of tenders needs (sections' stages, open complaints,
//! open cases) in one statement each over the page's ids.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{keyset, Keyset};
use crate::db::schema::{
    cases, committees, complaints, deviation_flags, deviation_reasons, evaluation_sheets,
    organisations, section_awards, section_openings, tender_departments, tender_versions, tenders,
};
use crate::db::AnyConnection;

/// Records the department `tender`'s latest published version names (none: `None`).
pub fn set_tender_department(
    c: &mut AnyConnection,
    tender: &str,
    department: Option<&str>,
) -> QueryResult<()> {
    diesel::delete(tender_departments::table.find(tender)).execute(c)?;
    diesel::insert_into(tender_departments::table)
        .values((
            tender_departments::tender_id.eq(tender),
            tender_departments::department_code.eq(department),
        ))
        .execute(c)?;
    Ok(())
}

/// A tender of the department's page: its row's live columns and its tenderer.
#[derive(Clone, Debug, Queryable)]
pub struct TenderLine {
    pub id: String,
    pub title: String,
    pub state: String,
    pub state_detail: String,
    pub bid_deadline: NaiveDateTime,
    pub tenderer_uscc: String,
    pub tenderer_name: String,
}

/// The published tenders naming `department`, by id; `states` only those in one of them.
pub fn department_tenders(
    c: &mut AnyConnection,
    department: &str,
    states: Option<&[String]>,
    page: &Keyset<String>,
) -> QueryResult<Vec<TenderLine>> {
    let mut q = tenders::table
        .inner_join(tender_departments::table.on(tender_departments::tender_id.eq(tenders::id)))
        .inner_join(organisations::table.on(organisations::id.eq(tenders::tenderer_id)))
        .filter(tender_departments::department_code.eq(department.to_string()))
        .select((
            tenders::id,
            tenders::title,
            tenders::state,
            tenders::state_detail,
            tenders::bid_deadline,
            organisations::uscc,
            organisations::name,
        ))
        .into_boxed();
    if let Some(states) = states {
        q = q.filter(tenders::state.eq_any(states.to_vec()));
    }
    keyset(q, tenders::id, page).load(c)
}

/// The latest published draft (JSON) of each of `ids`.
pub fn published_drafts(
    c: &mut AnyConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    tender_versions::table
        .inner_join(
            tenders::table.on(tenders::id
                .eq(tender_versions::tender_id)
                .and(tenders::version.eq(tender_versions::version))),
        )
        .filter(tender_versions::tender_id.eq_any(ids.to_vec()))
        .select((tender_versions::tender_id, tender_versions::published_draft))
        .load(c)
}

/// Each opening of the tenders `ids`: tender, section, phase, objections end.
pub type OpeningLine = (String, String, String, Option<NaiveDateTime>);

pub fn openings(c: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<OpeningLine>> {
    section_openings::table
        .filter(section_openings::tender_id.eq_any(ids.to_vec()))
        .select((
            section_openings::tender_id,
            section_openings::section_code,
            section_openings::state,
            section_openings::objections_until,
        ))
        .load(c)
}

/// Each evaluation committee of the tenders `ids`, oldest first: tender, section, state.
pub fn committees_of(
    c: &mut AnyConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String, String)>> {
    committees::table
        .filter(committees::tender_id.eq_any(ids.to_vec()))
        .order((committees::formed_at.asc(), committees::id.asc()))
        .select((
            committees::tender_id,
            committees::section_code,
            committees::state,
        ))
        .load(c)
}

/// Each section award of the tenders `ids`: tender, section, stage, publicity end.
pub type AwardLine = (String, String, String, Option<NaiveDateTime>);

pub fn awards(c: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<AwardLine>> {
    section_awards::table
        .filter(section_awards::tender_id.eq_any(ids.to_vec()))
        .select((
            section_awards::tender_id,
            section_awards::section_code,
            section_awards::stage,
            section_awards::publicity_until,
        ))
        .load(c)
}

/// The complaints on the tenders `ids` in one of `states`: (id, tender).
pub fn complaints_in(
    c: &mut AnyConnection,
    ids: &[String],
    states: &[&str],
) -> QueryResult<Vec<(String, String)>> {
    let states: Vec<String> = states.iter().map(|s| s.to_string()).collect();
    complaints::table
        .filter(complaints::tender_id.eq_any(ids.to_vec()))
        .filter(complaints::state.eq_any(states))
        .select((complaints::id, complaints::tender_id))
        .load(c)
}

/// The objections on the tenders `ids` still unanswered: tender, section (none: to the
/// documents), answer due.
pub type DueLine = (String, Option<String>, NaiveDateTime);

pub fn unanswered_objections(c: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<DueLine>> {
    use crate::db::schema::{award_objections as a, tender_threads as t};
    let mut out: Vec<DueLine> = a::table
        .filter(a::tender_id.eq_any(ids.to_vec()))
        .filter(a::answered_at.is_null())
        .select((a::tender_id, a::section_code.nullable(), a::answer_due))
        .load(c)?;
    let documents: Vec<(String, Option<NaiveDateTime>)> = t::table
        .filter(t::tender_id.eq_any(ids.to_vec()))
        .filter(t::answer_due.is_not_null())
        .filter(t::answered_at.is_null())
        .select((t::tender_id, t::answer_due))
        .load(c)?;
    out.extend(
        documents
            .into_iter()
            .filter_map(|(tender, due)| due.map(|d| (tender, None, d))),
    );
    Ok(out)
}

/// The deviation flags raised in the evaluations of the tenders `ids`: (flag id, tender).
pub fn flags_of(c: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    deviation_flags::table
        .inner_join(committees::table.on(committees::id.eq(deviation_flags::committee_id)))
        .filter(committees::tender_id.eq_any(ids.to_vec()))
        .select((deviation_flags::id, committees::tender_id))
        .load(c)
}

/// The department's cases in one of `states` sourced from one of `kinds`: (kind, source id).
pub fn case_sources(
    c: &mut AnyConnection,
    department: &str,
    states: &[&str],
    kinds: &[&str],
) -> QueryResult<Vec<(String, String)>> {
    let states: Vec<String> = states.iter().map(|s| s.to_string()).collect();
    let kinds: Vec<String> = kinds.iter().map(|s| s.to_string()).collect();
    cases::table
        .filter(cases::department_code.eq(department.to_string()))
        .filter(cases::state.eq_any(states))
        .filter(cases::source_kind.eq_any(kinds))
        .select((cases::source_kind, cases::source_id))
        .load(c)
}

/// A 偏离度 flag on a tender the department supervises, with its reason's filing instant.
#[derive(Clone, Debug, Queryable)]
pub struct AlertLine {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub committee_id: String,
    pub member_id: String,
    pub bid_id: String,
    pub criterion: Option<String>,
    pub score: String,
    pub others_mean: String,
    pub flagged_at: NaiveDateTime,
    pub reason_filed_at: Option<NaiveDateTime>,
}

/// The deviation flags (on sheets that count) of the committees of the tenders naming
/// `department`, by flag id.
pub fn department_alerts(
    c: &mut AnyConnection,
    department: &str,
    page: &Keyset<String>,
) -> QueryResult<Vec<AlertLine>> {
    let q = deviation_flags::table
        .inner_join(
            evaluation_sheets::table.on(evaluation_sheets::id.eq(deviation_flags::sheet_id)),
        )
        .inner_join(committees::table.on(committees::id.eq(deviation_flags::committee_id)))
        .inner_join(
            tender_departments::table.on(tender_departments::tender_id.eq(committees::tender_id)),
        )
        .left_join(deviation_reasons::table.on(deviation_reasons::flag_id.eq(deviation_flags::id)))
        .filter(tender_departments::department_code.eq(department.to_string()))
        .filter(evaluation_sheets::void.eq(false))
        .select((
            deviation_flags::id,
            committees::tender_id,
            committees::section_code,
            deviation_flags::committee_id,
            deviation_flags::member_id,
            deviation_flags::bid_id,
            deviation_flags::criterion,
            deviation_flags::score,
            deviation_flags::others_mean,
            deviation_flags::flagged_at,
            deviation_reasons::filed_at.nullable(),
        ))
        .into_boxed();
    keyset(q, deviation_flags::id, page).load(c)
}

/// The department's complaints that may have broken a limit: handled or decided late, or still
/// waiting for a step (whether its limit passed is the calendar's, in `app`).
pub fn complaint_breach_candidates(
    c: &mut AnyConnection,
    department: &str,
) -> QueryResult<Vec<super::supervision::ComplaintRow>> {
    complaints::table
        .filter(complaints::department_code.eq(department.to_string()))
        .filter(
            complaints::handled_late
                .eq(true)
                .or(complaints::decided_late.eq(true))
                .or(complaints::state.eq_any(["filed", "accepted"])),
        )
        .select(super::supervision::ComplaintRow::as_select())
        .load(c)
}

/// The department's cases with a decision limit or a service still running or missed.
pub fn case_breach_candidates(
    c: &mut AnyConnection,
    department: &str,
    open_states: &[&str],
) -> QueryResult<Vec<super::cases::CaseRow>> {
    let open: Vec<String> = open_states.iter().map(|s| s.to_string()).collect();
    cases::table
        .filter(cases::department_code.eq(department.to_string()))
        .filter(
            cases::served_late
                .eq(true)
                .or(cases::state.eq_any(open))
                .or(cases::decided_at.ge(cases::decision_due)),
        )
        .select(super::cases::CaseRow::as_select())
        .load(c)
}

/// An objection (to the documents, or to an award's publicity) with its answer limit:
/// id, tender, section (none for the documents), due, answered at.
pub type ObjectionLine = (
    String,
    String,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

/// The objections on the department's tenders answered at or after their limit or not yet
/// answered (which of them are past their limit is the clock's, in `app`).
pub fn objection_breach_candidates(
    c: &mut AnyConnection,
    department: &str,
) -> QueryResult<Vec<ObjectionLine>> {
    use crate::db::schema::{award_objections as a, tender_threads as t};
    let award: Vec<(String, String, String, NaiveDateTime, Option<NaiveDateTime>)> = a::table
        .inner_join(tender_departments::table.on(tender_departments::tender_id.eq(a::tender_id)))
        .filter(tender_departments::department_code.eq(department.to_string()))
        .filter(a::answered_at.is_null().or(a::answered_late.eq(true)))
        .select((
            a::id,
            a::tender_id,
            a::section_code,
            a::answer_due,
            a::answered_at,
        ))
        .load(c)?;
    let documents: Vec<(String, String, Option<NaiveDateTime>, Option<NaiveDateTime>)> = t::table
        .inner_join(tender_departments::table.on(tender_departments::tender_id.eq(t::tender_id)))
        .filter(tender_departments::department_code.eq(department.to_string()))
        .filter(t::answer_due.is_not_null())
        .filter(
            t::answered_at
                .is_null()
                .or(t::answered_at.ge(t::answer_due)),
        )
        .select((t::id, t::tender_id, t::answer_due, t::answered_at))
        .load(c)?;
    let mut out: Vec<ObjectionLine> = award
        .into_iter()
        .map(|(id, t, s, due, at)| (id, t, Some(s), due, at))
        .collect();
    out.extend(
        documents
            .into_iter()
            .filter_map(|(id, t, due, at)| due.map(|d| (id, t, None, d, at))),
    );
    Ok(out)
}

/// A section's award step with a limit: tender, section, round, due, done at (none: not yet).
pub type AwardLimitLine = (String, String, i32, NaiveDateTime, Option<NaiveDateTime>);

/// The written reports (招标投标法47) due on the department's tenders, not filed or filed after
/// their limit (its last instant in time).
pub fn written_report_candidates(
    c: &mut AnyConnection,
    department: &str,
) -> QueryResult<Vec<AwardLimitLine>> {
    use crate::db::schema::award_written_reports as w;
    w::table
        .inner_join(tender_departments::table.on(tender_departments::tender_id.eq(w::tender_id)))
        .filter(tender_departments::department_code.eq(department.to_string()))
        .filter(
            w::filed_at
                .is_null()
                .or(w::filed_at.gt(w::due_at.nullable())),
        )
        .select((
            w::tender_id,
            w::section_code,
            w::award_round,
            w::due_at,
            w::filed_at,
        ))
        .load(c)
}

/// The award results published late on the department's tenders.
pub fn late_publications(
    c: &mut AnyConnection,
    department: &str,
) -> QueryResult<Vec<AwardLimitLine>> {
    use crate::db::schema::award_publications as p;
    let rows: Vec<(String, String, i32, Option<NaiveDateTime>, NaiveDateTime)> = p::table
        .inner_join(tender_departments::table.on(tender_departments::tender_id.eq(p::tender_id)))
        .filter(tender_departments::department_code.eq(department.to_string()))
        .filter(p::late.eq(true))
        .select((
            p::tender_id,
            p::section_code,
            p::award_round,
            p::due_at,
            p::published_at,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(t, s, r, due, at)| due.map(|d| (t, s, r, d, Some(at))))
        .collect())
}
