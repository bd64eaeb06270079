//! Administrative-penalty cases (行政处罚, issue 15): the clue, the officers' acts, evidence
//! files, the party's own submissions, and the public credit list (条例78).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::cases::{self, NewEvidence};
use crate::app::{Actor, AppContext};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::openapi::Binary;
use crate::wire::cases::{
    Case, CaseAct, CaseSummary, ClueRequest, CreditEntry, EvidenceKind, PartyAct,
};
use crate::wire::Page;

/// Put a clue (线索) on file for the caller's department: an officer (执法人员库).
#[utoipa::path(operation_id = "open_case_clue", tag = "supervision", request_body = ClueRequest,
    security(("bearer" = [])), responses(
    (status = 201, body = Case),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: the \
        regulator is an officer of no department"),
    (status = 422, description = "`validation_failed` (summary, party, party.uscc, \
        party.person_id: unknown or not the member, source.id: unknown, occurred_on)"),
))]
#[post("/api/v1/cases")]
pub async fn open_clue(
    ctx: web::Data<AppContext>,
    actor: Actor,
    body: web::Json<ClueRequest>,
) -> AppResult<HttpResponse> {
    let case = cases::open_clue(&ctx, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(case))
}

/// A case: its department's officers and its party.
#[utoipa::path(operation_id = "get_case", tag = "supervision", security(("bearer" = [])),
    responses(
    (status = 200, body = Case),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`other_department`: another department's case, or a \
        regulator in no department"),
    (status = 404, description = "`not_found`: no such case (also for a caller who is neither \
        its officer nor its party)"),
))]
#[get("/api/v1/cases/{id}")]
pub async fn get_case(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<Case>> {
    Ok(web::Json(cases::get_case(&ctx, &actor, &id).await?))
}

/// An officer's act on a case of its department: 立案, 审查, 告知, the hearing, 决定, 送达, 执行,
/// 结案, an extension of the time to decide, confirming evidence, or a side exit.
#[utoipa::path(operation_id = "act_on_case", tag = "supervision", request_body = CaseAct,
    security(("bearer" = [])), responses(
    (status = 200, body = Case),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: regulators only; only the evidence's second \
        officer confirms it; only the hearing's chair records it; `other_department`: another \
        department's case"),
    (status = 404, description = "`not_found`: no such case"),
    (status = 409, description = "`invalid_state_transition`: the case cannot take this act \
        now; `deadline_passed`: the 90 days to decide are over; `deadline_not_reached`: the \
        party's period is still open, or the hearing not due; `calendar_not_covered`: a \
        working-day limit reaches into a year the calendar lacks"),
    (status = 422, description = "`validation_failed` (reason, opinion, facts, legal_basis, \
        penalties[i], place, chair, record, days, decision_no: taken, method, evidence); \
        `rule_violation` (occurred_on: limitation_expired; evidence: no_evidence, \
        evidence_unconfirmed; at: hearing_notice_too_short; penalties: heavier_than_notified)"),
))]
#[post("/api/v1/cases/{id}/acts")]
pub async fn act(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<CaseAct>,
) -> AppResult<web::Json<Case>> {
    Ok(web::Json(
        cases::act(&ctx, &actor, &id, body.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EvidenceParams {
    /// Which of the eight kinds (行政处罚法46).
    pub kind: EvidenceKind,
    pub title: String,
    pub file_name: String,
    /// The officer of the department who investigates with the caller and confirms it.
    pub second_officer: String,
}

/// Add a piece of evidence (raw body, streamed and hashed) while the case is investigated; its
/// SHA-256 goes into the audit entry. The second officer confirms it with
/// `{"act": "confirm_evidence"}`.
#[utoipa::path(operation_id = "add_case_evidence", tag = "supervision", params(EvidenceParams),
    security(("bearer" = [])),
    request_body(content = inline(Binary), content_type = "*/*",
        description = "The file's bytes; `Content-Type` (default `application/octet-stream`) is \
            kept"),
    responses(
        (status = 201, body = Case),
        (status = 400, description = "`malformed_body`: the body ended early"),
        (status = 401, description = "`unauthenticated`"),
        (status = 403, description = "`forbidden`: regulators only; `other_department`: \
            another department's case"),
        (status = 404, description = "`not_found`: no such case"),
        (status = 409, description = "`invalid_state_transition`: the case is not under \
            investigation"),
        (status = 413, description = "`file_too_large`: over `storage.max_document_bytes`"),
        (status = 415, description = "`unsupported_media_type`: a malformed `Content-Type`"),
        (status = 422, description = "`validation_failed` (body: empty; title, file_name; \
            second_officer: not another officer of the department)"),
    ))]
#[post("/api/v1/cases/{id}/evidence")]
pub async fn add_evidence(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    q: web::Query<EvidenceParams>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    cases::authorise_evidence(&ctx, &actor, &id, &q.second_officer).await?;
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
    let new = NewEvidence {
        kind: q.kind,
        title: q.title,
        file_name: q.file_name,
        content_type,
        second_officer: q.second_officer,
        stored,
    };
    let case = cases::add_evidence(&ctx, &actor, &id, new).await?;
    Ok(HttpResponse::Created().json(case))
}

/// The party's own submission: its statement and defence (陈述、申辩), or its request for a
/// hearing (听证), within 5 working days of the notice.
#[utoipa::path(operation_id = "case_party_act", tag = "supervision", request_body = PartyAct,
    security(("bearer" = [])), responses(
    (status = 200, body = Case),
    (status = 401, description = "`unauthenticated`"),
    (status = 404, description = "`not_found`: no such case (also for anyone but its party)"),
    (status = 409, description = "`invalid_state_transition`: not now, or stated already; \
        `deadline_passed`: the 5 working days are over"),
    (status = 422, description = "`validation_failed` (statement); `rule_violation` (act: \
        no_hearing_right)"),
))]
#[post("/api/v1/cases/{id}/party")]
pub async fn party_act(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<PartyAct>,
) -> AppResult<web::Json<Case>> {
    Ok(web::Json(
        cases::party_act(&ctx, &actor, &id, body.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CreditListParams {
    /// Only the decisions served on this organisation (unified social credit code).
    pub uscc: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// The public credit list (条例78): penalty decisions served on their parties, in case order.
#[utoipa::path(operation_id = "list_credit_decisions", tag = "public", params(CreditListParams),
    responses(
    (status = 200, body = Page<CreditEntry>),
    (status = 422, description = "`validation_failed`: `uscc` not a unified social credit code"),
))]
#[get("/api/v1/credit-list")]
pub async fn credit_list(
    ctx: web::Data<AppContext>,
    q: web::Query<CreditListParams>,
) -> AppResult<web::Json<Page<CreditEntry>>> {
    let q = q.into_inner();
    Ok(web::Json(
        cases::credit_list(&ctx, q.uscc, q.after, q.limit).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseListParams {
    /// Only cases not yet closed or ended by a side exit.
    #[serde(default)]
    pub open: bool,
    /// Cursor: the `next` of the previous page.
    pub after: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// The caller's department's cases, with the limits running against each and whether one is
/// broken (its officers).
#[utoipa::path(operation_id = "list_cases", tag = "supervision", params(CaseListParams),
    security(("bearer" = [])), responses(
    (status = 200, body = Page<CaseSummary>),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: the regulator \
        is an officer of no department"),
))]
#[get("/api/v1/cases")]
pub async fn list_cases(
    ctx: web::Data<AppContext>,
    actor: Actor,
    q: web::Query<CaseListParams>,
) -> AppResult<web::Json<Page<CaseSummary>>> {
    let q = q.into_inner();
    Ok(web::Json(
        cases::list_cases(&ctx, &actor, q.open, q.after, q.limit).await?,
    ))
}
