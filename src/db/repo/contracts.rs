//! Contracts, their versions and changes, and bid-bond refunds (docs/CONTRACTS.md).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    bond_refunds, contract_changes, contract_completions, contract_versions, contracts,
    contracts_withdrawn,
};
use crate::db::sealing;
use crate::db::AnyConnection;

#[derive(
    Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize,
)]
#[diesel(table_name = contracts, treat_none_as_null = true)]
pub struct ContractRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub award_round: i32,
    pub bid_id: String,
    pub tenderer_id: String,
    pub winner_id: String,
    pub state: String,
    pub version: i32,
    /// JSON `domain::contract::Terms` of the current version.
    pub terms: String,
    /// The canonical document of the current version, and its SHA-256.
    pub document: String,
    pub digest: String,
    pub notice_digest: String,
    pub notified_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    /// JSON `wire::contracts::PerformanceBond`.
    pub performance_bond: Option<String>,
    /// JSON `wire::contracts::PartySignature` over the current version.
    pub tenderer_signature: Option<String>,
    pub winner_signature: Option<String>,
    pub signed_at: Option<NaiveDateTime>,
    pub reminders_sent: i32,
    pub overdue_flagged_at: Option<NaiveDateTime>,
    pub terminated_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = contract_versions)]
pub struct VersionRow {
    pub contract_id: String,
    pub version: i32,
    pub terms: String,
    pub digest: String,
    pub change_id: Option<String>,
    /// JSON `domain::contract::TermChange` list against the previous version.
    pub changes: String,
    pub effective_at: NaiveDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contract_changes, treat_none_as_null = true)]
pub struct ChangeRow {
    pub id: String,
    pub contract_id: String,
    pub base_version: i32,
    /// `amendment` or `termination`.
    pub kind: String,
    pub reason: String,
    pub note: String,
    pub terms: Option<String>,
    pub changes: String,
    pub document: String,
    pub digest: String,
    pub proposer: String,
    /// JSON `wire::contracts::PartySignature` of each side over the change.
    pub tenderer_signature: Option<String>,
    pub winner_signature: Option<String>,
    pub state: String,
    pub proposed_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

/// A refund as the use-cases see it. `sealed`: a withdrawal's refund before its section's
/// opening, whose tender and section are stored only under the node KEK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRow {
    pub id: String,
    pub bond_id: String,
    pub tender_id: String,
    pub section_code: String,
    pub sealed: bool,
    pub organisation_id: String,
    pub kind: String,
    pub principal: String,
    pub received_at: NaiveDateTime,
    pub ground: String,
    pub ground_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
    pub state: String,
    pub interest_rate: String,
    pub day_basis: i32,
    pub interest: Option<String>,
    pub refunded_at: Option<NaiveDateTime>,
    pub bank_reference: Option<String>,
    pub recorded_by: Option<String>,
    pub overdue_flagged_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = bond_refunds, treat_none_as_null = true)]
struct StoredRefund {
    id: String,
    bond_id: String,
    tender_id: Option<String>,
    section_code: Option<String>,
    sealed_scope: Option<String>,
    organisation_id: String,
    kind: String,
    principal: String,
    received_at: NaiveDateTime,
    ground: String,
    ground_at: NaiveDateTime,
    due_at: Option<NaiveDateTime>,
    state: String,
    interest_rate: String,
    day_basis: i32,
    interest: Option<String>,
    refunded_at: Option<NaiveDateTime>,
    bank_reference: Option<String>,
    recorded_by: Option<String>,
    overdue_flagged_at: Option<NaiveDateTime>,
}

const REFUND_SCOPE: &str = "bond_refunds";

fn store_refund(r: &RefundRow) -> QueryResult<StoredRefund> {
    let (tender_id, section_code, sealed_scope) = if r.sealed {
        let scope = (r.tender_id.clone(), r.section_code.clone());
        (
            None,
            None,
            Some(sealing::seal(REFUND_SCOPE, &r.id, &scope)?),
        )
    } else {
        (
            Some(r.tender_id.clone()),
            Some(r.section_code.clone()),
            None,
        )
    };
    Ok(StoredRefund {
        id: r.id.clone(),
        bond_id: r.bond_id.clone(),
        tender_id,
        section_code,
        sealed_scope,
        organisation_id: r.organisation_id.clone(),
        kind: r.kind.clone(),
        principal: r.principal.clone(),
        received_at: r.received_at,
        ground: r.ground.clone(),
        ground_at: r.ground_at,
        due_at: r.due_at,
        state: r.state.clone(),
        interest_rate: r.interest_rate.clone(),
        day_basis: r.day_basis,
        interest: r.interest.clone(),
        refunded_at: r.refunded_at,
        bank_reference: r.bank_reference.clone(),
        recorded_by: r.recorded_by.clone(),
        overdue_flagged_at: r.overdue_flagged_at,
    })
}

