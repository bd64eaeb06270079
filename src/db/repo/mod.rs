//! Queries, one file per aggregate. Functions take a connection (the caller owns the
//! transaction) and return plain rows; turning rows into domain values happens in `app`.

pub mod artefacts;
pub mod audit;
pub mod audit_log;
pub mod award_committees;
pub mod award_notices;
pub mod award_publicity;
pub mod award_rounds;
pub mod awards;
pub mod bids;
pub mod cases;
pub mod clarifications;
pub mod collusion;
pub mod committees;
pub mod contracts;
pub mod draws;
pub mod experts;
pub mod identity;
pub mod inspections;
pub mod licences;
pub mod mail;
pub mod motions;
pub mod oversight;
pub mod parties;
pub mod performance;
pub mod reports;
pub mod sheets;
pub mod supervision;
pub mod tenders;
pub mod treasury;
pub mod uploads;
pub mod validity;
pub mod witnesses;

use diesel::connection::SimpleConnection;
use diesel::expression::AsExpression;
use diesel::query_dsl::methods::{FilterDsl, LimitDsl, OrderDsl};
use diesel::sql_types::SqlType;
use diesel::{dsl, ExpressionMethods};

use super::AnyConnection;

/// One page of a keyset-paginated list, as every list query takes it: the rows whose key is
/// strictly after `after` (all rows when `None`), in ascending key order, at most `limit` of
/// them. [`keyset`] asks for one row more, so the caller learns whether another page follows
/// without a count; `app::support::pages` builds this from the request and cuts the rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyset<K> {
    pub after: Option<K>,
    pub limit: i64,
}

/// The one keyset pattern: `WHERE key > after ORDER BY key LIMIT limit + 1` on a boxed query
/// (whose other filters and joins are the caller's). The key must be unique and indexed.
pub fn keyset<Q, C, K>(query: Q, key: C, page: &Keyset<K>) -> Q
where
    C: ExpressionMethods + Copy,
    C::SqlType: SqlType,
    K: AsExpression<C::SqlType> + Clone,
    Q: FilterDsl<dsl::Gt<C, K>, Output = Q>
        + OrderDsl<dsl::Asc<C>, Output = Q>
        + LimitDsl<Output = Q>,
{
    let query = match &page.after {
        Some(after) => FilterDsl::filter(query, key.gt(after.clone())),
        None => query,
    };
    LimitDsl::limit(OrderDsl::order(query, key.asc()), page.limit + 1)
}

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
