//! Bids: bonds, the bidder's own bid, resumable uploads, submission receipts, withdrawal and
//! re-confirmation; custodians' envelope keys (docs/BIDDING.md §1–2).

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::tenders::{decode_chain, SignatureDto};
use crate::app::bids;
use crate::app::custodians;
use crate::app::{Actor, AppContext};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::openapi::Binary;
use crate::seal::Manifest;
use crate::wire::bids::EnvelopeKey;
use crate::wire::bids::{BankNotice, BankNoticeAck, BondAccount};
use crate::wire::bids::{BidBond, MyBid, PartStatus, Receipt, UploadStatus};

/// The caller's virtual sub-account (虚拟子账号) for a section's bond, opened on first request:
/// pay the bond there (or have a guarantee issued for it); the bank or issuer reports it and the
/// bond shows in `bid-bonds/mine`.
#[utoipa::path(operation_id = "my_bond_account", tag = "bids", security(("bearer" = [])),
    responses(
        (status = 200, body = BondAccount),
        (status = 403, description = "`forbidden`: bids are made by bidder organisations"),
        (status = 404, description = "`not_found`: no such published tender or section"),
    ))]
#[get("/api/v1/tenders/{id}/sections/{code}/bid-bonds/account")]
pub async fn my_bond_account(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<BondAccount>> {
    let (t, s) = path.into_inner();
    Ok(web::Json(bids::bond_account(&ctx, &actor, &t, &s).await?))
}

/// A bank or guarantee issuer reports a bond for a virtual sub-account — a transfer, a bank
/// guarantee or guarantee insurance (`kind`) — the only way bonds enter the platform. The body
/// is signed with the notice key the issuer shares with the platform (`x-bank-signature`:
/// base64 HMAC-SHA256 of the exact body bytes); the key that verifies it names the issuer.
#[utoipa::path(operation_id = "bank_bond_arrival", tag = "bids", request_body = BankNotice,
    params(("x-bank-signature" = String, Header,
        description = "base64 HMAC-SHA256 of the body under the issuer's notice key")),
    responses(
        (status = 201, body = BankNoticeAck),
        (status = 401, description = "`signature_invalid`: not signed with the key of a \
            connected bank or guarantee issuer"),
        (status = 404, description = "`not_found`: no such sub-account"),
        (status = 409, description = "`conflict`: this reference is already recorded"),
        (status = 422, description = "`validation_failed`: amount or reference"),
    ))]
#[post("/api/v1/bank/bond-arrivals")]
pub async fn bank_bond_arrival(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let limit = ctx.settings.http.json_limit_bytes;
    let body = match payload.to_bytes_limited(limit).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return Err(AppError::new(ErrorCode::MalformedBody, e.to_string())),
        Err(_) => {
            return Err(AppError::new(
                ErrorCode::BodyTooLarge,
                format!("the body exceeds {limit} bytes"),
            ))
        }
    };
    let signature = req
        .headers()
        .get(bids::BANK_SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let ack = bids::bank_notice(&ctx, signature, &body).await?;
    Ok(HttpResponse::Created().json(ack))
}

/// The caller's own recorded bonds for a section.
#[utoipa::path(operation_id = "my_bid_bonds", tag = "bids", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<BidBond>),
        (status = 403, description = "`forbidden`: bids are made by bidder organisations"),
        (status = 404, description = "`not_found`: no such published tender or section"),
    ))]
#[get("/api/v1/tenders/{id}/sections/{code}/bid-bonds/mine")]
pub async fn my_bonds(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Vec<BidBond>>> {
    let (t, s) = path.into_inner();
    Ok(web::Json(bids::my_bonds(&ctx, &actor, &t, &s).await?))
}

/// The caller's current bid, its next version number and any open upload.
#[utoipa::path(operation_id = "my_bid", tag = "bids", security(("bearer" = [])),
    responses(
        (status = 200, body = MyBid),
        (status = 403, description = "`forbidden`: bids are made by bidder organisations"),
        (status = 404, description = "`not_found`: no such published tender or section"),
    ))]
