//! Queries, one file per aggregate. Functions take a connection (the caller owns the
//! transaction) and return plain rows; turning rows into domain values happens in `app`.

pub mod audit;
pub mod audit_log;
pub mod bids;
pub mod identity;
pub mod mail;
pub mod tenders;

use diesel::connection::SimpleConnection;

use super::AnyConnection;

pub fn ping(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// Start a read-only transaction that sees one snapshot (an export must not mix a checkpoint
/// with entries committed after it).
pub fn begin_read_snapshot(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    match conn {
        AnyConnection::Postgresql(_) => {
            conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        }
        AnyConnection::Sqlite(_) => conn.batch_execute("BEGIN DEFERRED"),
    }
}

pub fn end_read_snapshot(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    conn.batch_execute("COMMIT")
}
