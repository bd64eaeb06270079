//! Evaluation committees: one per section, and their members (experts from the draw and the
//! tenderer's representatives), with who left, who replaced whom and the leader votes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{committee_members, committee_time_requests, committees};
use crate::db::AnyConnection;
use crate::domain::evaluation::committee::{CommitteeState, LeaveReason, MemberKind};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = committees)]
#[diesel(treat_none_as_null = true)]
pub struct CommitteeRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub draw_id: String,
    pub state: String,
    pub leader_member_id: Option<String>,
    pub formed_by: String,
    pub formed_at: NaiveDateTime,
    pub min_members: i32,
    /// When more than a third of the active members had asked for more time (条例48).
    pub extension_required_at: Option<NaiveDateTime>,
    /// The extension the tenderer granted.
    pub extended_until: Option<NaiveDateTime>,
}

impl CommitteeRow {
    pub fn state(&self) -> QueryResult<CommitteeState> {
        CommitteeState::parse(&self.state)
            .ok_or_else(|| corrupt("committee", &self.id, &self.state))
    }

    pub fn set_state(&mut self, s: CommitteeState) {
        self.state = s.as_str().into();
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = committee_members)]
#[diesel(treat_none_as_null = true)]
pub struct MemberRow {
    pub id: String,
    pub committee_id: String,
    pub principal_id: String,
    pub kind: String,
    pub expert_id: Option<String>,
    pub specialty: Option<String>,
    pub active: bool,
    pub joined_at: NaiveDateTime,
    pub left_at: Option<NaiveDateTime>,
    pub left_reason: Option<String>,
    pub left_note: Option<String>,
    pub replaced_by: Option<String>,
    pub leader_vote: Option<String>,
}

impl MemberRow {
    pub fn kind(&self) -> QueryResult<MemberKind> {
        MemberKind::parse(&self.kind).ok_or_else(|| corrupt("member", &self.id, &self.kind))
    }

    pub fn left_reason(&self) -> QueryResult<Option<LeaveReason>> {
        self.left_reason
            .as_deref()
            .map(|r| LeaveReason::parse(r).ok_or_else(|| corrupt("member", &self.id, r)))
            .transpose()
    }
}

fn corrupt(what: &str, id: &str, state: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(
        format!("{what} {id}: unknown value {state:?}").into(),
    )
}

pub fn insert(c: &mut AnyConnection, row: &CommitteeRow) -> QueryResult<()> {
    diesel::insert_into(committees::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update(c: &mut AnyConnection, row: &CommitteeRow) -> QueryResult<()> {
    diesel::update(committees::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

/// The committee of a section, if formed.
pub fn of_section(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Option<CommitteeRow>> {
    committees::table
        .filter(committees::tender_id.eq(tender))
        .filter(committees::section_code.eq(section))
        .select(CommitteeRow::as_select())
        .first(c)
        .optional()
}

/// The same, locked until commit (PostgreSQL; SQLite serialises writers anyway): votes,
/// departures and joins of one committee are decided one at a time.
pub fn lock_of_section(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Option<CommitteeRow>> {
    match c {
        AnyConnection::Postgresql(pg) => committees::table
            .filter(committees::tender_id.eq(tender))
            .filter(committees::section_code.eq(section))
            .select(CommitteeRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        AnyConnection::Sqlite(_) => of_section(c, tender, section),
    }
}

/// The committee formed from `draw`, locked as above.
pub fn lock_of_draw(c: &mut AnyConnection, draw: &str) -> QueryResult<Option<CommitteeRow>> {
    let found: Option<CommitteeRow> = committees::table
        .filter(committees::draw_id.eq(draw))
        .select(CommitteeRow::as_select())
        .first(c)
        .optional()?;
    match found {
        Some(row) => lock_of_section(c, &row.tender_id, &row.section_code),
        None => Ok(None),
    }
}

pub fn insert_member(c: &mut AnyConnection, row: &MemberRow) -> QueryResult<()> {
    diesel::insert_into(committee_members::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_member(c: &mut AnyConnection, row: &MemberRow) -> QueryResult<()> {
    diesel::update(committee_members::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

/// Every member the committee ever had, in the order they joined.
pub fn members(c: &mut AnyConnection, committee: &str) -> QueryResult<Vec<MemberRow>> {
    committee_members::table
        .filter(committee_members::committee_id.eq(committee))
        .order((
            committee_members::joined_at.asc(),
            committee_members::id.asc(),
        ))
        .select(MemberRow::as_select())
        .load(c)
}

/// Clears every leader vote of the committee (a new election).
pub fn clear_votes(c: &mut AnyConnection, committee: &str) -> QueryResult<()> {
    diesel::update(committee_members::table.filter(committee_members::committee_id.eq(committee)))
        .set(committee_members::leader_vote.eq(None::<String>))
        .execute(c)
        .map(|_| ())
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = committee_time_requests)]
pub struct TimeRequestRow {
    pub committee_id: String,
    pub member_id: String,
    pub reason: String,
    pub requested_at: NaiveDateTime,
}

pub fn insert_time_request(c: &mut AnyConnection, row: &TimeRequestRow) -> QueryResult<()> {
    diesel::insert_into(committee_time_requests::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn time_requests(c: &mut AnyConnection, committee: &str) -> QueryResult<Vec<TimeRequestRow>> {
    committee_time_requests::table
        .filter(committee_time_requests::committee_id.eq(committee))
        .order(committee_time_requests::requested_at.asc())
        .select(TimeRequestRow::as_select())
        .load(c)
}

/// A committee by id.
pub fn find(c: &mut AnyConnection, id: &str) -> QueryResult<Option<CommitteeRow>> {
    committees::table
        .find(id)
        .select(CommitteeRow::as_select())
        .first(c)
        .optional()
}
