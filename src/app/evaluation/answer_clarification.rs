//! `POST …/clarifications/{id}/answer`: the bidder asked — its organisation principal, nobody
//! on its behalf — answers once, before the answer is due by the server's clock, signed with
//! its organisation certificate over `clarification::answer_statement` (the question's digest,
//! its USCC and the answer). An answer may not change the price (招标投标法39:
//! `clarification_changes_price`); a late one is `deadline_passed`, a second one `conflict`.
//! There is no route for an unsolicited clarification: a bidder only ever answers a question.
//! The signature, the certificate and the answer go into the audit entry
//! (`clarification_answered`), so the offline verifier checks them without the database.

use super::sitting::*;
use super::*;
use crate::app::support::signing::{require_organisation, verify_statement, Signed, Signing};
use crate::app::{Actor, AppContext};
use crate::db::repo::clarifications as qrepo;
use crate::domain::evaluation::clarification::{answer_statement, Answer, Question};
use crate::domain::identity::Role;
use crate::error::{ErrorCode, FieldError};
use crate::wire::clarifications::*;

pub async fn answer_clarification(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    id: &str,
    answer: Answer,
    signed: Signed,
) -> AppResult<Clarification> {
    let (tender, section, id, actor, now) = (
        tender.to_string(),
        section.to_string(),
        id.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let signing = Signing::of(ctx);
    ctx.db
        .write(move |c| {
            let not_found = || AppError::not_found("no such clarification for you");
            let org = bidder_principal(&actor).ok_or_else(not_found)?;
            let sitting = Sitting::lock(c, &tender, &section)?;
            let mut row = qrepo::find(c, &id)?
                .filter(|r| r.committee_id == sitting.row.id)
                .ok_or_else(not_found)?;
            let bid = opened_bid(c, &sitting.tender.id, &section, &row.bid_id)?;
            if bid.row.organisation_id != org {
                return Err(not_found());
            }
            sitting.require_evaluating()?;
            if row.answer.is_some() {
                return Err(AppError::conflict("this clarification is answered already"));
            }
            if now > from_db(row.due_at) {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    format!("the answer was due by {}", from_db(row.due_at).to_rfc3339()),
                ));
            }
            let question: Question =
                crate::app::support::json::parse_json(&row.question, "clarification question")?;
            if let Err(e) = answer.check(&question, bid.price) {
                if e.code == ErrorCode::ClarificationChangesPrice.as_str() {
                    let mut err = AppError::new(ErrorCode::ClarificationChangesPrice, e.message);
                    err.errors = vec![FieldError::new(e.field, e.code, "")];
                    return Err(err);
                }
                let field = format!("answer.{}", e.field);
                return Err(AppError::field(&field, e.code, e.message));
            }
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_organisation(&cert, &bid.row.bidder_uscc)?;
            let digest: [u8; 32] = hex::decode(&row.question_sha256)
                .ok()
                .and_then(|d| d.try_into().ok())
                .ok_or_else(|| internal(anyhow::anyhow!("clarification {id}: bad digest")))?;
            let statement = answer_statement(&digest, &bid.row.bidder_uscc, &answer);
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statement,
                &signed.signature,
                "clarification answer",
            )?;
            let b64 = &base64::engine::general_purpose::STANDARD;
            let signature = base64::Engine::encode(b64, &signed.signature);
            let certificate = base64::Engine::encode(
                b64,
                signed
                    .certificate_chain
                    .first()
                    .cloned()
                    .unwrap_or_default(),
            );
            let answer_json = serde_json::to_value(&answer).map_err(internal)?;
            row.answer = Some(crate::audit::canonical_json(&answer_json));
            row.answer_signature = Some(signature.clone());
            row.answer_signature_algorithm = Some(signed.signature_algorithm.as_str().into());
            row.answer_certificate = Some(certificate.clone());
            row.answered_at = Some(to_db(now));
            qrepo::update(c, &row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::ClarificationAnswered,
                    tender_id: Some(sitting.row.tender_id.clone()),
                    section_id: Some(section.clone()),
                    actor: actor.audit_as(Role::Bidder),
                    subject: row.id.clone(),
                    body: json!({"committee": sitting.row.id, "clarification": row.id,
                        "bid": row.bid_id, "bidder_uscc": bid.row.bidder_uscc,
                        "question_sha256": row.question_sha256, "answer": answer_json,
                        "signature": signature,
                        "signature_algorithm": signed.signature_algorithm.as_str(),
                        "certificate": certificate,
                        "certificate_sha256": cert.fingerprint_sha256}),
                },
            )?;
            clarification_dto(&row, &sitting.row, &bid.row.bidder_uscc, now)
        })
        .await
}