#[get("/api/v1/tenders/{id}/sections/{code}/bids/mine")]
pub async fn my_bid(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<MyBid>> {
    let (t, s) = path.into_inner();
    Ok(web::Json(bids::my_bid(&ctx, &actor, &t, &s).await?))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenUploadRequest {
    /// The signed manifest (docs/SEALED-BIDS.md §8).
    #[schema(value_type = Object)]
    pub manifest: Value,
    /// Base64 DER certificates, leaf first: the certificate whose key signed the manifest.
    pub certificate_chain: Vec<String>,
}

/// Open an upload for a signed manifest (all checks that need no ciphertext happen here).
#[utoipa::path(operation_id = "open_bid_upload", tag = "bids", request_body = OpenUploadRequest,
    security(("bearer" = [])), responses(
        (status = 201, body = UploadStatus),
        (status = 403, description = "`forbidden`; `certificate_subject_mismatch`: the \
            certificate is not the bidder's; `custodian_conflict`: a remedy custodian of the \
            tender is the bidder's staff; `conflict_of_interest`: the tender's own tenderer or \
            agent"),
        (status = 404, description = "`not_found`: no such published tender or section"),
        (status = 409, description = "`not_accepting_bids`, `deadline_passed`, \
            `bid_version_mismatch`, `upload_quota_exceeded` (the bidder's open uploads)"),
        (status = 422, description = "`bid_manifest_invalid`, `bid_signature_invalid`, \
            `bid_key_reused`, `bid_bond_missing`, `bid_too_large` (the tender's `bid_limits`), \
            `uscc_missing`, `uscc_invalid`"),
    ))]
#[post("/api/v1/tenders/{id}/sections/{code}/bid-uploads")]
pub async fn open_upload(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<OpenUploadRequest>,
    http: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    // Authorise before parsing: a non-bidder learns nothing about what a valid manifest is.
    actor.require(crate::domain::authz::Permission::SubmitBids)?;
    let (t, s) = path.into_inner();
    let req = body.into_inner();
    let manifest: Manifest = serde_json::from_value(req.manifest)
        .map_err(|e| AppError::new(ErrorCode::BidManifestInvalid, format!("manifest: {e}")))?;
    let chain = decode_chain(&req.certificate_chain)?;
    let from = crate::http::extract::client_addr(&http, &ctx.settings.http.trusted_proxies);
    let u = bids::open_upload(&ctx, &actor, &t, &s, manifest, chain, from).await?;
    Ok(HttpResponse::Created().json(u))
}

/// Where an upload stands (resume from each part's `received`).
#[utoipa::path(operation_id = "bid_upload_status", tag = "bids", security(("bearer" = [])),
    responses(
        (status = 200, body = UploadStatus),
        (status = 403, description = "`forbidden`: bids are made by bidder organisations; \
            `custodian_conflict`: a remedy custodian of the tender is now the bidder's staff"),
        (status = 404, description = "`not_found`: no upload of the caller's with this id"),
    ))]
#[get("/api/v1/bid-uploads/{upload_id}")]
pub async fn upload_status(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<UploadStatus>> {
    Ok(web::Json(bids::upload_status(&ctx, &actor, &id).await?))
}

/// Send bytes of a part from `Upload-Offset` on (raw body, streamed and hashed).
#[utoipa::path(operation_id = "put_bid_part", tag = "bids", security(("bearer" = [])),
    params(("Upload-Offset" = u64, Header,
        description = "Bytes of this part the server already has")),
    request_body(content = inline(Binary), content_type = "application/octet-stream"),
    responses(
        (status = 200, body = PartStatus),
        (status = 403, description = "`forbidden`: bids are made by bidder organisations"),
        (status = 404, description = "`not_found`: no such upload of the caller's, or no such \
            part"),
        (status = 408, description = "`body_idle_timeout`: the body stalled; the bytes before \
            are kept (resume from `errors[0]`)"),
        (status = 409, description = "`upload_offset_mismatch`, `upload_busy` (another request \
            is sending this part), `upload_closed`, `not_accepting_bids`, `deadline_passed`"),
        (status = 422, description = "`part_too_long`, `part_digest_mismatch`"),
        (status = 429, description = "`too_many_uploads`: the bidder's part uploads in flight \
            are at `limits.max_part_uploads_per_bidder`; see `Retry-After`"),
        (status = 503, description = "`server_busy`: this node takes no more part uploads now; \
            see `Retry-After`"),
    ))]
