//! `POST …/award/report/signatures`: a member of the award committee (the chair among them)
//! signs the 定标报告 over its digest (`etender-award-report/v1`), once — or signs it with a
//! written dissent (`etender-award-report-dissent/v1`, the reason part of what it signed);
//! anyone else is refused. The members have `[award_rounds] report_signing_minutes` from the
//! report's generation (`sign_until`); as 条例53 says of the 评标报告, a member who has neither
//! signed nor dissented by then is deemed to agree: a signature at or after `sign_until` is
//! refused (`deadline_passed`) and the deadline tick (`app::award::tick`) records the silent
//! members and completes the report ([`complete_report`]).
//!
//! When every member has signed, or the signing time is over, the section goes to publicity
//! (Reporting → Publicity): the window opens through
//! `support::award_publicity::open_publicity`, as the traditional candidates' does — from now
//! for the section's `award_terms.publicity_days` (else the procedure rules' default; at least
//! 3, 条例54) — and is recorded as a publication. Never before: the publicity of a result whose
//! report is still being signed cannot open.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::award_report::report_dto;
use super::deciding::{deciding, member_of};
use crate::app::support::award::{self as sa, Award};
use crate::app::support::award_publicity::open_publicity;
use crate::app::support::errors::internal;
use crate::app::support::publicity::Env;
use crate::app::support::signing::{require_person, verify_statement, Signed, Signing};
use crate::app::{Actor, AppContext};
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::award_rounds as repo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::award::ballot::report_position_statement;
use crate::domain::award::stage::{AwardStage, StageEvent};
use crate::domain::tender::ProcedureRulesTable;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award_rounds::AwardReport;

/// Longest written dissent, in characters (as for the 评标报告).
const DISSENT_MAX: usize = 2000;

/// A member agrees with the 定标报告 and signs it.
pub async fn sign_award_report(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    digest: &str,
    signed: Signed,
) -> AppResult<AwardReport> {
    sign_award_report_with(ctx, actor, tender, section, digest, None, signed).await
}

/// A member signs the 定标报告, agreeing (`dissent: None`) or with a written dissent.
pub async fn sign_award_report_with(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    digest: &str,
    dissent: Option<String>,
    signed: Signed,
) -> AppResult<AwardReport> {
    let digest: [u8; 32] = hex::decode(digest.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::field("digest", "invalid", "the report's digest, 64 hex"))?;
    let dissent = match dissent.map(|d| d.trim().to_string()) {
        None => None,
        Some(d) if !d.is_empty() && d.chars().count() <= DISSENT_MAX => Some(d),
        Some(_) => {
            return Err(AppError::field(
                "dissent",
                "length",
                format!("a dissent says why, in 1–{DISSENT_MAX} characters (条例53)"),
            ))
        }
    };
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let signing = Signing::of(ctx);
    let rules = Env::of(ctx).rules;
    ctx.db
        .write(move |c| {
            let mut award = sa::load(c, &tender, &section)?;
            let d = deciding(c, &award)?;
            let Some((me, cert_person)) = member_of(c, &d, &actor)? else {
                return Err(AppError::new(
                    ErrorCode::NotAnAwardMember,
                    "only the award committee's members and its chair sign the 定标报告",
                ));
            };
            let me = me.clone();
            let mut report = repo::report(c, &d.tender, &d.section, d.award_round)?
                .ok_or_else(|| AppError::not_found("no 定标报告 for this section"))?;
            if report.completed_at.is_some() || award.stage != AwardStage::Reporting {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the 定标报告 is signed by everyone already",
                ));
            }
            if report.sign_until.is_some_and(|t| now >= from_db(t)) {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    "the signing time is over: silence is deemed agreement (条例53)",
                ));
            }
            let signatures = repo::signatures(c, &report.id)?;
            if signatures.iter().any(|s| s.person_id == me.person) {
                return Err(AppError::conflict("you have signed this 定标报告 already"));
            }
            if hex::encode(digest) != report.digest {
                return Err(AppError::conflict(
                    "that is not the 定标报告's digest: read the report again",
                ));
            }
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &cert_person)?;
            let statement = report_position_statement(
                &d.tender,
                &d.section,
                d.round(),
                &digest,
                &me.person,
                dissent.as_deref(),
            );
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statement,
                &signed.signature,
                "award report",
            )?;
            let b64 = &base64::engine::general_purpose::STANDARD;
            let row = repo::SignatureRow {
                report_id: report.id.clone(),
                person_id: me.person.clone(),
                chair: me.chair,
                signature: b64.encode(&signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().into(),
                signer_fingerprint: cert.fingerprint_sha256.clone(),
                certificate: b64.encode(
                    signed
                        .certificate_chain
                        .first()
                        .cloned()
                        .unwrap_or_default(),
                ),
                signed_at: to_db(now),
                dissent: dissent.clone(),
            };
            repo::insert_signature(c, &row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::AwardReportSigned,
                    tender_id: Some(d.tender.clone()),
                    section_id: Some(d.section.clone()),
                    actor: actor.audit_ref(),
                    subject: report.id.clone(),
                    body: json!({"report": report.id, "digest": report.digest,
                        "member": me.person, "chair": me.chair, "dissent": row.dissent,
                        "signature": row.signature,
                        "signature_algorithm": row.signature_algorithm,
                        "certificate": row.certificate}),
                },
            )?;
            if signatures.len() + 1 == d.members.len() {
                complete_report(
                    c,
                    &rules,
                    now,
                    &mut award,
                    &mut report,
                    &actor.id,
                    Vec::new(),
                )?;
            }
            report_dto(c, &report)
        })
        .await
}

