//! Draws of committees (docs/DRAWS.md): the request, the regulator's contribution, the view,
//! and the drawn members' own seats and answers.

use actix_web::{get, post, web, HttpResponse};

use super::tenders::SignatureDto;
use crate::app::draws;
use crate::app::{Actor, AppContext};
use crate::error::{AppError, AppResult};
use crate::wire::draws::*;

/// Request the draw of a section's evaluation experts (the tender's tenderer, agent or agent
/// staff).
#[utoipa::path(operation_id = "request_draw", tag = "draws", request_body = DrawRequest,
    security(("bearer" = [])), responses(
    (status = 201, body = Draw),
    (status = 403, description = "`forbidden`: the tender's parties only"),
    (status = 404, description = "`not_found`: no such tender or section"),
    (status = 409, description = "`invalid_state_transition`: a tender not running, a failed \
        section, or bidders to avoid before the opening record; `conflict`: a draw is under way"),
    (status = 422, description = "`validation_failed` (groups: unknown_specialty, not_positive, \
        duplicate, too_many; place; evaluation_at; avoid_units; region); `rule_violation`: \
        `pool_too_small` names each specialty and its shortfall, `bidders_avoided`"),
))]
#[post("/api/v1/tenders/{id}/sections/{code}/draws")]
pub async fn request_draw(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<DrawRequest>,
) -> AppResult<HttpResponse> {
    let (t, s) = path.into_inner();
    let d = draws::request_draw(&ctx, &actor, &t, &s, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(d))
}

/// A draw: digests, commitment and contributions; seats and secret once revealed (the tender's
/// parties, regulators, the trading centre).
#[utoipa::path(operation_id = "get_draw", tag = "draws", security(("bearer" = [])),
    responses(
    (status = 200, body = Draw),
    (status = 404, description = "`not_found`: no such draw, or not yours to see"),
))]
#[get("/api/v1/draws/{id}")]
pub async fn get_draw(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<Draw>> {
    Ok(web::Json(draws::view(&ctx, &actor, &id).await?))
}

/// Every draw of a tender, expert draws and lotteries (K drawn at the opening) alike, oldest
/// first; a lottery shows what it drew once made (the tender's parties, regulators, the
/// trading centre).
#[utoipa::path(operation_id = "list_tender_draws", tag = "draws", security(("bearer" = [])),
    responses(
    (status = 200, body = TenderDraws),
    (status = 404, description = "`not_found`: no such tender, or not yours to see"),
))]
#[get("/api/v1/tenders/{id}/draws")]
pub async fn list_tender_draws(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<TenderDraws>> {
    Ok(web::Json(draws::list(&ctx, &actor, &id).await?))
}

/// The supervising regulator's random contribution; the draw is made at once.
#[utoipa::path(operation_id = "contribute_to_draw", tag = "draws",
    request_body = ContributionRequest, security(("bearer" = [])), responses(
    (status = 200, body = Draw),
    (status = 403, description = "`forbidden`: regulators only; \
        `certificate_subject_mismatch`"),
    (status = 404, description = "`not_found`: no such draw"),
    (status = 409, description = "`invalid_state_transition`: contributed already; \
        `deadline_passed`: the fallback applies"),
    (status = 422, description = "`validation_failed` (value, signature), \
        `statement_signature_invalid`"),
))]
#[post("/api/v1/draws/{id}/contributions")]
pub async fn contribute(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<ContributionRequest>,
) -> AppResult<web::Json<Draw>> {
    let req = body.into_inner();
    let value: [u8; 32] = hex::decode(&req.value)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::field("value", "invalid", "32 bytes, hex"))?;
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    Ok(web::Json(
        draws::contribute(&ctx, &actor, &id, value, signed).await?,
    ))
}

/// The caller's own seats in draws.
#[utoipa::path(operation_id = "my_draw_seats", tag = "draws", security(("bearer" = [])),
    responses((status = 200, body = Vec<Assignment>)))]
#[get("/api/v1/me/draw-seats")]
pub async fn my_seats(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<Vec<Assignment>>> {
    Ok(web::Json(draws::my_seats(&ctx, &actor).await?))
}

/// A drawn member confirms or declines its seat.
#[utoipa::path(operation_id = "answer_draw", tag = "draws", request_body = AnswerRequest,
    security(("bearer" = [])), responses(
    (status = 200, body = Assignment),
    (status = 404, description = "`not_found`: no seat of yours in this draw"),
    (status = 409, description = "`invalid_state_transition`: answered already; \
        `deadline_passed`: the time to answer is over"),
))]
#[post("/api/v1/draws/{id}/answer")]
pub async fn answer_draw(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<AnswerRequest>,
) -> AppResult<web::Json<Assignment>> {
    let a = draws::answer(&ctx, &actor, &id, body.into_inner().accept).await?;
    Ok(web::Json(a))
}

/// A seated member checks in at the evaluation, signing the commitment and its recusal
/// self-declaration with its personal certificate; a declared conflict calls the next reserve.
#[utoipa::path(operation_id = "check_in_to_draw", tag = "draws", request_body = CheckInRequest,
    security(("bearer" = [])), responses(
    (status = 200, body = CheckIn),
    (status = 403, description = "`certificate_subject_mismatch`: not your own certificate"),
    (status = 404, description = "`not_found`: no seat of yours in this draw"),
    (status = 409, description = "`invalid_state_transition`: checked in, recused or out \
        already, or check-in not open yet; `deadline_passed`: the time to check in is over"),
    (status = 422, description = "`validation_failed` (conflict.party, conflict.reason, \
        signature), `statement_signature_invalid`, `certificate_wrong_kind`"),
))]
#[post("/api/v1/draws/{id}/check-in")]
pub async fn check_in(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<CheckInRequest>,
) -> AppResult<web::Json<CheckIn>> {
    let req = body.into_inner();
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    Ok(web::Json(
        draws::check_in(&ctx, &actor, &id, req.conflict, signed).await?,
    ))
}

/// A drawn committee's check-in state, once the evaluation has started (the tender's parties,
/// regulators, the trading centre).
#[utoipa::path(operation_id = "get_draw_committee", tag = "draws", security(("bearer" = [])),
    responses(
    (status = 200, body = Committee),
    (status = 404, description = "`not_found`: no such draw, or not yours to see"),
    (status = 409, description = "`invalid_state_transition`: the evaluation has not started"),
))]
#[get("/api/v1/draws/{id}/committee")]
pub async fn get_committee(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<Committee>> {
    Ok(web::Json(draws::committee(&ctx, &actor, &id).await?))
}
