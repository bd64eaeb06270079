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