fn load_refund(s: StoredRefund) -> QueryResult<RefundRow> {
    let (tender_id, section_code, sealed) = match (&s.tender_id, &s.section_code, &s.sealed_scope) {
        (Some(t), Some(sec), _) => (t.clone(), sec.clone(), false),
        (_, _, Some(sealed)) => {
            let (t, sec): (String, String) = sealing::open(REFUND_SCOPE, &s.id, sealed)?;
            (t, sec, true)
        }
        _ => {
            return Err(diesel::result::Error::DeserializationError(
                format!("bond refund {} names no tender", s.id).into(),
            ))
        }
    };
    Ok(RefundRow {
        id: s.id,
        bond_id: s.bond_id,
        tender_id,
        section_code,
        sealed,
        organisation_id: s.organisation_id,
        kind: s.kind,
        principal: s.principal,
        received_at: s.received_at,
        ground: s.ground,
        ground_at: s.ground_at,
        due_at: s.due_at,
        state: s.state,
        interest_rate: s.interest_rate,
        day_basis: s.day_basis,
        interest: s.interest,
        refunded_at: s.refunded_at,
        bank_reference: s.bank_reference,
        recorded_by: s.recorded_by,
        overdue_flagged_at: s.overdue_flagged_at,
    })
}

fn load_refunds(rows: Vec<StoredRefund>) -> QueryResult<Vec<RefundRow>> {
    rows.into_iter().map(load_refund).collect()
}

