//! The Merkle audit log: the pending queue, entries, perfect-subtree nodes and signed
//! checkpoints. Only the sequencer writes the log tables, and the database refuses UPDATE and
//! DELETE on them (triggers in migration `000004_audit_log`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::db::repo::audit::AuditEventRow;
use crate::db::repo::{keyset, Keyset};
use crate::db::schema::{
    audit_checkpoints, audit_events, audit_log_entries, audit_pending, audit_tree_nodes,
};
use crate::db::AnyConnection;

/// Advisory-lock key for the sequencer: "etlogseq" in ASCII. One sequencer at a time across
/// all nodes sharing the database.
const PG_SEQUENCER_LOCK: i64 = 0x6574_6c6f_6773_6571;

/// Rows per multi-row INSERT: entries bind 8 values per row, nodes 3, so each statement stays
/// far below SQLite's 32,766 and PostgreSQL's 65,535 bound-parameter limits.
const ENTRY_ROWS_PER_INSERT: usize = 500;
const NODE_ROWS_PER_INSERT: usize = 2000;
const DELETE_CHUNK: usize = 1000;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log_entries)]
pub struct EntryRow {
    pub log_index: i64,
    pub event_id: String,
    pub tender_id: Option<String>,
    pub leaf: Vec<u8>,
    pub leaf_hash: Vec<u8>,
    pub prev_tender_index: Option<i64>,
    pub prev_tender_leaf_hash: Option<Vec<u8>>,
    pub integrated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_tree_nodes)]
pub struct NodeRow {
    pub level: i32,
    pub idx: i64,
    pub hash: Vec<u8>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_checkpoints)]