/// The 定标报告 is complete — every member signed, or the signing time is over and `deemed`
/// are deemed to agree — and the result's publicity opens (Reporting → Publicity), logged
/// `award_report_completed` with the window and the positions. The caller checked the stage.
pub(super) fn complete_report(
    c: &mut AnyConnection,
    rules: &ProcedureRulesTable,
    now: DateTime<Utc>,
    award: &mut Award,
    report: &mut repo::ReportRow,
    by: &str,
    deemed: Vec<String>,
) -> AppResult<()> {
    report.completed_at = Some(to_db(now));
    if !deemed.is_empty() {
        report.deemed_agreed = Some(serde_json::to_string(&deemed).map_err(internal)?);
    }
    repo::update_report(c, report)?;
    let dissented = repo::signatures(c, &report.id)?
        .iter()
        .filter(|s| s.dissent.is_some())
        .count();
    // The result is published with the report's completion, so it is never late. `advance`
    // saves the window.
    let (from, until, days, _) = open_publicity(c, rules, now, award, by, None)?;
    sa::advance(c, now, award, &StageEvent::SignReport)?;
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::AwardReportCompleted,
            tender_id: Some(report.tender_id.clone()),
            section_id: Some(report.section_code.clone()),
            actor: ActorRef::system(),
            subject: report.id.clone(),
            body: json!({"report": report.id, "digest": report.digest,
                "publicity_from": from, "publicity_until": until, "days": days,
                "sign_until": report.sign_until.map(from_db), "dissented": dissented,
                "deemed_agreed": deemed}),
        },
    )?;
    Ok(())
}

/// Closes the 定标报告 `id` if its signing time is over at `now`: its silent members are
/// deemed to agree (logged by the system as `award_report_signed` with `deemed_agreed`, as the
/// 评标报告's tick does) and the report completes. Whether it completed it; a report whose
/// section cannot move now (signed meanwhile, the tender suspended) waits for a later tick.
pub(super) fn close_due_report(
    c: &mut AnyConnection,
    rules: &ProcedureRulesTable,
    now: DateTime<Utc>,
    id: &str,
) -> AppResult<bool> {
    let Some(head) = repo::report_by_id(c, id)? else {
        return Ok(false);
    };
    let Ok(mut award) = sa::load(c, &head.tender_id, &head.section_code) else {
        return Ok(false);
    };
    // Read again under the section's lock: a last signature may have completed it.
    let Some(mut report) = repo::report_by_id(c, id)? else {
        return Ok(false);
    };
    let due = report.sign_until.is_some_and(|t| now >= from_db(t));
    if !due
        || report.completed_at.is_some()
        || award.stage != AwardStage::Reporting
        || award.row.award_round != report.award_round
    {
        return Ok(false);
    }
    let d = deciding(c, &award)?;
    let signed = repo::signatures(c, &report.id)?;
    let silent: Vec<String> = d
        .members
        .iter()
        .filter(|m| !signed.iter().any(|s| s.person_id == m.person))
        .map(|m| m.person.clone())
        .collect();
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::AwardReportSigned,
            tender_id: Some(report.tender_id.clone()),
            section_id: Some(report.section_code.clone()),
            actor: ActorRef::system(),
            subject: report.id.clone(),
            body: json!({"report": report.id, "digest": report.digest,
                "deemed_agreed": silent, "sign_until": report.sign_until.map(from_db)}),
        },
    )?;
    complete_report(c, rules, now, &mut award, &mut report, "system", silent)?;
    Ok(true)
}
