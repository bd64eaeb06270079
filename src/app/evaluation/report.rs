//! `GET …/committee/report`: the section's current report — for the committee's members and
//! regulators from its generation, for the tenderer and its agent once complete (条例53: the
//! committee hands the signed report to the tenderer). Bidders and the public never see it:
//! members' names and conclusions stay inside (the award's publicity says what is public).

use super::reporting::report_dto;
use super::*;
use crate::app::support::tender::is_party;
use crate::app::{Actor, AppContext};
use crate::db::repo::reports as rrepo;
use crate::db::repo::tenders as trepo;
use crate::domain::evaluation::report::ReportState;
use crate::domain::identity::Role;

pub async fn report(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<EvaluationReport> {
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let none = || AppError::not_found("no report for this section");
            let t = trepo::find_tender(c, &tender)?.ok_or_else(none)?;
            let committee = crepo::of_section(c, &t.id, &section)?.ok_or_else(none)?;
            let report = rrepo::current(c, &committee.id)?.ok_or_else(none)?;
            let member = crepo::members(c, &committee.id)?
                .iter()
                .any(|m| m.principal_id == actor.id);
            let complete = report.state().map_err(internal)? == ReportState::Complete;
            let sees =
                actor.has(Role::Regulator) || member || (complete && is_party(c, &actor, &t)?);
            if !sees {
                return Err(none());
            }
            let positions = rrepo::signatures(c, &report.id)?;
            report_dto(&report, &positions)
        })
        .await
}
