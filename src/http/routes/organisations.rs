//! Organisation registration and registry.

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ProofDto;
use crate::app::identity::{self, RegisterOrganisation};
use crate::app::{Actor, AppContext};
use crate::domain::identity::Role;
use crate::error::AppResult;
use crate::http::extract::PageParams;
use crate::wire::identity::{Organisation, Person};
use crate::wire::Page;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterOrganisationRequest {
    /// Signed challenge with the organisation's e-business-licence certificate.
    pub proof: ProofDto,
    /// Any of `tenderer`, `agent`, `bidder`.
    pub roles: Vec<Role>,
    pub contact_email: String,
}

/// Register an organisation; its USCC and name come from the certificate.
#[utoipa::path(operation_id = "register_organisation",
    tag = "identity", request_body = RegisterOrganisationRequest, responses(
    (status = 201, body = Organisation),
    (status = 401, description = "`challenge_unknown`, `challenge_expired`, `challenge_replayed`, \
        `signature_invalid`"),
    (status = 409, description = "`already_registered`"),
    (status = 422, description = "`validation_failed` (roles, contact_email), `uscc_missing`, \
        `uscc_invalid`"),
))]
#[post("/api/v1/organisations")]
pub async fn register(
    ctx: web::Data<AppContext>,
    body: web::Json<RegisterOrganisationRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let org = identity::register_organisation(
        &ctx,
        RegisterOrganisation {
            proof: b.proof.into_proof()?,
            roles: b.roles,
            contact_email: b.contact_email,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(org))
}

/// List organisations (administrators and regulators).
#[utoipa::path(operation_id = "list_organisations",
    tag = "identity", params(PageParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<Organisation>),
    (status = 403, description = "`forbidden`: regulators and administrators only"),
))]
#[get("/api/v1/organisations")]
pub async fn list(
    ctx: web::Data<AppContext>,
    actor: Actor,
    q: web::Query<PageParams>,
) -> AppResult<web::Json<Page<Organisation>>> {
    let q = q.into_inner();
    Ok(web::Json(
        identity::list_organisations(&ctx, &actor, q.after, q.limit).await?,
    ))
}

/// One organisation (itself, administrators, regulators).
#[utoipa::path(operation_id = "get_organisation",
    tag = "identity", security(("bearer" = [])), responses(
    (status = 200, body = Organisation),
    (status = 404, description = "`not_found` (also for an organisation the caller may not read)"),
))]
#[get("/api/v1/organisations/{id}")]
pub async fn get(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<Organisation>> {
    Ok(web::Json(
        identity::get_organisation(&ctx, &actor, &id).await?,
    ))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachStaffRequest {
    pub person_id: String,
}

/// Attach a registered person as staff of the organisation.
#[utoipa::path(operation_id = "attach_staff",
    tag = "identity", request_body = AttachStaffRequest, security(("bearer" = [])), responses(
    (status = 200, body = Person),
    (status = 403, description = "`forbidden`: the organisation itself or an administrator"),
    (status = 404, description = "`not_found`: no such organisation or person"),
    (status = 409, description = "`conflict`: the person works for another organisation"),
))]
#[post("/api/v1/organisations/{id}/staff")]
pub async fn attach_staff(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<AttachStaffRequest>,
) -> AppResult<web::Json<Person>> {
    Ok(web::Json(
        identity::attach_staff(&ctx, &actor, &id, &body.person_id).await?,
    ))
}
