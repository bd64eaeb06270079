//! Queries, one file per aggregate. Functions take a connection (the caller owns the
//! transaction) and return plain rows; turning rows into domain values happens in `app`.

pub mod audit;
pub mod identity;
pub mod mail;
pub mod tenders;

use diesel::connection::SimpleConnection;

use super::AnyConnection;

pub fn ping(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    conn.batch_execute("SELECT 1")
}
