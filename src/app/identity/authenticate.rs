//! Resolve a bearer token to the caller. Roles are read fresh, so a revocation bites at once.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::sha256_hex;
use crate::db::repo::identity as repo;
use crate::db::types::from_db;
use crate::domain::identity::PrincipalKind;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;

/// Resolve a bearer token to the caller. Roles are read fresh, so a revocation bites at once.
pub async fn authenticate(ctx: &AppContext, token: &str) -> AppResult<Actor> {
    if !token.starts_with("etk_") || token.len() > 100 {
        return Err(AppError::new(
            ErrorCode::TokenInvalid,
            "malformed bearer token",
        ));
    }
    let hash = sha256_hex(token.as_bytes());
    let now = ctx.clock.now();
    ctx.db
        .read_primary(move |c| {
            let s = repo::find_session(c, &hash)?.ok_or_else(|| {
                AppError::new(ErrorCode::TokenInvalid, "unknown or revoked token")
            })?;
            if s.revoked_at.is_some() {
                return Err(AppError::new(
                    ErrorCode::TokenInvalid,
                    "unknown or revoked token",
                ));
            }
            if from_db(s.expires_at) <= now {
                return Err(AppError::new(
                    ErrorCode::TokenExpired,
                    "the token has expired; log in again",
                ));
            }
            let kind = PrincipalKind::parse(&s.principal_kind).ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("bad principal kind in session"))
            })?;
            load_actor(c, kind, &s.principal_id, &hash)
        })
        .await
}
