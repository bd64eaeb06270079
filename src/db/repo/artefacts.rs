//! Supervision artefacts (docs/SUPERVISION.md, "the six artefacts"): 监管事项, 合规手册 entries,
//! 检查实施清单 items, 监管计划 and credit grades. Sheets are whole lists a regulator exports and
//! imports, so each kind is read whole, in key order.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    check_items, compliance_entries, credit_grades, inspection_plans, supervision_items,
};
use crate::db::AnyConnection;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = supervision_items)]
pub struct ItemRow {
    pub code: String,
    pub name: String,
    pub legal_basis: String,
    pub lead_department: String,
    /// JSON array of department codes.
    pub co_departments: String,
    pub risk_level: String,
    pub object_kind: String,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = compliance_entries)]
pub struct ManualRow {
    pub item_code: String,
    pub seq: i32,
    pub requirement: String,
    pub basis: String,
    pub common_violation: String,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = check_items)]
pub struct CheckRow {
    pub code: String,
    pub item_code: String,
    pub content: String,
    pub method: String,
    pub department: String,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = inspection_plans, treat_none_as_null = true)]
pub struct PlanRow {
    pub code: String,
    pub name: String,
    pub lead_department: String,
    /// `YYYY-MM-DD`.
    pub period_from: String,
    pub period_to: String,
    /// JSON arrays: item codes, grade names, department codes.
    pub items: String,
    pub sampling_ratio: String,
    pub grades: String,
    pub departments: String,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = credit_grades)]
pub struct GradeRow {
    pub object_kind: String,
    pub object_id: String,
    pub grade: String,
    pub set_by: String,
    pub set_at: NaiveDateTime,
}

pub fn items(c: &mut AnyConnection) -> QueryResult<Vec<ItemRow>> {
    supervision_items::table
        .order(supervision_items::code.asc())
        .select(ItemRow::as_select())
        .load(c)
}

pub fn find_item(c: &mut AnyConnection, code: &str) -> QueryResult<Option<ItemRow>> {
    supervision_items::table
        .find(code)
        .select(ItemRow::as_select())
        .first(c)
        .optional()
}

pub fn put_item(c: &mut AnyConnection, row: &ItemRow, exists: bool) -> QueryResult<()> {
    if exists {
        diesel::update(supervision_items::table.find(&row.code))
            .set(row)
            .execute(c)?;
    } else {
        diesel::insert_into(supervision_items::table)
            .values(row)
            .execute(c)?;
    }
    Ok(())
}

pub fn manual(c: &mut AnyConnection) -> QueryResult<Vec<ManualRow>> {
    compliance_entries::table
        .order((
            compliance_entries::item_code.asc(),
            compliance_entries::seq.asc(),
        ))
        .select(ManualRow::as_select())
        .load(c)
}

pub fn find_manual(c: &mut AnyConnection, item: &str, seq: i32) -> QueryResult<Option<ManualRow>> {
    compliance_entries::table
        .find((item, seq))
        .select(ManualRow::as_select())
        .first(c)
        .optional()
}

pub fn put_manual(c: &mut AnyConnection, row: &ManualRow, exists: bool) -> QueryResult<()> {
    if exists {
        diesel::update(compliance_entries::table.find((&row.item_code, row.seq)))
            .set(row)
            .execute(c)?;
    } else {
        diesel::insert_into(compliance_entries::table)
            .values(row)
            .execute(c)?;
    }
    Ok(())
}

pub fn checks(c: &mut AnyConnection) -> QueryResult<Vec<CheckRow>> {
    check_items::table
        .order(check_items::code.asc())
        .select(CheckRow::as_select())
        .load(c)
}

pub fn find_check(c: &mut AnyConnection, code: &str) -> QueryResult<Option<CheckRow>> {
    check_items::table
        .find(code)
        .select(CheckRow::as_select())
        .first(c)
        .optional()
}

pub fn put_check(c: &mut AnyConnection, row: &CheckRow, exists: bool) -> QueryResult<()> {
    if exists {
        diesel::update(check_items::table.find(&row.code))
            .set(row)
            .execute(c)?;
    } else {
        diesel::insert_into(check_items::table)
            .values(row)
            .execute(c)?;
    }
    Ok(())
}

/// Plans by code; `published_only` for callers who may see only what is public.
pub fn plans(c: &mut AnyConnection, published_only: bool) -> QueryResult<Vec<PlanRow>> {
    let mut q = inspection_plans::table.into_boxed();
    if published_only {
        q = q.filter(inspection_plans::status.eq("published"));
    }
    q.order(inspection_plans::code.asc())
        .select(PlanRow::as_select())
        .load(c)
}

pub fn find_plan(c: &mut AnyConnection, code: &str) -> QueryResult<Option<PlanRow>> {
    inspection_plans::table
        .find(code)
        .select(PlanRow::as_select())
        .first(c)
        .optional()
}

pub fn put_plan(c: &mut AnyConnection, row: &PlanRow, exists: bool) -> QueryResult<()> {
    if exists {
        diesel::update(inspection_plans::table.find(&row.code))
            .set(row)
            .execute(c)?;
    } else {
        diesel::insert_into(inspection_plans::table)
            .values(row)
            .execute(c)?;
    }
    Ok(())
}

pub fn grades(c: &mut AnyConnection) -> QueryResult<Vec<GradeRow>> {
    credit_grades::table
        .order((
            credit_grades::object_kind.asc(),
            credit_grades::object_id.asc(),
        ))
        .select(GradeRow::as_select())
        .load(c)
}

pub fn find_grade(c: &mut AnyConnection, kind: &str, id: &str) -> QueryResult<Option<GradeRow>> {
    credit_grades::table
        .find((kind, id))
        .select(GradeRow::as_select())
        .first(c)
        .optional()
}

pub fn put_grade(c: &mut AnyConnection, row: &GradeRow, exists: bool) -> QueryResult<()> {
    if exists {
        diesel::update(credit_grades::table.find((&row.object_kind, &row.object_id)))
            .set(row)
            .execute(c)?;
    } else {
        diesel::insert_into(credit_grades::table)
            .values(row)
            .execute(c)?;
    }
    Ok(())
}

/// Every registered organisation as (USCC, name), by USCC.
pub fn organisations(c: &mut AnyConnection) -> QueryResult<Vec<(String, String)>> {
    use crate::db::schema::organisations as o;
    o::table
        .order(o::uscc.asc())
        .select((o::uscc, o::name))
        .load(c)
}

/// Every expert of the libraries as (id, name), by id.
pub fn experts(c: &mut AnyConnection) -> QueryResult<Vec<(String, String)>> {
    use crate::db::schema::experts as e;
    e::table.order(e::id.asc()).select((e::id, e::name)).load(c)
}

/// Every officer of the 执法人员库 with its name, by certificate number: two statements.
pub fn officers_named(
    c: &mut AnyConnection,
) -> QueryResult<Vec<(crate::db::repo::supervision::OfficerRow, String)>> {
    use crate::db::repo::supervision::OfficerRow;
    use crate::db::schema::{enforcement_officers as o, people as p};
    let rows: Vec<OfficerRow> = o::table
        .order((o::certificate_no.asc(), o::person_id.asc()))
        .select(OfficerRow::as_select())
        .load(c)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.person_id.as_str()).collect();
    let names: std::collections::HashMap<String, String> = p::table
        .filter(p::id.eq_any(ids))
        .select((p::id, p::name))
        .load::<(String, String)>(c)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let name = names.get(&r.person_id).cloned().unwrap_or_default();
            (r, name)
        })
        .collect())
}
