//! `GET …/sections/{section}/award/written-report`: the written report to the regulator
//! (书面报告, 招标投标法47) of a notified section — before filing, the document for the
//! tenderer to sign (the award's facts, the notices by digest, the reports they rest on); after,
//! the filed one — with its 15-day limit. For the tender's parties and regulators.

use super::notice_facts::written_report_dto;
use crate::app::support::award;
use crate::app::{Actor, AppContext};
use crate::db::repo::award_notices as nrepo;
use crate::db::repo::tenders as trepo;
use crate::error::{AppError, AppResult};
use crate::wire::award_notices::WrittenReport;

pub async fn written_report(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<WrittenReport> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .read_primary(move |c| {
            let none = || AppError::not_found("no written report is due for this section");
            let trow = trepo::find_tender(c, &tender)?.ok_or_else(none)?;
            if !super::notices::is_insider(c, &actor, &trow)? {
                return Err(none());
            }
            let award = award::load(c, &tender, &section)?;
            let row = nrepo::lock_report(c, &tender, &section, award.row.award_round)?
                .ok_or_else(none)?;
            written_report_dto(c, &award, &trow, &row, now)
        })
        .await
}
