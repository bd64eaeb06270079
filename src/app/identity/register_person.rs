//! Register a person by its personal certificate (proof of possession); roles are granted later.

use super::*;
use crate::app::AppContext;
use crate::audit;
use crate::audit::ActorRef;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::identity as repo;
use crate::db::types::to_db;
use crate::domain::identity::valid_email;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::identity::*;
use serde_json::json;
use std::collections::BTreeSet;

/// Registration of a person with a personal certificate. Roles are granted later by an
/// administrator, except for configured bootstrap administrators.
pub struct RegisterPerson {
    pub proof: PossessionProof,
    pub contact_email: String,
}

pub async fn register_person(ctx: &AppContext, req: RegisterPerson) -> AppResult<Person> {
    if !valid_email(&req.contact_email) {
        return Err(AppError::field(
            "contact_email",
            "invalid_email",
            "not a valid e-mail address",
        ));
    }
    let cert = verify_proof(ctx, &req.proof, PrincipalKind::Person).await?;
    let person_id = cert
        .person_id_field
        .clone()
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::PersonIdMissing,
                "the certificate carries no personal identifier",
            )
        })?;
    let now = ctx.clock.now();
    let row = repo::PersonRow {
        id: uuid::Uuid::now_v7().to_string(),
        person_id: person_id.trim().to_string(),
        name: cert
            .common_name
            .clone()
            .unwrap_or_else(|| "(unnamed)".into()),
        contact_email: req.contact_email.trim().to_string(),
        organisation_id: None,
        created_at: to_db(now),
    };
    let bootstrap_admin = ctx
        .settings
        .identity
        .bootstrap_administrators
        .iter()
        .any(|p| p.trim() == row.person_id);
    let challenge_id = req.proof.challenge_id.clone();
    let (row, roles) = ctx
        .db
        .write(move |c| {
            consume(c, &challenge_id, now)?;
            if repo::find_person_by_person_id(c, &row.person_id)?.is_some() {
                return Err(AppError::new(
                    ErrorCode::AlreadyRegistered,
                    "this person is already registered",
                ));
            }
            repo::insert_person(c, &row).map_err(|e| {
                if repo::is_unique_violation(&e) {
                    AppError::new(ErrorCode::AlreadyRegistered, "already registered")
                } else {
                    AppError::internal(e)
                }
            })?;
            repo::upsert_credential(c, &credential_row(&cert, &row.id, now))?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::PersonRegistered,
                    tender_id: None,
                    section_id: None,
                    actor: ActorRef {
                        role: "person".into(),
                        id: row.id.clone(),
                    },
                    subject: row.id.clone(),
                    // The personal identifier stays out of the audit body: it is personal data.
                    body: json!({
                        "person": row.id,
                        "certificate": {
                            "fingerprint": cert.fingerprint_sha256,
                            "serial": cert.serial_hex,
                            "issuer": cert.issuer
                        },
                    }),
                },
            )?;
            let mut roles = BTreeSet::new();
            if bootstrap_admin {
                grant(c, now, &row.id, Role::Administrator, &ActorRef::system())?;
                roles.insert(Role::Administrator);
            }
            Ok((row, roles))
        })
        .await?;
    Ok(person_view(row, roles))
}
