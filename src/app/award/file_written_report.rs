//! `POST …/sections/{section}/award/written-report`: the tenderer (or its entrusted agent)
//! files the written report to the supervising department (书面报告, 招标投标法47), signed with
//! its organisation certificate over the report's digest. Once; late filing is accepted and
//! recorded as late (the limit is tracked, not a bar: the report is still owed).

use base64::Engine;
use chrono::SubsecRound;
use serde_json::json;

use super::notice_facts::*;
use crate::app::support::award;
use crate::app::support::publicity::{self, Change};
use crate::app::support::signing::{verify_statement, Signed, Signing};
use crate::app::support::tender::load_as_party;
use crate::app::{Actor, AppContext};
use crate::audit::{sha256_hex, EventType};
use crate::db::repo::award_notices as nrepo;
use crate::db::types::{from_db, to_db};
use crate::domain::award_notices as rules;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award_notices::WrittenReport;

pub async fn file_written_report(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    digest: &str,
    signed: Signed,
) -> AppResult<WrittenReport> {
    let digest = digest_bytes(digest)?;
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now().trunc_subsecs(6),
    );
    let signing = Signing::of(ctx);
    ctx.db
        .write(move |c| {
            let trow = load_as_party(c, &actor, &tender)?;
            let award = award::load(c, &tender, &section)?;
            let mut row = nrepo::lock_report(c, &tender, &section, award.row.award_round)?
                .ok_or_else(|| AppError::not_found("no written report is due for this section"))?;
            if row.filed_at.is_some() {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the written report is filed already",
                ));
            }
            let text = report_text(c, &award, &trow, &row)?;
            if sha256_hex(text.as_bytes()) != hex::encode(digest) {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "that is not the written report's digest: read it again",
                ));
            }
            let (signer, cert) = tender_signer(c, &signing, &trow, &signed.certificate_chain, now)?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &rules::report_statement(&digest),
                &signed.signature,
                "written report",
            )?;
            let leaf = signed
                .certificate_chain
                .first()
                .cloned()
                .unwrap_or_default();
            row.document = Some(text);
            row.digest = Some(hex::encode(digest));
            row.signature = Some(B64.encode(&signed.signature));
            row.signature_algorithm = Some(signed.signature_algorithm.as_str().into());
            row.certificate = Some(B64.encode(leaf));
            row.signer_id = Some(signer.clone());
            row.filed_at = Some(to_db(now));
            nrepo::update_report(c, &row)?;
            let late = rules::is_overdue(from_db(row.due_at), Some(now), now);
            publicity::event(
                c,
                now,
                &trow.id,
                Change::new(
                    actor.audit_ref(),
                    EventType::AwardWrittenReportFiled,
                    json!({"tender": trow.id, "section": row.section_code,
                        "award_round": row.award_round, "digest": row.digest,
                        "signer": signer, "certificate": row.certificate,
                        "signature": row.signature,
                        "signature_algorithm": row.signature_algorithm,
                        "due_at": from_db(row.due_at), "late": late}),
                )
                .in_section(&row.section_code),
            )?;
            written_report_dto(c, &award, &trow, &row, now)
        })
        .await
}
