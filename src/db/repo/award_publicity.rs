//! The award's publications (公示) and objections (异议) per section and award round.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{award_dropouts, award_objections, award_publications};
use crate::db::AnyConnection;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = award_publications)]
pub struct PublicationRow {
    pub tender_id: String,
    pub section_code: String,
    pub award_round: i32,
    pub published_by: String,
    pub published_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
    pub late: bool,
    pub days: i32,
    pub publicity_from: NaiveDateTime,
    pub publicity_until: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = award_objections)]
#[diesel(treat_none_as_null = true)]
pub struct ObjectionRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub award_round: i32,
    pub raised_by: String,
    pub objector_uscc: String,
    pub body: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub certificate: String,
    pub raised_at: NaiveDateTime,
    pub answer_due: NaiveDateTime,
    pub outcome: Option<String>,
    pub send_back: Option<String>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_late: Option<bool>,
}

pub fn insert_publication(c: &mut AnyConnection, row: &PublicationRow) -> QueryResult<()> {
    diesel::insert_into(award_publications::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The publications of a section, oldest round first.
pub fn publications(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Vec<PublicationRow>> {
    award_publications::table
        .filter(award_publications::tender_id.eq(tender))
        .filter(award_publications::section_code.eq(section))
        .order(award_publications::award_round.asc())
        .select(PublicationRow::as_select())
        .load(c)
}

pub fn insert_objection(c: &mut AnyConnection, row: &ObjectionRow) -> QueryResult<()> {
    diesel::insert_into(award_objections::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_objection(c: &mut AnyConnection, row: &ObjectionRow) -> QueryResult<()> {
    diesel::update(award_objections::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_objection(c: &mut AnyConnection, id: &str) -> QueryResult<Option<ObjectionRow>> {
    award_objections::table
        .find(id)
        .select(ObjectionRow::as_select())
        .first(c)
        .optional()
}

/// The objections of a section, oldest first.
pub fn objections(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Vec<ObjectionRow>> {
    award_objections::table
        .filter(award_objections::tender_id.eq(tender))
        .filter(award_objections::section_code.eq(section))
        .order(award_objections::raised_at.asc())
        .select(ObjectionRow::as_select())
        .load(c)
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = award_dropouts)]
pub struct DropoutRow {
    pub tender_id: String,
    pub section_code: String,
    pub bid_id: String,
    pub reason: String,
    pub statement: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_dropout(c: &mut AnyConnection, row: &DropoutRow) -> QueryResult<()> {
    diesel::insert_into(award_dropouts::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The bids of a section that dropped out as winners, oldest first.
pub fn dropouts(c: &mut AnyConnection, tender: &str, section: &str) -> QueryResult<Vec<String>> {
    award_dropouts::table
        .filter(award_dropouts::tender_id.eq(tender))
        .filter(award_dropouts::section_code.eq(section))
        .order(award_dropouts::recorded_at.asc())
        .select(award_dropouts::bid_id)
        .load(c)
}

/// The bids of `section` whose winner dropped out in a way that forfeits its bid bond
/// (`GiveUpReason::forfeits_bond`).
pub fn dropouts_forfeiting(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Vec<String>> {
    let reasons: Vec<&str> = crate::domain::award::publicity::GiveUpReason::ALL
        .into_iter()
        .filter(|r| r.forfeits_bond())
        .map(|r| r.as_str())
        .collect();
    award_dropouts::table
        .filter(award_dropouts::tender_id.eq(tender))
        .filter(award_dropouts::section_code.eq(section))
        .filter(award_dropouts::reason.eq_any(reasons))
        .order(award_dropouts::recorded_at.asc())
        .select(award_dropouts::bid_id)
        .load(c)
}

/// When the 评标报告 `report` was completed (the tenderer receives it then), if it is.
pub fn report_completed_at(
    c: &mut AnyConnection,
    report: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    use crate::db::schema::evaluation_reports;
    Ok(evaluation_reports::table
        .find(report)
        .select(evaluation_reports::completed_at)
        .first::<Option<NaiveDateTime>>(c)
        .optional()?
        .flatten())
}
