//! Log in: verify the proof, then open a session for the registered principal.

use super::*;
use crate::app::AppContext;
use crate::audit;
use crate::audit::sha256_hex;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::identity as repo;
use crate::db::types::to_db;
use crate::domain::identity::PrincipalKind;
use crate::domain::uscc::Uscc;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::identity::*;
use base64::Engine;
use chrono::Duration;
use ring::rand::SecureRandom;
use ring::rand::SystemRandom;
use serde_json::json;

/// Log in: verify the proof, then open a session for the registered principal.
pub async fn login(
    ctx: &AppContext,
    kind: PrincipalKind,
    proof: PossessionProof,
) -> AppResult<Session> {
    let cert = verify_proof(ctx, &proof, kind).await?;
    let key = match kind {
        PrincipalKind::Organisation => {
            let raw = cert.uscc_field.clone().ok_or_else(|| {
                AppError::new(
                    ErrorCode::UsccMissing,
                    "the certificate carries no unified social credit code",
                )
            })?;
            Uscc::parse(&raw)
                .map_err(|e| AppError::new(ErrorCode::UsccInvalid, format!("{raw:?}: {e}")))?
                .as_str()
                .to_string()
        }
        PrincipalKind::Person => cert
            .person_id_field
            .clone()
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::PersonIdMissing,
                    "the certificate carries no personal identifier",
                )
            })?
            .trim()
            .to_string(),
    };
    let mut raw_token = [0u8; 32];
    SystemRandom::new()
        .fill(&mut raw_token)
        .map_err(|_| AppError::internal(anyhow::anyhow!("system RNG failed")))?;
    let token = format!(
        "etk_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw_token)
    );
    let token_hash = sha256_hex(token.as_bytes());
    let now = ctx.clock.now();
    let expires_at = now + Duration::seconds(ctx.settings.identity.token_ttl_secs as i64);
    let challenge_id = proof.challenge_id.clone();
    let actor = ctx
        .db
        .write(move |c| {
            consume(c, &challenge_id, now)?;
            let principal_id = match kind {
                PrincipalKind::Organisation => {
                    repo::find_organisation_by_uscc(c, &key)?.map(|o| o.id)
                }
                PrincipalKind::Person => repo::find_person_by_person_id(c, &key)?.map(|p| p.id),
            }
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotRegistered,
                    "this certificate's holder is not registered",
                )
            })?;
            repo::upsert_credential(c, &credential_row(&cert, &principal_id, now))?;
            repo::insert_session(
                c,
                &repo::SessionRow {
                    token_hash: token_hash.clone(),
                    principal_id: principal_id.clone(),
                    principal_kind: kind.as_str().into(),
                    credential_fingerprint: cert.fingerprint_sha256.clone(),
                    created_at: to_db(now),
                    expires_at: to_db(expires_at),
                    revoked_at: None,
                },
            )?;
            let actor = load_actor(c, kind, &principal_id, &token_hash)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::SessionOpened,
                    tender_id: None,
                    section_id: None,
                    actor: actor.audit_ref(),
                    subject: principal_id.clone(),
                    body: json!({
                        "principal": principal_id,
                        "kind": kind.as_str(),
                        "session": &token_hash[..16],
                        "certificate": {
                            "fingerprint": cert.fingerprint_sha256,
                            "serial": cert.serial_hex
                        },
                        "expires_at": expires_at,
                    }),
                },
            )?;
            Ok(actor)
        })
        .await?;
    Ok(Session {
        token,
        token_type: "Bearer".into(),
        expires_at,
        principal: Principal::from(&actor),
    })
}
