//! Register an organisation by its e-business-licence certificate (USCC in the subject). The
//! roles it names are requests: it holds none until the trading centre grants them.

use super::*;
use crate::app::AppContext;
use crate::audit;
use crate::audit::ActorRef;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::identity as repo;
use crate::db::repo::parties as prepo;
use crate::db::types::to_db;
use crate::domain::identity::valid_email;
use crate::domain::identity::Role;
use crate::domain::uscc::Uscc;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::error::FieldError;
use crate::wire::identity::*;
use serde_json::json;
use std::collections::BTreeSet;

/// Registration of an organisation (tenderer, agent or bidder) with its e-business-licence
/// certificate.
pub struct RegisterOrganisation {
    pub proof: PossessionProof,
    pub roles: Vec<Role>,
    pub contact_email: String,
}

pub async fn register_organisation(
    ctx: &AppContext,
    req: RegisterOrganisation,
) -> AppResult<Organisation> {
    let mut errors = Vec::new();
    if req.roles.is_empty() {
        errors.push(FieldError {
            field: "roles".into(),
            code: "required".into(),
            message: "choose at least one of tenderer, agent, bidder".into(),
        });
    }
    for (i, r) in req.roles.iter().enumerate() {
        if !r.is_organisation_role() {
            errors.push(FieldError {
                field: format!("roles[{i}]"),
                code: "not_an_organisation_role".into(),
                message: format!("{r} is not an organisation role"),
            });
        }
    }
    if !valid_email(&req.contact_email) {
        errors.push(FieldError {
            field: "contact_email".into(),
            code: "invalid_email".into(),
            message: "not a valid e-mail address".into(),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let cert = verify_proof(ctx, &req.proof, PrincipalKind::Organisation).await?;
    let raw = cert.uscc_field.clone().ok_or_else(|| {
        AppError::new(
            ErrorCode::UsccMissing,
            "the certificate carries no unified social credit code",
        )
    })?;
    let uscc = Uscc::parse(&raw)
        .map_err(|e| AppError::new(ErrorCode::UsccInvalid, format!("{raw:?}: {e}")))?;
    let name = cert
        .organization
        .clone()
        .or_else(|| cert.common_name.clone())
        .unwrap_or_else(|| uscc.as_str().to_string());
    let now = ctx.clock.now();
    let org = repo::OrganisationRow {
        id: uuid::Uuid::now_v7().to_string(),
        uscc: uscc.as_str().to_string(),
        name,
        contact_email: req.contact_email.trim().to_string(),
        created_at: to_db(now),
    };
    let roles: BTreeSet<Role> = req.roles.iter().copied().collect();
    let challenge_id = req.proof.challenge_id.clone();
    let (org, roles) = ctx
        .db
        .write(move |c| {
            consume(c, &challenge_id, now)?;
            if repo::find_organisation_by_uscc(c, &org.uscc)?.is_some() {
                return Err(AppError::new(
                    ErrorCode::AlreadyRegistered,
                    "an organisation with this unified social credit code is already registered",
                ));
            }
            repo::insert_organisation(c, &org).map_err(|e| {
                if repo::is_unique_violation(&e) {
                    AppError::new(ErrorCode::AlreadyRegistered, "already registered")
                } else {
                    AppError::internal(e)
                }
            })?;
            for r in &roles {
                prepo::insert_role_request(
                    c,
                    &prepo::RoleRequestRow {
                        principal_id: org.id.clone(),
                        role: r.as_str().into(),
                        requested_at: to_db(now),
                    },
                )?;
            }
            repo::upsert_credential(c, &credential_row(&cert, &org.id, now))?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::OrganisationRegistered,
                    tender_id: None,
                    section_id: None,
                    actor: ActorRef {
                        role: "organisation".into(),
                        id: org.id.clone(),
                    },
                    subject: org.id.clone(),
                    body: json!({
                        "organisation_id": org.id,
                        "uscc": org.uscc,
                        "name": org.name,
                        "requested_roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                        "certificate": {
                            "fingerprint": cert.fingerprint_sha256,
                            "serial": cert.serial_hex,
                            "issuer": cert.issuer
                        },
                    }),
                },
            )?;
            Ok((org, roles))
        })
        .await?;
    Ok(organisation_view(org, BTreeSet::new(), roles))
}
