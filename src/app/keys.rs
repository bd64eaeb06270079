//! Keys that seal bids: custodians' envelope keys, and the per-section opening keys generated
//! and split among the custodians when a tender is published (docs/BIDDING.md §1).

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::signing::{require_person, verify_statement, Signed, Signing};
use super::{Actor, AppContext};
use crate::audit::{self, Event as AuditEvent, EventType};
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::authz::Permission;
use crate::domain::tender::TenderDraft;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::seal::{statements, OpeningKey, X25519PublicKey};

/// A custodian's registered envelope key.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EnvelopeKey {
    pub principal_id: String,
    /// X25519 public key, hex.
    pub public_key: String,
    pub registered_at: DateTime<Utc>,
}

/// A section's opening key as published with the tender.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SectionOpeningKey {
    pub section: String,
    /// X25519 public key, hex: the R2 recipient of every bid in the section.
    pub public_key: String,
    pub threshold: i32,
    pub custodians: i32,
}

fn internal<E: Into<anyhow::Error>>(e: E) -> AppError {
    AppError::internal(e)
}

pub fn parse_public_key(field: &str, hex_key: &str) -> AppResult<X25519PublicKey> {
    let bytes = hex::decode(hex_key.trim()).ok().filter(|b| b.len() == 32);
    let Some(b) = bytes else {
        return Err(AppError::field(
            field,
            "invalid_key",
            "must be 32 bytes of lower-case hex (an X25519 public key)",
        ));
    };
    let mut k = [0u8; 32];
    k.copy_from_slice(&b);
    Ok(X25519PublicKey(k))
}

/// `PUT /me/envelope-key`: a custodian registers the public half of its envelope key, signed
/// with its own certificate.
pub async fn register_envelope_key(
    ctx: &AppContext,
    actor: &Actor,
    public_key: X25519PublicKey,
    signed: Signed,
) -> AppResult<EnvelopeKey> {
    actor.require(Permission::HoldKeyShares)?;
    let (actor, now, signing) = (actor.clone(), ctx.clock.now(), Signing::of(ctx));
    ctx.db
        .write(move |c| {
            let person = idrepo::find_person(c, &actor.id)?
                .ok_or_else(|| AppError::forbidden("only people hold key shares"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statements::custodian_key_payload(&actor.id, &public_key),
                &signed.signature,
                "envelope key",
            )?;
            let row = repo::EnvelopeKeyRow {
                principal_id: actor.id.clone(),
                public_key: hex::encode(public_key.0),
                signature: base64::engine::general_purpose::STANDARD.encode(&signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().into(),
                signer_fingerprint: cert.fingerprint_sha256.clone(),
                registered_at: to_db(now),
            };
            repo::put_envelope_key(c, &row)?;
            audit::record(
                c,
                now,
                AuditEvent {
                    event_type: EventType::EnvelopeKeyRegistered,
                    tender_id: None,
                    section_id: None,
                    actor: actor.audit_ref(),
                    subject: actor.id.clone(),
                    body: serde_json::json!({"principal": actor.id, "public_key": row.public_key,
                        "signer": row.signer_fingerprint}),
                },
            )?;
            Ok(envelope_key_dto(&row))
        })
        .await
}

fn envelope_key_dto(row: &repo::EnvelopeKeyRow) -> EnvelopeKey {
    EnvelopeKey {
        principal_id: row.principal_id.clone(),
        public_key: row.public_key.clone(),
        registered_at: from_db(row.registered_at),
    }
}

pub async fn my_envelope_key(ctx: &AppContext, actor: &Actor) -> AppResult<EnvelopeKey> {
    let id = actor.id.clone();
    ctx.db
        .read(move |c| repo::envelope_key(c, &id).map_err(internal))
        .await?
        .map(|r| envelope_key_dto(&r))
        .ok_or_else(|| AppError::not_found("no envelope key registered"))
}

/// Refusals for custodians without an envelope key, as rule violations of the draft.
pub fn missing_envelope_keys(
    c: &mut AnyConnection,
    draft: &TenderDraft,
) -> AppResult<Vec<FieldError>> {
    let mut out = Vec::new();
    for (i, pid) in draft.custodians.person_ids.iter().enumerate() {
        if repo::envelope_key(c, pid)?.is_none() {
            out.push(FieldError {
                field: format!("custodians.person_ids[{i}]"),
                code: "custodian_envelope_key_missing".into(),
                message: format!("{pid} has not registered an envelope key"),
            });
        }
    }
    Ok(out)
}

/// At publication: one opening key per section, split t-of-n among the custodians (share i to
/// `custodians.person_ids[i-1]`) and wrapped to their envelope keys. The secret exists only in
/// this call. Returns the public keys for the publication event.
pub fn generate_opening_keys(
    c: &mut AnyConnection,
    tender_id: &str,
    draft: &TenderDraft,
    now: DateTime<Utc>,
) -> AppResult<Vec<SectionOpeningKey>> {
    let ids = &draft.custodians.person_ids;
    let mut recipients = Vec::with_capacity(ids.len());
    for pid in ids {
        let row = repo::envelope_key(c, pid)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::RuleViolation,
                format!("custodian {pid} has no envelope key"),
            )
        })?;
        recipients.push(parse_public_key("envelope_key", &row.public_key)?);
    }
    let n =
        u8::try_from(ids.len()).map_err(|_| internal(anyhow::anyhow!("too many custodians")))?;
    let t = draft.custodians.threshold;
    let mut out = Vec::new();
    for section in &draft.sections {
        let (public, shares) =
            OpeningKey::generate_and_split(n, t, &recipients, &mut rand_core::OsRng)
                .map_err(|e| internal(anyhow::anyhow!("opening key: {e}")))?;
        let row = repo::OpeningKeyRow {
            tender_id: tender_id.into(),
            section_code: section.code.clone(),
            public_key: hex::encode(public.0),
            threshold: i32::from(t),
            total: i32::from(n),
            created_at: to_db(now),
        };
        repo::insert_opening_key(c, &row)?;
        for (share, pid) in shares.iter().zip(ids) {
            repo::insert_share(
                c,
                &repo::ShareRow {
                    tender_id: tender_id.into(),
                    section_code: section.code.clone(),
                    share_index: i32::from(share.index),
                    custodian_id: pid.clone(),
                    encrypted_share: serde_json::to_string(share).map_err(internal)?,
                    released_share: None,
                    release_signature: None,
                    released_at: None,
                },
            )?;
        }
        out.push(opening_key_dto(&row));
    }
    Ok(out)
}

pub fn opening_key_dto(row: &repo::OpeningKeyRow) -> SectionOpeningKey {
    SectionOpeningKey {
        section: row.section_code.clone(),
        public_key: row.public_key.clone(),
        threshold: row.threshold,
        custodians: row.total,
    }
}

pub fn opening_keys(c: &mut AnyConnection, tender_id: &str) -> AppResult<Vec<SectionOpeningKey>> {
    Ok(repo::opening_keys_of(c, tender_id)?
        .iter()
        .map(opening_key_dto)
        .collect())
}
