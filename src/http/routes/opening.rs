//! The opening ceremony (开标): the public view, R1 key release by bidders, R2 share release by
//! custodians, confirmations and objections (docs/BIDDING.md §3).

use actix_web::{get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::tenders::SignatureDto;
use crate::app::opening::{self, ReleasedKey, ReleasedShare};
use crate::app::{Actor, AppContext};
use crate::error::{AppError, AppResult};
use crate::wire::opening::{BidOutcome, MyShares, Opening, OpeningResponse, ShareStatus};

/// A section's opening: bids, attempts, the record and responses. Public once started
/// (`opening_phase` before).
#[utoipa::path(operation_id = "get_opening", tag = "opening", responses(
    (status = 200, body = Opening),
    (status = 409, description = "`opening_phase`: no opening of this section has started (nor \
        is there one for a tender or section that does not exist)"),
))]
#[get("/api/v1/tenders/{id}/sections/{code}/opening")]
pub async fn view(
    ctx: web::Data<AppContext>,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Opening>> {
    let (t, s) = path.into_inner();
    Ok(web::Json(opening::view(&ctx, &t, &s).await?))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyDto {
    pub index: u32,
    /// The part's data key, hex.
    pub dek: String,
    /// Base64 signature of the bid certificate's key over `dek_release_payload(manifest, index)`.
    pub signature: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecryptionRequest {
    pub keys: Vec<KeyDto>,
}

/// R1: the bidder releases its parts' data keys; the server opens and verifies the bid.
#[utoipa::path(operation_id = "release_bid_keys", tag = "opening", request_body = DecryptionRequest,
    security(("bearer" = [])), responses(
        (status = 200, body = BidOutcome),
        (status = 403, description = "`forbidden`: bids are made by bidder organisations"),
        (status = 404, description = "`no_bid`: the caller has no bid in this opening"),
        (status = 409, description = "`opening_phase`: not (or no longer) the decryption window"),
        (status = 422, description = "`validation_failed` (a missing or malformed key), \
            `statement_signature_invalid`, `bid_manifest_invalid`"),
    ))]
#[post("/api/v1/tenders/{id}/sections/{code}/opening/decryption")]
pub async fn decrypt(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<DecryptionRequest>,
) -> AppResult<web::Json<BidOutcome>> {
    let (t, s) = path.into_inner();
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut keys = Vec::new();
    for k in body.into_inner().keys.into_iter().take(10_000) {
        let mut dek = [0u8; 32];
        hex::decode_to_slice(k.dek.trim(), &mut dek)
            .map_err(|_| AppError::field("keys[].dek", "invalid", "32 bytes of hex"))?;
        let signature = base64::Engine::decode(&b64, k.signature.trim()).map_err(|_| {
            AppError::field("keys[].signature", "not_base64", "signature must be base64")
        })?;
        keys.push(ReleasedKey {
            index: k.index,
            dek,
            signature,
        });
    }
    Ok(web::Json(
        opening::decrypt(&ctx, &actor, &t, &s, keys).await?,
    ))
}

/// R2: the bids still sealed, whose manifests carry the caller's wrapped remedy shares
/// (custodians, during recovery).
#[utoipa::path(operation_id = "my_opening_shares", tag = "opening", security(("bearer" = [])),
    responses(
        (status = 200, body = MyShares),
        (status = 403, description = "`forbidden`: the caller is not a custodian of this section"),
        (status = 409, description = "`opening_phase`: not the recovery phase"),
    ))]
