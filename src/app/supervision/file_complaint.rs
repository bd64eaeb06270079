//! `POST /api/v1/complaints`: an organisation complains to the tender's supervising department
//! (投诉, 条例60), signed with its organisation certificate over `domain::complaint::statement`.
//!
//! When the complainant knew is the platform's instant wherever the platform has one: the
//! opening record's publication for the opening, the publicity's start for the evaluation
//! result, and for the documents the instant it objected to them (it knew by then at the latest;
//! the platform cannot see when it read them). Only `other` complaints give their own day. The
//! prior objection the law requires is the complainant's own, on the same tender (and section),
//! read from where the platform recorded it; its answer period is left out of the 10 days.

use base64::Engine;
use chrono::{SubsecRound, TimeDelta};
use serde_json::json;

use super::complaint_common::*;
use crate::app::support::signing::{require_organisation, verify_statement, Signed, Signing};
use crate::app::support::tender::{load_public, published_draft};
use crate::app::{Actor, AppContext};
use crate::audit::EventType;
use crate::db::repo::award_publicity as prepo;
use crate::db::repo::awards as arepo;
use crate::db::repo::bids as brepo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::supervision::{self as repo, ComplaintRow};
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::bidding::ResponseKind;
use crate::domain::complaint::{
    check_filing, content_digest, statement, FilingRefusal, PriorObjection, State, Subject,
};
use crate::domain::identity::PrincipalKind;
use crate::domain::schedule::{legal_date, start_of_legal_day};
use crate::domain::thread::ThreadKind;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::mail::{enqueue, OutgoingMail};
use crate::wire::supervision::{Complaint, FileComplaintRequest};

