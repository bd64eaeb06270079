//! The audit log: public key, checkpoints and proofs (public: hashes only), entries, trails,
//! export bundles and receipts (by visibility, see `app::audit`).

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::audit as uc;
use crate::app::{Actor, AppContext};
use crate::audit::bundle::{Bundle, ConsistencyProof};
use crate::error::AppResult;
use crate::wire::audit::{
    AddCosignature, AuditEntry, Cosignature, InclusionProof, PublicKey, RegisterWitness, Trail,
    Witness,
};

fn text(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(body)
}

/// The log's origin and Ed25519 verifier key (Go `sumdb/note` format).
#[utoipa::path(operation_id = "get_audit_public_key", tag = "audit", responses(
    (status = 200, body = PublicKey),
))]
#[get("/api/v1/audit/public-key")]
pub async fn public_key(ctx: web::Data<AppContext>) -> web::Json<PublicKey> {
    web::Json(uc::public_key(&ctx))
}

/// The latest signed checkpoint (C2SP `tlog-checkpoint` in a signed note), followed by the
/// cosignature lines of the witnesses that cosigned it (`c2sp.org/tlog-cosignature`).
#[utoipa::path(operation_id = "get_audit_checkpoint", tag = "audit", responses(
    (status = 200, body = String, content_type = "text/plain",
            headers(("cache-control" = String, description = "`no-store`"))),
    (status = 503, description = "`service_unavailable`: the database is unavailable"),
))]
#[get("/api/v1/audit/checkpoint")]
pub async fn checkpoint(ctx: web::Data<AppContext>) -> AppResult<HttpResponse> {
    Ok(text(uc::latest_checkpoint(&ctx).await?))
}

