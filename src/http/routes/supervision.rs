//! Supervision (issue 15): the working-day calendar and the 执法人员库.

use actix_web::{get, post, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::{supervision, Actor, AppContext};
use crate::error::AppResult;
use crate::wire::supervision::{Ban, BanRequest, Calendar, Officer, OfficerRequest};

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

/// Record a decided bidding ban (取消投标资格, 1–3 years): a regulator, officer of the deciding
/// department. The platform refuses the organisation's bond accounts, uploads and bids for the
/// term (`bidding_banned`).
#[utoipa::path(operation_id = "record_bidding_ban", tag = "supervision", request_body = BanRequest,
    security(("bearer" = [])), responses(
    (status = 201, body = Ban),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: the regulator \
        is an officer of no department"),
    (status = 422, description = "`validation_failed` (uscc, years, name, decision_no, \
        legal_basis)"),
))]
#[post("/api/v1/bidding-bans")]
pub async fn record_ban(
    ctx: web::Data<AppContext>,
    actor: Actor,
    body: web::Json<BanRequest>,
) -> AppResult<HttpResponse> {
    let ban = supervision::record_ban(&ctx, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(ban))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BanListParams {
    /// Only this unified social credit code.
    pub uscc: Option<String>,
}

/// Bidding bans in force or still to start: the public credit list (条例78).
#[utoipa::path(operation_id = "list_bidding_bans", tag = "public", params(BanListParams),
    responses(
    (status = 200, body = Vec<Ban>),
))]
#[get("/api/v1/bidding-bans")]
pub async fn bans(
    ctx: web::Data<AppContext>,
    q: web::Query<BanListParams>,
) -> AppResult<web::Json<Vec<Ban>>> {
    Ok(web::Json(
        supervision::bans(&ctx, q.into_inner().uscc).await?,
    ))
}
