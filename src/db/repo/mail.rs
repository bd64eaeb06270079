//! The mail outbox.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::mail_outbox;
use crate::db::AnyConnection;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_outbox)]
pub struct MailRow {
    pub id: String,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub kind: String,
    pub tender_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

pub fn insert(c: &mut AnyConnection, row: &MailRow) -> QueryResult<()> {
    diesel::insert_into(mail_outbox::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// Ids of unsent mails that are due and not claimed by another dispatcher.
pub fn due(c: &mut AnyConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .filter(mail_outbox::next_attempt_at.le(now))
        .filter(
            mail_outbox::claimed_until
                .is_null()
                .or(mail_outbox::claimed_until.lt(now)),
        )
        .order(mail_outbox::next_attempt_at.asc())
        .limit(limit)
        .select(mail_outbox::id)
        .load(c)
}

/// Claim one mail until `until`; false if another dispatcher holds it or it was sent.
pub fn claim(
    c: &mut AnyConnection,
    id: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Option<MailRow>> {
    let n = diesel::update(
        mail_outbox::table
            .filter(mail_outbox::id.eq(id))
            .filter(mail_outbox::sent_at.is_null())
            .filter(
                mail_outbox::claimed_until
                    .is_null()
                    .or(mail_outbox::claimed_until.lt(now)),
            ),
    )
    .set(mail_outbox::claimed_until.eq(Some(until)))
    .execute(c)?;
    if n == 0 {
        return Ok(None);
    }
    mail_outbox::table
        .find(id)
        .select(MailRow::as_select())
        .first(c)
        .optional()
}

pub fn mark_sent(c: &mut AnyConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::sent_at.eq(Some(now)),
            mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
        ))
        .execute(c)
}

pub fn mark_failed(
    c: &mut AnyConnection,
    id: &str,
    next: NaiveDateTime,
    error: &str,
) -> QueryResult<usize> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::next_attempt_at.eq(next),
            mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
            mail_outbox::last_error.eq(Some(error.chars().take(500).collect::<String>())),
        ))
        .execute(c)
}

pub fn list_for_tender(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<MailRow>> {
    mail_outbox::table
        .filter(mail_outbox::tender_id.eq(tender))
        .order(mail_outbox::created_at.asc())
        .select(MailRow::as_select())
        .load(c)
}
