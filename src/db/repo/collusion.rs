//! Collusion signals (串标围标) of a section, computed at its opening, and the preparation
//! records (device fingerprint, documents' metadata) the opening keeps from each opened summary.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{collusion_runs, collusion_signals, opened_preparations};
use crate::db::sealing;
use crate::db::AnyConnection;
use crate::domain::collusion::{SignalKind, Strength};
use crate::seal::Preparation;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = collusion_runs)]
pub struct RunRow {
    pub tender_id: String,
    pub section_code: String,
    pub bids: i32,
    pub signals: i32,
    pub digest: String,
    pub computed_at: NaiveDateTime,
    /// How long the opening spent gathering, comparing and storing.
    pub duration_ms: i32,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = collusion_signals)]
pub struct SignalRow {
    pub tender_id: String,
    pub section_code: String,
    pub seq: i32,
    pub kind: String,
    pub strength: String,
    /// JSON array of bid ids.
    pub members: String,
    pub evidence: String,
    pub basis: String,
    pub computed_at: NaiveDateTime,
}

impl SignalRow {
    pub fn kind(&self) -> QueryResult<SignalKind> {
        SignalKind::parse(&self.kind).ok_or_else(|| self.corrupt("kind", &self.kind))
    }

    pub fn strength(&self) -> QueryResult<Strength> {
        Strength::parse(&self.strength).ok_or_else(|| self.corrupt("strength", &self.strength))
    }

    fn corrupt(&self, column: &str, value: &str) -> diesel::result::Error {
        diesel::result::Error::DeserializationError(
            format!(
                "collusion_signals {}/{} #{}: unknown {column} {value:?}",
                self.tender_id, self.section_code, self.seq
            )
            .into(),
        )
    }
}

/// Records one section's computation and its signals (once: a second run of the same
/// section is a unique violation, which the caller never causes — the record is published once).
pub fn insert_run(c: &mut AnyConnection, run: &RunRow, signals: &[SignalRow]) -> QueryResult<()> {
    diesel::insert_into(collusion_runs::table)
        .values(run)
        .execute(c)?;
    // Row by row: the multi-backend connection has no batch insert.
    for s in signals {
        diesel::insert_into(collusion_signals::table)
            .values(s)
            .execute(c)?;
    }
    Ok(())
}

pub fn set_duration(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    ms: i32,
) -> QueryResult<()> {
    diesel::update(collusion_runs::table.find((tender, section)))
        .set(collusion_runs::duration_ms.eq(ms))
        .execute(c)
        .map(|_| ())
}

pub fn find_run(c: &mut AnyConnection, tender: &str, section: &str) -> QueryResult<Option<RunRow>> {
    collusion_runs::table
        .find((tender, section))
        .select(RunRow::as_select())
        .first(c)
        .optional()
}

pub fn signals_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Vec<SignalRow>> {
    collusion_signals::table
        .filter(collusion_signals::tender_id.eq(tender))
        .filter(collusion_signals::section_code.eq(section))
        .order(collusion_signals::seq.asc())
        .select(SignalRow::as_select())
        .load(c)
}

const PREPARATION: &str = "opened_preparations";

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = opened_preparations)]
struct StoredPreparation {
    bid_id: String,
    sealed: String,
}

/// Keeps an opened bid's preparation record, sealed under the KEK and bound to the bid.
pub fn put_preparation(c: &mut AnyConnection, bid: &str, p: &Preparation) -> QueryResult<()> {
    let stored = StoredPreparation {
        bid_id: bid.to_string(),
        sealed: sealing::seal(PREPARATION, bid, p)?,
    };
    diesel::delete(opened_preparations::table.find(bid)).execute(c)?;
    diesel::insert_into(opened_preparations::table)
        .values(stored)
        .execute(c)
        .map(|_| ())
}

/// The preparation records of `bids` that have one.
pub fn preparations_of(
    c: &mut AnyConnection,
    bids: &[String],
) -> QueryResult<Vec<(String, Preparation)>> {
    let mut out = Vec::with_capacity(bids.len());
    for chunk in bids.chunks(500) {
        let rows: Vec<StoredPreparation> = opened_preparations::table
            .filter(opened_preparations::bid_id.eq_any(chunk))
            .select(StoredPreparation::as_select())
            .load(c)?;
        for r in rows {
            let p: Preparation = sealing::open(PREPARATION, &r.bid_id, &r.sealed)?;
            out.push((r.bid_id, p));
        }
    }
    Ok(out)
}

/// Re-seals every preparation record sealed under an older KEK version (`etender kek
/// rewrap`); returns how many.
pub fn rewrap_preparations(c: &mut AnyConnection) -> QueryResult<usize> {
    let key = sealing::key()?;
    let stale: Vec<StoredPreparation> = opened_preparations::table
        .select(StoredPreparation::as_select())
        .load::<StoredPreparation>(c)?
        .into_iter()
        .filter(|s| key.is_stale(&s.sealed))
        .collect();
    let n = stale.len();
    for s in stale {
        let p: Preparation = sealing::open(PREPARATION, &s.bid_id, &s.sealed)?;
        put_preparation(c, &s.bid_id, &p)?;
    }
    Ok(n)
}
