//! Treasury payments imported against contracts, the link's state per contract and the pulls
//! worth remembering (docs/TREASURY.md).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::repo::contracts::ContractRow;
use crate::db::schema::{contracts, treasury_links, treasury_payments, treasury_pulls};
use crate::db::AnyConnection;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = treasury_payments)]
pub struct PaymentRow {
    pub payment_id: String,
    pub contract_id: String,
    pub tender_id: String,
    pub section_code: String,
    pub amount: String,
    pub paid_at: NaiveDateTime,
    /// Canonical JSON of `domain::payment::TreasuryPayment` as received.
    pub record: String,
    pub digest: String,
    pub pull_id: String,
    pub imported_at: NaiveDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = treasury_links, treat_none_as_null = true)]
pub struct LinkRow {
    pub contract_id: String,
    pub last_pull_at: NaiveDateTime,
    pub last_outcome: String,
    pub last_http_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_complete_at: Option<NaiveDateTime>,
    pub failures_in_row: i32,
    pub pulls: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = treasury_pulls)]
pub struct PullRow {
    pub id: String,
    pub contract_id: String,
    pub pulled_at: NaiveDateTime,
    pub source: String,
    pub outcome: String,
    pub http_status: Option<i32>,
    pub pages: i32,
    pub attempts: i32,
    pub received: i32,
    pub imported: i32,
    pub duplicates: i32,
    /// JSON list of `wire::contracts::PaymentProblem`.
    pub problems: String,
    pub error: Option<String>,
    pub triggered_by: String,
}

/// The contract locked for the import (PostgreSQL; SQLite has one writer): two nodes pulling
/// the same contract import one after the other, so the second sees the first's rows.
pub fn lock_contract(c: &mut AnyConnection, id: &str) -> QueryResult<Option<ContractRow>> {
    crate::db::repo::contracts::lock(c, id)
}

/// The digest of the record held under `payment_id`, and the contract it was imported against.
pub fn held(c: &mut AnyConnection, payment_id: &str) -> QueryResult<Option<(String, String)>> {
    treasury_payments::table
        .find(payment_id)
        .select((treasury_payments::digest, treasury_payments::contract_id))
        .first(c)
        .optional()
}

pub fn insert_payment(c: &mut AnyConnection, row: &PaymentRow) -> QueryResult<()> {
    diesel::insert_into(treasury_payments::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// A contract's payments, oldest first.
pub fn payments_of(c: &mut AnyConnection, contract: &str) -> QueryResult<Vec<PaymentRow>> {
    treasury_payments::table
        .filter(treasury_payments::contract_id.eq(contract))
        .order((
            treasury_payments::paid_at.asc(),
            treasury_payments::payment_id.asc(),
        ))
        .select(PaymentRow::as_select())
        .load(c)
}

pub fn link(c: &mut AnyConnection, contract: &str) -> QueryResult<Option<LinkRow>> {
    treasury_links::table
        .find(contract)
        .select(LinkRow::as_select())
        .first(c)
        .optional()
}

pub fn save_link(c: &mut AnyConnection, row: &LinkRow) -> QueryResult<()> {
    let n = diesel::update(treasury_links::table.find(&row.contract_id))
        .set(row)
        .execute(c)?;
    if n == 0 {
        diesel::insert_into(treasury_links::table)
            .values(row)
            .execute(c)?;
    }
    Ok(())
}

/// Every link, the failing ones first, then by contract.
pub fn links(c: &mut AnyConnection, limit: i64) -> QueryResult<Vec<LinkRow>> {
    treasury_links::table
        .order((
            treasury_links::failures_in_row.desc(),
            treasury_links::contract_id.asc(),
        ))
        .limit(limit)
        .select(LinkRow::as_select())
        .load(c)
}

pub fn insert_pull(c: &mut AnyConnection, row: &PullRow) -> QueryResult<()> {
    diesel::insert_into(treasury_pulls::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The latest remembered pulls, newest first (of one contract, or of every one).
pub fn recent_pulls(
    c: &mut AnyConnection,
    contract: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<PullRow>> {
    let mut q = treasury_pulls::table.into_boxed();
    if let Some(id) = contract {
        q = q.filter(treasury_pulls::contract_id.eq(id.to_string()));
    }
    q.order((treasury_pulls::pulled_at.desc(), treasury_pulls::id.desc()))
        .limit(limit)
        .select(PullRow::as_select())
        .load(c)
}

/// Contracts whose payments the treasury may hold: signed (and those terminated after signing,
/// whose payments before the termination still count).
pub fn payable_contracts(c: &mut AnyConnection) -> QueryResult<Vec<ContractRow>> {
    contracts::table
        .filter(contracts::signed_at.is_not_null())
        .order(contracts::signed_at.asc())
        .select(ContractRow::as_select())
        .load(c)
}
