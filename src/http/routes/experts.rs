//! The expert library, award-committee pools and the specialty classification.

use actix_web::{get, post, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::experts;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::wire::experts::*;
use crate::wire::Page;

/// The specialty classification in force (评标专家专业分类), in code order.
#[utoipa::path(operation_id = "list_specialties", tag = "public", responses(
    (status = 200, body = Vec<Specialty>),
))]
#[get("/api/v1/specialties")]
pub async fn specialties(ctx: web::Data<AppContext>) -> web::Json<Vec<Specialty>> {
    web::Json(experts::specialties(&ctx))
}

/// Admit a registered person to the expert library (the trading centre, regulators).
#[utoipa::path(operation_id = "admit_expert", tag = "experts", request_body = AdmitMember,
    security(("bearer" = [])), responses(
    (status = 201, body = Member),
    (status = 403, description = "`forbidden`: the trading centre and regulators only"),
    (status = 409, description = "`conflict`: the person is already in the library"),
    (status = 422, description = "`validation_failed` (region, specialties, contact, \
        avoid_units, person_id); `rule_violation` `admission_rule` (years of practice, title)"),
))]
#[post("/api/v1/experts")]
pub async fn admit(
    ctx: web::Data<AppContext>,
    actor: Actor,
    body: web::Json<AdmitMember>,
) -> AppResult<HttpResponse> {
    let m = experts::admit(&ctx, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(m))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MemberListParams {
    /// Only members of this level-2 or level-3 specialty.
    pub specialty: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// A page of the expert library (the trading centre, regulators).
#[utoipa::path(operation_id = "list_experts", tag = "experts", params(MemberListParams),
    security(("bearer" = [])), responses(
    (status = 200, body = Page<Member>),
    (status = 403, description = "`forbidden`: the trading centre and regulators only"),
))]
#[get("/api/v1/experts")]
pub async fn list(
    ctx: web::Data<AppContext>,
    actor: Actor,
    q: web::Query<MemberListParams>,
) -> AppResult<web::Json<Page<Member>>> {
    let q = q.into_inner();
    let page = experts::list_members(&ctx, &actor, q.specialty, q.after.as_deref(), q.limit);
    Ok(web::Json(page.await?))
}

/// One member (the trading centre, regulators, its pool's tenderer, the member itself).
#[utoipa::path(operation_id = "get_expert", tag = "experts", security(("bearer" = [])),
    responses(
    (status = 200, body = Member),
    (status = 404, description = "`not_found`: no such member, or not yours to see"),
))]
#[get("/api/v1/experts/{id}")]
pub async fn get(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<Member>> {
    Ok(web::Json(experts::get_member(&ctx, &actor, &id).await?))
}

/// Suspend, ban or reinstate a member (regulators).
#[utoipa::path(operation_id = "set_expert_status", tag = "experts", request_body = StatusChange,
    security(("bearer" = [])), responses(
    (status = 200, body = Member),
    (status = 403, description = "`forbidden`: regulators only"),
    (status = 404, description = "`not_found`: no such member"),
    (status = 422, description = "`validation_failed`: reason, or an end date that is missing \
        (suspension), past, or given when reinstating"),
))]
#[put("/api/v1/experts/{id}/status")]
pub async fn set_status(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<StatusChange>,
) -> AppResult<web::Json<Member>> {
    let m = experts::set_status(&ctx, &actor, &id, body.into_inner()).await?;
    Ok(web::Json(m))
}

/// The caller's own records in the expert library and award-committee pools.
#[utoipa::path(operation_id = "my_expert_records", tag = "experts", security(("bearer" = [])),
    responses((status = 200, body = Vec<Member>)))]
#[get("/api/v1/me/expert-records")]
pub async fn my_records(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<Vec<Member>>> {
    Ok(web::Json(experts::my_records(&ctx, &actor).await?))
}

/// Replace the caller's contact data and avoidance list (回避单位) in every library.
#[utoipa::path(operation_id = "update_my_expert_profile", tag = "experts",
    request_body = MemberProfile, security(("bearer" = [])), responses(
    (status = 200, body = Vec<Member>),
    (status = 404, description = "`not_found`: the caller is in no library"),
    (status = 422, description = "`validation_failed`: phone, email, avoid_units"),
))]
#[put("/api/v1/me/expert-profile")]
pub async fn update_my_profile(
    ctx: web::Data<AppContext>,
    actor: Actor,
    body: web::Json<MemberProfile>,
) -> AppResult<web::Json<Vec<Member>>> {
    let m = experts::update_my_profile(&ctx, &actor, body.into_inner()).await?;
    Ok(web::Json(m))
}

/// Add a registered person to the caller's own award-committee pool (定标委员库, tenderers).
#[utoipa::path(operation_id = "add_award_pool_member", tag = "experts",
    request_body = AdmitMember, security(("bearer" = [])), responses(
    (status = 201, body = Member),
    (status = 403, description = "`forbidden`: a tenderer keeps only its own pool"),
    (status = 409, description = "`conflict`: the person is already in the pool"),
    (status = 422, description = "`validation_failed` (region, specialties, contact, \
        avoid_units, person_id)"),
))]
#[post("/api/v1/organisations/{id}/award-pool")]
pub async fn add_award_pool_member(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<AdmitMember>,
) -> AppResult<HttpResponse> {
    let m = experts::add_to_award_pool(&ctx, &actor, &id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(m))
}

/// A page of a tenderer's award-committee pool (the tenderer, the trading centre, regulators).
#[utoipa::path(operation_id = "list_award_pool", tag = "experts",
    params(crate::http::extract::PageParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<Member>),
    (status = 403, description = "`forbidden`: the pool's tenderer, the trading centre and \
        regulators only"),
))]
#[get("/api/v1/organisations/{id}/award-pool")]
pub async fn award_pool(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    q: web::Query<crate::http::extract::PageParams>,
) -> AppResult<web::Json<Page<Member>>> {
    let q = q.into_inner();
    let page = experts::award_pool(&ctx, &actor, &id, q.after.as_deref(), q.limit);
    Ok(web::Json(page.await?))
}

/// The registry of supervising departments (行政监督部门), by code (any signed-in user: tenderers
/// name one in their drafts).
#[utoipa::path(operation_id = "list_departments", tag = "experts", security(("bearer" = [])),
    responses((status = 200, body = Vec<Department>)))]
#[get("/api/v1/departments")]
pub async fn departments(
    ctx: web::Data<AppContext>,
    _actor: Actor,
) -> AppResult<web::Json<Vec<Department>>> {
    Ok(web::Json(experts::departments(&ctx).await?))
}

/// Record a supervising department, or change its name and kinds (the trading centre).
#[utoipa::path(operation_id = "put_department", tag = "experts",
    request_body = DepartmentRequest, security(("bearer" = [])), responses(
    (status = 200, body = Department),
    (status = 403, description = "`forbidden`: the trading centre only"),
    (status = 422, description = "`validation_failed` (code, name, kinds)"),
))]
#[put("/api/v1/departments/{code}")]
pub async fn put_department(
    ctx: web::Data<AppContext>,
    actor: Actor,
    code: web::Path<String>,
    body: web::Json<DepartmentRequest>,
) -> AppResult<web::Json<Department>> {
    Ok(web::Json(
        experts::put_department(&ctx, &actor, &code, body.into_inner()).await?,
    ))
}
