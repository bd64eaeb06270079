//! The registry of supervising departments (行政监督部门): kept by the trading centre, named by
//! tenders, and the key of the 条例46 exclusion of a department's own experts from its draws.

use super::*;
use crate::app::AppContext;
use crate::audit::{Event, EventType};
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::identity::Role;

/// Most kinds of project one department lists, and characters of a name or kind.
const MAX_KINDS: usize = 20;
const MAX_TEXT: usize = 100;

/// The trading centre records a department (or renames it, or changes its kinds); audited
/// `department_recorded`.
pub async fn put_department(
    ctx: &AppContext,
    actor: &Actor,
    code: &str,
    req: DepartmentRequest,
) -> AppResult<Department> {
    if !actor.has(Role::Administrator) {
        return Err(AppError::forbidden(
            "the trading centre keeps the departments",
        ));
    }
    let mut errors = Vec::new();
    if !rules::is_department_code(code) {
        errors.push(FieldError::new(
            "code",
            "invalid",
            "1 to 64 of A-Z a-z 0-9 . _ -",
        ));
    }
    let text_ok = |s: &str| {
        s.trim() == s
            && !s.is_empty()
            && s.chars().count() <= MAX_TEXT
            && !s.chars().any(char::is_control)
    };
    if !text_ok(&req.name) {
        errors.push(FieldError::new("name", "invalid", "1 to 100 characters"));
    }
    let mut kinds = req.kinds.clone();
    kinds.sort();
    kinds.dedup();
    if kinds.len() != req.kinds.len()
        || kinds.len() > MAX_KINDS
        || !kinds.iter().all(|k| text_ok(k))
    {
        errors.push(FieldError::new(
            "kinds",
            "invalid",
            "at most 20 distinct kinds of 1 to 100 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let row = repo::DepartmentRow {
        code: code.to_string(),
        name: req.name,
        kinds: serde_json::to_string(&kinds).map_err(internal)?,
        updated_by: actor.id.clone(),
        updated_at: to_db(ctx.clock.now()),
    };
    let (by, now) = (actor.audit_as(Role::Administrator), ctx.clock.now());
    ctx.db
        .write(move |c| {
            repo::put_department(c, &row)?;
            crate::audit::record(
                c,
                now,
                Event {
                    event_type: EventType::DepartmentRecorded,
                    tender_id: None,
                    section_id: None,
                    actor: by,
                    subject: row.code.clone(),
                    body: serde_json::json!({"department": row.code, "name": row.name,
                        "kinds": kinds}),
                },
            )?;
            department_dto(&row)
        })
        .await
}

/// Every registered department, by code (public).
pub async fn departments(ctx: &AppContext) -> AppResult<Vec<Department>> {
    ctx.db
        .read(|c| repo::departments(c)?.iter().map(department_dto).collect())
        .await
}

fn department_dto(row: &repo::DepartmentRow) -> AppResult<Department> {
    Ok(Department {
        code: row.code.clone(),
        name: row.name.clone(),
        kinds: serde_json::from_str(&row.kinds).map_err(internal)?,
        updated_at: from_db(row.updated_at),
    })
}

/// A member's department, if given, must be in the registry.
pub(super) fn check_member_department(c: &mut AnyConnection, code: Option<&str>) -> AppResult<()> {
    crate::app::support::departments::check(c, "department", code)
}
