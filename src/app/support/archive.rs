//! When a tender's archive may be made (电子招标投标办法 第40条, docs/ARCHIVE.md): in one place,
//! so the rule changes once. For now: once every section's award notices are issued or the
//! section failed — the tender is `awarded` (or later `contracted`). When contracts land this
//! becomes "the contract is signed", and the contract's documents one more archive source.

use crate::app::support::tender::state_of;
use crate::db::repo::tenders::TenderRow;
use crate::domain::lifecycle::StateKind;
use crate::error::AppError;
use crate::error::AppResult;

/// `Ok` when `tender`'s archive may be exported; a conflict naming its state otherwise.
pub fn ready(tender: &TenderRow) -> AppResult<()> {
    let kind = state_of(tender)?.kind();
    if matches!(kind, StateKind::Awarded | StateKind::Contracted) {
        return Ok(());
    }
    Err(AppError::conflict(format!(
        "the tender's archive is made once every section's award notices are issued; \
         the tender is {}",
        kind.as_str()
    )))
}