pub struct CheckpointRow {
    pub tree_size: i64,
    pub root: Vec<u8>,
    pub signed_note: String,
    pub reason: String,
    pub issued_at: NaiveDateTime,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Queue the event of `seq` (just inserted by the caller's transaction) for the sequencer,
/// with the digest computed where it was written.
pub fn enqueue_event(c: &mut AnyConnection, seq: i64, digest: &str) -> QueryResult<()> {
    diesel::insert_into(audit_pending::table)
        .values((
            audit_pending::seq.eq(seq),
            audit_pending::event_digest.eq(Some(digest)),
        ))
        .execute(c)
        .map(|_| ())
}

/// Take the sequencer lock for the current transaction. PostgreSQL: a transaction-scoped
/// advisory lock (`wait = false` gives up at once when another node holds it). SQLite: the
/// caller's `BEGIN IMMEDIATE` already made this the only writer, so always true.
pub fn sequencer_lock(c: &mut AnyConnection, wait: bool) -> QueryResult<bool> {
    match c {
        AnyConnection::Postgresql(pg) => {
            if wait {
                diesel::sql_query(format!(
                    "SELECT true AS locked \
                     FROM (SELECT pg_advisory_xact_lock({PG_SEQUENCER_LOCK})) s"
                ))
                .get_result::<Locked>(pg)
                .map(|l| l.locked)
            } else {
                diesel::sql_query(format!(
                    "SELECT pg_try_advisory_xact_lock({PG_SEQUENCER_LOCK}) AS locked"
                ))
                .get_result::<Locked>(pg)
                .map(|l| l.locked)
            }
        }
        AnyConnection::Sqlite(_) => Ok(true),
    }
}

/// Number of entries in the log (the next log index).
pub fn size(c: &mut AnyConnection) -> QueryResult<i64> {
    let max: Option<i64> = audit_log_entries::table
        .select(diesel::dsl::max(audit_log_entries::log_index))
        .first(c)?;
    Ok(max.map_or(0, |m| m + 1))
}

pub fn pending_count(c: &mut AnyConnection) -> QueryResult<i64> {
    audit_pending::table.count().get_result(c)
}

pub fn has_pending(c: &mut AnyConnection) -> QueryResult<bool> {
    audit_pending::table
        .select(audit_pending::seq)
        .first::<i64>(c)
        .optional()
        .map(|o| o.is_some())
}

/// The oldest queued events (by commit-independent sequence number), at most `limit`, each
/// with the digest queued when it was written (`None` for events queued before digests were).
pub fn pending_batch(
    c: &mut AnyConnection,
    limit: i64,
) -> QueryResult<Vec<(AuditEventRow, Option<String>)>> {
    audit_pending::table
        .inner_join(audit_events::table)
        .order(audit_pending::seq.asc())
        .limit(limit)
        .select((AuditEventRow::as_select(), audit_pending::event_digest))
        .load::<(AuditEventRow, Option<String>)>(c)?
        .into_iter()
        .map(|(e, d)| Ok((super::audit::unseal(e)?, d)))
        .collect()
}

pub fn delete_pending(c: &mut AnyConnection, seqs: &[i64]) -> QueryResult<()> {
    for chunk in seqs.chunks(DELETE_CHUNK) {
        diesel::delete(audit_pending::table.filter(audit_pending::seq.eq_any(chunk))).execute(c)?;
    }
    Ok(())
}

/// The newest entry of `tender` (its index and leaf hash), for the back-link.
pub fn last_for_tender(c: &mut AnyConnection, tender: &str) -> QueryResult<Option<(i64, Vec<u8>)>> {
    audit_log_entries::table
        .filter(audit_log_entries::tender_id.eq(tender))
        .order(audit_log_entries::log_index.desc())
        .select((audit_log_entries::log_index, audit_log_entries::leaf_hash))
        .first(c)
        .optional()
}

pub fn insert_entries(c: &mut AnyConnection, rows: &[EntryRow]) -> QueryResult<()> {
    // Multi-row INSERT needs the concrete connection: MultiBackend has no batch insert.
    for chunk in rows.chunks(ENTRY_ROWS_PER_INSERT) {
        let q = diesel::insert_into(audit_log_entries::table).values(chunk);
        match c {
            AnyConnection::Postgresql(pg) => q.execute(pg)?,
            AnyConnection::Sqlite(lite) => q.execute(lite)?,
        };
    }
    Ok(())
}

pub fn insert_nodes(c: &mut AnyConnection, rows: &[NodeRow]) -> QueryResult<()> {
    for chunk in rows.chunks(NODE_ROWS_PER_INSERT) {
        let q = diesel::insert_into(audit_tree_nodes::table).values(chunk);
        match c {
            AnyConnection::Postgresql(pg) => q.execute(pg)?,
            AnyConnection::Sqlite(lite) => q.execute(lite)?,
        };
    }
    Ok(())
}

/// Stored node hashes for `ids` ((level, index) pairs), in no particular order. One statement:
/// `(level = ? AND idx IN (…)) OR …`, one disjunct per level, each served by the primary key.
pub fn read_nodes(c: &mut AnyConnection, ids: &[(i32, i64)]) -> QueryResult<Vec<NodeRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut levels: Vec<i32> = ids.iter().map(|(l, _)| *l).collect();
    levels.sort_unstable();
    levels.dedup();
    let mut q = audit_tree_nodes::table
        .select(NodeRow::as_select())
        .into_boxed();
    for (k, level) in levels.into_iter().enumerate() {
        let idx: Vec<i64> = ids
            .iter()
            .filter(|(l, _)| *l == level)
            .map(|(_, i)| *i)
            .collect();
        let cond = audit_tree_nodes::level
            .eq(level)
            .and(audit_tree_nodes::idx.eq_any(idx));
        q = if k == 0 {
            q.filter(cond)
        } else {
            q.or_filter(cond)
        };
    }
    q.load(c)
}

pub fn insert_checkpoint(c: &mut AnyConnection, row: &CheckpointRow) -> QueryResult<()> {
    diesel::insert_into(audit_checkpoints::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn latest_checkpoint(c: &mut AnyConnection) -> QueryResult<Option<CheckpointRow>> {
    audit_checkpoints::table
        .order(audit_checkpoints::tree_size.desc())
        .select(CheckpointRow::as_select())
        .first(c)
        .optional()
}

pub fn checkpoint_at(c: &mut AnyConnection, size: i64) -> QueryResult<Option<CheckpointRow>> {
    audit_checkpoints::table
        .find(size)
        .select(CheckpointRow::as_select())
        .first(c)
        .optional()
}

/// Every checkpoint, oldest first.
pub fn checkpoints(c: &mut AnyConnection) -> QueryResult<Vec<CheckpointRow>> {
    audit_checkpoints::table
        .order(audit_checkpoints::tree_size.asc())
        .select(CheckpointRow::as_select())
        .load(c)
}

pub fn entry(c: &mut AnyConnection, index: i64) -> QueryResult<Option<(EntryRow, AuditEventRow)>> {
    audit_log_entries::table
        .inner_join(audit_events::table.on(audit_events::id.eq(audit_log_entries::event_id)))
        .filter(audit_log_entries::log_index.eq(index))
        .select((EntryRow::as_select(), AuditEventRow::as_select()))
        .first(c)
        .optional()?
        .map(|(e, ev)| Ok((e, super::audit::unseal(ev)?)))
        .transpose()
}

pub fn entry_for_event(
    c: &mut AnyConnection,
    event_id: &str,
) -> QueryResult<Option<(EntryRow, AuditEventRow)>> {
    audit_log_entries::table
        .inner_join(audit_events::table.on(audit_events::id.eq(audit_log_entries::event_id)))
        .filter(audit_log_entries::event_id.eq(event_id))
        .select((EntryRow::as_select(), AuditEventRow::as_select()))
        .first(c)
        .optional()?
        .map(|(e, ev)| Ok((e, super::audit::unseal(ev)?)))
        .transpose()
}

/// What an entry list is restricted to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Tender(String),
    /// Entries whose subject or actor is this principal.
    Principal(String),
    /// As `Principal`, without events of these types: what an overseer reads of someone
    /// else's trail (sealed events would tell it who bids, when).
    PrincipalWithout(String, Vec<String>),
}

/// Entries joined with their events and restricted to `scope`, as a boxed query the caller
/// orders and limits (a macro: the boxed join's type is not worth spelling out).
macro_rules! scoped_entries {
    ($scope:expr) => {{
        let mut q = audit_log_entries::table
            .left_join(audit_events::table.on(audit_events::id.eq(audit_log_entries::event_id)))
            .select((EntryRow::as_select(), Option::<AuditEventRow>::as_select()))
            .into_boxed();
        match $scope {
            Scope::All => {}
            Scope::Tender(t) => q = q.filter(audit_log_entries::tender_id.eq(t.clone())),
            Scope::Principal(p) => {
                let v = super::audit::party_values(p)?;
                q = q.filter(
                    audit_events::subject
                        .eq_any(v.clone())
                        .or(audit_events::actor_id.eq_any(v)),
                )
            }
            Scope::PrincipalWithout(p, hidden) => {
                let v = super::audit::party_values(p)?;
                q = q
                    .filter(
                        audit_events::subject
                            .eq_any(v.clone())
                            .or(audit_events::actor_id.eq_any(v)),
                    )
                    .filter(audit_events::event_type.ne_all(hidden.clone()))
            }
        }
        q
    }};
}

/// Entry rows with their events restored (`audit::unseal`).
fn unseal_entries(
    rows: Vec<(EntryRow, Option<AuditEventRow>)>,
) -> QueryResult<Vec<(EntryRow, Option<AuditEventRow>)>> {
    rows.into_iter()
        .map(|(e, ev)| Ok((e, ev.map(super::audit::unseal).transpose()?)))
        .collect()
}

/// Entries in `scope`, oldest first, with `log_index` in `[from, to)`, at most `limit`. Each
/// comes with its event row (the row may have been tampered with; verifiers check it against
/// the leaf).
pub fn entries(
    c: &mut AnyConnection,
    scope: &Scope,
    from: i64,
    to: i64,
    limit: i64,
) -> QueryResult<Vec<(EntryRow, Option<AuditEventRow>)>> {
    scoped_entries!(scope)
        .filter(audit_log_entries::log_index.ge(from))
        .filter(audit_log_entries::log_index.lt(to))
        .order(audit_log_entries::log_index.asc())
        .limit(limit)
        .load(c)
        .and_then(unseal_entries)
}

/// A page of entries in `scope` by log index (the trail), each with its event row.
pub fn entries_page(
    c: &mut AnyConnection,
    scope: &Scope,
    page: &Keyset<i64>,
) -> QueryResult<Vec<(EntryRow, Option<AuditEventRow>)>> {
    keyset(scoped_entries!(scope), audit_log_entries::log_index, page)
        .load(c)
        .and_then(unseal_entries)
}

/// The stored state of each bid in `ids`, except bids with an event still queued (their state
/// may be ahead of the log), by bid id.
pub fn bid_states(c: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    use crate::db::schema::bids;
    let mut out = Vec::new();
    for chunk in ids.chunks(DELETE_CHUNK) {
        let busy: Vec<String> = audit_pending::table
            .inner_join(audit_events::table)
            .filter(audit_events::subject.eq_any(chunk))
            .select(audit_events::subject)
            .load(c)?;
        let rows: Vec<(String, String)> = bids::table
            .filter(bids::id.eq_any(chunk))
            .select((bids::id, bids::state))
            .load(c)?;
        out.extend(rows.into_iter().filter(|(id, _)| !busy.contains(id)));
    }
    Ok(out)
}
