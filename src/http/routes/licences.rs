//! 免证明 (docs/LICENCES.md): organisations' licences from the licence registry — the bidder's
//! own record, the committee's qualification-review view of a section, a regulator's read of any
//! organisation, and the registry link's status.

use actix_web::{get, post, web};

use crate::app::{evaluation, licences, Actor, AppContext};
use crate::error::AppResult;
use crate::wire::licences::{LicenceReview, Licences, RegistryStatus};

/// The caller's organisation's licence record as the platform holds it, with its provenance,
/// its age and whether it is stale (no fetch; bidders).
#[utoipa::path(operation_id = "my_licences", tag = "licences", security(("bearer" = [])),
    responses(
    (status = 200, body = Licences),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: bidders only"),
))]
#[get("/api/v1/licences/mine")]
pub async fn my_licences(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<Licences>> {
    Ok(web::Json(licences::my_licences(&ctx, &actor).await?))
}

/// Fetch the caller's organisation's licences from the registry now. A registry that is down,
/// slow, answering garbage or signing badly is recorded as such and the cached record stays,
/// shown `stale` with its age (`unavailable` with none); bidders.
#[utoipa::path(operation_id = "refresh_my_licences", tag = "licences", security(("bearer" = [])),
    responses(
    (status = 200, body = Licences),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: bidders only"),
))]
#[post("/api/v1/licences/mine/refresh")]
pub async fn refresh_my_licences(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<Licences>> {
    Ok(web::Json(
        licences::refresh_my_licences(&ctx, &actor).await?,
    ))
}

/// Any organisation's cached licence record with its provenance (regulators; no fetch).
#[utoipa::path(operation_id = "organisation_licences", tag = "licences",
    security(("bearer" = [])),
    params(("uscc" = String, Path, description = "Unified social credit code")),
    responses(
    (status = 200, body = Licences),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: regulators only"),
    (status = 422, description = "`validation_failed` (uscc: uscc_invalid)"),
))]
#[get("/api/v1/supervision/licences/{uscc}")]
pub async fn organisation_licences(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<String>,
) -> AppResult<web::Json<Licences>> {
    let uscc = path.into_inner();
    Ok(web::Json(
        licences::organisation_licences(&ctx, &actor, &uscc).await?,
    ))
}

/// The licence registry link: configured, last success, last failure and its error (the
/// trading centre and regulators).
#[utoipa::path(operation_id = "registry_status", tag = "licences", security(("bearer" = [])),
    responses(
    (status = 200, body = RegistryStatus),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: the trading centre and regulators only"),
))]
#[get("/api/v1/registry/status")]
pub async fn registry_status(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<RegistryStatus>> {
    Ok(web::Json(licences::registry_status(&ctx, &actor).await?))
}

/// The qualification review's registry facts: each opened bid's bidder's licences with
/// provenance and age, and the verdict on each of the section's licence requirements at the bid
/// deadline (the section's committee while it evaluates, and regulators; from the cache).
#[utoipa::path(operation_id = "section_licences", tag = "licences", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = LicenceReview),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: only the section's committee while it evaluates, \
        and regulators"),
    (status = 404, description = "`not_found`: no such tender or section, or its opening \
        record is not published yet"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/licences")]
pub async fn section_licences(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<LicenceReview>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        evaluation::licence_review(&ctx, &actor, &tender, &section).await?,
    ))
}

/// Fetch every opened bidder's licences from the registry now, then read the review (the
/// section's committee while it evaluates). Failed fetches are recorded; cached records stay.
#[utoipa::path(operation_id = "refresh_section_licences", tag = "licences",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = LicenceReview),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: only the section's committee while it evaluates"),
    (status = 404, description = "`not_found`: its opening record is not published yet"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/licences/refresh")]
pub async fn refresh_section_licences(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<LicenceReview>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        evaluation::refresh_licence_review(&ctx, &actor, &tender, &section).await?,
    ))
}
