//! The start of 评定分离: 清标 reports, appointed members' statements, and the award committee
//! (定标委员会) of each section's award round with its members. The award rounds read the
//! committee through [`members_of`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::clearing_reports;
use crate::db::schema::{award_committee_members, award_committees, award_statements};
use crate::db::AnyConnection;
use crate::domain::award::committee::{Appointment, MemberRole};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = clearing_reports)]
pub struct ClearingRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub award_round: i32,
    pub filed_by: String,
    pub body: String,
    pub statement_sha256: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
    pub certificate: String,
    pub filed_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = award_statements)]
pub struct StatementRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub award_round: i32,
    pub person_id: String,
    pub member_id: String,
    pub conflict_party: Option<String>,
    pub conflict_reason: Option<String>,
    pub statement_sha256: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
    pub certificate: String,
    pub signed_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = award_committees)]
#[diesel(treat_none_as_null = true)]
pub struct CommitteeRow {
    pub tender_id: String,
    pub section_code: String,
    pub award_round: i32,
    pub draw_id: Option<String>,
    pub size: i32,
    pub drawn: i32,
    pub formed_by: String,
    pub formed_at: NaiveDateTime,
    pub roster_sha256: String,
    pub witness_id: Option<String>,
    pub witness_signature: Option<String>,
    pub witness_algorithm: Option<String>,
    pub witness_fingerprint: Option<String>,
    pub witness_certificate: Option<String>,
    pub witnessed_at: Option<NaiveDateTime>,
}

/// A member's row as stored.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = award_committee_members)]
#[diesel(treat_none_as_null = true)]
pub struct MemberRecord {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub award_round: i32,
    pub person_id: String,
    pub member_id: String,
    pub role: String,
    pub how: String,
    pub draw_id: Option<String>,
    pub draw_rank: Option<i32>,
    pub statement_sha256: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
    pub active: bool,
    pub joined_at: NaiveDateTime,
    pub left_at: Option<NaiveDateTime>,
    pub left_reason: Option<String>,
    pub replaced_by: Option<String>,
}

/// A member of an award committee, as the award rounds use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwardMemberRow {
    /// `award_committee_members.id`.
    pub id: String,
    /// The person's principal id: whose ballots and signatures count.
    pub person_id: String,
    /// The person's record in the tenderer's 定标委员库.
    pub member_id: String,
    /// 组长: presides, and decides under 集体议事.
    pub chair: bool,
    pub how: Appointment,
    pub draw_id: Option<String>,
    pub draw_rank: Option<i32>,
    /// SHA-256 (hex) of the 承诺书 it signed.
    pub statement_sha256: String,
    pub active: bool,
    pub joined_at: NaiveDateTime,
    pub left_at: Option<NaiveDateTime>,
    pub left_reason: Option<String>,
}

impl MemberRecord {
    pub fn role(&self) -> QueryResult<MemberRole> {
        MemberRole::parse(&self.role).ok_or_else(|| corrupt(&self.id, &self.role))
    }

    pub fn how(&self) -> QueryResult<Appointment> {
        Appointment::parse(&self.how).ok_or_else(|| corrupt(&self.id, &self.how))
    }

    fn view(&self) -> QueryResult<AwardMemberRow> {
        Ok(AwardMemberRow {
            id: self.id.clone(),
            person_id: self.person_id.clone(),
            member_id: self.member_id.clone(),
            chair: self.role()? == MemberRole::Chair,
            how: self.how()?,
            draw_id: self.draw_id.clone(),
            draw_rank: self.draw_rank,
            statement_sha256: self.statement_sha256.clone(),
            active: self.active,
            joined_at: self.joined_at,
            left_at: self.left_at,
            left_reason: self.left_reason.clone(),
        })
    }
}

fn corrupt(id: &str, value: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(
        format!("award committee member {id}: unknown value {value:?}").into(),
    )
}

pub fn insert_clearing(c: &mut AnyConnection, row: &ClearingRow) -> QueryResult<()> {
    diesel::insert_into(clearing_reports::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The 清标 report of a section's award round, if filed.
pub fn clearing_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    round: i32,
) -> QueryResult<Option<ClearingRow>> {
    clearing_reports::table
        .filter(clearing_reports::tender_id.eq(tender))
        .filter(clearing_reports::section_code.eq(section))
        .filter(clearing_reports::award_round.eq(round))
        .select(ClearingRow::as_select())
        .first(c)
        .optional()
}

/// The latest 清标 report of a section (a new award round keeps the first one's findings).
pub fn latest_clearing(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Option<ClearingRow>> {
    clearing_reports::table
        .filter(clearing_reports::tender_id.eq(tender))
        .filter(clearing_reports::section_code.eq(section))
        .order(clearing_reports::award_round.desc())
        .select(ClearingRow::as_select())
        .first(c)
        .optional()
}

pub fn insert_statement(c: &mut AnyConnection, row: &StatementRow) -> QueryResult<()> {
    diesel::insert_into(award_statements::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The statements signed for a section's award round, by person id.
pub fn statements(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    round: i32,
) -> QueryResult<Vec<StatementRow>> {
    award_statements::table
        .filter(award_statements::tender_id.eq(tender))
        .filter(award_statements::section_code.eq(section))
        .filter(award_statements::award_round.eq(round))
        .order(award_statements::person_id.asc())
        .select(StatementRow::as_select())
        .load(c)
}

pub fn insert_committee(c: &mut AnyConnection, row: &CommitteeRow) -> QueryResult<()> {
    diesel::insert_into(award_committees::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_committee(c: &mut AnyConnection, row: &CommitteeRow) -> QueryResult<()> {
    diesel::update(award_committees::table.find((
        &row.tender_id,
        &row.section_code,
        row.award_round,
    )))
    .set(row)
    .execute(c)
    .map(|_| ())
}

/// The award committee of a section's award round, if formed.
pub fn committee_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    round: i32,
) -> QueryResult<Option<CommitteeRow>> {
    award_committees::table
        .find((tender, section, round))
        .select(CommitteeRow::as_select())
        .first(c)
        .optional()
}

pub fn insert_member(c: &mut AnyConnection, row: &MemberRecord) -> QueryResult<()> {
    diesel::insert_into(award_committee_members::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_member(c: &mut AnyConnection, row: &MemberRecord) -> QueryResult<()> {
    diesel::update(award_committee_members::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

/// Every member a section's award round ever had (who left included), as stored, in the order
/// they joined.
pub fn records(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    round: i32,
) -> QueryResult<Vec<MemberRecord>> {
    award_committee_members::table
        .filter(award_committee_members::tender_id.eq(tender))
        .filter(award_committee_members::section_code.eq(section))
        .filter(award_committee_members::award_round.eq(round))
        .order((
            award_committee_members::joined_at.asc(),
            award_committee_members::id.asc(),
        ))
        .select(MemberRecord::as_select())
        .load(c)
}

/// The active members of a section's award committee in `round` (empty until it is formed):
/// whose ballots, opinions and report signatures count.
pub fn members_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    round: i32,
) -> QueryResult<Vec<AwardMemberRow>> {
    records(c, tender, section, round)?
        .iter()
        .filter(|m| m.active)
        .map(MemberRecord::view)
        .collect()
}

/// Every member of the round, who left included.
pub fn all_members_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    round: i32,
) -> QueryResult<Vec<AwardMemberRow>> {
    records(c, tender, section, round)?
        .iter()
        .map(MemberRecord::view)
        .collect()
}
