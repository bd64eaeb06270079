//! `POST …/sections/{section}/clarifications`: the committee's leader (组长) asks a bidder in
//! writing (澄清, 条例52) about its opened bid, while the committee evaluates: the question
//! (`clarification::Question`: a question, or a proposed correction to confirm) and when the
//! answer is due — in the future and within the bids' validity (条例25: the evaluation and the
//! award happen while the bids still bind). A bid the opening record rejects, or the committee
//! has rejected, is not asked. The bidder is mailed; the question's digest, which the bidder's
//! answer is signed over, goes into the audit entry (`clarification_asked`).

use super::sitting::*;
use super::*;
use crate::app::support::tender::published_draft;
use crate::app::{Actor, AppContext};
use crate::db::repo::clarifications as qrepo;
use crate::error::FieldError;
use crate::wire::clarifications::*;

pub async fn ask_clarification(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: AskClarificationRequest,
) -> AppResult<Clarification> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let sitting = Sitting::lock(c, &tender, &section)?;
            let leader = sitting.leader(&actor, "asks bidders for clarifications")?;
            let bid = opened_bid(c, &sitting.tender.id, &section, &req.bid_id)?;
            require_in_play(c, &sitting, &bid.row.id)?;
            if let Err(e) = req.question.check(bid.price) {
                return Err(AppError::validation(vec![FieldError::new(
                    e.field, e.code, e.message,
                )]));
            }
            let draft = published_draft(c, &sitting.tender)?;
            // The bid's own validity, with the extensions it agreed to.
            let valid_until =
                crate::app::support::validity::of_section(c, &draft, &sitting.tender.id, &section)?
                    .until(&bid.row.id, now)?;
            if req.due_at <= now || req.due_at > valid_until {
                return Err(AppError::field(
                    "due_at",
                    "out_of_range",
                    format!(
                        "the answer is due after now and by the end of the bids' validity ({})",
                        valid_until.to_rfc3339()
                    ),
                ));
            }
            let id = uuid::Uuid::now_v7().to_string();
            let digest = hex::encode(req.question.digest(&sitting.row.id, &bid.row.id, &id));
            let row = qrepo::ClarificationRow {
                id: id.clone(),
                committee_id: sitting.row.id.clone(),
                bid_id: bid.row.id.clone(),
                question: crate::audit::canonical_json(
                    &serde_json::to_value(&req.question).map_err(internal)?,
                ),
                question_sha256: digest.clone(),
                asked_by: leader.id.clone(),
                asked_at: to_db(now),
                due_at: to_db(req.due_at),
                answer: None,
                answer_signature: None,
                answer_signature_algorithm: None,
                answer_certificate: None,
                answered_at: None,
                accepted: None,
                decision_reason: None,
                decided_by: None,
                decided_at: None,
            };
            qrepo::insert(c, &row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::ClarificationAsked,
                    tender_id: Some(sitting.row.tender_id.clone()),
                    section_id: Some(section.clone()),
                    actor: as_member(&actor),
                    subject: id.clone(),
                    body: json!({"committee": sitting.row.id, "clarification": id,
                        "bid": bid.row.id, "bidder_uscc": bid.row.bidder_uscc,
                        "question": req.question, "question_sha256": digest,
                        "due_at": req.due_at, "asked_by": leader.id}),
                },
            )?;
            if let Some(org) = idrepo::find_organisation(c, &bid.row.organisation_id)? {
                mail_bidder(
                    c,
                    now,
                    org.contact_email,
                    &sitting.tender,
                    &section,
                    req.due_at,
                )?;
            }
            clarification_dto(&row, &sitting.row, &bid.row.bidder_uscc, now)
        })
        .await
}

/// Tells the bidder it is asked (outbox), naming where to read the question and by when.
fn mail_bidder(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    to: String,
    tender: &crate::db::repo::tenders::TenderRow,
    section: &str,
    due: DateTime<Utc>,
) -> AppResult<()> {
    let body = format!(
        "The evaluation committee of section {section} asks your bid for a clarification. \
         Answer, signed with your organisation certificate, before {} \
         (GET /api/v1/tenders/{}/sections/{section}/clarifications).\n",
        due.to_rfc3339(),
        tender.id
    );
    crate::mail::enqueue(
        c,
        now,
        crate::mail::OutgoingMail {
            to,
            subject: format!("评标澄清通知 / Clarification requested: {}", tender.title),
            body,
            kind: "clarification".into(),
            tender_id: Some(tender.id.clone()),
        },
    )?;
    Ok(())
}
