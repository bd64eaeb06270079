//! Rejection motions (否决投标 on judged grounds, 条例51) and the members' votes on them; what
//! the report and the bids still in play read of them ([`closed`], [`carried_bids`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::repo::committees as crepo;
use crate::db::schema::{motion_votes, rejection_motions};
use crate::db::AnyConnection;
use crate::domain::evaluation::candidates::MotionVote;
use crate::domain::evaluation::rejection::{Motion, RejectionReason};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rejection_motions)]
#[diesel(treat_none_as_null = true)]
pub struct MotionRow {
    pub id: String,
    pub committee_id: String,
    pub bid_id: String,
    pub reason: String,
    pub statement: String,
    pub proposed_by: String,
    pub proposed_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub carried: Option<bool>,
}

impl MotionRow {
    pub fn reason(&self) -> QueryResult<RejectionReason> {
        RejectionReason::parse(&self.reason).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("motion {}: unknown reason {:?}", self.id, self.reason).into(),
            )
        })
    }

    /// The motion as the domain decides it.
    pub fn motion(&self) -> QueryResult<Motion> {
        Ok(Motion {
            bid: self.bid_id.clone(),
            reason: self.reason()?,
            written_reason: self.statement.clone(),
        })
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = motion_votes)]
pub struct VoteRow {
    pub motion_id: String,
    pub member_id: String,
    pub in_favour: bool,
    pub reason: Option<String>,
    pub voted_at: NaiveDateTime,
}

pub fn insert(c: &mut AnyConnection, row: &MotionRow) -> QueryResult<()> {
    diesel::insert_into(rejection_motions::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update(c: &mut AnyConnection, row: &MotionRow) -> QueryResult<()> {
    diesel::update(rejection_motions::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn insert_vote(c: &mut AnyConnection, row: &VoteRow) -> QueryResult<()> {
    diesel::insert_into(motion_votes::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// Every motion of the committee, in the order proposed.
pub fn of_committee(c: &mut AnyConnection, committee: &str) -> QueryResult<Vec<MotionRow>> {
    rejection_motions::table
        .filter(rejection_motions::committee_id.eq(committee))
        .order((
            rejection_motions::proposed_at.asc(),
            rejection_motions::id.asc(),
        ))
        .select(MotionRow::as_select())
        .load(c)
}

/// Every vote on `motion`, in the order cast (those of members who left included).
pub fn votes(c: &mut AnyConnection, motion: &str) -> QueryResult<Vec<VoteRow>> {
    motion_votes::table
        .filter(motion_votes::motion_id.eq(motion))
        .order((motion_votes::voted_at.asc(), motion_votes::member_id.asc()))
        .select(VoteRow::as_select())
        .load(c)
}

/// The votes that count on a motion closed at `closed_at` (or still open, `None`): those of
/// members still active then. A member that left before the motion closed voted in vain
/// (docs/EVALUATION.md §18.3).
pub fn counting<'a>(
    votes: &'a [VoteRow],
    members: &[crepo::MemberRow],
    closed_at: Option<NaiveDateTime>,
) -> Vec<&'a VoteRow> {
    votes
        .iter()
        .filter(|v| {
            members.iter().any(|m| {
                m.id == v.member_id
                    && match (m.left_at, closed_at) {
                        (None, _) => true,
                        (Some(left), Some(closed)) => left > closed,
                        (Some(_), None) => false,
                    }
            })
        })
        .collect()
}

/// The committee's closed motions with the votes for each, as `candidates::Inputs::motions`
/// takes them.
pub fn closed(c: &mut AnyConnection, committee: &str) -> QueryResult<Vec<MotionVote>> {
    let members = crepo::members(c, committee)?;
    let mut out = Vec::new();
    for m in of_committee(c, committee)? {
        if m.closed_at.is_none() {
            continue;
        }
        let votes = votes(c, &m.id)?;
        let votes_for = counting(&votes, &members, m.closed_at)
            .iter()
            .filter(|v| v.in_favour)
            .count();
        out.push(MotionVote {
            motion: m.motion()?,
            votes_for,
        });
    }
    Ok(out)
}

/// The bids the committee rejected by a carried motion, by bid id, each once.
pub fn carried_bids(c: &mut AnyConnection, committee: &str) -> QueryResult<Vec<String>> {
    let mut bids: Vec<String> = rejection_motions::table
        .filter(rejection_motions::committee_id.eq(committee))
        .filter(rejection_motions::carried.eq(true))
        .select(rejection_motions::bid_id)
        .load(c)?;
    bids.sort();
    bids.dedup();
    Ok(bids)
}
