//! 履约评价: the tenderer's signed ratings of contracts (docs/CONTRACTS.md §6) and the winner's
//! signed replies, written once and read by contract and by the rated organisation.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::performance_ratings as r;
use crate::db::schema::performance_replies as p;
use crate::db::AnyConnection;
use crate::domain::performance::{Grade, Phase};

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = r)]
pub struct RatingRow {
    pub id: String,
    pub contract_id: String,
    pub tender_id: String,
    pub section_code: String,
    pub winner_uscc: String,
    pub phase: String,
    pub score: String,
    pub grade: String,
    pub remarks: String,
    pub document: String,
    pub digest: String,
    pub signature: String,
    pub rated_by: String,
    pub rated_at: NaiveDateTime,
}

impl RatingRow {
    /// The stored phase; `None` only for a row not written by `app::contracts`.
    pub fn phase(&self) -> Option<Phase> {
        Phase::parse(&self.phase)
    }

    pub fn grade(&self) -> Option<Grade> {
        Grade::parse(&self.grade)
    }
}

pub fn insert(c: &mut AnyConnection, row: &RatingRow) -> QueryResult<()> {
    diesel::insert_into(r::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The contract's ratings, oldest first.
pub fn of_contract(c: &mut AnyConnection, contract: &str) -> QueryResult<Vec<RatingRow>> {
    r::table
        .filter(r::contract_id.eq(contract))
        .order((r::rated_at.asc(), r::id.asc()))
        .select(RatingRow::as_select())
        .load(c)
}

/// The ratings of contracts `uscc` won, given after `since`, newest first.
pub fn of_winner(
    c: &mut AnyConnection,
    uscc: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<RatingRow>> {
    r::table
        .filter(r::winner_uscc.eq(uscc))
        .filter(r::rated_at.gt(since))
        .order((r::rated_at.desc(), r::id.desc()))
        .select(RatingRow::as_select())
        .load(c)
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = p)]
pub struct ReplyRow {
    pub rating_id: String,
    pub text: String,
    pub document: String,
    pub digest: String,
    pub signature: String,
    pub replied_by: String,
    pub replied_at: NaiveDateTime,
}

pub fn find(c: &mut AnyConnection, id: &str) -> QueryResult<Option<RatingRow>> {
    r::table
        .find(id)
        .select(RatingRow::as_select())
        .first(c)
        .optional()
}

/// Inserts the reply unless the rating has one (a rating is answered once). Returns whether
/// it was inserted; the key refuses a second one whoever raced.
pub fn insert_reply(c: &mut AnyConnection, row: &ReplyRow) -> QueryResult<bool> {
    let taken: i64 = p::table
        .filter(p::rating_id.eq(&row.rating_id))
        .count()
        .get_result(c)?;
    if taken > 0 {
        return Ok(false);
    }
    diesel::insert_into(p::table)
        .values(row)
        .execute(c)
        .map(|_| true)
}

/// The replies to `ratings`, in no order.
pub fn replies(c: &mut AnyConnection, ratings: &[String]) -> QueryResult<Vec<ReplyRow>> {
    p::table
        .filter(p::rating_id.eq_any(ratings))
        .select(ReplyRow::as_select())
        .load(c)
}
