//! The 执法人员库: the trading centre records which department each regulator is an officer of,
//! with its enforcement certificate, specialty and 回避单位. The department decides the tenders
//! the regulator acts on (`support::departments::require_supervisor`); the avoidance units
//! decide, later in issue 15, which inspections it may be drawn for — so they are audited.

use crate::app::support::errors::internal;
use crate::app::{Actor, AppContext};
use crate::audit::{Event, EventType};
use crate::db::repo::experts as departments;
use crate::db::repo::identity as people;
use crate::db::repo::supervision as repo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::identity::Role;
use crate::domain::uscc::Uscc;
use crate::error::{AppError, AppResult, FieldError};
use crate::wire::supervision::{AvoidUnit, Officer, OfficerRequest};

const MAX_TEXT: usize = 100;
const MAX_AVOID_UNITS: usize = 50;

fn text_ok(s: &str, max: usize) -> bool {
    s.trim() == s && !s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

fn check(req: &OfficerRequest) -> AppResult<Vec<AvoidUnit>> {
    let mut errors = Vec::new();
    if !text_ok(&req.certificate_no, 64) {
        errors.push(FieldError::new(
            "certificate_no",
            "invalid",
            "1 to 64 characters",
        ));
    }
    if !text_ok(&req.specialty, MAX_TEXT) {
        errors.push(FieldError::new(
            "specialty",
            "invalid",
            "1 to 100 characters",
        ));
    }
    if req.avoid_units.len() > MAX_AVOID_UNITS {
        errors.push(FieldError::new(
            "avoid_units",
            "too_many",
            format!("at most {MAX_AVOID_UNITS} units"),
        ));
    }
    let mut units: Vec<AvoidUnit> = Vec::new();
    for (i, u) in req.avoid_units.iter().enumerate() {
        let field = format!("avoid_units[{i}]");
        match Uscc::parse(u.uscc.trim()) {
            Ok(code) if units.iter().any(|x| x.uscc == code.as_str()) => {
                errors.push(FieldError::new(&field, "duplicate", "listed twice"));
            }
            Ok(_) if !text_ok(u.name.trim(), MAX_TEXT) => {
                errors.push(FieldError::new(
                    &field,
                    "invalid",
                    "a name of 1 to 100 characters",
                ));
            }
            Ok(code) => units.push(AvoidUnit {
                uscc: code.as_str().to_string(),
                name: u.name.trim().to_string(),
                is_working: u.is_working,
            }),
            Err(_) => errors.push(FieldError::new(
                &field,
                "uscc_invalid",
                "not a valid unified social credit code",
            )),
        }
    }
    if errors.is_empty() {
        Ok(units)
    } else {
        Err(AppError::validation(errors))
    }
}

/// The trading centre records `person` as an officer of `department` (or moves it there, or
/// updates its record); audited `enforcement_officer_recorded`. The person must hold the
/// regulator role.
pub async fn put_officer(
    ctx: &AppContext,
    actor: &Actor,
    department: &str,
    person: &str,
    req: OfficerRequest,
) -> AppResult<Officer> {
    if !actor.has(Role::Administrator) {
        return Err(AppError::forbidden(
            "the trading centre keeps the 执法人员库",
        ));
    }
    let units = check(&req)?;
    let (department, person) = (department.to_string(), person.to_string());
    let (by, now) = (actor.audit_as(Role::Administrator), ctx.clock.now());
    ctx.db
        .write(move |c| {
            if departments::find_department(c, &department)?.is_none() {
                return Err(AppError::not_found("no such department"));
            }
            let p = people::find_person(c, &person)?
                .ok_or_else(|| AppError::field("person_id", "unknown", "no such person"))?;
            if !people::roles_of(c, &p.id)?
                .iter()
                .any(|r| r == Role::Regulator.as_str())
            {
                return Err(AppError::field(
                    "person_id",
                    "not_a_regulator",
                    "only a person holding the regulator role is an enforcement officer",
                ));
            }
            let row = repo::OfficerRow {
                person_id: p.id.clone(),
                department_code: department.clone(),
                certificate_no: req.certificate_no.clone(),
                specialty: req.specialty.clone(),
                avoid_units: serde_json::to_string(&units).map_err(internal)?,
                updated_by: by.id.clone(),
                updated_at: to_db(now),
            };
            repo::put_officer(c, &row)?;
            crate::audit::record(
                c,
                now,
                Event {
                    event_type: EventType::EnforcementOfficerRecorded,
                    tender_id: None,
                    section_id: None,
                    actor: by,
                    subject: p.id.clone(),
                    body: serde_json::json!({"person": p.id, "department": department,
                        "certificate_no": row.certificate_no, "specialty": row.specialty,
                        "avoid_units": units}),
                },
            )?;
            officer_dto(c, row)
        })
        .await
}

/// A department's officers (regulators and the trading centre).
pub async fn officers(
    ctx: &AppContext,
    actor: &Actor,
    department: &str,
) -> AppResult<Vec<Officer>> {
    if !actor.has(Role::Administrator) && !actor.has(Role::Regulator) {
        return Err(AppError::forbidden(
            "regulators and the trading centre only",
        ));
    }
    let department = department.to_string();
    ctx.db
        .read(move |c| {
            if departments::find_department(c, &department)?.is_none() {
                return Err(AppError::not_found("no such department"));
            }
            officers_in(c, &department)
        })
        .await
}

fn officers_in(c: &mut AnyConnection, department: &str) -> AppResult<Vec<Officer>> {
    repo::officers_of(c, department)?
        .into_iter()
        .map(|row| officer_dto(c, row))
        .collect()
}

fn officer_dto(c: &mut AnyConnection, row: repo::OfficerRow) -> AppResult<Officer> {
    let name = people::find_person(c, &row.person_id)?
        .map(|p| p.name)
        .unwrap_or_default();
    officer_from(row, name)
}

/// An officer as the wire shows it, its name already read (the 执法人员 sheet reads them all).
pub(super) fn officer_from(row: repo::OfficerRow, name: String) -> AppResult<Officer> {
    Ok(Officer {
        name,
        avoid_units: serde_json::from_str(&row.avoid_units).map_err(internal)?,
        person_id: row.person_id,
        department: row.department_code,
        certificate_no: row.certificate_no,
        specialty: row.specialty,
        updated_at: from_db(row.updated_at),
    })
}
