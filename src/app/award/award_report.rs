//! `GET …/award/report`: the 定标报告 of the section's award round with the signatures so far,
//! for the tender's parties, the supervising regulators and the award committee's members.

use super::deciding::{deciding, member_of};
use crate::app::support::award::{self as sa};
use crate::app::support::json::parse_json;
use crate::app::support::tender::is_party;
use crate::app::{Actor, AppContext};
use crate::db::repo::award_rounds as repo;
use crate::db::repo::tenders as trepo;
use crate::db::types::from_db;
use crate::db::AnyConnection;
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult};
use crate::wire::award_rounds::{AwardReport, AwardReportSignature};

pub async fn award_report(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<AwardReport> {
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let hidden = || AppError::not_found("no 定标报告 for this section");
            let row = trepo::find_tender(c, &tender)?.ok_or_else(hidden)?;
            let award = sa::load(c, &tender, &section)?;
            let d = deciding(c, &award).map_err(|_| hidden())?;
            let allowed = actor.has(Role::Regulator)
                || is_party(c, &actor, &row)?
                || member_of(c, &d, &actor)?.is_some();
            if !allowed {
                return Err(hidden());
            }
            let report = repo::report(c, &tender, &section, d.award_round)?.ok_or_else(hidden)?;
            report_dto(c, &report)
        })
        .await
}

pub fn report_dto(c: &mut AnyConnection, r: &repo::ReportRow) -> AppResult<AwardReport> {
    let signatures = repo::signatures(c, &r.id)?
        .into_iter()
        .map(|s| AwardReportSignature {
            person: s.person_id,
            chair: s.chair,
            signature: s.signature,
            signature_algorithm: s.signature_algorithm,
            signer_fingerprint: s.signer_fingerprint,
            signed_at: from_db(s.signed_at),
            dissent: s.dissent,
        })
        .collect();
    Ok(AwardReport {
        id: r.id.clone(),
        tender: r.tender_id.clone(),
        section: r.section_code.clone(),
        award_round: u32::try_from(r.award_round).unwrap_or_default(),
        document: parse_json(&r.document, "award report")?,
        document_text: r.document.clone(),
        digest: r.digest.clone(),
        generated_at: from_db(r.generated_at),
        completed_at: r.completed_at.map(from_db),
        signatures,
        sign_until: r.sign_until.map(from_db),
        deemed_agreed: match &r.deemed_agreed {
            Some(j) => parse_json(j, "deemed agreement")?,
            None => Vec::new(),
        },
    })
}
