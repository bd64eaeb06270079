//! Organisation registration and registry.

use actix_web::{delete, get, post, put, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ProofDto;
use crate::app::identity::{self, RegisterOrganisation};
use crate::app::support::signing::Signed;
use crate::app::{Actor, AppContext};
use crate::domain::identity::Role;
use crate::error::AppResult;
use crate::http::extract::PageParams;
use crate::http::routes::tenders::SignatureDto;
use crate::wire::identity::{Entrustment, Organisation, Person};
use crate::wire::Page;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterOrganisationRequest {
    /// Signed challenge with the organisation's e-business-licence certificate.
    pub proof: ProofDto,
    /// Any of `tenderer`, `agent`, `bidder`: requested, not held, until the trading centre (an
    /// administrator) grants them.
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

/// Invite a registered person as staff of the organisation; they are attached when they accept.
#[utoipa::path(operation_id = "attach_staff",
    tag = "identity", request_body = AttachStaffRequest, security(("bearer" = [])), responses(
    (status = 200, description = "the person as they are (attached only once they accept)",
        body = Person),
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

/// The invited person accepts and becomes the organisation's staff.
#[utoipa::path(operation_id = "accept_staff",
    tag = "identity", security(("bearer" = [])), responses(
    (status = 200, body = Person),
    (status = 403, description = "`forbidden`: only the invited person"),
    (status = 404, description = "`not_found`: no such invitation"),
    (status = 409, description = "`conflict`: the person is staff of an organisation already"),
))]
#[post("/api/v1/organisations/{id}/staff/{person}/acceptance")]
pub async fn accept_staff(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Person>> {
    let (org, person) = path.into_inner();
    Ok(web::Json(
        identity::accept_staff(&ctx, &actor, &org, &person).await?,
    ))
}

/// Detach a person from the organisation, or withdraw an invitation (the organisation, an
/// administrator, or the person). Detaching someone who is neither changes nothing.
#[utoipa::path(operation_id = "detach_staff",
    tag = "identity", security(("bearer" = [])), responses(
    (status = 200, body = Person),
    (status = 403, description = "`forbidden`: the organisation, an administrator or the person"),
    (status = 404, description = "`not_found`: no such person"),
))]
#[delete("/api/v1/organisations/{id}/staff/{person}")]
pub async fn detach_staff(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Person>> {
    let (org, person) = path.into_inner();
    Ok(web::Json(
        identity::detach_staff(&ctx, &actor, &org, &person).await?,
    ))
}

fn org_role_param(s: &str) -> AppResult<Role> {
    Role::parse(s).ok_or_else(|| {
        crate::error::AppError::field("role", "unknown_role", format!("unknown role {s:?}"))
    })
}

/// Grant an organisation a role after review (administrators: the trading centre).
#[utoipa::path(operation_id = "grant_organisation_role",
    tag = "identity", security(("bearer" = [])), responses(
    (status = 200, body = Organisation),
    (status = 403, description = "`forbidden`: administrators only"),
    (status = 404, description = "`not_found`: no such organisation"),
    (status = 422, description = "`validation_failed`: an unknown role, or not an organisation \
        role"),
))]
#[put("/api/v1/organisations/{id}/roles/{role}")]
pub async fn grant_role(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Organisation>> {
    let (id, role) = path.into_inner();
    let role = org_role_param(&role)?;
    Ok(web::Json(
        identity::set_organisation_role(&ctx, &actor, &id, role, false).await?,
    ))
}

/// Refuse a requested organisation role, or revoke a granted one (administrators).
#[utoipa::path(operation_id = "revoke_organisation_role",
    tag = "identity", security(("bearer" = [])), responses(
    (status = 200, body = Organisation),
    (status = 403, description = "`forbidden`: administrators only"),
    (status = 404, description = "`not_found`: no such organisation"),
    (status = 422, description = "`validation_failed`: an unknown role, or not an organisation \
        role"),
))]
#[delete("/api/v1/organisations/{id}/roles/{role}")]
pub async fn revoke_role(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Organisation>> {
    let (id, role) = path.into_inner();
    let role = org_role_param(&role)?;
    Ok(web::Json(
        identity::set_organisation_role(&ctx, &actor, &id, role, true).await?,
    ))
}

/// An entrustment: the agent, the project (the title of the one tender the agent may create
/// under it), and the tenderer's signature over `etender-entrustment/v1` ‖ 0x00 ‖
/// `tenderer:<tenderer id>\nagent:<agent id>\nproject:<project>\n`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntrustRequest {
    pub agent_id: String,
    pub project: String,
    /// Base64 DER certificates, leaf first: the tenderer's organisation certificate.
    pub certificate_chain: Vec<String>,
    pub signature: String,
    pub signature_algorithm: String,
}

/// Entrust an agent with a project (委托招标), signed by the tenderer.
#[utoipa::path(operation_id = "entrust_agent",
    tag = "identity", request_body = EntrustRequest, security(("bearer" = [])), responses(
    (status = 201, body = Entrustment),
    (status = 403, description = "`forbidden`: tenderers only; `certificate_subject_mismatch`: \
        not the tenderer's own certificate"),
    (status = 422, description = "`validation_failed` (agent_id, project), \
        `statement_signature_invalid`, `uscc_missing`, `uscc_invalid`"),
))]
#[post("/api/v1/entrustments")]
pub async fn entrust(
    ctx: web::Data<AppContext>,
    actor: Actor,
    body: web::Json<EntrustRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let sig = SignatureDto {
        certificate_chain: b.certificate_chain,
        signature: b.signature,
        signature_algorithm: b.signature_algorithm,
    }
    .into_signature()?;
    let signed = Signed {
        certificate_chain: sig.certificate_chain,
        signature: sig.signature,
        signature_algorithm: sig.signature_algorithm,
    };
    let e = identity::entrust(&ctx, &actor, &b.agent_id, &b.project, signed).await?;
    Ok(HttpResponse::Created().json(e))
}

/// Revoke an entrustment (its tenderer): the agent and its staff stop acting on the tender.
#[utoipa::path(operation_id = "revoke_entrustment",
    tag = "identity", security(("bearer" = [])), responses(
    (status = 200, body = Entrustment),
    (status = 403, description = "`forbidden`: tenderers only"),
    (status = 404, description = "`not_found`: no entrustment of the caller's with this id"),
    (status = 409, description = "`conflict`: already revoked"),
))]
#[post("/api/v1/entrustments/{id}/revocation")]
pub async fn revoke_entrustment(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<Entrustment>> {
    Ok(web::Json(
        identity::revoke_entrustment(&ctx, &actor, &id).await?,
    ))
}