#[put("/api/v1/bid-uploads/{upload_id}/parts/{index}")]
pub async fn put_part(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, u32)>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    actor.require(crate::domain::authz::Permission::SubmitBids)?;
    let (id, index) = path.into_inner();
    let offset = req
        .headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::MalformedParameter,
                "send Upload-Offset: <bytes already received>",
            )
        })?;
    match bids::put_part(&ctx, &actor, &id, index, offset, payload).await {
        Ok(status) => Ok(HttpResponse::Ok().json(status)),
        // A refusal may come before the body is read to its end: close the connection, or the
        // rest of the body would be read as the next request on it.
        Err(e) => {
            let mut res = actix_web::ResponseError::error_response(&e);
            res.head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
            Ok(res)
        }
    }
}

/// Submit a complete upload: the bid exists from here; the answer is the receipt (回执).
#[utoipa::path(operation_id = "submit_bid_upload", tag = "bids", security(("bearer" = [])),
    responses(
        (status = 201, body = Receipt),
        (status = 403, description = "`forbidden`: bids are made by bidder organisations; \
            `custodian_conflict`: a remedy custodian of the tender is now the bidder's staff; \
            `conflict_of_interest`: the tender's own tenderer or agent"),
        (status = 404, description = "`not_found`: no upload of the caller's with this id"),
        (status = 409, description = "`upload_incomplete`, `upload_closed`, \
            `bid_version_mismatch`, `not_accepting_bids`, `deadline_passed`"),
        (status = 422, description = "`bid_key_reused`, `bid_bond_missing`"),
    ))]
#[post("/api/v1/bid-uploads/{upload_id}/submit")]
pub async fn submit(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    let from = crate::http::extract::client_addr(&req, &ctx.settings.http.trusted_proxies);
    let r = bids::submit(&ctx, &actor, &id, from).await?;
    Ok(HttpResponse::Created().json(r))
}

/// Abandon an upload (its staged bytes are deleted).
#[utoipa::path(operation_id = "abandon_bid_upload", tag = "bids", security(("bearer" = [])),
    responses(
        (status = 204),
        (status = 403, description = "`forbidden`: bids are made by bidder organisations; \
            `custodian_conflict`: a remedy custodian of the tender is now the bidder's staff"),
        (status = 404, description = "`not_found`: no upload of the caller's with this id"),
        (status = 409, description = "`upload_closed`: already submitted or abandoned"),
    ))]
#[delete("/api/v1/bid-uploads/{upload_id}")]
pub async fn abandon(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    bids::abandon_upload(&ctx, &actor, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The receipt of one of the caller's bids, with its audit proof.
#[utoipa::path(operation_id = "bid_receipt", tag = "bids", security(("bearer" = [])),
    responses(
        (status = 200, body = Receipt),
        (status = 403, description = "`forbidden`: bids are made by bidder organisations"),
        (status = 404, description = "`not_found`: no bid of the caller's with this id"),
    ))]
