//! The supervision artefacts (issue 15 item 3, docs/SUPERVISION.md "the six artefacts"): each
//! row recorded as JSON, each sheet read as JSON, CSV or XLSX and imported from CSV or XLSX.

use actix_web::{get, post, put, web, HttpResponse};
use futures_util::StreamExt;

use super::tenders::percent_encode;
use crate::app::{supervision, Actor, AppContext};
use crate::domain::artefacts::{CheckItem, ManualEntry, Plan, PlanDraft, SupervisionItem};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::extract::MaybeActor;
use crate::http::openapi::Binary;
use crate::wire::artefacts::{
    GradeRequest, ImportReport, SheetFormat, SheetKind, SheetParams, SheetRows, SupervisedObject,
};

fn sheet_kind(s: &str) -> AppResult<SheetKind> {
    SheetKind::parse(s).ok_or_else(|| {
        AppError::not_found("no such sheet (items, manual, checks, plans, objects, officers)")
    })
}

/// A sheet: JSON (default), or the CSV/XLSX file regulators keep (`?format=csv|xlsx`). Regulators
/// and the trading centre read every sheet; anyone reads the plans sheet, with its published
/// plans only (双随机一公开).
#[utoipa::path(operation_id = "get_supervision_sheet", tag = "supervision",
    params(("sheet" = SheetKind, Path, description = "items, manual, checks, plans, objects or \
        officers"), SheetParams),
    security((), ("bearer" = [])), responses(
    (status = 200, description = "The rows, as JSON or as a file (`content-disposition: \
        attachment`; CSV as `text/csv; charset=utf-8` with a BOM)", content(
        (SheetRows = "application/json"),
        (Binary = "text/csv"),
        (Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    (status = 401, description = "`unauthenticated`: only the plans sheet is public"),
    (status = 403, description = "`forbidden`: regulators and the trading centre only"),
    (status = 404, description = "`not_found`: no such sheet"),
))]
#[get("/api/v1/supervision/sheets/{sheet}")]
pub async fn get_sheet(
    ctx: web::Data<AppContext>,
    actor: MaybeActor,
    sheet: web::Path<String>,
    q: web::Query<SheetParams>,
) -> AppResult<HttpResponse> {
    let kind = sheet_kind(&sheet)?;
    let format = q.format.unwrap_or_default();
    if format == SheetFormat::Json {
        let rows = supervision::sheet(&ctx, actor.0.as_ref(), kind).await?;
        return Ok(HttpResponse::Ok().json(rows));
    }
    let file = supervision::sheet_file(&ctx, actor.0.as_ref(), kind, format).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename*=UTF-8''{}",
                percent_encode(&file.file_name)
            ),
        ))
        .body(file.bytes))
}

/// Import a sheet: the file's bytes (CSV in UTF-8 or GBK, or XLSX; detected by content), headers
/// as the export writes them. All or nothing: a bad row refuses the file naming row and column.
/// Rows equal to the stored ones are left alone (the same file twice changes nothing).
#[utoipa::path(operation_id = "import_supervision_sheet", tag = "supervision",
    params(("sheet" = SheetKind, Path, description = "items, manual, checks, plans or objects")),
    security(("bearer" = [])),
    request_body(description = "The CSV or XLSX file, as saved", content(
        (Binary = "text/csv"),
        (Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    responses(
    (status = 200, body = ImportReport),
    (status = 400, description = "`malformed_body`: the body ended early"),
    (status = 403, description = "`forbidden`: items, manual and checks are kept by regulators \
        and the trading centre, plans and grades by regulators; `other_department`: a row \
        belongs to a department the regulator is not an officer of"),
    (status = 404, description = "`not_found`: no such sheet"),
    (status = 409, description = "`invalid_state_transition`: a row changes a published plan; \
        `conflict`: a row was first recorded by a concurrent request (retry)"),
    (status = 413, description = "`file_too_large`: over `limits.max_import_bytes`"),
    (status = 422, description = "`validation_failed`: the file (empty, not_a_sheet, formula, \
        wrong_headers, too_many_rows, extra_cell, too_large_inflated) or its rows \
        (`rows[N].<header>`); the officers sheet is not importable"),
))]
#[post("/api/v1/supervision/sheets/{sheet}")]
pub async fn import_sheet(
    ctx: web::Data<AppContext>,
    actor: Actor,
    sheet: web::Path<String>,
    mut payload: web::Payload,
) -> AppResult<web::Json<ImportReport>> {
    let kind = sheet_kind(&sheet)?;
    supervision::may_import(&actor, kind)?;
    let max = ctx.settings.limits.max_import_bytes;
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::new(ErrorCode::MalformedBody, e.to_string()))?;
        if (bytes.len() + chunk.len()) as u64 > max {
            return Err(AppError::new(
                ErrorCode::FileTooLarge,
                format!("an imported sheet is at most {max} bytes (limits.max_import_bytes)"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(web::Json(
        supervision::import_sheet(&ctx, &actor, kind, bytes).await?,
    ))
}

/// Record a 监管事项 (an officer of its lead department, or the trading centre).
#[utoipa::path(operation_id = "put_supervision_item", tag = "supervision",
    request_body = SupervisionItem, security(("bearer" = [])), responses(
    (status = 200, body = SupervisionItem),
    (status = 403, description = "`forbidden`: regulators and the trading centre only; \
        `other_department`: the item is led by another department"),
    (status = 409, description = "`conflict`: first recorded by a concurrent request (retry)"),
    (status = 422, description = "`validation_failed` (code: path_mismatch, invalid_code; name, \
        legal_basis: invalid, formula_like; lead_department, co_departments: \
        unknown_department)"),
))]
#[put("/api/v1/supervision/items/{code}")]
pub async fn put_item(
    ctx: web::Data<AppContext>,
    actor: Actor,
    code: web::Path<String>,
    body: web::Json<SupervisionItem>,
) -> AppResult<web::Json<SupervisionItem>> {
    Ok(web::Json(
        supervision::put_item(&ctx, &actor, &code, body.into_inner()).await?,
    ))
}

/// Record a 合规手册 entry of an item (as for the item).
#[utoipa::path(operation_id = "put_compliance_entry", tag = "supervision",
    request_body = ManualEntry, security(("bearer" = [])), responses(
    (status = 200, body = ManualEntry),
    (status = 403, description = "`forbidden`: regulators and the trading centre only; \
        `other_department`: the item is led by another department"),
    (status = 409, description = "`conflict`: first recorded by a concurrent request (retry)"),
    (status = 422, description = "`validation_failed` (item_code: unknown_item, path_mismatch; \
        seq; requirement, basis, common_violation)"),
))]
#[put("/api/v1/supervision/items/{code}/manual/{seq}")]
pub async fn put_manual_entry(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, u32)>,
    body: web::Json<ManualEntry>,
) -> AppResult<web::Json<ManualEntry>> {
    let (code, seq) = path.into_inner();
    Ok(web::Json(
        supervision::put_manual_entry(&ctx, &actor, &code, seq, body.into_inner()).await?,
    ))
}

