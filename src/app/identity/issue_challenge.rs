//! Issue a fresh single-use challenge.

use crate::app::AppContext;
use crate::db::repo::identity as repo;
use crate::db::types::to_db;
use crate::domain::identity::challenge_message;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::identity::*;
use base64::Engine;
use chrono::Duration;
use ring::rand::SecureRandom;
use ring::rand::SystemRandom;

/// Issue a fresh single-use challenge.
pub async fn issue_challenge(ctx: &AppContext) -> AppResult<Challenge> {
    let mut nonce = [0u8; 32];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| AppError::internal(anyhow::anyhow!("system RNG failed")))?;
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(nonce);
    let id = uuid::Uuid::new_v4().to_string();
    let now = ctx.clock.now();
    let expires_at = now + Duration::seconds(ctx.settings.identity.challenge_ttl_secs as i64);
    let row = repo::ChallengeRow {
        id: id.clone(),
        nonce: nonce.clone(),
        created_at: to_db(now),
        expires_at: to_db(expires_at),
        used_at: None,
    };
    // A challenge is not a state change of any tender or identity: it is not audited.
    ctx.db
        .write(move |c| repo::insert_challenge(c, &row).map_err(AppError::internal))
        .await?;
    Ok(Challenge {
        message: challenge_message(&ctx.settings.identity.audience, &id, &nonce),
        audience: ctx.settings.identity.audience.clone(),
        challenge_id: id,
        nonce,
        expires_at,
    })
}
