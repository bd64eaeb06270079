//! When a tender's archive may be made (电子招标投标办法 第40条, docs/ARCHIVE.md): in one place,
//! so the rule changes once. The tender's whole file includes the contract: every awarded
//! section's contract is signed (or ended by a signed termination), and the tender is `awarded`
//! (every section notified or failed) or later `contracted`.

use crate::app::support::tender::state_of;
use crate::db::repo::award_notices as nrepo;
use crate::db::repo::contracts as crepo;
use crate::db::repo::tenders::TenderRow;
use crate::db::AnyConnection;
use crate::domain::award_notices::NoticeKind;
use crate::domain::contract::ContractState;
use crate::domain::lifecycle::StateKind;
use crate::error::AppError;
use crate::error::AppResult;

/// `Ok` when `tender`'s archive may be exported; a conflict naming what is missing otherwise.
pub fn ready(c: &mut AnyConnection, tender: &TenderRow) -> AppResult<()> {
    let kind = state_of(tender)?.kind();
    if !matches!(kind, StateKind::Awarded | StateKind::Contracted) {
        return Err(AppError::conflict(format!(
            "the tender's archive is made once every section is awarded and its contract \
             signed; the tender is {}",
            kind.as_str()
        )));
    }
    let mut awarded: Vec<String> = nrepo::of_tender(c, &tender.id)?
        .into_iter()
        .filter(|n| n.kind == NoticeKind::Award.as_str())
        .map(|n| n.section_code)
        .collect();
    awarded.sort();
    awarded.dedup();
    let contracts = crepo::of_tender(c, &tender.id)?;
    for section in awarded {
        let signed = contracts.iter().any(|k| {
            k.section_code == section
                && matches!(
                    ContractState::parse(&k.state),
                    Some(
                        ContractState::Signed
                            | ContractState::Terminated
                            | ContractState::Completed
                    )
                )
        });
        if !signed {
            return Err(AppError::conflict(format!(
                "section {section}'s contract is not signed yet: the archive includes it"
            )));
        }
    }
    Ok(())
}
