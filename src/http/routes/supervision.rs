//! Supervision (issue 15): the working-day calendar and the 执法人员库.

use actix_web::{get, put, web};

use crate::app::{supervision, Actor, AppContext};
use crate::error::AppResult;
use crate::wire::supervision::{Calendar, Officer, OfficerRequest};

/// The holiday notices working days are counted by (工作日: complaints 条例61, penalty cases),
/// and warnings such as the coming year's notice missing.
#[utoipa::path(operation_id = "get_calendar", tag = "public", responses(
    (status = 200, body = Calendar),
))]
#[get("/api/v1/calendar")]
pub async fn calendar(ctx: web::Data<AppContext>) -> web::Json<Calendar> {
    web::Json(supervision::calendar(&ctx))
}

/// Record a regulator as an officer of the department (执法人员库), or update or move it (the
/// trading centre). Its department decides the tenders it acts on.
#[utoipa::path(operation_id = "put_officer", tag = "supervision", request_body = OfficerRequest,
    security(("bearer" = [])), responses(
    (status = 200, body = Officer),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: the trading centre only"),
    (status = 404, description = "`not_found`: no such department"),
    (status = 422, description = "`validation_failed` (person_id: unknown, not_a_regulator; \
        certificate_no, specialty, avoid_units)"),
))]
#[put("/api/v1/departments/{code}/officers/{person}")]
pub async fn put_officer(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<OfficerRequest>,
) -> AppResult<web::Json<Officer>> {
    let (code, person) = path.into_inner();
    let o = supervision::put_officer(&ctx, &actor, &code, &person, body.into_inner()).await?;
    Ok(web::Json(o))
}

/// A department's officers (regulators and the trading centre).
#[utoipa::path(operation_id = "list_officers", tag = "supervision", security(("bearer" = [])),
    responses(
    (status = 200, body = Vec<Officer>),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: regulators and the trading centre only"),
    (status = 404, description = "`not_found`: no such department"),
))]
#[get("/api/v1/departments/{code}/officers")]
pub async fn officers(
    ctx: web::Data<AppContext>,
    actor: Actor,
    code: web::Path<String>,
) -> AppResult<web::Json<Vec<Officer>>> {
    Ok(web::Json(supervision::officers(&ctx, &actor, &code).await?))
}
