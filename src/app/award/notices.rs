//! `GET …/sections/{section}/award/notices`: the section's issued notices, every round. The
//! tenderer, its agent and regulators see them all; a bidder sees the notices addressed to it;
//! anyone else learns nothing (404).

use super::notice_facts::notice_dto;
use crate::app::support::tender::is_party;
use crate::app::{Actor, AppContext};
use crate::db::repo::award_notices as nrepo;
use crate::db::repo::tenders as trepo;
use crate::domain::authz::Permission;
use crate::error::{AppError, AppResult};
use crate::wire::award_notices::AwardNotice;

pub async fn notices(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<Vec<AwardNotice>> {
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let none = || AppError::not_found("no notices of this section for you");
            let trow = trepo::find_tender(c, &tender)?.ok_or_else(none)?;
            let all = is_insider(c, &actor, &trow)?;
            let own = actor
                .require(Permission::SubmitBids)
                .ok()
                .and(actor.organisation_id.clone());
            let rows: Vec<_> = nrepo::of_tender(c, &trow.id)?
                .into_iter()
                .filter(|n| n.section_code == section)
                .filter(|n| all || own.as_deref() == Some(n.addressee_id.as_str()))
                .collect();
            if rows.is_empty() && !all {
                return Err(none());
            }
            rows.iter().map(notice_dto).collect()
        })
        .await
}

/// Whether the caller sees every notice of the tender: its tenderer or agent, or a regulator.
pub(super) fn is_insider(
    c: &mut crate::db::AnyConnection,
    actor: &Actor,
    trow: &trepo::TenderRow,
) -> AppResult<bool> {
    Ok(actor.require(Permission::SuperviseTenders).is_ok()
        || (actor.require(Permission::ManageTenders).is_ok() && is_party(c, actor, trow)?))
}
