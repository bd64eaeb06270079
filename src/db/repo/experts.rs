//! The expert library and award-committee pools: members, their specialties and 回避单位.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::repo::{keyset, Keyset};
use crate::db::schema::{expert_avoid_units, expert_specialties, experts};
use crate::db::AnyConnection;
use crate::domain::experts::MemberStatus;

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = experts)]
#[diesel(treat_none_as_null = true)]
pub struct ExpertRow {
    pub id: String,
    pub library: String,
    pub principal_id: String,
    pub name: String,
    pub region: String,
    pub employer: String,
    pub employer_uscc: Option<String>,
    pub department: Option<String>,
    pub title: String,
    pub senior_title: bool,
    pub practice_years: i32,
    pub phone: String,
    pub email: String,
    pub status: String,
    pub status_until: Option<NaiveDateTime>,
    pub status_reason: Option<String>,
    pub admitted_by: String,
    pub admitted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ExpertRow {
    pub fn status(&self) -> QueryResult<MemberStatus> {
        MemberStatus::parse(&self.status).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("expert {}: unknown status {:?}", self.id, self.status).into(),
            )
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = expert_avoid_units)]
pub struct AvoidUnitRow {
    pub expert_id: String,
    pub uscc: String,
    pub name: String,
    pub is_working: bool,
}

/// A member with the specialties and avoidance list that belong to it.
#[derive(Clone, Debug)]
pub struct Member {
    pub row: ExpertRow,
    pub specialties: Vec<String>,
    pub avoid: Vec<AvoidUnitRow>,
}

pub fn insert(
    c: &mut AnyConnection,
    row: &ExpertRow,
    specialties: &[String],
    avoid: &[AvoidUnitRow],
) -> QueryResult<()> {
    diesel::insert_into(experts::table).values(row).execute(c)?;
    // One statement per row: the two-backend connection has no multi-row insert.
    for code in specialties {
        diesel::insert_into(expert_specialties::table)
            .values((
                expert_specialties::code.eq(code),
                expert_specialties::expert_id.eq(&row.id),
                draw_copy(row),
            ))
            .execute(c)?;
    }
    put_avoid_units(c, &row.id, avoid)
}

/// What a draw filters on, copied onto the member's specialty rows so that a draw reads them
/// from one covering index (`db::repo::draws::candidates`).
#[allow(clippy::type_complexity)]
fn draw_copy(
    row: &ExpertRow,
) -> (
    diesel::dsl::Eq<expert_specialties::library, &String>,
    diesel::dsl::Eq<expert_specialties::status, &String>,
    diesel::dsl::Eq<expert_specialties::status_until, Option<NaiveDateTime>>,
    diesel::dsl::Eq<expert_specialties::region, &String>,
    diesel::dsl::Eq<expert_specialties::employer_uscc, Option<&String>>,
    diesel::dsl::Eq<expert_specialties::department, Option<&String>>,
) {
    (
        expert_specialties::library.eq(&row.library),
        expert_specialties::status.eq(&row.status),
        expert_specialties::status_until.eq(row.status_until),
        expert_specialties::region.eq(&row.region),
        expert_specialties::employer_uscc.eq(row.employer_uscc.as_ref()),
        expert_specialties::department.eq(row.department.as_ref()),
    )
}

/// Replaces a member's avoidance list.
pub fn put_avoid_units(
    c: &mut AnyConnection,
    expert: &str,
    avoid: &[AvoidUnitRow],
) -> QueryResult<()> {
    diesel::delete(expert_avoid_units::table.filter(expert_avoid_units::expert_id.eq(expert)))
        .execute(c)?;
    for a in avoid {
        diesel::insert_into(expert_avoid_units::table)
            .values(a)
            .execute(c)?;
    }
    Ok(())
}

pub fn update(c: &mut AnyConnection, row: &ExpertRow) -> QueryResult<()> {
    diesel::update(experts::table.find(&row.id))
        .set(row)
        .execute(c)?;
    diesel::update(expert_specialties::table.filter(expert_specialties::expert_id.eq(&row.id)))
        .set(draw_copy(row))
        .execute(c)
        .map(|_| ())
}