#[get("/api/v1/bids/{bid_id}/receipt")]
pub async fn receipt(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<Receipt>> {
    Ok(web::Json(bids::receipt(&ctx, &actor, &id).await?))
}

/// Withdraw (撤回) the current bid before the deadline, signed with the bidder's certificate.
#[utoipa::path(operation_id = "withdraw_bid", tag = "bids", request_body = SignatureDto,
    security(("bearer" = [])), responses(
        (status = 200, body = Receipt),
        (status = 403, description = "`forbidden`; `certificate_subject_mismatch`: the \
            certificate is not the bidder's"),
        (status = 404, description = "`not_found`: no such published tender or section; \
            `no_bid`: the caller has no current bid there"),
        (status = 409, description = "`not_accepting_bids`, `deadline_passed`"),
        (status = 422, description = "`statement_signature_invalid`: the withdrawal is not signed \
            by \
            the certificate; `validation_failed`, `uscc_missing`, `uscc_invalid`"),
    ))]
#[post("/api/v1/tenders/{id}/sections/{code}/bids/mine/withdrawal")]
pub async fn withdraw(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<SignatureDto>,
) -> AppResult<web::Json<Receipt>> {
    let (t, s) = path.into_inner();
    let signed = body.into_inner().into_signature()?;
    Ok(web::Json(
        bids::withdraw(&ctx, &actor, &t, &s, signed).await?,
    ))
}

/// Re-confirm the current bid after an amendment that asked for it.
#[utoipa::path(operation_id = "confirm_bid", tag = "bids", request_body = SignatureDto,
    security(("bearer" = [])), responses(
        (status = 200, body = Receipt),
        (status = 403, description = "`forbidden`; `certificate_subject_mismatch`: the \
            certificate is not the bidder's"),
        (status = 404, description = "`not_found`: no such published tender or section; \
            `no_bid`: the caller has no current bid there"),
        (status = 409, description = "`not_accepting_bids`, `deadline_passed`"),
        (status = 422, description = "`statement_signature_invalid`: the confirmation is not \
            signed by \
            the certificate; `validation_failed`, `uscc_missing`, `uscc_invalid`"),
    ))]
#[post("/api/v1/tenders/{id}/sections/{code}/bids/mine/confirmation")]
pub async fn confirm(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<SignatureDto>,
) -> AppResult<web::Json<Receipt>> {
    let (t, s) = path.into_inner();
    let signed = body.into_inner().into_signature()?;
    Ok(web::Json(
        bids::confirm(&ctx, &actor, &t, &s, signed).await?,
    ))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeKeyRequest {
    /// X25519 public key, hex.
    pub public_key: String,
    pub certificate_chain: Vec<String>,
    /// Base64 signature over `label("etender-custodian-key/v1") ‖ var(principal_id) ‖ public_key`.
    pub signature: String,
    pub signature_algorithm: String,
}

/// Register the caller's envelope key (custodians), signed with its own certificate.
#[utoipa::path(operation_id = "put_envelope_key", tag = "bids", request_body = EnvelopeKeyRequest,
    security(("bearer" = [])), responses(
        (status = 200, body = EnvelopeKey),
        (status = 403, description = "`forbidden`: custodians only; \
            `certificate_subject_mismatch`: sign with your own certificate"),
        (status = 422, description = "`validation_failed` (public_key, signature), \
            `statement_signature_invalid`"),
    ))]
#[put("/api/v1/me/envelope-key")]
pub async fn put_envelope_key(
    ctx: web::Data<AppContext>,
    actor: Actor,
    body: web::Json<EnvelopeKeyRequest>,
) -> AppResult<web::Json<EnvelopeKey>> {
    let req = body.into_inner();
    let key = custodians::parse_public_key("public_key", &req.public_key)?;
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    Ok(web::Json(
        custodians::register_envelope_key(&ctx, &actor, key, signed).await?,
    ))
}

/// The caller's registered envelope key.
#[utoipa::path(operation_id = "get_envelope_key", tag = "bids", security(("bearer" = [])),
    responses(
        (status = 200, body = EnvelopeKey),
        (status = 404, description = "`not_found`: the caller has registered no envelope key"),
    ))]
#[get("/api/v1/me/envelope-key")]
pub async fn get_envelope_key(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<EnvelopeKey>> {
    Ok(web::Json(custodians::my_envelope_key(&ctx, &actor).await?))
}