#[get("/api/v1/tenders/{id}/sections/{code}/opening/shares/mine")]
pub async fn my_share(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<MyShares>> {
    let (t, s) = path.into_inner();
    Ok(web::Json(opening::my_shares(&ctx, &actor, &t, &s).await?))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareDto {
    pub bid_id: String,
    pub share_index: u8,
    /// The decrypted share value, hex.
    pub share: String,
    /// Base64 signature of the caller's personal certificate key over
    /// `share_release_payload(tender, section, manifest_sha256, share_index, share)`.
    pub signature: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    pub releases: Vec<ShareDto>,
    pub certificate_chain: Vec<String>,
    pub signature_algorithm: String,
}

/// R2: a custodian releases its shares of the sealed bids' remedy keys; each is checked
/// against the bidder's commitment, and a bid with t valid shares is opened.
#[utoipa::path(operation_id = "release_opening_shares", tag = "opening",
    request_body = ShareRequest, security(("bearer" = [])), responses(
        (status = 200, body = ShareStatus),
        (status = 403, description = "`forbidden`: the caller is not a custodian of this section; \
            `certificate_subject_mismatch`: sign with your own certificate"),
        (status = 404, description = "`no_bid`: no such bid in this section"),
        (status = 409, description = "`opening_phase`: not the recovery phase, or the bid is \
            settled; `share_already_released`: a release is final"),
        (status = 422, description = "`validation_failed` (share, share_index, signature), \
            `statement_signature_invalid`"),
    ))]
#[post("/api/v1/tenders/{id}/sections/{code}/opening/shares")]
pub async fn release_share(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<ShareRequest>,
) -> AppResult<web::Json<ShareStatus>> {
    let (t, s) = path.into_inner();
    let req = body.into_inner();
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut shares = Vec::new();
    for r in req.releases.into_iter().take(10_000) {
        let signature = base64::Engine::decode(&b64, r.signature.trim()).map_err(|_| {
            AppError::field(
                "releases[].signature",
                "not_base64",
                "signature must be base64",
            )
        })?;
        shares.push(ReleasedShare {
            bid_id: r.bid_id,
            share_index: r.share_index,
            value: opening::parse_share(&r.share)?,
            signature,
        });
    }
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: String::new(),
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    Ok(web::Json(
        opening::release_shares(
            &ctx,
            &actor,
            &t,
            &s,
            shares,
            signed.certificate_chain,
            signed.signature_algorithm,
        )
        .await?,
    ))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseRequest {
    /// `confirm` or `objection`.
    pub kind: String,
    #[serde(default)]
    pub text: Option<String>,
}

/// A bidder confirms the opening record or objects to it.
#[utoipa::path(operation_id = "respond_to_opening", tag = "opening", request_body = ResponseRequest,
    security(("bearer" = [])), responses(
        (status = 200, body = OpeningResponse),
        (status = 403, description = "`forbidden`: bidders of this opening respond"),
        (status = 409, description = "`opening_phase`: the record is not published; `conflict`: \
            confirmed already"),
        (status = 422, description = "`validation_failed`: `kind`, or an objection without text"),
    ))]
#[post("/api/v1/tenders/{id}/sections/{code}/opening/responses")]
pub async fn respond(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<ResponseRequest>,
) -> AppResult<web::Json<OpeningResponse>> {
    let (t, s) = path.into_inner();
    let req = body.into_inner();
    Ok(web::Json(
        opening::respond(&ctx, &actor, &t, &s, &req.kind, req.text).await?,
    ))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub answer: String,
}

/// The tenderer (or agent) answers an objection to the opening.
#[utoipa::path(operation_id = "answer_opening_objection", tag = "opening",
    request_body = AnswerRequest, security(("bearer" = [])), responses(
        (status = 200, body = OpeningResponse),
        (status = 403, description = "`forbidden`: the tender's parties answer"),
        (status = 404, description = "`not_found`: no such objection"),
        (status = 409, description = "`opening_phase`; `invalid_state_transition`: answered \
            already"),
        (status = 422, description = "`validation_failed`: an answer is required"),
    ))]
#[post("/api/v1/tenders/{id}/sections/{code}/opening/responses/{response_id}/answer")]
pub async fn answer(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<AnswerRequest>,
) -> AppResult<web::Json<OpeningResponse>> {
    let (t, s, r) = path.into_inner();
    Ok(web::Json(
        opening::answer(&ctx, &actor, &t, &s, &r, body.into_inner().answer).await?,
    ))
}
