//! 双随机一公开 (docs/SUPERVISION.md §9): rounds drawn from a published plan, the contribution
//! that makes the draw, the joint tasks with their evidence, results and signatures, and the
//! published results everyone reads.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::tenders::SignatureDto;
use crate::app::inspections::{self, NewInspectionEvidence};
use crate::app::{Actor, AppContext};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::extract::PageParams;
use crate::http::openapi::Binary;
use crate::wire::draws::ContributionRequest;
use crate::wire::inspections::*;
use crate::wire::Page;

/// Ask for a round of random inspections from a published plan (an officer of its lead
/// department): the objects and the officers are frozen in a frame and the server commits to
/// its secret; an officer of the plan's departments contributes next.
#[utoipa::path(operation_id = "request_inspection_round", tag = "supervision",
    request_body = RequestRoundRequest,
    params(("code" = String, Path, description = "Plan code")),
    security(("bearer" = [])), responses(
    (status = 201, body = InspectionRound),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: not an \
        officer of the plan's lead department"),
    (status = 404, description = "`not_found`: no such plan"),
    (status = 409, description = "`invalid_state_transition`: the plan is a draft, or today is \
        outside its period"),
    (status = 422, description = "`validation_failed` (teams: out_of_range); `rule_violation` \
        (plan: no_objects; teams: too_few_officers, naming the department and the shortfall)"),
))]
#[post("/api/v1/supervision/plans/{code}/rounds")]
pub async fn request_round(
    ctx: web::Data<AppContext>,
    actor: Actor,
    code: web::Path<String>,
    body: web::Json<RequestRoundRequest>,
) -> AppResult<HttpResponse> {
    let round = inspections::request_round(&ctx, &actor, &code, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(round))
}

/// A round (the plan's departments' officers, the trading centre).
#[utoipa::path(operation_id = "get_inspection_round", tag = "supervision",
    params(("id" = String, Path, description = "Round id")),
    security(("bearer" = [])), responses(
    (status = 200, body = InspectionRound),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`; `other_department`"),
    (status = 404, description = "`not_found`: no such round"),
))]
#[get("/api/v1/supervision/rounds/{id}")]
pub async fn get_round(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<InspectionRound>> {
    Ok(web::Json(inspections::get_round(&ctx, &actor, &id).await?))
}

/// An officer of the plan's departments other than the requester contributes its signed random
/// value; the round is drawn, revealed and its tasks assigned at once.
#[utoipa::path(operation_id = "contribute_to_inspection_round", tag = "supervision",
    request_body = ContributionRequest,
    params(("id" = String, Path, description = "Round id")),
    security(("bearer" = [])), responses(
    (status = 200, body = InspectionRound),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: regulators only, not the requester; \
        `other_department`; `certificate_subject_mismatch`"),
    (status = 404, description = "`not_found`: no such round"),
    (status = 409, description = "`invalid_state_transition`: contributed already; \
        `deadline_passed`: the fallback applies"),
    (status = 422, description = "`validation_failed` (value); `statement_signature_invalid`; \
        certificate errors"),
))]
#[post("/api/v1/supervision/rounds/{id}/contribution")]
pub async fn contribute(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<ContributionRequest>,
) -> AppResult<web::Json<InspectionRound>> {
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
        inspections::contribute(&ctx, &actor, &id, value, signed).await?,
    ))
}

/// A round's joint tasks in assignment order.
#[utoipa::path(operation_id = "list_inspection_tasks", tag = "supervision",
    params(("id" = String, Path, description = "Round id"), PageParams),
    security(("bearer" = [])), responses(
    (status = 200, body = Page<InspectionTask>),
    (status = 400, description = "`malformed_parameter`: a cursor no page gave"),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`; `other_department`"),
    (status = 404, description = "`not_found`: no such round"),
))]
#[get("/api/v1/supervision/rounds/{id}/tasks")]
pub async fn list_tasks(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    q: web::Query<PageParams>,
) -> AppResult<web::Json<Page<InspectionTask>>> {
    let q = q.into_inner();
    Ok(web::Json(
        inspections::list_tasks(&ctx, &actor, &id, q.after, q.limit).await?,
    ))
}

