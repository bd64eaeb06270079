//! The award of each section (定标, `section_awards`): its stage, the candidates it rests on
//! and what was decided. The stages' own records live in their own repos.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::section_awards;
use crate::db::AnyConnection;

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = section_awards)]
#[diesel(treat_none_as_null = true)]
pub struct AwardRow {
    pub tender_id: String,
    pub section_code: String,
    pub mode: String,
    pub stage: String,
    /// JSON array of bid ids, in the report's order.
    pub candidates: String,
    pub report_id: String,
    pub report_digest: String,
    pub winner_bid_id: Option<String>,
    pub winner_reason: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub publicity_from: Option<NaiveDateTime>,
    pub publicity_until: Option<NaiveDateTime>,
    pub open_objections: i32,
    pub award_round: i32,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// JSON array of bid ids: the candidates the deciding of `convened_round` was convened on
    /// (those still valid then), in the report's order. 评定分离 only.
    pub convened_among: Option<String>,
    pub convened_round: Option<i32>,
}

pub fn insert(c: &mut AnyConnection, row: &AwardRow) -> QueryResult<()> {
    diesel::insert_into(section_awards::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update(c: &mut AnyConnection, row: &AwardRow) -> QueryResult<()> {
    diesel::update(section_awards::table.find((&row.tender_id, &row.section_code)))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn get(c: &mut AnyConnection, tender: &str, section: &str) -> QueryResult<Option<AwardRow>> {
    section_awards::table
        .find((tender, section))
        .select(AwardRow::as_select())
        .first(c)
        .optional()
}

/// The row, locked for the rest of the transaction on PostgreSQL (SQLite's writer lock is the
/// whole database already).
pub fn lock(c: &mut AnyConnection, tender: &str, section: &str) -> QueryResult<Option<AwardRow>> {
    match c {
        AnyConnection::Postgresql(pg) => section_awards::table
            .find((tender, section))
            .select(AwardRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        AnyConnection::Sqlite(_) => get(c, tender, section),
    }
}

/// Every section of the tender in the award, by section code.
pub fn of_tender(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<AwardRow>> {
    section_awards::table
        .filter(section_awards::tender_id.eq(tender))
        .order(section_awards::section_code)
        .select(AwardRow::as_select())
        .load(c)
}
