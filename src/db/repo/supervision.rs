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
