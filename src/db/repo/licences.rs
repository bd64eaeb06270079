//! Fetches of organisations' licences from the licence registry (docs/LICENCES.md): every
//! attempt is a row; the newest `ok` row of a USCC is its cached record.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{licence_fetches, licence_verdicts};
use crate::db::AnyConnection;

/// The outcome text of a fetch whose verified facts are the organisation's record.
pub const OK: &str = "ok";

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = licence_fetches)]
pub struct FetchRow {
    pub id: String,
    pub uscc: String,
    pub source: String,
    pub attempted_at: NaiveDateTime,
    /// `domain::licence::FetchOutcome`, decoded by the caller.
    pub outcome: String,
    pub http_status: Option<i32>,
    pub digest: Option<String>,
    pub signature: Option<String>,
    pub key_id: Option<String>,
    pub facts: Option<String>,
    pub error: Option<String>,
    pub requested_by: String,
    pub requested_role: String,
}

pub fn insert(c: &mut AnyConnection, row: &FetchRow) -> QueryResult<()> {
    diesel::insert_into(licence_fetches::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The newest fetch of `uscc` with outcome `ok` (its cached record), if any.
pub fn cached(c: &mut AnyConnection, uscc: &str) -> QueryResult<Option<FetchRow>> {
    licence_fetches::table
        .filter(licence_fetches::uscc.eq(uscc))
        .filter(licence_fetches::outcome.eq(OK))
        .order((
            licence_fetches::attempted_at.desc(),
            licence_fetches::id.desc(),
        ))
        .select(FetchRow::as_select())
        .first(c)
        .optional()
}

/// The newest fetch of `uscc`, whatever its outcome.
pub fn latest(c: &mut AnyConnection, uscc: &str) -> QueryResult<Option<FetchRow>> {
    licence_fetches::table
        .filter(licence_fetches::uscc.eq(uscc))
        .order((
            licence_fetches::attempted_at.desc(),
            licence_fetches::id.desc(),
        ))
        .select(FetchRow::as_select())
        .first(c)
        .optional()
}

/// The newest fetch of any organisation that succeeded (`ok == true`) or failed.
pub fn latest_link(c: &mut AnyConnection, ok: bool) -> QueryResult<Option<FetchRow>> {
    let q = licence_fetches::table
        .order((
            licence_fetches::attempted_at.desc(),
            licence_fetches::id.desc(),
        ))
        .select(FetchRow::as_select())
        .into_boxed();
    let q = if ok {
        q.filter(licence_fetches::outcome.eq(OK))
    } else {
        q.filter(licence_fetches::outcome.ne(OK))
    };
    q.first(c).optional()
}

/// How many fetches there have been in all, and how many failed.
pub fn counts(c: &mut AnyConnection) -> QueryResult<(i64, i64)> {
    let all = licence_fetches::table.count().get_result(c)?;
    let failed = licence_fetches::table
        .filter(licence_fetches::outcome.ne(OK))
        .count()
        .get_result(c)?;
    Ok((all, failed))
}

/// A section's licence verdicts, frozen once when its committee's review starts.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = licence_verdicts)]
pub struct FrozenRow {
    pub tender_id: String,
    pub section_code: String,
    pub committee_id: String,
    pub frozen_at: NaiveDateTime,
    pub bid_deadline: NaiveDateTime,
    /// JSON: `Vec<domain::licence::FrozenBid>`.
    pub bids: String,
}

pub fn insert_frozen(c: &mut AnyConnection, row: &FrozenRow) -> QueryResult<()> {
    diesel::insert_into(licence_verdicts::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The section's frozen verdicts, if frozen.
pub fn frozen(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Option<FrozenRow>> {
    licence_verdicts::table
        .filter(licence_verdicts::tender_id.eq(tender))
        .filter(licence_verdicts::section_code.eq(section))
        .select(FrozenRow::as_select())
        .first(c)
        .optional()
}
