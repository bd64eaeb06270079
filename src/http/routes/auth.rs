//! Challenge–response login and sessions.

use actix_web::{delete, get, post, web, HttpResponse};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::identity;
use crate::app::{Actor, AppContext};
use crate::crypto::keys::SignatureAlgorithm;
use crate::domain::identity::PrincipalKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::identity::{Challenge, PossessionProof, Principal, Session};

/// Most chains are 1–3 certificates; the cap bounds work done on hostile input.
const MAX_CHAIN: usize = 8;
const MAX_CERT_BYTES: usize = 16 * 1024;

/// Proof of possession of a certificate key over a server challenge.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofDto {
    pub challenge_id: String,
    /// Base64 (standard) DER certificates, leaf first, then any intermediates.
    pub certificate_chain: Vec<String>,
    /// Base64 (standard) signature over the challenge `message`.
    pub signature: String,
    /// One of `ecdsa_p256_sha256`, `rsa_pkcs1_sha256`, `rsa_pss_sha256`, `ed25519`, `sm2_sm3`.
    pub signature_algorithm: String,
}

impl ProofDto {
    pub fn into_proof(self) -> AppResult<PossessionProof> {
        let b64 = base64::engine::general_purpose::STANDARD;
        if self.certificate_chain.len() > MAX_CHAIN {
            return Err(AppError::new(
                ErrorCode::CertificateMalformed,
                format!("at most {MAX_CHAIN} certificates"),
            ));
        }
        let mut chain = Vec::with_capacity(self.certificate_chain.len());
        for (i, c) in self.certificate_chain.iter().enumerate() {
            let der = b64.decode(c.trim()).map_err(|_| {
                AppError::new(
                    ErrorCode::CertificateMalformed,
                    format!("certificate_chain[{i}] is not base64"),
                )
            })?;
            if der.len() > MAX_CERT_BYTES {
                return Err(AppError::new(
                    ErrorCode::CertificateMalformed,
                    format!("certificate_chain[{i}] is too large"),
                ));
            }
            chain.push(der);
        }
        let signature = b64
            .decode(self.signature.trim())
            .map_err(|_| AppError::field("signature", "not_base64", "signature must be base64"))?;
        let signature_algorithm =
            SignatureAlgorithm::parse(&self.signature_algorithm).ok_or_else(|| {
                AppError::new(
                    ErrorCode::SignatureAlgorithmUnsupported,
                    format!("unknown signature_algorithm {:?}", self.signature_algorithm),
                )
            })?;
        Ok(PossessionProof {
            challenge_id: self.challenge_id,
            certificate_chain: chain,
            signature,
            signature_algorithm,
        })
    }
}

/// Get a one-time challenge to sign.
#[utoipa::path(tag = "identity", responses(
    (status = 201, body = Challenge),
    (status = 429, description = "`rate_limited`: too many challenges from this address \
        (`limits.challenges_per_minute`); see `Retry-After`"),
    (status = 503, description = "`service_unavailable`: the database is unavailable"),
))]
#[post("/api/v1/auth/challenges")]
pub async fn create_challenge(
    ctx: web::Data<AppContext>,
    req: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    // Anyone may ask, and each answer is a row: a flood from one address is cut here, before
    // the database (rows that expire are swept by `worker`).
    let addr = crate::http::extract::client_addr(&req, &ctx.settings.http.trusted_proxies);
    ctx.limits.challenge(addr)?;
    let c = identity::issue_challenge(&ctx).await?;
    Ok(HttpResponse::Created().json(c))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Log in as the organisation (USCC certificate) or as a person.
    pub kind: PrincipalKind,
    pub proof: ProofDto,
}

/// Exchange a signed challenge for a short-lived bearer token.
#[utoipa::path(tag = "identity", request_body = TokenRequest, responses(
    (status = 201, body = Session),
    (status = 401, description = "`challenge_unknown`, `challenge_expired`, `challenge_replayed`, \
        `signature_invalid`, `not_registered`"),
    (status = 422, description = "`uscc_missing`, `uscc_invalid`, `person_id_missing`"),
))]
#[post("/api/v1/auth/tokens")]
pub async fn create_token(
    ctx: web::Data<AppContext>,
    body: web::Json<TokenRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let s = identity::login(&ctx, body.kind, body.proof.into_proof()?).await?;
    Ok(HttpResponse::Created().json(s))
}

/// End the current session.
#[utoipa::path(tag = "identity", security(("bearer" = [])), responses((status = 204)))]
#[delete("/api/v1/auth/session")]
pub async fn delete_session(ctx: web::Data<AppContext>, actor: Actor) -> AppResult<HttpResponse> {
    identity::logout(&ctx, &actor).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who am I?
#[utoipa::path(
    tag = "identity",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Principal),
    ),
)]
#[get("/api/v1/me")]
pub async fn me(actor: Actor) -> AppResult<web::Json<Principal>> {
    actor.require(crate::domain::authz::Permission::ReadSelf)?;
    Ok(web::Json(Principal::from(&actor)))
}
