//! Bid validity (投标有效期, docs/BIDDING.md, "Bid validity"): the tender's side asks the
//! section's bidders to extend, each answers signed, and the parties read where it stands.

use actix_web::{get, post, web, HttpResponse};

use super::tenders::SignatureDto;
use crate::app::{validity, Actor, AppContext};
use crate::error::AppResult;
use crate::wire::validity::*;

/// Ask every bid of the section still valid to extend its validity (the tenderer's side, once
/// the bids are opened and before the notices; one extension at a time). Each bidder asked is
/// mailed; one that does not answer by `answer_due` is taken to decline.
#[utoipa::path(operation_id = "request_validity_extension", tag = "bids",
    request_body = ValidityExtensionRequest,
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 201, body = SectionValidity),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: not the tender's tenderer, agent or staff"),
    (status = 404, description = "`not_found`: no such tender or section"),
    (status = 409, description = "`invalid_state_transition`: a draft, no opened bid, the \
        notices are out, the section failed or the tender ended; `conflict`: an extension is open; \
        `bid_validity_ended`: no bid is still valid"),
    (status = 422, description = "`validation_failed` (new_end, answer_due, reason)"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/bid-validity/extensions")]
pub async fn request_validity_extension(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<ValidityExtensionRequest>,
) -> AppResult<HttpResponse> {
    let (id, section) = path.into_inner();
    let v = validity::request_extension(&ctx, &actor, &id, &section, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(v))
}

/// A bidder the extension asked agrees or declines, once, before the answers are due, signed
/// with its organisation certificate over `etender-validity-answer/v1\0` ‖ the SHA-256 of the
/// answer's canonical document. Declining makes the bid lapse and its bond due back.
#[utoipa::path(operation_id = "answer_validity_extension", tag = "bids",
    request_body = ValidityAnswerRequest,
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("extension" = String, Path, description = "Extension id")),
    security(("bearer" = [])), responses(
    (status = 201, body = SectionValidity),
    (status = 401, description = "`unauthenticated`; certificate errors (`certificate_*`)"),
    (status = 403, description = "`certificate_subject_mismatch`: not the bidder's own \
        organisation certificate"),
    (status = 404, description = "`not_found`: no such tender, section or extension asked of \
        the caller"),
    (status = 409, description = "`conflict`: answered already; `deadline_passed`: the answers \
        were due earlier"),
    (status = 422, description = "`validation_failed`; `statement_signature_invalid`; \
        `certificate_*`"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/bid-validity/extensions/{extension}/answer")]
pub async fn answer_validity_extension(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<ValidityAnswerRequest>,
) -> AppResult<HttpResponse> {
    let (id, section, extension) = path.into_inner();
    let req = body.into_inner();
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    let v =
        validity::answer_extension(&ctx, &actor, (&id, &section, &extension), req.agree, signed)
            .await?;
    Ok(HttpResponse::Created().json(v))
}

/// How long the section's bids are valid, and every extension (the tender's side and the
/// supervising regulators); a bidder with an opened bid reads the extensions that asked it,
/// with its own answer.
#[utoipa::path(operation_id = "bid_validity", tag = "bids",
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 200, body = SectionValidity),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`other_department`: a regulator of another department"),
    (status = 404, description = "`not_found`"),
))]
#[get("/api/v1/tenders/{id}/sections/{section}/bid-validity")]
pub async fn bid_validity(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<SectionValidity>> {
    let (id, section) = path.into_inner();
    Ok(web::Json(
        validity::bid_validity(&ctx, &actor, &id, &section).await?,
    ))
}
