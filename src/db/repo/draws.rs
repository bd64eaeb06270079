//! Draws: the frozen frame and commitment, contributions, and the members in draw order; and
//! the read that freezes a frame (eligible members of a specialty).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    draw_checkins, draw_contributions, draw_members, draws, expert_avoid_units, expert_specialties,
    experts,
};
use crate::db::AnyConnection;
use crate::domain::draw::{DrawState, Seat};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = draws)]
#[diesel(treat_none_as_null = true)]
pub struct DrawRow {
    pub id: String,
    pub purpose: String,
    pub tender_id: String,
    pub section_code: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub evaluation_at: NaiveDateTime,
    pub place: String,
    pub remote: bool,
    pub frame_digest: String,
    pub commitment: String,
    pub secret: String,
    pub contribute_by: NaiveDateTime,
    pub state: String,
    pub drawn_at: Option<NaiveDateTime>,
    pub revealed_at: Option<NaiveDateTime>,
    pub fallback_event: Option<String>,
    /// The `draw_requested` audit entry: its body holds the frame, kept there only
    /// (docs/DRAWS.md §8).
    pub frame_event: String,
    /// JSON of the frame's outline (`domain::draw::GroupOutline` per group).
    pub outline: String,
}

impl DrawRow {
    pub fn state(&self) -> QueryResult<DrawState> {
        DrawState::parse(&self.state).ok_or_else(|| corrupt("draw", &self.id, &self.state))
    }

    pub fn set_state(&mut self, s: DrawState) {
        self.state = s.as_str().into();
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = draw_contributions)]
pub struct ContributionRow {
    pub draw_id: String,
    pub position: i32,
    pub contributor: String,
    pub value: String,
    pub signature: Option<String>,
    pub signature_algorithm: Option<String>,
    pub signer_fingerprint: Option<String>,
    pub contributed_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = draw_members)]
#[diesel(treat_none_as_null = true)]
pub struct SeatRow {
    pub draw_id: String,
    pub group_code: String,
    pub rank: i32,
    pub expert_id: String,
    pub principal_id: String,
    pub status: String,
    pub answer_by: Option<NaiveDateTime>,
    pub answered_at: Option<NaiveDateTime>,
    /// By when the member must check in at the evaluation (set when it is called).
    pub checkin_by: Option<NaiveDateTime>,
}

/// A member's check-in: its signed commitment and recusal self-declaration.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = draw_checkins)]
pub struct CheckinRow {
    pub draw_id: String,
    pub group_code: String,
    pub rank: i32,
    pub expert_id: String,
    pub principal_id: String,
    pub checked_in_at: NaiveDateTime,
    pub conflict_party: Option<String>,
    pub conflict_reason: Option<String>,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
}

impl SeatRow {
    pub fn seat(&self) -> QueryResult<Seat> {
        Seat::parse(&self.status).ok_or_else(|| corrupt("seat", &self.draw_id, &self.status))
    }

    pub fn set_seat(&mut self, s: Seat) {
        self.status = s.as_str().into();
    }
}

fn corrupt(what: &str, id: &str, state: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(
        format!("{what} {id}: unknown state {state:?}").into(),
    )
}