/// One joint task.
#[utoipa::path(operation_id = "get_inspection_task", tag = "supervision",
    params(("id" = String, Path, description = "Task id")),
    security(("bearer" = [])), responses(
    (status = 200, body = InspectionTask),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`; `other_department`"),
    (status = 404, description = "`not_found`: no such task"),
))]
#[get("/api/v1/supervision/inspection-tasks/{id}")]
pub async fn get_task(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<InspectionTask>> {
    Ok(web::Json(inspections::get_task(&ctx, &actor, &id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InspectionEvidenceParams {
    /// What the file is (1–200 characters).
    pub title: String,
    /// The file's name as kept.
    pub file_name: String,
}

/// A member of the team adds an evidence file; its SHA-256 goes into the audit entry.
#[utoipa::path(operation_id = "add_inspection_evidence", tag = "supervision",
    params(("id" = String, Path, description = "Task id"), InspectionEvidenceParams),
    security(("bearer" = [])),
    request_body(content = inline(Binary), content_type = "*/*",
        description = "The file's bytes; `Content-Type` (default `application/octet-stream`) is \
            kept"),
    responses(
        (status = 201, body = InspectionTask),
        (status = 400, description = "`malformed_body`: the body ended early"),
        (status = 401, description = "`unauthenticated`"),
        (status = 403, description = "`forbidden`: not on the task's team"),
        (status = 404, description = "`not_found`: no such task"),
        (status = 409, description = "`invalid_state_transition`: published, or no team"),
        (status = 413, description = "`file_too_large`: over `storage.max_document_bytes`"),
        (status = 415, description = "`unsupported_media_type`: a malformed `Content-Type`"),
        (status = 422, description = "`validation_failed` (body: empty; title)"),
    ))]
#[post("/api/v1/supervision/inspection-tasks/{id}/evidence")]
pub async fn add_evidence(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    q: web::Query<InspectionEvidenceParams>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    inspections::authorise_inspection_evidence(&ctx, &actor, &id).await?;
    let content_type = actix_web::HttpMessage::mime_type(&req)
        .map_err(|_| {
            AppError::new(
                ErrorCode::UnsupportedMediaType,
                "Content-Type is not a well-formed media type",
            )
        })?
        .map(|m| m.to_string())
        .unwrap_or_else(|| "application/octet-stream".to_string());
    let limit = ctx.settings.storage.max_document_bytes;
    let stored = ctx
        .storage
        .put(&mut payload, limit)
        .await
        .map_err(|e| match e {
            crate::storage::StorageError::TooLarge { .. } => {
                AppError::new(ErrorCode::FileTooLarge, e.to_string())
            }
            crate::storage::StorageError::Empty => {
                AppError::field("body", "empty", "the file is empty")
            }
            crate::storage::StorageError::Interrupted(_) => {
                AppError::new(ErrorCode::MalformedBody, e.to_string())
            }
            other => AppError::internal(other),
        })?;
    let new = NewInspectionEvidence {
        title: q.title,
        file_name: q.file_name,
        content_type,
        stored,
    };
    let task = inspections::add_inspection_evidence(&ctx, &actor, &id, new).await?;
    Ok(HttpResponse::Created().json(task))
}

/// A member of the team records the visit's results (again, until published: the signatures
/// are cleared).
#[utoipa::path(operation_id = "record_inspection_results", tag = "supervision",
    request_body = RecordResultsRequest,
    params(("id" = String, Path, description = "Task id")),
    security(("bearer" = [])), responses(
    (status = 200, body = InspectionTask),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: not on the task's team"),
    (status = 404, description = "`not_found`: no such task"),
    (status = 409, description = "`invalid_state_transition`: published, or no team"),
    (status = 422, description = "`validation_failed` (visited_on: out_of_range; \
        results[N].check: unknown_check, duplicate; results[N].note: required, too_long; \
        results[N].evidence: unknown_evidence; results: missing_check)"),
))]
#[put("/api/v1/supervision/inspection-tasks/{id}/results")]
pub async fn record_results(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<RecordResultsRequest>,
) -> AppResult<web::Json<InspectionTask>> {
    Ok(web::Json(
        inspections::record_results(&ctx, &actor, &id, body.into_inner()).await?,
    ))
}

/// A member of the team signs the recorded results; the last signature publishes them.
#[utoipa::path(operation_id = "sign_inspection_results", tag = "supervision",
    request_body = SignResultsRequest,
    params(("id" = String, Path, description = "Task id")),
    security(("bearer" = [])), responses(
    (status = 200, body = InspectionTask),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: not on the task's team; \
        `certificate_subject_mismatch`"),
    (status = 404, description = "`not_found`: no such task"),
    (status = 409, description = "`invalid_state_transition`: no results, signed already or \
        published; `conflict`: the results changed since (sign the current digest)"),
    (status = 422, description = "`validation_failed`; `statement_signature_invalid`; \
        certificate errors"),
))]
#[post("/api/v1/supervision/inspection-tasks/{id}/signatures")]
pub async fn sign_results(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<SignResultsRequest>,
) -> AppResult<web::Json<InspectionTask>> {
    let req = body.into_inner();
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    Ok(web::Json(
        inspections::sign_results(&ctx, &actor, &id, req.results_digest, signed).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PublishedParams {
    /// Only this plan's results.
    pub plan: Option<String>,
    /// Cursor: the `next` of the previous page.
    pub after: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// The published results of random inspections (public: 双随机一公开).
#[utoipa::path(operation_id = "list_inspection_results", tag = "supervision",
    params(PublishedParams), responses(
    (status = 200, body = Page<PublishedInspection>),
))]
#[get("/api/v1/inspection-results")]
pub async fn published(
    ctx: web::Data<AppContext>,
    q: web::Query<PublishedParams>,
) -> AppResult<web::Json<Page<PublishedInspection>>> {
    let q = q.into_inner();
    Ok(web::Json(
        inspections::published_results(&ctx, q.plan, q.after, q.limit).await?,
    ))
}
