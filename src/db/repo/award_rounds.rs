//! The award's deciding (定标): the steps of each award round of a section (ballot rounds,
//! lots, deliberations), the members' signed ballots, opinions and decisions, and the 定标报告
//! with its signatures. A ballot's content is read for the API only through [`revealed`]: an
//! open round's ballots are counted ([`cast_count`]) but never returned.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{award_ballots, award_report_signatures, award_reports, award_steps};
use crate::db::AnyConnection;
use crate::domain::award::{CastKind, StepKind};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = award_steps)]
#[diesel(treat_none_as_null = true)]
pub struct StepRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub award_round: i32,
    pub seq: i32,
    pub kind: String,
    pub among: String,
    pub picks: i32,
    pub reason: String,
    pub members: String,
    pub opened_at: NaiveDateTime,
    pub closes_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub draw_id: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = award_ballots)]
pub struct BallotRow {
    pub id: String,
    pub step_id: String,
    pub person_id: String,
    pub kind: String,
    pub choices: String,
    pub reason: Option<String>,
    pub statement_sha256: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
    pub certificate: String,
    pub cast_at: NaiveDateTime,
    pub revealed_at: Option<NaiveDateTime>,
}

impl StepRow {
    pub fn kind(&self) -> QueryResult<StepKind> {
        StepKind::parse(&self.kind).ok_or_else(|| corrupt("award_steps", &self.id, &self.kind))
    }
}

impl BallotRow {
    pub fn kind(&self) -> QueryResult<CastKind> {
        CastKind::parse(&self.kind).ok_or_else(|| corrupt("award_ballots", &self.id, &self.kind))
    }
}

fn corrupt(table: &str, id: &str, value: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(
        format!("{table} {id}: unknown kind {value:?}").into(),
    )
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = award_reports)]
#[diesel(treat_none_as_null = true)]
pub struct ReportRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub award_round: i32,
    pub document: String,
    pub digest: String,
    pub generated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    /// The end of the signing time (条例53 as for the 评标报告); `None`: no deadline (a report
    /// generated before it existed).
    pub sign_until: Option<NaiveDateTime>,
    /// The members deemed to agree when the signing time ended (JSON list of person ids).
    pub deemed_agreed: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = award_report_signatures)]
pub struct SignatureRow {
    pub report_id: String,
    pub person_id: String,
    pub chair: bool,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
    pub certificate: String,
    pub signed_at: NaiveDateTime,
    /// The member's written dissent, signed with its position (`None`: it agrees).
    pub dissent: Option<String>,
}