/// Record a 检查实施清单 item (as for its supervision item); the checking department is the
/// item's lead or a co-operating one.
#[utoipa::path(operation_id = "put_check_item", tag = "supervision",
    request_body = CheckItem, security(("bearer" = [])), responses(
    (status = 200, body = CheckItem),
    (status = 403, description = "`forbidden`: regulators and the trading centre only; \
        `other_department`: the item is led by another department"),
    (status = 409, description = "`conflict`: first recorded by a concurrent request (retry)"),
    (status = 422, description = "`validation_failed` (code; item_code: unknown_item; content, \
        method; department: not_item_department)"),
))]
#[put("/api/v1/supervision/checks/{code}")]
pub async fn put_check_item(
    ctx: web::Data<AppContext>,
    actor: Actor,
    code: web::Path<String>,
    body: web::Json<CheckItem>,
) -> AppResult<web::Json<CheckItem>> {
    Ok(web::Json(
        supervision::put_check_item(&ctx, &actor, &code, body.into_inner()).await?,
    ))
}

/// Record a draft 监管计划 (an officer of its lead department).
#[utoipa::path(operation_id = "put_inspection_plan", tag = "supervision",
    request_body = PlanDraft, security(("bearer" = [])), responses(
    (status = 200, body = Plan),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: the plan \
        is led by another department"),
    (status = 409, description = "`invalid_state_transition`: the plan is published; \
        `conflict`: first recorded by a concurrent request (retry)"),
    (status = 422, description = "`validation_failed` (code; period_to: before_period_from; \
        items: unknown_item; sampling_ratio: out_of_range, too_precise; grades; departments: \
        lead_department, unknown_department)"),
))]
#[put("/api/v1/supervision/plans/{code}")]
pub async fn put_plan(
    ctx: web::Data<AppContext>,
    actor: Actor,
    code: web::Path<String>,
    body: web::Json<PlanDraft>,
) -> AppResult<web::Json<Plan>> {
    Ok(web::Json(
        supervision::put_plan(&ctx, &actor, &code, body.into_inner()).await?,
    ))
}

/// Publish a 监管计划 (an officer of its lead department): it becomes public and frozen.
#[utoipa::path(operation_id = "publish_inspection_plan", tag = "supervision",
    security(("bearer" = [])), responses(
    (status = 200, body = Plan),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: the plan \
        is led by another department"),
    (status = 404, description = "`not_found`: no such plan"),
    (status = 409, description = "`invalid_state_transition`: already published"),
))]
#[post("/api/v1/supervision/plans/{code}/publish")]
pub async fn publish_plan(
    ctx: web::Data<AppContext>,
    actor: Actor,
    code: web::Path<String>,
) -> AppResult<web::Json<Plan>> {
    Ok(web::Json(
        supervision::publish_plan(&ctx, &actor, &code).await?,
    ))
}

/// Set a 监管对象's credit grade (a regulator, officer of a department).
#[utoipa::path(operation_id = "set_credit_grade", tag = "supervision",
    params(("kind" = String, Path, description = "organisation or expert"),
        ("id" = String, Path, description = "the organisation's USCC, the expert's id")),
    request_body = GradeRequest, security(("bearer" = [])), responses(
    (status = 200, body = SupervisedObject),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: the \
        regulator is an officer of no department"),
    (status = 404, description = "`not_found`: no such kind of object"),
    (status = 409, description = "`conflict`: first recorded by a concurrent request (retry)"),
    (status = 422, description = "`validation_failed` (kind: not_graded; id: unknown_object)"),
))]
#[put("/api/v1/supervision/objects/{kind}/{id}/grade")]
pub async fn set_grade(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<GradeRequest>,
) -> AppResult<web::Json<SupervisedObject>> {
    let (kind, id) = path.into_inner();
    Ok(web::Json(
        supervision::set_grade(&ctx, &actor, &kind, &id, body.into_inner()).await?,
    ))
}