pub fn find(c: &mut AnyConnection, id: &str) -> QueryResult<Option<ExpertRow>> {
    experts::table
        .find(id)
        .select(ExpertRow::as_select())
        .first(c)
        .optional()
}

/// The member record of `principal` in `library`.
pub fn find_in(
    c: &mut AnyConnection,
    library: &str,
    principal: &str,
) -> QueryResult<Option<ExpertRow>> {
    experts::table
        .filter(experts::library.eq(library))
        .filter(experts::principal_id.eq(principal))
        .select(ExpertRow::as_select())
        .first(c)
        .optional()
}

/// Every record of one person, in any library.
pub fn of_principal(c: &mut AnyConnection, principal: &str) -> QueryResult<Vec<ExpertRow>> {
    experts::table
        .filter(experts::principal_id.eq(principal))
        .order(experts::id.asc())
        .select(ExpertRow::as_select())
        .load(c)
}

/// A page of one library, by id; with `specialty`, only members registered under that code or
/// (for a level-2 code) under any code it prefixes.
pub fn page(
    c: &mut AnyConnection,
    library: &str,
    specialty: Option<&str>,
    page: &Keyset<String>,
) -> QueryResult<Vec<ExpertRow>> {
    let mut q = experts::table
        .filter(experts::library.eq(library.to_string()))
        .select(ExpertRow::as_select())
        .into_boxed();
    if let Some(code) = specialty {
        let members = expert_specialties::table
            .filter(expert_specialties::code.ge(code.to_string()))
            .filter(expert_specialties::code.lt(format!("{code}~")))
            .select(expert_specialties::expert_id);
        q = q.filter(experts::id.eq_any(members));
    }
    keyset(q, experts::id, page).load(c)
}

/// The specialties and avoidance lists of `rows`, two queries whatever their number.
pub fn members(c: &mut AnyConnection, rows: Vec<ExpertRow>) -> QueryResult<Vec<Member>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let codes: Vec<(String, String)> = expert_specialties::table
        .filter(expert_specialties::expert_id.eq_any(&ids))
        .order((expert_specialties::expert_id, expert_specialties::code))
        .select((expert_specialties::expert_id, expert_specialties::code))
        .load(c)?;
    let avoid: Vec<AvoidUnitRow> = expert_avoid_units::table
        .filter(expert_avoid_units::expert_id.eq_any(&ids))
        .order((expert_avoid_units::expert_id, expert_avoid_units::uscc))
        .select(AvoidUnitRow::as_select())
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|row| Member {
            specialties: codes
                .iter()
                .filter(|(e, _)| *e == row.id)
                .map(|(_, code)| code.clone())
                .collect(),
            avoid: avoid
                .iter()
                .filter(|a| a.expert_id == row.id)
                .cloned()
                .collect(),
            row,
        })
        .collect())
}

/// A supervising department of the registry (行政监督部门).
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::db::schema::departments)]
pub struct DepartmentRow {
    pub code: String,
    pub name: String,
    /// JSON array of the kinds of project it supervises.
    pub kinds: String,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

pub fn find_department(c: &mut AnyConnection, code: &str) -> QueryResult<Option<DepartmentRow>> {
    use crate::db::schema::departments;
    departments::table
        .find(code)
        .select(DepartmentRow::as_select())
        .first(c)
        .optional()
}

/// Inserts the department or replaces its name and kinds.
pub fn put_department(c: &mut AnyConnection, row: &DepartmentRow) -> QueryResult<()> {
    use crate::db::schema::departments;
    if find_department(c, &row.code)?.is_some() {
        diesel::update(departments::table.find(&row.code))
            .set(row)
            .execute(c)?;
    } else {
        diesel::insert_into(departments::table)
            .values(row)
            .execute(c)?;
    }
    Ok(())
}

pub fn departments(c: &mut AnyConnection) -> QueryResult<Vec<DepartmentRow>> {
    use crate::db::schema::departments;
    departments::table
        .order(departments::code.asc())
        .select(DepartmentRow::as_select())
        .load(c)
}
