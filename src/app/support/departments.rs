//! The registry of supervising departments as other stages check it: a tender names the
//! department that supervises it, a member of the library the one it works for, and a regulator
//! (through the 执法人员库) the one it is an officer of — which decides the tenders it acts on.

use crate::app::support::tender::published_draft;
use crate::app::Actor;
use crate::db::repo::experts as repo;
use crate::db::repo::supervision as officers;
use crate::db::repo::tenders;
use crate::db::AnyConnection;
use crate::domain::identity::Role;
use crate::domain::tender::TenderDraft;
use crate::error::{AppError, AppResult, ErrorCode};

/// A department code, if given, must be in the registry; refused on `field`.
pub fn check(c: &mut AnyConnection, field: &str, code: Option<&str>) -> AppResult<()> {
    match code {
        Some(code) if repo::find_department(c, code)?.is_none() => Err(AppError::field(
            field,
            "unknown_department",
            "no department of the registry has this code (GET /api/v1/departments)",
        )),
        _ => Ok(()),
    }
}

/// A tender's supervising department, if it names one, must be in the registry (checked when
/// the draft is written and again at publication).
pub fn check_supervising(c: &mut AnyConnection, draft: &TenderDraft) -> AppResult<()> {
    check(
        c,
        "draft.supervising_department",
        draft.supervising_department.as_deref(),
    )
}

/// A regulator's act on a tender (suspending it on a complaint, contributing to its draws,
/// witnessing its committees, reading its opened bids): only an officer of the department the
/// tender names as supervising it (`other_department` otherwise). A tender that names none is
/// supervised by every regulator, as before departments existed.
pub fn require_supervisor(c: &mut AnyConnection, actor: &Actor, tender: &str) -> AppResult<()> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden("regulators only"));
    }
    let department = match tenders::find_tender(c, tender)? {
        Some(row) if row.version > 0 => published_draft(c, &row)?.supervising_department,
        _ => None,
    };
    let Some(department) = department else {
        return Ok(());
    };
    match officers::find_officer(c, &actor.id)? {
        Some(o) if o.department_code == department => Ok(()),
        _ => Err(AppError::new(
            ErrorCode::OtherDepartment,
            format!(
                "the tender is supervised by department {department}; only its officers act on \
                 it (执法人员库)"
            ),
        )),
    }
}
