//! The expert library, award-committee pools and the specialty classification.

use actix_web::{get, post, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::tenders::SignatureDto;
use crate::app::{draws, experts};
use crate::app::{Actor, AppContext};
use crate::error::{AppError, AppResult};
use crate::wire::draws::*;
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

/// Request the draw of a section's evaluation experts (the tender's tenderer, agent or agent
/// staff).
#[utoipa::path(operation_id = "request_draw", tag = "experts", request_body = DrawRequest,
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
#[utoipa::path(operation_id = "get_draw", tag = "experts", security(("bearer" = [])),
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

/// The supervising regulator's random contribution; the draw is made at once.
#[utoipa::path(operation_id = "contribute_to_draw", tag = "experts",
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
#[utoipa::path(operation_id = "my_draw_seats", tag = "experts", security(("bearer" = [])),
    responses((status = 200, body = Vec<Assignment>)))]
#[get("/api/v1/me/draw-seats")]
pub async fn my_seats(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<Vec<Assignment>>> {
    Ok(web::Json(draws::my_seats(&ctx, &actor).await?))
}

/// A drawn member confirms or declines its seat.
#[utoipa::path(operation_id = "answer_draw", tag = "experts", request_body = AnswerRequest,
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