pub async fn file_complaint(
    ctx: &AppContext,
    actor: &Actor,
    req: FileComplaintRequest,
    signed: Signed,
) -> AppResult<Complaint> {
    if actor.kind != PrincipalKind::Organisation {
        return Err(AppError::forbidden(
            "complaints are filed by the complaining organisation",
        ));
    }
    let mut errors = Vec::new();
    if !text_ok(&req.text, TEXT_MAX) {
        errors.push(FieldError::new(
            "text",
            "length",
            format!("the complaint is 1 to {TEXT_MAX} characters"),
        ));
    }
    match (req.subject, &req.objection, req.known_on) {
        (Subject::Other, Some(_), _) => errors.push(FieldError::new(
            "objection",
            "not_allowed",
            "a complaint on another matter rests on no objection",
        )),
        (Subject::Other, None, None) => errors.push(FieldError::new(
            "known_on",
            "required",
            "the day the complainant knew or should have known",
        )),
        (s, _, Some(_)) if s != Subject::Other => errors.push(FieldError::new(
            "known_on",
            "not_allowed",
            "the platform has this event's instant",
        )),
        _ => {}
    }
    if matches!(req.subject, Subject::Opening | Subject::EvaluationResult) && req.section.is_none()
    {
        errors.push(FieldError::new(
            "section",
            "required",
            "the opening and the evaluation result are a section's",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    if req.subject.needs_prior_objection() && req.objection.is_none() {
        return Err(refusal(FilingRefusal::NoPriorObjection));
    }
    let (actor, now, signing) = (
        actor.clone(),
        ctx.clock.now().trunc_subsecs(6),
        Signing::of(ctx),
    );
    let cal = ctx.calendar.clone();
    let out = ctx
        .db
        .write(move |c| {
            let tender = load_public(c, &req.tender)?;
            let draft = published_draft(c, &tender)?;
            if let Some(s) = &req.section {
                if !draft.sections.iter().any(|x| &x.code == s) {
                    return Err(AppError::not_found("the tender has no such section"));
                }
            }
            let org = idrepo::find_organisation(c, &actor.id)?
                .ok_or_else(|| AppError::forbidden("no such organisation"))?;
            let (known_at, objection) = match req.subject {
                Subject::Other => {
                    let day = req.known_on.unwrap_or_else(|| legal_date(now));
                    if day > legal_date(now) {
                        return Err(AppError::field(
                            "known_on",
                            "in_future",
                            "the day known cannot be after today",
                        ));
                    }
                    (start_of_legal_day(day), None)
                }
                subject => {
                    let id = req.objection.as_deref().unwrap_or_default();
                    let (known, o) = prior_objection(c, &actor.id, &req, subject, id)?;
                    (known, Some(o))
                }
            };
            check_filing(req.subject, known_at, objection.as_ref(), now).map_err(refusal)?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_organisation(&cert, &org.uscc)?;
            let digest = content_digest(&req.text);
            let stmt = statement(
                &tender.id,
                req.section.as_deref(),
                req.subject,
                req.objection.as_deref(),
                &org.uscc,
                &digest,
            );
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &stmt,
                &signed.signature,
                "complaint",
            )?;
            let b64 = &base64::engine::general_purpose::STANDARD;
            let row = ComplaintRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: tender.id.clone(),
                section_code: req.section.clone(),
                department_code: draft.supervising_department.clone(),
                subject: req.subject.as_str().into(),
                objection_id: req.objection.clone(),
                complainant_id: actor.id.clone(),
                complainant_uscc: org.uscc.clone(),
                body: req.text.clone(),
                known_at: to_db(known_at),
                filed_at: to_db(now),
                signature: b64.encode(&signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().into(),
                certificate: b64.encode(
                    signed
                        .certificate_chain
                        .first()
                        .cloned()
                        .unwrap_or_default(),
                ),
                state: State::Filed.as_str().into(),
                handled_by: None,
                handled_at: None,
                handled_late: None,
                refusal_ground: None,
                refusal_reason: None,
                pauses: "[]".into(),
                outcome: None,
                redo: None,
                decision_text: None,
                decision_signature: None,
                decision_signature_algorithm: None,
                decision_certificate: None,
                decided_by: None,
                decided_at: None,
                decided_late: None,
                withdrawn_at: None,
            };
            repo::insert_complaint(c, &row)?;
            let view = dto(&cal, &row, now)?;
            audit(
                c,
                now,
                &row,
                actor.audit_ref(),
                EventType::ComplaintFiled,
                json!({"complaint": row.id, "tender": row.tender_id, "section": row.section_code,
                    "department": row.department_code, "subject": row.subject,
                    "objection": row.objection_id, "complainant_uscc": row.complainant_uscc,
                    "known_at": known_at, "text_sha256": digest,
                    "acceptance_due": view.acceptance_due, "signature": row.signature,
                    "signature_algorithm": row.signature_algorithm,
                    "certificate": row.certificate,
                    "certificate_sha256": cert.fingerprint_sha256}),
            )?;
            notify_department(c, now, &row, &tender.title)?;
            Ok(view)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}

fn refusal(r: FilingRefusal) -> AppError {
    let code = match r {
        FilingRefusal::NoPriorObjection => ErrorCode::ComplaintNeedsObjection,
        FilingRefusal::ObjectionAwaitingAnswer { .. } => ErrorCode::ObjectionAwaitingAnswer,
        FilingRefusal::TooLate { .. } => ErrorCode::ComplaintTooLate,
    };
    AppError::new(code, r.to_string())
}

/// The complainant's objection `id` on the matter, as the platform recorded it, and the instant
/// the platform says the complainant knew.
fn prior_objection(
    c: &mut AnyConnection,
    org: &str,
    req: &FileComplaintRequest,
    subject: Subject,
    id: &str,
) -> AppResult<(chrono::DateTime<chrono::Utc>, PriorObjection)> {
    let missing = || {
        AppError::new(
            ErrorCode::ComplaintNeedsObjection,
            format!("no objection {id} of yours on this {}", subject.as_str()),
        )
    };
    let section = req.section.as_deref().unwrap_or_default();
    match subject {
        Subject::Documents => {
            let t = trepo::find_thread(c, &req.tender, ThreadKind::Objection, id)?
                .filter(|t| t.raised_by == org)
                .ok_or_else(missing)?;
            let raised = from_db(t.raised_at);
            let o = PriorObjection {
                raised_at: raised,
                answered_at: t.answered_at.map(from_db),
                answer_due: t.answer_due.map_or(raised, from_db),
            };
            Ok((raised, o))
        }
        Subject::Opening => {
            let r = brepo::responses_of(c, &req.tender, section)?
                .into_iter()
                .find(|r| {
                    r.id == id
                        && r.organisation_id == org
                        && r.kind().ok() == Some(ResponseKind::Objection)
                })
                .ok_or_else(missing)?;
            let opening = brepo::find_opening(c, &req.tender, section)?;
            let raised = from_db(r.created_at);
            // Answered on the spot (条例44); unanswered, its time ran to the objections' end.
            let due = opening
                .as_ref()
                .and_then(|o| o.objections_until)
                .map_or(raised + TimeDelta::seconds(1), from_db);
            let known = opening
                .and_then(|o| o.record_published_at)
                .map_or(raised, from_db);
            let o = PriorObjection {
                raised_at: raised,
                answered_at: r.answered_at.map(from_db),
                answer_due: due,
            };
            Ok((known.min(raised), o))
        }
        Subject::EvaluationResult => {
            let o = prepo::find_objection(c, id)?
                .filter(|o| o.tender_id == req.tender && o.section_code == section)
                .filter(|o| o.raised_by == org)
                .ok_or_else(missing)?;
            let raised = from_db(o.raised_at);
            let known = arepo::get(c, &req.tender, section)?
                .and_then(|a| a.publicity_from)
                .map_or(raised, from_db);
            let p = PriorObjection {
                raised_at: raised,
                answered_at: o.answered_at.map(from_db),
                answer_due: from_db(o.answer_due),
            };
            Ok((known.min(raised), p))
        }
        Subject::Other => unreachable!("other complaints rest on no objection"),
    }
}

/// The department's officers hear of the complaint (its 3 working days run from now).
fn notify_department(
    c: &mut AnyConnection,
    now: chrono::DateTime<chrono::Utc>,
    row: &ComplaintRow,
    title: &str,
) -> AppResult<()> {
    let Some(dept) = &row.department_code else {
        return Ok(());
    };
    for o in repo::officers_of(c, dept)? {
        if let Some(p) = idrepo::find_person(c, &o.person_id)? {
            enqueue(
                c,
                now,
                OutgoingMail {
                    to: p.contact_email,
                    subject: format!("投诉：{title}"),
                    body: format!(
                        "《{title}》收到一项投诉（{}），请于三个工作日内决定是否受理\
                         （招标投标法实施条例第六十一条）。",
                        row.id
                    ),
                    kind: "complaint_filed".into(),
                    tender_id: Some(row.tender_id.clone()),
                },
            )?;
        }
    }
    Ok(())
}