pub fn insert_step(c: &mut AnyConnection, row: &StepRow) -> QueryResult<()> {
    diesel::insert_into(award_steps::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_step(c: &mut AnyConnection, row: &StepRow) -> QueryResult<()> {
    diesel::update(award_steps::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn step(c: &mut AnyConnection, id: &str) -> QueryResult<Option<StepRow>> {
    award_steps::table
        .find(id)
        .select(StepRow::as_select())
        .first(c)
        .optional()
}

/// The steps of one award round of a section, in order.
pub fn steps(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    award_round: i32,
) -> QueryResult<Vec<StepRow>> {
    award_steps::table
        .filter(award_steps::tender_id.eq(tender))
        .filter(award_steps::section_code.eq(section))
        .filter(award_steps::award_round.eq(award_round))
        .order(award_steps::seq.asc())
        .select(StepRow::as_select())
        .load(c)
}

/// Every step of a tender (the verifier's view), in order.
pub fn steps_of_tender(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<StepRow>> {
    award_steps::table
        .filter(award_steps::tender_id.eq(tender))
        .order((
            award_steps::section_code.asc(),
            award_steps::award_round.asc(),
            award_steps::seq.asc(),
        ))
        .select(StepRow::as_select())
        .load(c)
}

/// Open steps (ballot rounds, lots waiting, deliberations): what the deadline tick looks at.
pub fn open_steps(c: &mut AnyConnection) -> QueryResult<Vec<StepRow>> {
    award_steps::table
        .filter(award_steps::closed_at.is_null())
        .order(award_steps::id.asc())
        .select(StepRow::as_select())
        .load(c)
}

pub fn insert_ballot(c: &mut AnyConnection, row: &BallotRow) -> QueryResult<()> {
    diesel::insert_into(award_ballots::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The casts of a step whatever their state: for the workflow (counting, closing), never the
/// API while the step is open.
pub fn casts(c: &mut AnyConnection, step: &str) -> QueryResult<Vec<BallotRow>> {
    award_ballots::table
        .filter(award_ballots::step_id.eq(step))
        .order(award_ballots::cast_at.asc())
        .then_order_by(award_ballots::id.asc())
        .select(BallotRow::as_select())
        .load(c)
}

/// The revealed casts of a step: what anyone may read.
pub fn revealed(c: &mut AnyConnection, step: &str) -> QueryResult<Vec<BallotRow>> {
    award_ballots::table
        .filter(award_ballots::step_id.eq(step))
        .filter(award_ballots::revealed_at.is_not_null())
        .order(award_ballots::cast_at.asc())
        .then_order_by(award_ballots::id.asc())
        .select(BallotRow::as_select())
        .load(c)
}

/// How many casts a step holds (an open round shows this, never what they say).
pub fn cast_count(c: &mut AnyConnection, step: &str) -> QueryResult<i64> {
    award_ballots::table
        .filter(award_ballots::step_id.eq(step))
        .count()
        .get_result(c)
}

/// Reveals every cast of a step at once.
pub fn reveal(c: &mut AnyConnection, step: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(award_ballots::table.filter(award_ballots::step_id.eq(step)))
        .set(award_ballots::revealed_at.eq(Some(at)))
        .execute(c)
}

pub fn insert_report(c: &mut AnyConnection, row: &ReportRow) -> QueryResult<()> {
    diesel::insert_into(award_reports::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_report(c: &mut AnyConnection, row: &ReportRow) -> QueryResult<()> {
    diesel::update(award_reports::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

/// The 定标报告 of an award round of a section.
pub fn report(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    award_round: i32,
) -> QueryResult<Option<ReportRow>> {
    award_reports::table
        .filter(award_reports::tender_id.eq(tender))
        .filter(award_reports::section_code.eq(section))
        .filter(award_reports::award_round.eq(award_round))
        .select(ReportRow::as_select())
        .first(c)
        .optional()
}

pub fn report_by_id(c: &mut AnyConnection, id: &str) -> QueryResult<Option<ReportRow>> {
    award_reports::table
        .find(id)
        .select(ReportRow::as_select())
        .first(c)
        .optional()
}

/// Reports still being signed whose signing time is over at `now`.
pub fn reports_signing_due(
    c: &mut AnyConnection,
    now: NaiveDateTime,
) -> QueryResult<Vec<ReportRow>> {
    award_reports::table
        .filter(award_reports::completed_at.is_null())
        .filter(award_reports::sign_until.le(now))
        .order(award_reports::id.asc())
        .select(ReportRow::as_select())
        .load(c)
}

pub fn reports_of_tender(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<ReportRow>> {
    award_reports::table
        .filter(award_reports::tender_id.eq(tender))
        .order(award_reports::id.asc())
        .select(ReportRow::as_select())
        .load(c)
}

pub fn insert_signature(c: &mut AnyConnection, row: &SignatureRow) -> QueryResult<()> {
    diesel::insert_into(award_report_signatures::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn signatures(c: &mut AnyConnection, report: &str) -> QueryResult<Vec<SignatureRow>> {
    award_report_signatures::table
        .filter(award_report_signatures::report_id.eq(report))
        .order(award_report_signatures::signed_at.asc())
        .then_order_by(award_report_signatures::person_id.asc())
        .select(SignatureRow::as_select())
        .load(c)
}
