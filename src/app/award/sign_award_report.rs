//! `POST …/award/report/signatures`: a member of the award committee (the chair among them)
//! signs the 定标报告 over its digest (`etender-award-report/v1`), once; anyone else is refused.
//! When every member has signed, the section goes to publicity (Reporting → Publicity): the
//! window opens through `support::award_publicity::open_publicity`, as the traditional
//! candidates' does — from now for the section's `award_terms.publicity_days` (else the
//! procedure rules' default; at least 3, 条例54) — and is recorded as a publication.

use base64::Engine as _;
use serde_json::json;

use super::award_report::report_dto;
use super::deciding::{deciding, member_of};
use crate::app::support::award as sa;
use crate::app::support::award_publicity::open_publicity;
use crate::app::support::publicity::Env;
use crate::app::support::signing::{require_person, verify_statement, Signed, Signing};
use crate::app::{Actor, AppContext};
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::award_rounds as repo;
use crate::db::types::to_db;
use crate::domain::award::ballot::report_statement;
use crate::domain::award::stage::{AwardStage, StageEvent};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award_rounds::AwardReport;

pub async fn sign_award_report(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    digest: &str,
    signed: Signed,
) -> AppResult<AwardReport> {
    let digest: [u8; 32] = hex::decode(digest.trim())
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
            let statement = report_statement(&d.tender, &d.section, d.round(), &digest, &me.person);
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
            };
            repo::insert_signature(c, &row)?;
            let event = |t, actor, body| Event {
                event_type: t,
                tender_id: Some(d.tender.clone()),
                section_id: Some(d.section.clone()),
                actor,
                subject: report.id.clone(),
                body,
            };
            audit::record(
                c,
                now,
                event(
                    EventType::AwardReportSigned,
                    actor.audit_ref(),
                    json!({"report": report.id, "digest": report.digest,
                        "member": me.person, "chair": me.chair,
                        "signature": row.signature,
                        "signature_algorithm": row.signature_algorithm,
                        "certificate": row.certificate}),
                ),
            )?;
            let signed_by = signatures.len() + 1;
            if signed_by == d.members.len() {
                report.completed_at = Some(to_db(now));
                repo::update_report(c, &report)?;
                // The stage was checked above (`reporting`); the result is published with the
                // report's completion, so it is never late. `advance` saves the window.
                let (from, until, days, _) =
                    open_publicity(c, &rules, now, &mut award, &actor.id, None)?;
                sa::advance(c, now, &mut award, &StageEvent::SignReport)?;
                audit::record(
                    c,
                    now,
                    event(
                        EventType::AwardReportCompleted,
                        ActorRef::system(),
                        json!({"report": report.id, "digest": report.digest,
                            "publicity_from": from, "publicity_until": until,
                            "days": days}),
                    ),
                )?;
            }
            report_dto(c, &report)
        })
        .await
}
