//! `POST …/sections/{section}/award/clearing`: the tenderer or its entrusted agent files the
//! signed 清标 report (domain-rules §3.3) of a section whose award is at `clearing`; the award
//! moves on to forming its committee. The report informs the award and scores nothing.

use super::*;
use crate::app::support::award::{self as award_support, Award};
use crate::app::support::json::to_json;
use crate::app::support::publicity::{self, Change};
use crate::app::support::signing::{require_organisation, verify_statement, Signed, Signing};
use crate::app::support::tender::{load_as_party, party_of};
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::types::to_db;
use crate::domain::award::clearing::{self, ClearingReport};
use crate::domain::award::stage::StageEvent;
use crate::error::FieldError;
use serde_json::json;

/// Files the 清标 report over `clearing::statement`, signed with the filer's organisation
/// certificate (the tenderer's, or its entrusted agent's). Refused: not a party (403/404), the
/// award not at `clearing` (409 `award_stage`), a report that does not list exactly the
/// candidates or has bad texts (422 `validation_failed`), a certificate not the filer's (403
/// `certificate_subject_mismatch`), a bad signature (422 `statement_signature_invalid`).
pub async fn file_clearing(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    report: ClearingReport,
    signed: Signed,
) -> AppResult<Clearing> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let signing = Signing::of(ctx);
    ctx.db
        .write(move |c| {
            let t = load_as_party(c, &actor, &tender)?;
            let mut award = award_support::load(c, &t.id, &section)?;
            require_stage(award.stage, AwardStage::Clearing, "the 清标 report")?;
            check(&report, &award)?;
            let round = round_u32(award.row.award_round)?;
            let statement = clearing::statement(&t.id, &section, round, &report);
            let filer = actor
                .organisation_id
                .clone()
                .ok_or_else(|| AppError::forbidden("an organisation files the 清标 report"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_organisation(&cert, &party_of(c, &filer)?.uscc)?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statement,
                &signed.signature,
                "clearing statement",
            )?;
            let row = acrepo::ClearingRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: t.id.clone(),
                section_code: section.clone(),
                award_round: award.row.award_round,
                filed_by: filer,
                body: to_json(&report)?,
                statement_sha256: sha256_hex(&statement),
                signature: b64(&signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().into(),
                signer_fingerprint: cert.fingerprint_sha256.clone(),
                certificate: b64(signed.certificate_chain.first().map_or(&[][..], |v| v)),
                filed_at: to_db(now),
            };
            acrepo::insert_clearing(c, &row)?;
            let stage = award_support::advance(c, now, &mut award, &StageEvent::FileClearing)?;
            record(c, now, &actor, &row, &award, stage)?;
            clearing_dto(&row)
        })
        .await
}

fn check(report: &ClearingReport, award: &Award) -> AppResult<()> {
    report.check(&award.candidates).map_err(|errors| {
        AppError::validation(
            errors
                .into_iter()
                .map(|e| FieldError::new(&format!("report.{}", e.field), e.code, e.message))
                .collect(),
        )
    })
}

fn record(
    c: &mut AnyConnection,
    now: chrono::DateTime<chrono::Utc>,
    actor: &Actor,
    row: &acrepo::ClearingRow,
    award: &Award,
    stage: AwardStage,
) -> AppResult<()> {
    // No findings in the log: they are about bid prices, which the log never carries; the
    // digest and the signature bind the stored report.
    let body = json!({"tender": row.tender_id, "section": row.section_code,
        "award_round": row.award_round, "clearing": row.id, "filed_by": row.filed_by,
        "statement_sha256": row.statement_sha256, "signature": row.signature,
        "signature_algorithm": row.signature_algorithm, "signer": row.signer_fingerprint,
        "certificate": row.certificate, "stage": stage,
        "candidates": award.candidates.len()});
    let change = Change::new(actor.audit_ref(), EventType::AwardClearingFiled, body)
        .in_section(&row.section_code);
    publicity::event(c, now, &row.tender_id, change)?;
    Ok(())
}
