//! `PUT /me/envelope-key`: a custodian registers the public half of its envelope key, signed with
//! its own certificate.

use super::*;
use crate::app::support::signing::require_person;
use crate::app::support::signing::verify_statement;
use crate::app::support::signing::Signed;
use crate::app::support::signing::Signing;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event as AuditEvent;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::types::to_db;
use crate::domain::authz::Permission;
use crate::error::AppError;
use crate::error::AppResult;
use crate::seal::statements;
use crate::seal::X25519PublicKey;
use crate::wire::bids::*;
use base64::Engine;

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
            envelope_key_dto(&row)
        })
        .await
}
