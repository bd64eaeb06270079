//! 投标有效期 extensions and the bidders' signed answers (docs/BIDDING.md, "Bid validity").
//! Extensions are written at the request and closed once; answers are written once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::validity_answers as a;
use crate::db::schema::validity_extensions as x;
use crate::db::schema::validity_reminders as r;
use crate::db::AnyConnection;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = x)]
pub struct ExtensionRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub previous_end: NaiveDateTime,
    pub new_end: NaiveDateTime,
    pub answer_due: NaiveDateTime,
    pub reason: String,
    pub asked: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = a)]
pub struct AnswerRow {
    pub extension_id: String,
    pub bid_id: String,
    pub organisation_id: String,
    pub agree: bool,
    pub document: String,
    pub digest: String,
    pub signature: String,
    pub answered_by: String,
    pub answered_at: NaiveDateTime,
}

pub fn insert(c: &mut AnyConnection, row: &ExtensionRow) -> QueryResult<()> {
    diesel::insert_into(x::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The section's extensions, oldest first.
pub fn of_section(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Vec<ExtensionRow>> {
    x::table
        .filter(x::tender_id.eq(tender))
        .filter(x::section_code.eq(section))
        .order((x::requested_at.asc(), x::id.asc()))
        .select(ExtensionRow::as_select())
        .load(c)
}

/// Open extensions whose answers were due by `now`: the deadline watch closes them.
pub fn due_to_close(c: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<Vec<ExtensionRow>> {
    x::table
        .filter(x::closed_at.is_null())
        .filter(x::answer_due.le(now))
        .order(x::answer_due.asc())
        .select(ExtensionRow::as_select())
        .load(c)
}

pub fn close(c: &mut AnyConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(x::table.find(id).filter(x::closed_at.is_null()))
        .set(x::closed_at.eq(Some(at)))
        .execute(c)
}

/// Inserts the answer unless the bid answered this extension already. Returns whether it was
/// inserted; the key refuses a second one whoever raced.
pub fn insert_answer(c: &mut AnyConnection, row: &AnswerRow) -> QueryResult<bool> {
    let taken: i64 = a::table
        .filter(a::extension_id.eq(&row.extension_id))
        .filter(a::bid_id.eq(&row.bid_id))
        .count()
        .get_result(c)?;
    if taken > 0 {
        return Ok(false);
    }
    diesel::insert_into(a::table)
        .values(row)
        .execute(c)
        .map(|_| true)
}

/// The answers to `extensions`, oldest first.
pub fn answers(c: &mut AnyConnection, extensions: &[String]) -> QueryResult<Vec<AnswerRow>> {
    a::table
        .filter(a::extension_id.eq_any(extensions))
        .order((a::answered_at.asc(), a::bid_id.asc()))
        .select(AnswerRow::as_select())
        .load(c)
}

/// How many reminders were sent for a section's end in force (`validity_reminders`).
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = r)]
pub struct ReminderRow {
    pub tender_id: String,
    pub section_code: String,
    pub end_at: NaiveDateTime,
    pub sent: i32,
}

pub fn reminder(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Option<ReminderRow>> {
    r::table
        .find((tender, section))
        .select(ReminderRow::as_select())
        .first(c)
        .optional()
}

/// Records the reminders sent for the section's end in force, replacing an older end's count.
pub fn save_reminder(c: &mut AnyConnection, row: &ReminderRow) -> QueryResult<()> {
    let n = diesel::update(r::table.find((&row.tender_id, &row.section_code)))
        .set(row)
        .execute(c)?;
    if n == 0 {
        diesel::insert_into(r::table).values(row).execute(c)?;
    }
    Ok(())
}
