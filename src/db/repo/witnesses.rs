//! Witnesses of the audit log and their cosignatures of stored checkpoints. Both tables are
//! append-only (triggers in migration `000010_witnesses`): a witness, once registered, and a
//! cosignature, once stored, are evidence.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::repo::audit_log::CheckpointRow;
use crate::db::schema::{audit_checkpoints, audit_cosignatures, audit_witnesses};
use crate::db::AnyConnection;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_witnesses)]
pub struct WitnessRow {
    pub name: String,
    pub key_id: String,
    pub verifier_key: String,
    pub registered_by: String,
    pub registered_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_cosignatures)]
pub struct CosignatureRow {
    pub tree_size: i64,
    pub witness_name: String,
    pub signed_at: i64,
    pub signature_line: String,
    pub received_at: NaiveDateTime,
}

pub fn insert_witness(c: &mut AnyConnection, row: &WitnessRow) -> QueryResult<()> {
    diesel::insert_into(audit_witnesses::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_witness(c: &mut AnyConnection, name: &str) -> QueryResult<Option<WitnessRow>> {
    audit_witnesses::table
        .find(name)
        .select(WitnessRow::as_select())
        .first(c)
        .optional()
}

pub fn find_witness_by_key(c: &mut AnyConnection, vkey: &str) -> QueryResult<Option<WitnessRow>> {
    audit_witnesses::table
        .filter(audit_witnesses::verifier_key.eq(vkey))
        .select(WitnessRow::as_select())
        .first(c)
        .optional()
}

/// Every witness, by name.
pub fn witnesses(c: &mut AnyConnection) -> QueryResult<Vec<WitnessRow>> {
    audit_witnesses::table
        .order(audit_witnesses::name.asc())
        .select(WitnessRow::as_select())
        .load(c)
}

pub fn insert_cosignature(c: &mut AnyConnection, row: &CosignatureRow) -> QueryResult<()> {
    diesel::insert_into(audit_cosignatures::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn cosignature(
    c: &mut AnyConnection,
    size: i64,
    witness: &str,
) -> QueryResult<Option<CosignatureRow>> {
    audit_cosignatures::table
        .find((size, witness))
        .select(CosignatureRow::as_select())
        .first(c)
        .optional()
}

/// The cosignatures of the checkpoint of `size`, by witness name.
pub fn cosignatures_at(c: &mut AnyConnection, size: i64) -> QueryResult<Vec<CosignatureRow>> {
    audit_cosignatures::table
        .filter(audit_cosignatures::tree_size.eq(size))
        .order(audit_cosignatures::witness_name.asc())
        .select(CosignatureRow::as_select())
        .load(c)
}

/// The largest checkpoint with at least `min` cosignatures (and at least `at_least` entries).
pub fn latest_cosigned(
    c: &mut AnyConnection,
    min: i64,
    at_least: i64,
) -> QueryResult<Option<CheckpointRow>> {
    let size: Option<i64> = audit_cosignatures::table
        .filter(audit_cosignatures::tree_size.ge(at_least))
        .group_by(audit_cosignatures::tree_size)
        .having(diesel::dsl::count_star().ge(min))
        .select(audit_cosignatures::tree_size)
        .order(audit_cosignatures::tree_size.desc())
        .first(c)
        .optional()?;
    match size {
        None => Ok(None),
        Some(s) => audit_checkpoints::table
            .find(s)
            .select(CheckpointRow::as_select())
            .first(c)
            .optional(),
    }
}
