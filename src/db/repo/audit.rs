//! The audit event table: one row per state change, written in the changing transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::audit_events;
use crate::db::AnyConnection;

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent {
    pub id: String,
    pub event_type: String,
    pub tender_id: Option<String>,
    pub section_id: Option<String>,
    pub actor_role: String,
    pub actor_id: String,
    pub subject: String,
    pub body: String,
    pub body_digest: String,
    pub occurred_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub seq: i64,
    pub id: String,
    pub event_type: String,
    pub tender_id: Option<String>,
    pub section_id: Option<String>,
    pub actor_role: String,
    pub actor_id: String,
    pub subject: String,
    pub body: String,
    pub body_digest: String,
    pub occurred_at: NaiveDateTime,
}

pub fn insert(c: &mut AnyConnection, e: &NewAuditEvent) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values(e)
        .execute(c)
        .map(|_| ())
}

pub fn count(c: &mut AnyConnection) -> QueryResult<i64> {
    audit_events::table.count().get_result(c)
}

/// Events after `after_seq`, oldest first.
pub fn list(c: &mut AnyConnection, after_seq: i64, limit: i64) -> QueryResult<Vec<AuditEventRow>> {
    audit_events::table
        .filter(audit_events::seq.gt(after_seq))
        .order(audit_events::seq.asc())
        .limit(limit)
        .select(AuditEventRow::as_select())
        .load(c)
}

/// Events about one subject (e.g. an organisation id), oldest first.
pub fn for_subject(c: &mut AnyConnection, subject: &str) -> QueryResult<Vec<AuditEventRow>> {
    audit_events::table
        .filter(audit_events::subject.eq(subject))
        .order(audit_events::seq.asc())
        .select(AuditEventRow::as_select())
        .load(c)
}

pub fn find(c: &mut AnyConnection, id: &str) -> QueryResult<Option<AuditEventRow>> {
    audit_events::table
        .filter(audit_events::id.eq(id))
        .select(AuditEventRow::as_select())
        .first(c)
        .optional()
}
