//! Supervision: the 执法人员库 (regulators as officers of a department).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::enforcement_officers;
use crate::db::AnyConnection;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = enforcement_officers)]
pub struct OfficerRow {
    pub person_id: String,
    pub department_code: String,
    pub certificate_no: String,
    pub specialty: String,
    /// JSON array of `{uscc, name, is_working}`.
    pub avoid_units: String,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

pub fn find_officer(c: &mut AnyConnection, person_id: &str) -> QueryResult<Option<OfficerRow>> {
    enforcement_officers::table
        .find(person_id)
        .select(OfficerRow::as_select())
        .first(c)
        .optional()
}

/// Records the officer or replaces its record (a move to another department included).
pub fn put_officer(c: &mut AnyConnection, row: &OfficerRow) -> QueryResult<()> {
    if find_officer(c, &row.person_id)?.is_some() {
        diesel::update(enforcement_officers::table.find(&row.person_id))
            .set(row)
            .execute(c)?;
    } else {
        diesel::insert_into(enforcement_officers::table)
            .values(row)
            .execute(c)?;
    }
    Ok(())
}

/// A department's officers, by person id.
pub fn officers_of(c: &mut AnyConnection, department: &str) -> QueryResult<Vec<OfficerRow>> {
    enforcement_officers::table
        .filter(enforcement_officers::department_code.eq(department))
        .order(enforcement_officers::person_id.asc())
        .select(OfficerRow::as_select())
        .load(c)
}

/// A bidding ban (取消投标资格) as decided.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::bidding_bans)]
pub struct BanRow {
    pub id: String,
    pub uscc: String,
    pub name: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub decision_no: String,
    pub legal_basis: String,
    pub department_code: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_ban(c: &mut AnyConnection, row: &BanRow) -> QueryResult<()> {
    diesel::insert_into(crate::db::schema::bidding_bans::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The ban in force on `uscc` at `at`, if any (the one ending last).
pub fn ban_in_force(
    c: &mut AnyConnection,
    uscc: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<BanRow>> {
    use crate::db::schema::bidding_bans as b;
    b::table
        .filter(b::uscc.eq(uscc))
        .filter(b::starts_at.le(at))
        .filter(b::ends_at.gt(at))
        .order(b::ends_at.desc())
        .select(BanRow::as_select())
        .first(c)
        .optional()
}

/// Bans not yet over at `at` (in force or still to start), by end; `uscc` narrows to one.
pub fn current_bans(
    c: &mut AnyConnection,
    at: NaiveDateTime,
    uscc: Option<&str>,
) -> QueryResult<Vec<BanRow>> {
    use crate::db::schema::bidding_bans as b;
    let mut q = b::table.filter(b::ends_at.gt(at)).into_boxed();
    if let Some(u) = uscc {
        q = q.filter(b::uscc.eq(u.to_string()));
    }
    q.order((b::ends_at.asc(), b::id.asc()))
        .select(BanRow::as_select())
        .load(c)
}

/// A complaint (投诉) as filed and handled (docs/SUPERVISION.md §5).
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::db::schema::complaints, treat_none_as_null = true)]
pub struct ComplaintRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: Option<String>,
    pub department_code: Option<String>,
    pub subject: String,
    pub objection_id: Option<String>,
    pub complainant_id: String,
    pub complainant_uscc: String,
    pub body: String,
    pub known_at: NaiveDateTime,
    pub filed_at: NaiveDateTime,
    pub signature: String,
    pub signature_algorithm: String,
    pub certificate: String,
    pub state: String,
    pub handled_by: Option<String>,
    pub handled_at: Option<NaiveDateTime>,
    pub handled_late: Option<bool>,
    pub refusal_ground: Option<String>,
    pub refusal_reason: Option<String>,
    /// JSON array of `domain::complaint::Pause`.
    pub pauses: String,
    pub outcome: Option<String>,
    pub redo: Option<String>,
    pub decision_text: Option<String>,
    pub decision_signature: Option<String>,
    pub decision_signature_algorithm: Option<String>,
    pub decision_certificate: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_late: Option<bool>,
    pub withdrawn_at: Option<NaiveDateTime>,
}

pub fn insert_complaint(c: &mut AnyConnection, row: &ComplaintRow) -> QueryResult<()> {
    use crate::db::schema::complaints;
    diesel::insert_into(complaints::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_complaint(c: &mut AnyConnection, row: &ComplaintRow) -> QueryResult<()> {
    use crate::db::schema::complaints;
    diesel::update(complaints::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

/// The complaint, locked for the rest of the transaction on PostgreSQL.
pub fn lock_complaint(c: &mut AnyConnection, id: &str) -> QueryResult<Option<ComplaintRow>> {
    use crate::db::schema::complaints;
    match c {
        AnyConnection::Postgresql(pg) => complaints::table
            .find(id)
            .select(ComplaintRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        AnyConnection::Sqlite(_) => find_complaint(c, id),
    }
}

pub fn find_complaint(c: &mut AnyConnection, id: &str) -> QueryResult<Option<ComplaintRow>> {
    use crate::db::schema::complaints;
    complaints::table
        .find(id)
        .select(ComplaintRow::as_select())
        .first(c)
        .optional()
}

/// Who may see which complaints in a listing.
pub enum ComplaintScope<'a> {
    /// A department's (with those of tenders that name none).
    Department(&'a str),
    /// Every complaint (a regulator recorded in no department sees those of tenders naming none
    /// only; the trading centre sees all).
    All,
    /// Those with no department (tenders that name none).
    Unassigned,
    /// The complainant's own.
    Complainant(&'a str),
}

/// Complaints in scope, optionally one tender's, keyset-paged by id (UUIDv7: filing order).
pub fn complaints(
    c: &mut AnyConnection,
    scope: ComplaintScope<'_>,
    tender: Option<&str>,
    open_only: bool,
    page: &super::Keyset<String>,
) -> QueryResult<Vec<ComplaintRow>> {
    use crate::db::schema::complaints as t;
    let mut q = t::table.select(ComplaintRow::as_select()).into_boxed();
    q = match scope {
        ComplaintScope::Department(d) => q.filter(
            t::department_code
                .eq(d.to_string())
                .or(t::department_code.is_null()),
        ),
        ComplaintScope::All => q,
        ComplaintScope::Unassigned => q.filter(t::department_code.is_null()),
        ComplaintScope::Complainant(who) => q.filter(t::complainant_id.eq(who.to_string())),
    };
    if let Some(tender) = tender {
        q = q.filter(t::tender_id.eq(tender.to_string()));
    }
    if open_only {
        q = q.filter(t::state.eq_any(["filed", "accepted", "paused"]));
    }
    super::keyset(q, t::id, page).load(c)
}

/// Every ban on `uscc` still running or ended after `ended_after`, by start: the bans part of
/// an organisation's credit record (`support::credit`).
pub fn bans_of(
    c: &mut AnyConnection,
    uscc: &str,
    ended_after: NaiveDateTime,
) -> QueryResult<Vec<BanRow>> {
    use crate::db::schema::bidding_bans as b;
    b::table
        .filter(b::uscc.eq(uscc.to_string()))
        .filter(b::ends_at.gt(ended_after))
        .order((b::starts_at.asc(), b::id.asc()))
        .select(BanRow::as_select())
        .load(c)
}
