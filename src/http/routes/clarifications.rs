//! Clarifications (澄清, docs/EVALUATION.md §18): the committee's leader asks a bidder; the
//! bidder answers, signed; the leader records whether the answer is accepted. There is no
//! route for a clarification a bidder sends unasked.

use actix_web::{get, post, web};

use crate::app::evaluation;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::http::routes::tenders::SignatureDto;
use crate::wire::clarifications::*;

/// The committee's leader asks a bidder in writing about its opened bid, with the time the
/// answer is due; the bidder is mailed.
#[utoipa::path(operation_id = "ask_clarification", tag = "evaluation",
    request_body = AskClarificationRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = Clarification),
    (status = 403, description = "`forbidden`: only the committee's leader"),
    (status = 404, description = "`not_found`: no committee for the section, or no such \
        opened bid"),
    (status = 409, description = "`invalid_state_transition`: the committee is not evaluating; \
        `conflict`: the bid is rejected already"),
    (status = 422, description = "`validation_failed` (question.text, \
        question.corrected_price, due_at: out_of_range)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/clarifications")]
pub async fn ask(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<AskClarificationRequest>,
) -> AppResult<web::Json<Clarification>> {
    let (tender, section) = path.into_inner();
    let q =
        evaluation::ask_clarification(&ctx, &actor, &tender, &section, body.into_inner()).await?;
    Ok(web::Json(q))
}

/// The section's clarifications: all of them for the committee's active members and
/// regulators; its own for the bidder asked (`open`: unanswered and not yet due).
#[utoipa::path(operation_id = "list_clarifications", tag = "evaluation",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = Clarifications),
    (status = 404, description = "`not_found`: no committee for the section, or nothing of \
        yours to see"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/clarifications")]
pub async fn list(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Clarifications>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        evaluation::clarifications(&ctx, &actor, &tender, &section).await?,
    ))
}

/// The bidder asked answers, once and before it is due, signed with its organisation
/// certificate over `clarification::answer_statement`. The answer may not change the price.
#[utoipa::path(operation_id = "answer_clarification", tag = "evaluation",
    request_body = AnswerClarificationRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("clarification" = String, Path, description = "Clarification id"),
    ),
    responses(
    (status = 200, body = Clarification),
    (status = 403, description = "`certificate_subject_mismatch`: not the bidder's own \
        organisation certificate"),
    (status = 404, description = "`not_found`: no such clarification for you"),
    (status = 409, description = "`conflict`: answered already; `deadline_passed`: the answer \
        was due earlier; `invalid_state_transition`: the committee is not evaluating"),
    (status = 422, description = "`clarification_changes_price`; `validation_failed` \
        (answer.text, answer.confirms); `statement_signature_invalid`"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/clarifications/{clarification}/answer")]
pub async fn answer(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<AnswerClarificationRequest>,
) -> AppResult<web::Json<Clarification>> {
    let (tender, section, id) = path.into_inner();
    let req = body.into_inner();
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    let q =
        evaluation::answer_clarification(&ctx, &actor, &tender, &section, &id, req.answer, signed)
            .await?;
    Ok(web::Json(q))
}

/// The leader records whether the committee accepts the answer, and why.
#[utoipa::path(operation_id = "decide_clarification", tag = "evaluation",
    request_body = DecideClarificationRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("clarification" = String, Path, description = "Clarification id"),
    ),
    responses(
    (status = 200, body = Clarification),
    (status = 403, description = "`forbidden`: only the committee's leader"),
    (status = 404, description = "`not_found`: no committee, or no such clarification"),
    (status = 409, description = "`invalid_state_transition`: not answered, or the committee \
        is not evaluating; `conflict`: decided already"),
    (status = 422, description = "`validation_failed` (reason)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/clarifications/{clarification}/decision")]
pub async fn decide(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<DecideClarificationRequest>,
) -> AppResult<web::Json<Clarification>> {
    let (tender, section, id) = path.into_inner();
    let q =
        evaluation::decide_clarification(&ctx, &actor, &tender, &section, &id, body.into_inner())
            .await?;
    Ok(web::Json(q))
}
