//! `GET /api/v1/tenders/{tender}/award/notices/{id}`: one issued notice — the signed document,
//! its digest, the signature and the signer's certificate, so its addressee can check it
//! offline. For its addressee, the tender's tenderer and agent, and regulators; anyone else
//! learns nothing (404).

use super::notice_facts::notice_dto;
use crate::app::{Actor, AppContext};
use crate::db::repo::award_notices as nrepo;
use crate::db::repo::tenders as trepo;
use crate::domain::authz::Permission;
use crate::error::{AppError, AppResult};
use crate::wire::award_notices::AwardNotice;

pub async fn notice(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    id: &str,
) -> AppResult<AwardNotice> {
    let (tender, id, actor) = (tender.to_string(), id.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let none = || AppError::not_found("no such notice");
            let row = nrepo::get(c, &id)?
                .filter(|n| n.tender_id == tender)
                .ok_or_else(none)?;
            let trow = trepo::find_tender(c, &tender)?.ok_or_else(none)?;
            let addressee = actor.require(Permission::SubmitBids).is_ok()
                && actor.organisation_id.as_deref() == Some(row.addressee_id.as_str());
            if !(addressee || super::notices::is_insider(c, &actor, &trow)?) {
                return Err(none());
            }
            notice_dto(&row)
        })
        .await
}
