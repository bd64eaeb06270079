//! `POST /api/v1/complaints/{id}/decision`: the department's written decision (条例61), signed
//! by the deciding officer, served on the complainant and the tender's parties, and carried out
//! in the same transaction through the machines that own the tender's course:
//!
//! - a suspension ordered on complaints (条例62) ends when no other complaint on the tender is
//!   still open (`tender_resumed`, by the deciding officer);
//! - upheld, the step to redo runs: a section in its award publicity goes back to the original
//!   committee, to a new award round (评定分离) or fails for a re-tender, exactly as an upheld
//!   objection sends it back (`award_sent_back`, naming the complaint); a re-tender of the whole
//!   tender before its award terminates it (终止招标); amending the documents needs the tender
//!   still taking bids, and the tenderer is ordered to amend (条例21 then moves the deadline).
//!
//! The decision is made public with its text (投诉处理办法: the result is published for the
//! public to oversee): a `complaint_decision` announcement in the tender's feed, whose body is
//! the signed entry with the text the signature's digest covers.
//!
//! A step the tender is not at is `redo_not_possible`, and nothing is written. A decision after
//! the 30 working days is still made and recorded late.

use base64::Engine;
use chrono::SubsecRound;
use serde_json::json;

use super::complaint_common::*;
use crate::app::support::award as sa;
use crate::app::support::award_publicity::send_back;
use crate::app::support::lifecycle::apply_action;
use crate::app::support::publicity::{event, record, Change, Env, Mail, Publicity, Recipients};
use crate::app::support::signing::{require_person, verify_statement, Signed, Signing};
use crate::app::support::tender::state_of as tender_state;
use crate::app::{Actor, AppContext};
use crate::audit::EventType;
use crate::db::repo::identity as idrepo;
use crate::db::repo::supervision::{self as repo, ComplaintScope};
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::award::publicity::SendBack;
use crate::domain::complaint::{
    content_digest, decision_due, decision_statement, Event, Outcome, Redo,
};
use crate::domain::identity::Role;
use crate::domain::lifecycle::{State as TenderState, StateKind, SuspensionReason};
use crate::domain::tender::AnnouncementKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::supervision::Complaint;
use crate::wire::tenders::LifecycleAction;

