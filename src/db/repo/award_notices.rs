//! Award notices (中标通知书, 中标结果通知) as the exact bytes the tenderer signed, and the
//! written reports to the regulator (书面报告) with their 15-day limit.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{award_notices, award_written_reports};
use crate::db::AnyConnection;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = award_notices)]
pub struct NoticeRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub award_round: i32,
    pub kind: String,
    pub bid_id: String,
    pub addressee_id: String,
    pub document: String,
    pub digest: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub certificate: String,
    pub signer_id: String,
    pub signer_fingerprint: String,
    pub issued_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = award_written_reports)]
#[diesel(treat_none_as_null = true)]
pub struct WrittenReportRow {
    pub tender_id: String,
    pub section_code: String,
    pub award_round: i32,
    pub notified_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub document: Option<String>,
    pub digest: Option<String>,
    pub signature: Option<String>,
    pub signature_algorithm: Option<String>,
    pub certificate: Option<String>,
    pub signer_id: Option<String>,
    pub filed_at: Option<NaiveDateTime>,
    pub overdue_flagged_at: Option<NaiveDateTime>,
}

pub fn insert(c: &mut AnyConnection, row: &NoticeRow) -> QueryResult<()> {
    diesel::insert_into(award_notices::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The notices of one section's award round, the award notice first, then by addressee bid.
pub fn of_section(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    round: i32,
) -> QueryResult<Vec<NoticeRow>> {
    award_notices::table
        .filter(award_notices::tender_id.eq(tender))
        .filter(award_notices::section_code.eq(section))
        .filter(award_notices::award_round.eq(round))
        .order((award_notices::kind.asc(), award_notices::bid_id.asc()))
        .select(NoticeRow::as_select())
        .load(c)
}

/// Every notice of a tender, in every round.
pub fn of_tender(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<NoticeRow>> {
    award_notices::table
        .filter(award_notices::tender_id.eq(tender))
        .order((award_notices::issued_at.asc(), award_notices::id.asc()))
        .select(NoticeRow::as_select())
        .load(c)
}

pub fn get(c: &mut AnyConnection, id: &str) -> QueryResult<Option<NoticeRow>> {
    award_notices::table
        .find(id)
        .select(NoticeRow::as_select())
        .first(c)
        .optional()
}

pub fn insert_report(c: &mut AnyConnection, row: &WrittenReportRow) -> QueryResult<()> {
    diesel::insert_into(award_written_reports::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_report(c: &mut AnyConnection, row: &WrittenReportRow) -> QueryResult<()> {
    diesel::update(award_written_reports::table.find((
        &row.tender_id,
        &row.section_code,
        row.award_round,
    )))
    .set(row)
    .execute(c)
    .map(|_| ())
}

/// The section's written report of `round`, locked for update on PostgreSQL (SQLite's single
/// writer serialises anyway).
pub fn lock_report(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    round: i32,
) -> QueryResult<Option<WrittenReportRow>> {
    match c {
        AnyConnection::Postgresql(pg) => award_written_reports::table
            .find((tender, section, round))
            .select(WrittenReportRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        AnyConnection::Sqlite(_) => award_written_reports::table
            .find((tender, section, round))
            .select(WrittenReportRow::as_select())
            .first(c)
            .optional(),
    }
}

/// Every written report of a tender (each section, each round).
pub fn reports_of_tender(
    c: &mut AnyConnection,
    tender: &str,
) -> QueryResult<Vec<WrittenReportRow>> {
    award_written_reports::table
        .filter(award_written_reports::tender_id.eq(tender))
        .order((
            award_written_reports::section_code.asc(),
            award_written_reports::award_round.asc(),
        ))
        .select(WrittenReportRow::as_select())
        .load(c)
}

/// Reports not filed whose limit is over at `now` (`due_at` < now: filing at `due_at` itself is
/// still in time), flagged or not, oldest first.
pub fn overdue(c: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<Vec<WrittenReportRow>> {
    award_written_reports::table
        .filter(award_written_reports::filed_at.is_null())
        .filter(award_written_reports::due_at.lt(now))
        .order((
            award_written_reports::due_at.asc(),
            award_written_reports::tender_id.asc(),
            award_written_reports::section_code.asc(),
        ))
        .select(WrittenReportRow::as_select())
        .load(c)
}
