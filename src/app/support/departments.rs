//! The registry of supervising departments as other stages check it: a tender names the
//! department that supervises it, a member of the library the one it works for.

use crate::db::repo::experts as repo;
use crate::db::AnyConnection;
use crate::domain::tender::TenderDraft;
use crate::error::{AppError, AppResult};

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