pub fn insert(c: &mut AnyConnection, row: &DrawRow) -> QueryResult<()> {
    diesel::insert_into(draws::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update(c: &mut AnyConnection, row: &DrawRow) -> QueryResult<()> {
    diesel::update(draws::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn find(c: &mut AnyConnection, id: &str) -> QueryResult<Option<DrawRow>> {
    draws::table
        .find(id)
        .select(DrawRow::as_select())
        .first(c)
        .optional()
}

/// Locks the draw row until commit (PostgreSQL; SQLite serialises writers anyway).
pub fn lock(c: &mut AnyConnection, id: &str) -> QueryResult<Option<DrawRow>> {
    match c {
        AnyConnection::Postgresql(pg) => draws::table
            .find(id)
            .select(DrawRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        AnyConnection::Sqlite(_) => find(c, id),
    }
}

/// Draws of a section for one purpose, oldest first.
pub fn of_section(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    purpose: &str,
) -> QueryResult<Vec<DrawRow>> {
    draws::table
        .filter(draws::tender_id.eq(tender))
        .filter(draws::section_code.eq(section))
        .filter(draws::purpose.eq(purpose))
        .order(draws::requested_at.asc())
        .select(DrawRow::as_select())
        .load(c)
}

/// Committed draws whose contribution is overdue, and drawn ones whose evaluation has begun.
/// Every draw of a tender, oldest first.
pub fn of_tender(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<DrawRow>> {
    draws::table
        .filter(draws::tender_id.eq(tender))
        .order((draws::requested_at.asc(), draws::id.asc()))
        .select(DrawRow::as_select())
        .load(c)
}

pub fn due(c: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<Vec<DrawRow>> {
    draws::table
        .filter(
            draws::state
                .eq(DrawState::Committed.as_str())
                .and(draws::contribute_by.le(now))
                .or(draws::state
                    .eq(DrawState::Drawn.as_str())
                    .and(draws::evaluation_at.le(now))),
        )
        .order(draws::id.asc())
        .select(DrawRow::as_select())
        .load(c)
}

pub fn insert_contribution(c: &mut AnyConnection, row: &ContributionRow) -> QueryResult<()> {
    diesel::insert_into(draw_contributions::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn contributions(c: &mut AnyConnection, draw: &str) -> QueryResult<Vec<ContributionRow>> {
    draw_contributions::table
        .filter(draw_contributions::draw_id.eq(draw))
        .order(draw_contributions::position.asc())
        .select(ContributionRow::as_select())
        .load(c)
}

pub fn insert_seat(c: &mut AnyConnection, row: &SeatRow) -> QueryResult<()> {
    diesel::insert_into(draw_members::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_seat(c: &mut AnyConnection, row: &SeatRow) -> QueryResult<()> {
    diesel::update(draw_members::table.find((&row.draw_id, &row.group_code, row.rank)))
        .set(row)
        .execute(c)
        .map(|_| ())
}

/// Every seat of a draw, by group and rank.
pub fn seats(c: &mut AnyConnection, draw: &str) -> QueryResult<Vec<SeatRow>> {
    draw_members::table
        .filter(draw_members::draw_id.eq(draw))
        .order((draw_members::group_code.asc(), draw_members::rank.asc()))
        .select(SeatRow::as_select())
        .load(c)
}

/// A person's seats in draws not yet revealed or revealed, newest draw first.
pub fn seats_of(c: &mut AnyConnection, principal: &str) -> QueryResult<Vec<SeatRow>> {
    draw_members::table
        .filter(draw_members::principal_id.eq(principal))
        .filter(draw_members::status.ne(Seat::Waiting.as_str()))
        .order(draw_members::draw_id.desc())
        .select(SeatRow::as_select())
        .load(c)
}

/// Seats whose answer is overdue.
pub fn overdue_seats(c: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<Vec<SeatRow>> {
    draw_members::table
        .filter(draw_members::status.eq(Seat::Notified.as_str()))
        .filter(draw_members::answer_by.le(now))
        .order((
            draw_members::draw_id,
            draw_members::group_code,
            draw_members::rank,
        ))
        .select(SeatRow::as_select())
        .load(c)
}

/// Called members (notified or confirmed) who have not checked in by their time, in draws
/// still running.
pub fn absent_seats(c: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<Vec<SeatRow>> {
    draw_members::table
        .filter(draw_members::status.eq_any([Seat::Notified.as_str(), Seat::Confirmed.as_str()]))
        .filter(draw_members::checkin_by.le(now))
        .order((
            draw_members::draw_id,
            draw_members::group_code,
            draw_members::rank,
        ))
        .select(SeatRow::as_select())
        .load(c)
}

pub fn insert_checkin(c: &mut AnyConnection, row: &CheckinRow) -> QueryResult<()> {
    diesel::insert_into(draw_checkins::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The committee of a draw as it stands (issue 13 forms the evaluation committee from it):
/// every called member by group and rank, with its check-in if it has checked in. Reserves
/// never called are left out.
pub fn committee(
    c: &mut AnyConnection,
    draw: &str,
) -> QueryResult<Vec<(SeatRow, Option<CheckinRow>)>> {
    draw_members::table
        .left_join(
            draw_checkins::table.on(draw_checkins::draw_id
                .eq(draw_members::draw_id)
                .and(draw_checkins::group_code.eq(draw_members::group_code))
                .and(draw_checkins::rank.eq(draw_members::rank))),
        )
        .filter(draw_members::draw_id.eq(draw))
        .filter(draw_members::status.ne(Seat::Waiting.as_str()))
        .order((draw_members::group_code.asc(), draw_members::rank.asc()))
        .select((SeatRow::as_select(), Option::<CheckinRow>::as_select()))
        .load(c)
}

/// One candidate as the frame needs it.
#[derive(Clone, Debug, Queryable)]
pub struct Candidate {
    pub id: String,
    pub region: String,
    pub employer_uscc: Option<String>,
    pub department: Option<String>,
    pub status: String,
    pub status_until: Option<NaiveDateTime>,
}

/// Members of `library` registered under `code` (or, for a level-2 code, any code under it),
/// by member id.
pub fn candidates(c: &mut AnyConnection, library: &str, code: &str) -> QueryResult<Vec<Candidate>> {
    // One range of the covering index (library, code, expert_id, status, …): what a draw
    // filters on is copied onto the specialty rows (`repo::experts::update` keeps it in step),
    // so no member row is probed (docs/DRAWS.md §8). A range, not LIKE: SQLite's LIKE is
    // case-insensitive and cannot use the index; codes are ASCII letters and digits, so every
    // code under `code` sorts before `code~`. Sorted and deduplicated here: a level-2 code
    // spans several level-3 codes, and a member may hold two of them.
    let mut rows: Vec<Candidate> = expert_specialties::table
        .filter(expert_specialties::library.eq(library))
        .filter(expert_specialties::code.ge(code.to_string()))
        .filter(expert_specialties::code.lt(format!("{code}~")))
        .select((
            expert_specialties::expert_id,
            expert_specialties::region,
            expert_specialties::employer_uscc,
            expert_specialties::department,
            expert_specialties::status,
            expert_specialties::status_until,
        ))
        .load(c)?;
    rows.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    rows.dedup_by(|a, b| a.id == b.id);
    Ok(rows)
}

/// Every member of `library` (a tenderer's award pool: it is drawn from as one group), by
/// member id.
pub fn pool_candidates(c: &mut AnyConnection, library: &str) -> QueryResult<Vec<Candidate>> {
    experts::table
        .filter(experts::library.eq(library))
        .order(experts::id.asc())
        .select((
            experts::id,
            experts::region,
            experts::employer_uscc,
            experts::department,
            experts::status,
            experts::status_until,
        ))
        .load(c)
}

/// Members of `library` whose avoidance list names any of `units`.
pub fn avoiding(
    c: &mut AnyConnection,
    library: &str,
    units: &[String],
) -> QueryResult<Vec<String>> {
    // Driven from the avoided units' index; the library is filtered here for the reason
    // `candidates` gives.
    let rows: Vec<(String, String)> = expert_avoid_units::table
        .inner_join(experts::table)
        .filter(expert_avoid_units::uscc.eq_any(units))
        .select((experts::id, experts::library))
        .distinct()
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter(|(_, l)| l == library)
        .map(|(id, _)| id)
        .collect())
}

/// Members drawn (and not out) for draws of tenders of `tenderer` requested since `since`.
pub fn recently_drawn_for(
    c: &mut AnyConnection,
    tenderer: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    use crate::db::schema::tenders;
    let seated = [
        Seat::Notified.as_str(),
        Seat::Confirmed.as_str(),
        Seat::CheckedIn.as_str(),
    ];
    draw_members::table
        .inner_join(draws::table)
        .inner_join(tenders::table.on(tenders::id.eq(draws::tender_id)))
        .filter(tenders::tenderer_id.eq(tenderer))
        .filter(draws::requested_at.ge(since))
        .filter(draw_members::status.eq_any(seated))
        .select(draw_members::expert_id)
        .distinct()
        .load(c)
}

/// The first signed checkpoint whose tree contains the entry of `event`: its tree size and root
/// (the fallback contribution of a draw whose contributor never answered, docs/DRAWS.md §5).
/// `None` until the sequencer has integrated the event and signed such a checkpoint.
pub fn first_checkpoint_after_event(
    c: &mut AnyConnection,
    event: &str,
) -> QueryResult<Option<(i64, Vec<u8>)>> {
    use crate::db::schema::audit_checkpoints as cp;
    use crate::db::schema::audit_log_entries as e;
    let index: Option<i64> = e::table
        .filter(e::event_id.eq(event))
        .select(e::log_index)
        .first(c)
        .optional()?;
    let Some(index) = index else {
        return Ok(None);
    };
    cp::table
        .filter(cp::tree_size.gt(index))
        .order(cp::tree_size.asc())
        .select((cp::tree_size, cp::root))
        .first(c)
        .optional()
}
