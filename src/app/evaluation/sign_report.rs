//! `POST …/committee/report/signatures`: a member records its position on the report — it
//! agrees, or dissents and says why (条例53) — signed with its personal certificate over the
//! report's digest (`etender-evaluation-report/v1`, docs/EVALUATION.md §14). Once: a second
//! signature is refused. The last position completes the report.

use super::reporting::{complete_if_all_in, report_dto, report_members};
use super::*;
use crate::app::support::signing::{require_person, verify_statement, Signed, Signing};
use crate::app::{Actor, AppContext};
use crate::db::repo::reports as rrepo;
use crate::domain::evaluation::report::{AssentKind, ReportState};
use crate::domain::evaluation::sheet::{report_statement, Assent, SheetOf};
use crate::error::ErrorCode;

/// Longest written dissent, in characters.
const REASON_MAX: usize = 2000;

pub async fn sign_report(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: ReportSignatureRequest,
    signed: Signed,
) -> AppResult<EvaluationReport> {
    let assent = match (req.assent, req.reason.as_deref().map(str::trim)) {
        (AssentKind::Agreed, None | Some("")) => Assent::Agrees,
        (AssentKind::Agreed, Some(_)) => {
            return Err(AppError::field(
                "reason",
                "not_allowed",
                "a reason goes with a dissent; agreement carries none",
            ))
        }
        (AssentKind::Dissented, Some(r)) if !r.is_empty() && r.chars().count() <= REASON_MAX => {
            Assent::Dissents {
                reason: r.to_string(),
            }
        }
        (AssentKind::Dissented, _) => {
            return Err(AppError::field(
                "reason",
                "required",
                format!("a dissent says why, in 1–{REASON_MAX} characters (条例53)"),
            ))
        }
        (AssentKind::DeemedAgreed, _) => {
            return Err(AppError::field(
                "assent",
                "not_signable",
                "deemed agreement is recorded by the platform when the time is over",
            ))
        }
    };
    let digest: [u8; 32] = hex::decode(req.digest.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::field("digest", "invalid", "the report's digest, 64 hex"))?;
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let signing = Signing::of(ctx);
    let rules = ctx.settings.tenders.rules.clone();
    let refund = crate::app::support::refunds::interest_rule(ctx);
    ctx.db
        .write(move |c| {
            let committee =
                crepo::lock_of_section(c, &tender, &section)?.ok_or_else(no_committee)?;
            let mut report = rrepo::current(c, &committee.id)?
                .ok_or_else(|| AppError::not_found("no report for this committee"))?;
            let listed = report_members(&report)?;
            if !listed.contains(&actor.id) {
                return Err(AppError::forbidden(
                    "only the members the report lists sign it",
                ));
            }
            if report.state().map_err(internal)? != ReportState::Signing {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the report is complete: positions are recorded",
                ));
            }
            if now >= from_db(report.sign_until) {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    "the signing time is over: silence is deemed agreement (条例53)",
                ));
            }
            let positions = rrepo::signatures(c, &report.id)?;
            if positions.iter().any(|p| p.member == actor.id) {
                return Err(AppError::conflict(
                    "your position on this report is recorded already",
                ));
            }
            if hex::encode(digest) != report.digest {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "that is not the current report's digest: read the report again",
                ));
            }
            // The certificate carries the person's own identifier, not its principal id.
            let person = idrepo::find_person(c, &actor.id)?
                .ok_or_else(|| AppError::forbidden("members sign the report in person"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
            let of = SheetOf {
                committee: &committee.id,
                tender: &report.tender_id,
                section: &report.section_code,
                member: &actor.id,
            };
            let statement = report_statement(&of, &digest, &assent)
                .ok_or_else(|| internal(anyhow::anyhow!("a signable assent has a statement")))?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statement,
                &signed.signature,
                "report",
            )?;
            let b64 = base64::engine::general_purpose::STANDARD;
            let row = rrepo::SignatureRow {
                report_id: report.id.clone(),
                member: actor.id.clone(),
                assent: req.assent.as_str().into(),
                reason: match &assent {
                    Assent::Dissents { reason } => Some(reason.clone()),
                    _ => None,
                },
                signature: Some(base64::Engine::encode(&b64, &signed.signature)),
                signature_algorithm: Some(signed.signature_algorithm.as_str().into()),
                signer_fingerprint: Some(cert.fingerprint_sha256.clone()),
                signed_at: to_db(now),
            };
            rrepo::insert_signature(c, &row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::EvaluationReportSigned,
                    tender_id: Some(report.tender_id.clone()),
                    section_id: Some(report.section_code.clone()),
                    actor: actor.audit_ref(),
                    subject: report.id.clone(),
                    body: json!({"report": report.id, "committee": committee.id,
                        "digest": report.digest, "member": actor.id,
                        "assent": row.assent, "reason": row.reason,
                        "signature": row.signature,
                        "signature_algorithm": row.signature_algorithm,
                        "signer": cert.fingerprint_sha256,
                        "certificate": base64::Engine::encode(&b64,
                            signed.certificate_chain.first().cloned().unwrap_or_default())}),
                },
            )?;
            complete_if_all_in(c, (&rules, refund), &mut report, now)?;
            let positions = rrepo::signatures(c, &report.id)?;
            report_dto(&report, &positions)
        })
        .await
}
