//! Person registration, registry and role grants.

use actix_web::{delete, get, post, put, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ProofDto;
use crate::app::identity::{self, RegisterPerson};
use crate::app::{Actor, AppContext};
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult};
use crate::http::extract::PageParams;
use crate::wire::identity::Person;
use crate::wire::Page;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterPersonRequest {
    /// Signed challenge with the personal certificate.
    pub proof: ProofDto,
    pub contact_email: String,
}

/// Register a person (agent staff, expert, committee member, regulator, administrator).
#[utoipa::path(operation_id = "register_person",
    tag = "identity", request_body = RegisterPersonRequest, responses(
    (status = 201, body = Person),
    (status = 401, description = "`challenge_unknown`, `challenge_expired`, `challenge_replayed`, \
        `signature_invalid`"),
    (status = 409, description = "`already_registered`"),
    (status = 422, description = "`validation_failed` (contact_email), `person_id_missing`"),
))]
#[post("/api/v1/people")]
pub async fn register(
    ctx: web::Data<AppContext>,
    body: web::Json<RegisterPersonRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let p = identity::register_person(
        &ctx,
        RegisterPerson {
            proof: b.proof.into_proof()?,
            contact_email: b.contact_email,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(p))
}

/// List people (administrators and regulators).
#[utoipa::path(operation_id = "list_people",
    tag = "identity", params(PageParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<Person>),
    (status = 403, description = "`forbidden`: regulators and administrators only"),
))]
#[get("/api/v1/people")]
pub async fn list(
    ctx: web::Data<AppContext>,
    actor: Actor,
    q: web::Query<PageParams>,
) -> AppResult<web::Json<Page<Person>>> {
    let q = q.into_inner();
    Ok(web::Json(
        identity::list_people(&ctx, &actor, q.after, q.limit).await?,
    ))
}

fn role_param(s: &str) -> AppResult<Role> {
    Role::parse(s)
        .ok_or_else(|| AppError::field("role", "unknown_role", format!("unknown role {s:?}")))
}

/// Grant a role to a person (administrators).
#[utoipa::path(operation_id = "grant_person_role",
    tag = "identity", security(("bearer" = [])), responses(
    (status = 200, body = Person),
    (status = 403, description = "`forbidden`: administrators only"),
    (status = 404, description = "`not_found`: no such person"),
    (status = 422, description = "`validation_failed`: an unknown role, or one a person cannot \
        hold"),
))]
#[put("/api/v1/people/{id}/roles/{role}")]
pub async fn grant_role(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Person>> {
    let (id, role) = path.into_inner();
    let role = role_param(&role)?;
    Ok(web::Json(
        identity::set_person_role(&ctx, &actor, &id, role, false).await?,
    ))
}

/// Revoke a role from a person (administrators).
#[utoipa::path(operation_id = "revoke_person_role",
    tag = "identity", security(("bearer" = [])), responses(
    (status = 200, body = Person),
    (status = 403, description = "`forbidden`: administrators only"),
    (status = 404, description = "`not_found`: no such person"),
    (status = 409, description = "`conflict`: an administrator cannot revoke its own \
        administrator role"),
    (status = 422, description = "`validation_failed`: an unknown role, or one a person cannot \
        hold"),
))]
#[delete("/api/v1/people/{id}/roles/{role}")]
pub async fn revoke_role(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Person>> {
    let (id, role) = path.into_inner();
    let role = role_param(&role)?;
    Ok(web::Json(
        identity::set_person_role(&ctx, &actor, &id, role, true).await?,
    ))
}
