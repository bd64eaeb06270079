//! Evaluation reports (评标报告): the document as the exact bytes members sign, and each
//! member's signature, dissent or deemed agreement.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{evaluation_reports, report_signatures};
use crate::db::AnyConnection;
use crate::domain::evaluation::report::{AssentKind, ReportOutcome, ReportState};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = evaluation_reports)]
#[diesel(treat_none_as_null = true)]
pub struct ReportRow {
    pub id: String,
    pub committee_id: String,
    pub tender_id: String,
    pub section_code: String,
    pub state: String,
    pub document: String,
    pub digest: String,
    pub outcome: String,
    pub generated_by: String,
    pub generated_at: NaiveDateTime,
    pub sign_until: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
}

impl ReportRow {
    pub fn state(&self) -> QueryResult<ReportState> {
        ReportState::parse(&self.state).ok_or_else(|| corrupt(&self.id, &self.state))
    }

    pub fn set_state(&mut self, s: ReportState) {
        self.state = s.as_str().into();
    }

    pub fn outcome(&self) -> QueryResult<ReportOutcome> {
        ReportOutcome::parse(&self.outcome).ok_or_else(|| corrupt(&self.id, &self.outcome))
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_signatures)]
pub struct SignatureRow {
    pub report_id: String,
    pub member: String,
    pub assent: String,
    pub reason: Option<String>,
    pub signature: Option<String>,
    pub signature_algorithm: Option<String>,
    pub signer_fingerprint: Option<String>,
    pub signed_at: NaiveDateTime,
}

impl SignatureRow {
    pub fn assent(&self) -> QueryResult<AssentKind> {
        AssentKind::parse(&self.assent).ok_or_else(|| corrupt(&self.report_id, &self.assent))
    }
}

fn corrupt(id: &str, value: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(
        format!("report {id}: unknown value {value:?}").into(),
    )
}

pub fn insert(c: &mut AnyConnection, row: &ReportRow) -> QueryResult<()> {
    diesel::insert_into(evaluation_reports::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update(c: &mut AnyConnection, row: &ReportRow) -> QueryResult<()> {
    diesel::update(evaluation_reports::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

/// The committee's current report: the newest that is not void.
pub fn current(c: &mut AnyConnection, committee: &str) -> QueryResult<Option<ReportRow>> {
    evaluation_reports::table
        .filter(evaluation_reports::committee_id.eq(committee))
        .filter(evaluation_reports::state.ne(ReportState::Void.as_str()))
        .order(evaluation_reports::generated_at.desc())
        .select(ReportRow::as_select())
        .first(c)
        .optional()
}

/// Every report of a tender that is complete.
pub fn complete_of_tender(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<ReportRow>> {
    evaluation_reports::table
        .filter(evaluation_reports::tender_id.eq(tender))
        .filter(evaluation_reports::state.eq(ReportState::Complete.as_str()))
        .select(ReportRow::as_select())
        .load(c)
}

/// Reports still being signed whose signing time is over at `now`.
pub fn signing_due(c: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<Vec<ReportRow>> {
    evaluation_reports::table
        .filter(evaluation_reports::state.eq(ReportState::Signing.as_str()))
        .filter(evaluation_reports::sign_until.le(now))
        .order(evaluation_reports::id.asc())
        .select(ReportRow::as_select())
        .load(c)
}

pub fn insert_signature(c: &mut AnyConnection, row: &SignatureRow) -> QueryResult<()> {
    diesel::insert_into(report_signatures::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn signatures(c: &mut AnyConnection, report: &str) -> QueryResult<Vec<SignatureRow>> {
    report_signatures::table
        .filter(report_signatures::report_id.eq(report))
        .order(report_signatures::signed_at.asc())
        .select(SignatureRow::as_select())
        .load(c)
}
