//! Clarifications (澄清) a committee asks of bidders, with the bidders' signed answers and the
//! committee's decision on each.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::clarifications;
use crate::db::AnyConnection;

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = clarifications)]
#[diesel(treat_none_as_null = true)]
pub struct ClarificationRow {
    pub id: String,
    pub committee_id: String,
    pub bid_id: String,
    /// `clarification::Question` as JSON.
    pub question: String,
    pub question_sha256: String,
    pub asked_by: String,
    pub asked_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    /// `clarification::Answer` as JSON.
    pub answer: Option<String>,
    /// Base64.
    pub answer_signature: Option<String>,
    pub answer_signature_algorithm: Option<String>,
    /// Base64 DER of the bidder's signing certificate.
    pub answer_certificate: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub accepted: Option<bool>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

pub fn insert(c: &mut AnyConnection, row: &ClarificationRow) -> QueryResult<()> {
    diesel::insert_into(clarifications::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update(c: &mut AnyConnection, row: &ClarificationRow) -> QueryResult<()> {
    diesel::update(clarifications::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn find(c: &mut AnyConnection, id: &str) -> QueryResult<Option<ClarificationRow>> {
    clarifications::table
        .find(id)
        .select(ClarificationRow::as_select())
        .first(c)
        .optional()
}

/// Every clarification of the committee, in the order asked.
pub fn of_committee(c: &mut AnyConnection, committee: &str) -> QueryResult<Vec<ClarificationRow>> {
    clarifications::table
        .filter(clarifications::committee_id.eq(committee))
        .order((clarifications::asked_at.asc(), clarifications::id.asc()))
        .select(ClarificationRow::as_select())
        .load(c)
}
