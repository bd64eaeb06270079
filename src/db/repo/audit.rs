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

/// Purpose label of a sealed event's stored envelope (`db::sealing`).
pub const SEALED_EVENT: &str = "audit_events";

/// What a sealed event's row keeps only under the KEK: its actor, subject and body (the
/// stored columns hold blind indexes and this envelope; `audit::record` writes it).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct SealedParts {
    pub actor_id: String,
    pub subject: String,
    pub body: String,
}

/// The row as written: a sealed event's actor, subject and body restored from its envelope.
pub fn unseal(mut row: AuditEventRow) -> QueryResult<AuditEventRow> {
    if row.body.starts_with(crate::crypto::kek::WRAP_PREFIX) {
        let p: SealedParts = crate::db::sealing::open(SEALED_EVENT, &row.id, &row.body)?;
        row.actor_id = p.actor_id;
        row.subject = p.subject;
        row.body = p.body;
    }
    Ok(row)
}

/// [`unseal`] for every row.
pub fn unseal_all(rows: Vec<AuditEventRow>) -> QueryResult<Vec<AuditEventRow>> {
    rows.into_iter().map(unseal).collect()
}

/// The stored values that stand for principal `p` in `actor_id` / `subject`: its id, and the
/// blind index a sealed event stores instead (every KEK version).
pub fn party_values(p: &str) -> QueryResult<Vec<String>> {
    let mut v = crate::db::sealing::blind_all(crate::db::sealing::labels::AUDIT_PARTY, &[p])?;
    v.push(p.to_owned());
    Ok(v)
}

/// Inserts the event and returns the `seq` the database gave it, in the same statement (one
/// round trip fewer for every event than reading it back).
pub fn insert(c: &mut AnyConnection, e: &NewAuditEvent) -> QueryResult<i64> {
    let q = diesel::insert_into(audit_events::table)
        .values(e)
        .returning(audit_events::seq);
    match c {
        AnyConnection::Postgresql(pg) => q.get_result(pg),
        AnyConnection::Sqlite(lite) => q.get_result(lite),
    }
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
        .and_then(unseal_all)
}

/// Events about one subject (e.g. an organisation id), oldest first.
pub fn for_subject(c: &mut AnyConnection, subject: &str) -> QueryResult<Vec<AuditEventRow>> {
    audit_events::table
        .filter(audit_events::subject.eq_any(party_values(subject)?))
        .order(audit_events::seq.asc())
        .select(AuditEventRow::as_select())
        .load(c)
        .and_then(unseal_all)
}

pub fn find(c: &mut AnyConnection, id: &str) -> QueryResult<Option<AuditEventRow>> {
    audit_events::table
        .filter(audit_events::id.eq(id))
        .select(AuditEventRow::as_select())
        .first(c)
        .optional()?
        .map(unseal)
        .transpose()
}