pub async fn decide_complaint(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    outcome: Outcome,
    text: String,
    signed: Signed,
) -> AppResult<Complaint> {
    if !text_ok(&text, TEXT_MAX) {
        return Err(AppError::field(
            "text",
            "length",
            format!("the decision is 1 to {TEXT_MAX} characters"),
        ));
    }
    let (id, actor, now, cal, env) = (
        id.to_string(),
        actor.clone(),
        ctx.clock.now().trunc_subsecs(6),
        ctx.calendar.clone(),
        Env::of(ctx),
    );
    let signing = Signing::of(ctx);
    let out = ctx
        .db
        .write(move |c| {
            let mut row = lock(c, &id)?;
            require_department(c, &actor, &row)?;
            let next = next_state(&row, Event::Decide)?;
            let person = idrepo::find_person(c, &actor.id)?
                .ok_or_else(|| AppError::forbidden("decisions are signed by a person"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
            let digest = content_digest(&text);
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &decision_statement(&row.id, outcome, &digest),
                &signed.signature,
                "decision",
            )?;
            let late = row
                .handled_at
                .and_then(|at| decision_due(&cal, from_db(at), &pauses_of(&row).ok()?).ok()?)
                .map(|due| now >= due);
            let resumed = end_suspension(c, &env, now, &actor, &row)?;
            let redone = redo(c, &env, now, &actor, &row, outcome)?;
            let b64 = &base64::engine::general_purpose::STANDARD;
            row.state = next.as_str().into();
            row.outcome = Some(outcome.code());
            row.redo = match outcome {
                Outcome::Upheld { redo } => Some(redo.as_str().into()),
                Outcome::Dismissed => None,
            };
            row.decision_text = Some(text.clone());
            row.decision_signature = Some(b64.encode(&signed.signature));
            row.decision_signature_algorithm = Some(signed.signature_algorithm.as_str().into());
            row.decision_certificate = Some(
                b64.encode(
                    signed
                        .certificate_chain
                        .first()
                        .cloned()
                        .unwrap_or_default(),
                ),
            );
            row.decided_by = Some(actor.id.clone());
            row.decided_at = Some(to_db(now));
            row.decided_late = late;
            repo::update_complaint(c, &row)?;
            let tender = trepo::find_tender(c, &row.tender_id)?
                .ok_or_else(|| AppError::not_found("no such tender"))?;
            let mut change = Change::new(
                actor.audit_as(Role::Regulator),
                EventType::ComplaintDecided,
                json!({"complaint": row.id, "state": next, "outcome": outcome.code(),
                    "text": text, "text_sha256": digest, "late": late, "resumed_tender": resumed,
                    "redone": redone, "signature": row.decision_signature,
                    "signature_algorithm": row.decision_signature_algorithm,
                    "certificate": row.decision_certificate,
                    "certificate_sha256": cert.fingerprint_sha256}),
            );
            if let Some(s) = &row.section_code {
                change = change.in_section(s);
            }
            let served = [row.complainant_id.clone()];
            let verdict = match outcome {
                Outcome::Dismissed => "投诉缺乏事实根据或者法律依据，驳回投诉".to_string(),
                Outcome::Upheld { redo } => format!("投诉成立（{}）", redo_text(redo)),
            };
            record(
                c,
                &env,
                now,
                &tender,
                change,
                Some(Publicity {
                    release: None,
                    announcement: Some((
                        AnnouncementKind::ComplaintDecision,
                        format!("投诉处理决定：{}（{verdict}）", tender.title),
                    )),
                    mail: Some(Mail {
                        kind: "complaint_decided",
                        subject: format!("投诉处理决定：{}", tender.title),
                        body: format!(
                            "《{}》的投诉（{}）处理决定：{verdict}。\n\n{text}",
                            tender.title, row.id
                        ),
                        to: Recipients::PartiesAnd(&served),
                    }),
                }),
            )?;
            dto(&cal, &row, now)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}

fn redo_text(r: Redo) -> &'static str {
    match r {
        Redo::AmendDocuments => "招标人应当修改招标文件",
        Redo::Reevaluation => "由原评标委员会重新评审",
        Redo::NewAwardRound => "重新定标",
        Redo::Retender => "依法重新招标",
        Redo::NoRedo => "违法行为未对结果造成实质影响",
    }
}

/// Resumes the tender if it is suspended on complaints and this was the last one open.
fn end_suspension(
    c: &mut AnyConnection,
    env: &Env,
    now: chrono::DateTime<chrono::Utc>,
    actor: &Actor,
    row: &repo::ComplaintRow,
) -> AppResult<bool> {
    let mut tender = trepo::lock_tender(c, &row.tender_id)?
        .ok_or_else(|| AppError::not_found("no such tender"))?;
    let on_complaint = matches!(
        tender_state(&tender)?,
        TenderState::Suspended {
            reason: SuspensionReason::Complaint,
            ..
        }
    );
    if !on_complaint {
        return Ok(false);
    }
    // Two rows tell whether another than this one is open.
    let two = crate::db::repo::Keyset {
        after: None,
        limit: 1,
    };
    let others = repo::complaints(c, ComplaintScope::All, Some(&row.tender_id), true, &two)?
        .into_iter()
        .any(|o| o.id != row.id);
    if others {
        return Ok(false);
    }
    apply_action(
        c,
        env,
        now,
        &mut tender,
        &LifecycleAction::Resume {},
        actor.audit_as(Role::Regulator),
    )?;
    Ok(true)
}

/// Runs the step an upheld complaint names; returns what was done, for the log.
fn redo(
    c: &mut AnyConnection,
    env: &Env,
    now: chrono::DateTime<chrono::Utc>,
    actor: &Actor,
    row: &repo::ComplaintRow,
    outcome: Outcome,
) -> AppResult<Option<&'static str>> {
    let Outcome::Upheld { redo } = outcome else {
        return Ok(None);
    };
    let not_possible = |why: String| AppError::new(ErrorCode::RedoNotPossible, why);
    let back = match redo {
        Redo::NoRedo => return Ok(None),
        Redo::AmendDocuments => {
            let tender = trepo::find_tender(c, &row.tender_id)?
                .ok_or_else(|| AppError::not_found("no such tender"))?;
            let kind = tender_state(&tender)?.kind();
            if kind != StateKind::Published {
                return Err(not_possible(format!(
                    "the documents are amended while the tender takes bids; it is {kind}"
                )));
            }
            return Ok(Some("amend_documents_ordered"));
        }
        Redo::Reevaluation => SendBack::Reevaluation,
        Redo::NewAwardRound => SendBack::NewRound,
        Redo::Retender => SendBack::Retender,
    };
    let Some(section) = row.section_code.as_deref() else {
        if redo == Redo::Retender {
            let mut tender = trepo::lock_tender(c, &row.tender_id)?
                .ok_or_else(|| AppError::not_found("no such tender"))?;
            apply_action(
                c,
                env,
                now,
                &mut tender,
                &LifecycleAction::Terminate {
                    reason: format!("投诉处理决定（{}）：依法重新招标", row.id),
                },
                actor.audit_as(Role::Regulator),
            )
            .map_err(|e| not_possible(e.detail))?;
            return Ok(Some("tender_terminated"));
        }
        return Err(not_possible(
            "a complaint on the whole tender cannot send a section back".into(),
        ));
    };
    let mut award = sa::load(c, &row.tender_id, section).map_err(|e| not_possible(e.detail))?;
    if award.row.open_objections > 0 {
        return Err(AppError::new(
            ErrorCode::ObjectionsPending,
            "an objection to the section's result is still open: the tenderer answers it first",
        ));
    }
    send_back(c, now, &mut award, back, &format!("complaint {}", row.id)).map_err(|e| {
        if e.code == ErrorCode::AwardStage {
            not_possible(e.detail)
        } else {
            e
        }
    })?;
    event(
        c,
        now,
        &row.tender_id,
        Change::new(
            actor.audit_as(Role::Regulator),
            EventType::AwardSentBack,
            json!({"tender": row.tender_id, "section": section,
                "round": award.row.award_round, "send_back": back.as_str(),
                "complaint": row.id, "stage": award.stage}),
        )
        .in_section(section),
    )?;
    Ok(Some(back.as_str()))
}