/// One log entry with its event (its actor, its subject, regulators, administrators).
#[utoipa::path(operation_id = "get_audit_entry",
    tag = "audit", security(("bearer" = [])), responses(
    (status = 200, body = AuditEntry),
    (status = 404, description = "`not_found`: no such entry, or one the caller may not read"),
))]
#[get("/api/v1/audit/entries/{index}")]
pub async fn entry(
    ctx: web::Data<AppContext>,
    actor: Actor,
    index: web::Path<u64>,
) -> AppResult<web::Json<AuditEntry>> {
    Ok(web::Json(
        uc::entry(&ctx, &actor, index.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InclusionParams {
    pub index: u64,
    /// Default: the latest checkpoint's size.
    pub tree_size: Option<u64>,
}

/// RFC 9162 inclusion proof for an entry.
#[utoipa::path(operation_id = "get_audit_inclusion_proof",
    tag = "audit", params(InclusionParams), responses(
    (status = 200, body = InclusionProof),
    (status = 422, description = "`validation_failed`: sizes or index beyond the signed tree"),
))]
#[get("/api/v1/audit/proofs/inclusion")]
pub async fn inclusion(
    ctx: web::Data<AppContext>,
    q: web::Query<InclusionParams>,
) -> AppResult<web::Json<InclusionProof>> {
    Ok(web::Json(uc::inclusion(&ctx, q.index, q.tree_size).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyParams {
    pub old_size: u64,
    pub new_size: u64,
}

/// RFC 9162 consistency proof between two tree sizes.
#[utoipa::path(operation_id = "get_audit_consistency_proof",
    tag = "audit", params(ConsistencyParams), responses(
    (status = 200, body = ConsistencyProof),
    (status = 422, description = "`validation_failed`: sizes or index beyond the signed tree"),
))]
#[get("/api/v1/audit/proofs/consistency")]
pub async fn consistency(
    ctx: web::Data<AppContext>,
    q: web::Query<ConsistencyParams>,
) -> AppResult<web::Json<ConsistencyProof>> {
    Ok(web::Json(
        uc::consistency(&ctx, q.old_size, q.new_size).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TrailParams {
    /// A tender's full trail (regulators, administrators; tender parties from issue 3).
    pub tender_id: Option<String>,
    /// Entries whose subject or actor is this principal (itself, or any for regulators).
    pub subject: Option<String>,
    /// Log index cursor from the previous page's `next`.
    pub after: Option<u64>,
    /// 1–1000, default 200.
    pub limit: Option<i64>,
}

/// A trail: a tender's entries, a principal's entries, or (regulators) the whole log.
#[utoipa::path(operation_id = "get_audit_trail", tag = "audit", params(TrailParams),
    security(("bearer" = [])), responses(
        (status = 200, body = Trail),
        (status = 403, description = "`forbidden`: not a trail the caller may read"),
        (status = 422, description = "`validation_failed`: both `tender_id` and `subject`"),
    ))]
#[get("/api/v1/audit/trail")]
pub async fn trail(
    ctx: web::Data<AppContext>,
    actor: Actor,
    q: web::Query<TrailParams>,
) -> AppResult<web::Json<Trail>> {
    let q = q.into_inner();
    let scope = uc::scope_of(q.tender_id, q.subject)?;
    Ok(web::Json(
        uc::trail(&ctx, &actor, scope, q.after, q.limit).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    pub tender_id: Option<String>,
    pub subject: Option<String>,
    /// Include a consistency proof from this earlier tree size (a checkpoint you saved).
    pub since_size: Option<u64>,
    /// Export at the latest checkpoint cosigned by at least this many registered witnesses
    /// (entries up to its size), instead of the latest checkpoint.
    pub min_cosignatures: Option<u32>,
}

/// Export bundle for offline verification (`etender audit verify`).
#[utoipa::path(operation_id = "get_audit_export", tag = "audit", params(ExportParams),
    security(("bearer" = [])), responses(
        (status = 200, body = Bundle),
        (status = 403, description = "`forbidden`: not a trail the caller may read"),
        (status = 409, description = "`conflict`: no checkpoint has `min_cosignatures` \
            cosignatures yet"),
        (status = 422, description = "`validation_failed`: both `tender_id` and `subject`, or \
            `since_size` beyond the signed tree"),
    ))]
#[get("/api/v1/audit/export")]
pub async fn export(
    ctx: web::Data<AppContext>,
    actor: Actor,
    q: web::Query<ExportParams>,
) -> AppResult<web::Json<Bundle>> {
    let q = q.into_inner();
    let scope = uc::scope_of(q.tender_id, q.subject)?;
    Ok(web::Json(
        uc::export(&ctx, &actor, scope, q.since_size, q.min_cosignatures).await?,
    ))
}

/// A `c2sp.org/tlog-proof@v1` receipt for an event (its actor, its subject, regulators).
#[utoipa::path(operation_id = "get_audit_receipt", tag = "audit", security(("bearer" = [])),
    responses(
        (status = 200, body = String, content_type = "text/plain",
            headers(("cache-control" = String, description = "`no-store`"))),
        (status = 404, description = "`not_found`: no such event, or one the caller may not read"),
        (status = 409, description = "`audit_entry_pending`: not integrated yet; retry in a \
            second"),
    ))]
#[get("/api/v1/audit/receipts/{event_id}")]
pub async fn receipt(
    ctx: web::Data<AppContext>,
    actor: Actor,
    event_id: web::Path<String>,
) -> AppResult<HttpResponse> {
    Ok(text(uc::receipt(&ctx, &actor, &event_id).await?))
}

/// Register a witness (regulators, administrators): its name and Ed25519 cosignature key.
#[utoipa::path(operation_id = "register_audit_witness", tag = "audit",
    request_body = RegisterWitness, security(("bearer" = [])), responses(
        (status = 201, body = Witness),
        (status = 403, description = "`forbidden`: not a regulator or administrator"),
        (status = 409, description = "`conflict`: the name or key is already registered"),
        (status = 422, description = "`validation_failed`: not a cosignature key (type 0x04), \
            or its name is not `name`"),
    ))]
#[post("/api/v1/audit/witnesses")]
pub async fn register_witness(
    ctx: web::Data<AppContext>,
    actor: Actor,
    body: web::Json<RegisterWitness>,
) -> AppResult<HttpResponse> {
    let w = uc::register_witness(&ctx, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(w))
}

/// The registered witnesses (public).
#[utoipa::path(operation_id = "list_audit_witnesses", tag = "audit", responses(
    (status = 200, body = Vec<Witness>),
    (status = 503, description = "`service_unavailable`: the database is unavailable"),
))]
#[get("/api/v1/audit/witnesses")]
pub async fn witnesses(ctx: web::Data<AppContext>) -> AppResult<web::Json<Vec<Witness>>> {
    Ok(web::Json(uc::list_witnesses(&ctx).await?))
}

/// A witness posts its cosignature of a stored checkpoint (no session: the signature is the
/// credential). Kept once per witness and size; posting again returns the stored one.
#[utoipa::path(operation_id = "add_audit_cosignature", tag = "audit",
    request_body = AddCosignature, responses(
        (status = 200, body = Cosignature),
        (status = 422, description = "`validation_failed`: no checkpoint of that size, an \
            unregistered witness, or a cosignature that does not verify"),
    ))]
#[post("/api/v1/audit/cosignatures")]
pub async fn add_cosignature(
    ctx: web::Data<AppContext>,
    body: web::Json<AddCosignature>,
) -> AppResult<web::Json<Cosignature>> {
    Ok(web::Json(
        uc::add_cosignature(&ctx, body.into_inner()).await?,
    ))
}