pub fn insert(c: &mut AnyConnection, row: &ContractRow) -> QueryResult<()> {
    diesel::insert_into(contracts::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update(c: &mut AnyConnection, row: &ContractRow) -> QueryResult<()> {
    diesel::update(contracts::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

/// Moves the draft `row` to `contracts_withdrawn` (its winner dropped out before signing), with
/// the whole row as it stood. Returns false, changing nothing, if it is no longer a draft.
pub fn withdraw_draft(
    c: &mut AnyConnection,
    row: &ContractRow,
    reason: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let draft = serde_json::to_string(row)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let gone = diesel::delete(
        contracts::table
            .find(&row.id)
            .filter(contracts::state.eq("draft")),
    )
    .execute(c)?;
    if gone == 0 {
        return Ok(false);
    }
    diesel::insert_into(contracts_withdrawn::table)
        .values((
            contracts_withdrawn::id.eq(&row.id),
            contracts_withdrawn::tender_id.eq(&row.tender_id),
            contracts_withdrawn::section_code.eq(&row.section_code),
            contracts_withdrawn::bid_id.eq(&row.bid_id),
            contracts_withdrawn::digest.eq(&row.digest),
            contracts_withdrawn::draft.eq(draft),
            contracts_withdrawn::reason.eq(reason),
            contracts_withdrawn::withdrawn_by.eq(by),
            contracts_withdrawn::withdrawn_at.eq(at),
        ))
        .execute(c)?;
    Ok(true)
}

/// The tenderer's record of a contract's completion (履约完成), written once.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = contract_completions)]
pub struct CompletionRow {
    pub contract_id: String,
    pub completed_on: String,
    pub remarks: String,
    pub document: String,
    pub digest: String,
    pub signature: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_completion(c: &mut AnyConnection, row: &CompletionRow) -> QueryResult<()> {
    diesel::insert_into(contract_completions::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn completion(c: &mut AnyConnection, contract: &str) -> QueryResult<Option<CompletionRow>> {
    contract_completions::table
        .find(contract)
        .select(CompletionRow::as_select())
        .first(c)
        .optional()
}

pub fn of_section(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Option<ContractRow>> {
    contracts::table
        .filter(contracts::tender_id.eq(tender))
        .filter(contracts::section_code.eq(section))
        .select(ContractRow::as_select())
        .first(c)
        .optional()
}

/// The contract locked until the transaction ends (PostgreSQL; SQLite has one writer): what is
/// decided from its state and its ratings is decided by one request at a time.
pub fn lock(c: &mut AnyConnection, id: &str) -> QueryResult<Option<ContractRow>> {
    match c {
        AnyConnection::Postgresql(pg) => contracts::table
            .find(id)
            .select(ContractRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        AnyConnection::Sqlite(_) => find(c, id),
    }
}

pub fn find(c: &mut AnyConnection, id: &str) -> QueryResult<Option<ContractRow>> {
    contracts::table
        .find(id)
        .select(ContractRow::as_select())
        .first(c)
        .optional()
}

/// Drafts whose due instant is before `before` (reminders and the overdue flag).
pub fn drafts_due_before(
    c: &mut AnyConnection,
    before: NaiveDateTime,
) -> QueryResult<Vec<ContractRow>> {
    contracts::table
        .filter(contracts::state.eq("draft"))
        .filter(contracts::due_at.lt(before))
        .order(contracts::due_at.asc())
        .select(ContractRow::as_select())
        .load(c)
}

/// Every contract of the tender.
pub fn of_tender(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<ContractRow>> {
    contracts::table
        .filter(contracts::tender_id.eq(tender))
        .order(contracts::section_code.asc())
        .select(ContractRow::as_select())
        .load(c)
}

pub fn insert_version(c: &mut AnyConnection, row: &VersionRow) -> QueryResult<()> {
    diesel::insert_into(contract_versions::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn versions(c: &mut AnyConnection, contract: &str) -> QueryResult<Vec<VersionRow>> {
    contract_versions::table
        .filter(contract_versions::contract_id.eq(contract))
        .order(contract_versions::version.asc())
        .select(VersionRow::as_select())
        .load(c)
}

pub fn insert_change(c: &mut AnyConnection, row: &ChangeRow) -> QueryResult<()> {
    diesel::insert_into(contract_changes::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_change(c: &mut AnyConnection, row: &ChangeRow) -> QueryResult<()> {
    diesel::update(contract_changes::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_change(c: &mut AnyConnection, id: &str) -> QueryResult<Option<ChangeRow>> {
    contract_changes::table
        .find(id)
        .select(ChangeRow::as_select())
        .first(c)
        .optional()
}

pub fn changes(c: &mut AnyConnection, contract: &str) -> QueryResult<Vec<ChangeRow>> {
    contract_changes::table
        .filter(contract_changes::contract_id.eq(contract))
        .order((
            contract_changes::proposed_at.asc(),
            contract_changes::id.asc(),
        ))
        .select(ChangeRow::as_select())
        .load(c)
}

/// Inserts the refund unless the bond already has one (a bond is refunded once, on the first
/// ground). Returns whether it was inserted.
pub fn insert_refund(c: &mut AnyConnection, row: &RefundRow) -> QueryResult<bool> {
    let taken: i64 = bond_refunds::table
        .filter(bond_refunds::bond_id.eq(&row.bond_id))
        .count()
        .get_result(c)?;
    if taken > 0 {
        return Ok(false);
    }
    diesel::insert_into(bond_refunds::table)
        .values(store_refund(row)?)
        .execute(c)
        .map(|_| true)
}

pub fn update_refund(c: &mut AnyConnection, row: &RefundRow) -> QueryResult<()> {
    diesel::update(bond_refunds::table.find(&row.id))
        .set(store_refund(row)?)
        .execute(c)
        .map(|_| ())
}

pub fn find_refund(c: &mut AnyConnection, id: &str) -> QueryResult<Option<RefundRow>> {
    bond_refunds::table
        .find(id)
        .select(StoredRefund::as_select())
        .first(c)
        .optional()?
        .map(load_refund)
        .transpose()
}

pub fn refunds_of_section(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Vec<RefundRow>> {
    bond_refunds::table
        .filter(bond_refunds::tender_id.eq(tender))
        .filter(bond_refunds::section_code.eq(section))
        .order((bond_refunds::organisation_id.asc(), bond_refunds::id.asc()))
        .select(StoredRefund::as_select())
        .load(c)
        .and_then(load_refunds)
}

pub fn refunds_of_organisation(c: &mut AnyConnection, org: &str) -> QueryResult<Vec<RefundRow>> {
    bond_refunds::table
        .filter(bond_refunds::organisation_id.eq(org))
        .order(bond_refunds::ground_at.desc())
        .limit(500)
        .select(StoredRefund::as_select())
        .load(c)
        .and_then(load_refunds)
}

/// Refunds still due whose limit passed before `now` and not yet flagged.
pub fn overdue_unflagged(c: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<Vec<RefundRow>> {
    bond_refunds::table
        .filter(bond_refunds::state.eq("due"))
        .filter(bond_refunds::due_at.le(now))
        .filter(bond_refunds::overdue_flagged_at.is_null())
        .order(bond_refunds::due_at.asc())
        .limit(1000)
        .select(StoredRefund::as_select())
        .load(c)
        .and_then(load_refunds)
}

/// Every refund not yet made, overdue or not (the regulator's list).
pub fn open_refunds(c: &mut AnyConnection, limit: i64) -> QueryResult<Vec<RefundRow>> {
    bond_refunds::table
        .filter(bond_refunds::state.eq("due"))
        .order(bond_refunds::due_at.asc())
        .limit(limit)
        .select(StoredRefund::as_select())
        .load(c)
        .and_then(load_refunds)
}

/// Re-seals every refund whose scope is sealed under an older KEK version (`bids::rewrap`).
pub(crate) fn rewrap_refunds(c: &mut AnyConnection) -> QueryResult<usize> {
    let key = sealing::key()?;
    let stale: Vec<StoredRefund> = bond_refunds::table
        .filter(bond_refunds::sealed_scope.is_not_null())
        .select(StoredRefund::as_select())
        .load(c)?
        .into_iter()
        .filter(|s| s.sealed_scope.as_deref().is_some_and(|v| key.is_stale(v)))
        .collect();
    let n = stale.len();
    for s in stale {
        update_refund(c, &load_refund(s)?)?;
    }
    Ok(n)
}
