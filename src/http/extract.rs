//! Request extractors: the authenticated caller and pagination parameters.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::{identity, Actor, AppContext};
use crate::error::{AppError, ErrorCode};

/// What extracting an [`Actor`] can refuse a request with (`identity::authenticate` decides the
/// token's fate; anything else it can fail with is a server error).
pub const BEARER_ERRORS: &[ErrorCode] = &[
    ErrorCode::Unauthenticated,
    ErrorCode::TokenInvalid,
    ErrorCode::TokenExpired,
];

/// What [`MaybeActor`] refuses: only a token that is sent and not good.
pub const OPTIONAL_BEARER_ERRORS: &[ErrorCode] =
    &[ErrorCode::TokenInvalid, ErrorCode::TokenExpired];

/// Extracting an [`Actor`] requires a valid `Authorization: Bearer etk_…` header; without one
/// the request is refused with `unauthenticated` before any handler code runs.
impl FromRequest for Actor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Actor, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let ctx = req.app_data::<web::Data<AppContext>>().cloned();
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .map(|v| v.to_str().map(str::to_string));
        Box::pin(async move {
            let ctx = ctx
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("AppContext not configured")))?;
            let token = match header {
                None => {
                    return Err(AppError::new(
                        ErrorCode::Unauthenticated,
                        "send Authorization: Bearer <token>",
                    ))
                }
                Some(Err(_)) => {
                    return Err(AppError::new(
                        ErrorCode::TokenInvalid,
                        "malformed Authorization header",
                    ))
                }
                Some(Ok(v)) => match v.strip_prefix("Bearer ") {
                    Some(t) => t.trim().to_string(),
                    None => {
                        return Err(AppError::new(
                            ErrorCode::TokenInvalid,
                            "expected a Bearer token",
                        ))
                    }
                },
            };
            identity::authenticate(&ctx, &token).await
        })
    }
}

/// Keyset pagination: `?after=<cursor>&limit=<1..200>`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// The caller if a bearer token was sent (public endpoints that show parties more).
/// A token that is sent but invalid is still refused: silently treating it as anonymous would
/// hide a client bug.
pub struct MaybeActor(pub Option<Actor>);

impl FromRequest for MaybeActor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<MaybeActor, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        if req
            .headers()
            .contains_key(actix_web::http::header::AUTHORIZATION)
        {
            let fut = Actor::from_request(req, payload);
            Box::pin(async move { fut.await.map(|a| MaybeActor(Some(a))) })
        } else {
            Box::pin(async { Ok(MaybeActor(None)) })
        }
    }
}

/// The client's address: the peer, or — when the peer is one of `trusted` proxies — the last
/// address its `X-Forwarded-For` names (the one the proxy itself saw).
pub fn client_addr(req: &HttpRequest, trusted: &[std::net::IpAddr]) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok())
        .or(Some(peer))
}
