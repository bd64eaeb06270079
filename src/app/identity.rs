//! Identity by certificate: registration and login by challenge–response, bearer sessions,
//! role grants and staff membership.
//!
//! A client proves possession of its certificate key by signing a one-time server nonce
//! ([`challenge_message`]). The chain must reach a configured trust anchor, be valid at the
//! server's time, allow signing, and not be revoked. Every check happens before the write
//! transaction, and the challenge is consumed inside it, so a refused attempt creates nothing and
//! a replayed challenge can never win a race.

use std::collections::BTreeSet;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{Actor, AppContext};
use crate::audit::{self, sha256_hex, ActorRef, Event, EventType};
use crate::crypto::keys::{verify_signature, SignatureAlgorithm, VerifyError};
use crate::crypto::x509::{CertError, Purpose, VerifiedCertificate};
use crate::db::repo::identity as repo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::authz::Permission;
use crate::domain::identity::{
    challenge_message, effective_person_roles, valid_email, PrincipalKind, Role,
};
use crate::domain::uscc::Uscc;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};

/// A login/registration challenge handed to a client.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Challenge {
    pub challenge_id: String,
    /// Random 32 bytes, base64url.
    pub nonce: String,
    pub expires_at: DateTime<Utc>,
    /// The exact UTF-8 text to sign.
    pub message: String,
}

/// Proof that the caller holds the private key of `certificate_chain[0]`.
#[derive(Clone, Debug)]
pub struct PossessionProof {
    pub challenge_id: String,
    /// DER certificates, leaf first.
    pub certificate_chain: Vec<Vec<u8>>,
    pub signature: Vec<u8>,
    pub signature_algorithm: SignatureAlgorithm,
}

/// An organisation as shown to its members, administrators and regulators.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Organisation {
    pub id: String,
    pub uscc: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub contact_email: String,
    pub created_at: DateTime<Utc>,
}

/// A person as shown to themselves, administrators and regulators.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub organisation_id: Option<String>,
    pub contact_email: String,
    pub created_at: DateTime<Utc>,
}

/// A bearer session.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Session {
    pub token: String,
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
    pub principal: Principal,
}

/// The caller, as returned by login and `GET /me`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub organisation_id: Option<String>,
}

impl From<&Actor> for Principal {
    fn from(a: &Actor) -> Self {
        Principal {
            kind: a.kind,
            id: a.id.clone(),
            name: a.name.clone(),
            roles: a.roles.iter().copied().collect(),
            organisation_id: a.organisation_id.clone(),
        }
    }
}

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
        challenge_id: id,
        nonce,
        expires_at,
    })
}

/// Checks shared by login and registration: challenge live, chain trusted, signature valid.
async fn verify_proof(ctx: &AppContext, proof: &PossessionProof) -> AppResult<VerifiedCertificate> {
    let now = ctx.clock.now();
    let id = proof.challenge_id.clone();
    let challenge = ctx
        .db
        .read_primary(move |c| repo::find_challenge(c, &id).map_err(AppError::internal))
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::ChallengeUnknown, "no such challenge"))?;
    if challenge.used_at.is_some() {
        return Err(AppError::new(
            ErrorCode::ChallengeReplayed,
            "this challenge was already used",
        ));
    }
    if from_db(challenge.expires_at) <= now {
        return Err(AppError::new(
            ErrorCode::ChallengeExpired,
            "the challenge has expired; request a new one",
        ));
    }
    if proof.certificate_chain.is_empty() {
        return Err(AppError::new(
            ErrorCode::CertificateMalformed,
            "certificate_chain is empty",
        ));
    }
    let store = ctx.trust.current();
    let cert = store
        .verify_chain(
            &proof.certificate_chain,
            now,
            Purpose::Signing,
            &ctx.identity_extraction,
            ctx.settings.identity.require_crl,
        )
        .map_err(cert_error)?;
    let message = challenge_message(
        &ctx.settings.identity.audience,
        &challenge.id,
        &challenge.nonce,
    );
    verify_signature(
        &cert.spki_der,
        proof.signature_algorithm,
        message.as_bytes(),
        &proof.signature,
    )
    .map_err(signature_error)?;
    Ok(cert)
}

/// Certificate failures each keep their own code: a bidder must know *why* it was refused.
pub fn cert_error(e: CertError) -> AppError {
    let code = match &e {
        CertError::Malformed(_) => ErrorCode::CertificateMalformed,
        CertError::Expired { .. } => ErrorCode::CertificateExpired,
        CertError::NotYetValid { .. } => ErrorCode::CertificateNotYetValid,
        CertError::Revoked { .. } => ErrorCode::CertificateRevoked,
        CertError::Untrusted | CertError::BadChainSignature | CertError::ChainTooLong => {
            ErrorCode::CertificateUntrusted
        }
        CertError::KeyUsage(_) => ErrorCode::CertificateKeyUsage,
        CertError::UnsupportedAlgorithm(_) => ErrorCode::CertificateAlgorithmUnsupported,
        CertError::RevocationUnknown => ErrorCode::CertificateRevocationUnknown,
    };
    AppError::new(code, e.to_string())
}

pub fn signature_error(e: VerifyError) -> AppError {
    let code = match e {
        VerifyError::BadSignature => ErrorCode::SignatureInvalid,
        VerifyError::UnsupportedAlgorithm | VerifyError::AlgorithmKeyMismatch => {
            ErrorCode::SignatureAlgorithmUnsupported
        }
        VerifyError::MalformedKey | VerifyError::WeakKey => {
            ErrorCode::CertificateAlgorithmUnsupported
        }
    };
    AppError::new(code, e.to_string())
}

fn credential_row(
    cert: &VerifiedCertificate,
    principal_id: &str,
    now: DateTime<Utc>,
) -> repo::CredentialRow {
    repo::CredentialRow {
        fingerprint: cert.fingerprint_sha256.clone(),
        principal_id: principal_id.into(),
        serial_hex: cert.serial_hex.clone(),
        subject: cert.subject.clone(),
        issuer: cert.issuer.clone(),
        key_algorithm: format!("{:?}", cert.key_algorithm),
        not_before: to_db(cert.not_before),
        not_after: to_db(cert.not_after),
        cert_der: cert.der.clone(),
        created_at: to_db(now),
    }
}

fn consume(c: &mut AnyConnection, challenge_id: &str, now: DateTime<Utc>) -> AppResult<()> {
    if repo::consume_challenge(c, challenge_id, to_db(now)).map_err(AppError::internal)? {
        Ok(())
    } else {
        // Lost a race with another use of the same challenge, or it expired meanwhile.
        Err(AppError::new(
            ErrorCode::ChallengeReplayed,
            "this challenge was already used",
        ))
    }
}

fn parse_roles(rows: Vec<String>) -> BTreeSet<Role> {
    rows.iter().filter_map(|r| Role::parse(r)).collect()
}

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
    let cert = verify_proof(ctx, &req.proof).await?;
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
                repo::grant_role(
                    c,
                    &repo::RoleGrantRow {
                        principal_id: org.id.clone(),
                        role: r.as_str().into(),
                        granted_by: None,
                        granted_at: to_db(now),
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
                        "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                        "certificate": {"fingerprint": cert.fingerprint_sha256, "serial": cert.serial_hex, "issuer": cert.issuer},
                    }),
                },
            )?;
            Ok((org, roles))
        })
        .await?;
    Ok(organisation_view(org, roles))
}

fn organisation_view(row: repo::OrganisationRow, roles: BTreeSet<Role>) -> Organisation {
    Organisation {
        id: row.id,
        uscc: row.uscc,
        name: row.name,
        roles: roles.into_iter().collect(),
        contact_email: row.contact_email,
        created_at: from_db(row.created_at),
    }
}

fn person_view(row: repo::PersonRow, roles: BTreeSet<Role>) -> Person {
    Person {
        id: row.id,
        name: row.name,
        roles: roles.into_iter().collect(),
        organisation_id: row.organisation_id,
        contact_email: row.contact_email,
        created_at: from_db(row.created_at),
    }
}

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
    let cert = verify_proof(ctx, &req.proof).await?;
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
                return Err(AppError::new(ErrorCode::AlreadyRegistered, "this person is already registered"));
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
                        "certificate": {"fingerprint": cert.fingerprint_sha256, "serial": cert.serial_hex, "issuer": cert.issuer},
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

fn grant(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    person: &str,
    role: Role,
    by: &ActorRef,
) -> AppResult<bool> {
    let added = repo::grant_role(
        c,
        &repo::RoleGrantRow {
            principal_id: person.into(),
            role: role.as_str().into(),
            granted_by: Some(by.id.clone()),
            granted_at: to_db(now),
        },
    )?;
    if added {
        audit::record(
            c,
            now,
            Event {
                event_type: EventType::RoleGranted,
                tender_id: None,
                section_id: None,
                actor: by.clone(),
                subject: person.into(),
                body: json!({"person": person, "role": role.as_str()}),
            },
        )?;
    }
    Ok(added)
}

/// Log in: verify the proof, then open a session for the registered principal.
pub async fn login(
    ctx: &AppContext,
    kind: PrincipalKind,
    proof: PossessionProof,
) -> AppResult<Session> {
    let cert = verify_proof(ctx, &proof).await?;
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
                PrincipalKind::Organisation => repo::find_organisation_by_uscc(c, &key)?.map(|o| o.id),
                PrincipalKind::Person => repo::find_person_by_person_id(c, &key)?.map(|p| p.id),
            }
            .ok_or_else(|| AppError::new(ErrorCode::NotRegistered, "this certificate's holder is not registered"))?;
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
                        "certificate": {"fingerprint": cert.fingerprint_sha256, "serial": cert.serial_hex},
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

fn load_actor(
    c: &mut AnyConnection,
    kind: PrincipalKind,
    id: &str,
    session: &str,
) -> AppResult<Actor> {
    match kind {
        PrincipalKind::Organisation => {
            let org = repo::find_organisation(c, id)?.ok_or_else(|| {
                AppError::new(ErrorCode::TokenInvalid, "principal no longer exists")
            })?;
            Ok(Actor {
                kind,
                id: org.id.clone(),
                name: org.name,
                roles: parse_roles(repo::roles_of(c, id)?),
                organisation_id: Some(org.id),
                session: session.into(),
            })
        }
        PrincipalKind::Person => {
            let p = repo::find_person(c, id)?.ok_or_else(|| {
                AppError::new(ErrorCode::TokenInvalid, "principal no longer exists")
            })?;
            let granted = parse_roles(repo::roles_of(c, id)?);
            let employer = match &p.organisation_id {
                Some(org) => Some(parse_roles(repo::roles_of(c, org)?)),
                None => None,
            };
            Ok(Actor {
                kind,
                id: p.id,
                name: p.name,
                roles: effective_person_roles(&granted, employer.as_ref()),
                organisation_id: p.organisation_id,
                session: session.into(),
            })
        }
    }
}

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

/// End the caller's session.
pub async fn logout(ctx: &AppContext, actor: &Actor) -> AppResult<()> {
    actor.require(Permission::ReadSelf)?;
    let now = ctx.clock.now();
    let actor = actor.clone();
    ctx.db
        .write(move |c| {
            if repo::revoke_session(c, &actor.session, to_db(now))? == 1 {
                audit::record(
                    c,
                    now,
                    Event {
                        event_type: EventType::SessionClosed,
                        tender_id: None,
                        section_id: None,
                        actor: actor.audit_ref(),
                        subject: actor.id.clone(),
                        body: json!({"principal": actor.id, "session": &actor.session[..16]}),
                    },
                )?;
            }
            Ok(())
        })
        .await
}

pub async fn get_organisation(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
) -> AppResult<Organisation> {
    let own = actor.organisation_id.as_deref() == Some(id);
    if !own {
        // Outsiders learn nothing, not even whether the id exists.
        actor
            .require(Permission::ReadAnyOrganisation)
            .map_err(|_| AppError::not_found("no such organisation"))?;
    }
    let id = id.to_string();
    ctx.db
        .read_primary(move |c| {
            let row = repo::find_organisation(c, &id)?
                .ok_or_else(|| AppError::not_found("no such organisation"))?;
            let roles = parse_roles(repo::roles_of(c, &id)?);
            Ok(organisation_view(row, roles))
        })
        .await
}

/// A page of a keyset-paginated list.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<String>,
}

pub async fn list_organisations(
    ctx: &AppContext,
    actor: &Actor,
    after: Option<String>,
    limit: i64,
) -> AppResult<Page<Organisation>> {
    actor.require(Permission::ListRegistry)?;
    let limit = limit.clamp(1, 200);
    ctx.db
        .read(move |c| {
            let rows = repo::list_organisations(c, after.as_deref(), limit + 1)?;
            let more = rows.len() as i64 > limit;
            let mut items = Vec::new();
            for row in rows.into_iter().take(limit as usize) {
                let roles = parse_roles(repo::roles_of(c, &row.id)?);
                items.push(organisation_view(row, roles));
            }
            let next = if more {
                items.last().map(|o| o.id.clone())
            } else {
                None
            };
            Ok(Page { items, next })
        })
        .await
}

pub async fn list_people(
    ctx: &AppContext,
    actor: &Actor,
    after: Option<String>,
    limit: i64,
) -> AppResult<Page<Person>> {
    actor.require(Permission::ListRegistry)?;
    let limit = limit.clamp(1, 200);
    ctx.db
        .read(move |c| {
            let rows = repo::list_people(c, after.as_deref(), limit + 1)?;
            let more = rows.len() as i64 > limit;
            let mut items = Vec::new();
            for row in rows.into_iter().take(limit as usize) {
                let roles = parse_roles(repo::roles_of(c, &row.id)?);
                items.push(person_view(row, roles));
            }
            let next = if more {
                items.last().map(|o| o.id.clone())
            } else {
                None
            };
            Ok(Page { items, next })
        })
        .await
}

/// Grant (or with `revoke`, take away) a person role. Administrators only.
pub async fn set_person_role(
    ctx: &AppContext,
    actor: &Actor,
    person: &str,
    role: Role,
    revoke: bool,
) -> AppResult<Person> {
    actor.require(Permission::ManageRoles)?;
    if !role.is_grantable_to_person() {
        return Err(AppError::field(
            "role",
            "not_grantable",
            format!("{role} cannot be granted to a person"),
        ));
    }
    if revoke && role == Role::Administrator && person == actor.id {
        return Err(AppError::conflict(
            "administrators cannot remove their own administrator role",
        ));
    }
    let now = ctx.clock.now();
    let by = actor.audit_as(Role::Administrator);
    let person = person.to_string();
    ctx.db
        .write(move |c| {
            let row = repo::find_person(c, &person)?
                .ok_or_else(|| AppError::not_found("no such person"))?;
            if revoke {
                if repo::revoke_role(c, &person, role.as_str())? {
                    audit::record(
                        c,
                        now,
                        Event {
                            event_type: EventType::RoleRevoked,
                            tender_id: None,
                            section_id: None,
                            actor: by.clone(),
                            subject: person.clone(),
                            body: json!({"person": person, "role": role.as_str()}),
                        },
                    )?;
                }
            } else {
                grant(c, now, &person, role, &by)?;
            }
            let roles = parse_roles(repo::roles_of(c, &person)?);
            Ok(person_view(row, roles))
        })
        .await
}

/// Attach a registered person as staff of an organisation (an agent's staff then act for it).
/// The organisation itself or an administrator may do this.
pub async fn attach_staff(
    ctx: &AppContext,
    actor: &Actor,
    org: &str,
    person: &str,
) -> AppResult<Person> {
    actor.require(Permission::ManageStaff)?;
    let is_admin = actor.has(Role::Administrator);
    let is_self = actor.kind == PrincipalKind::Organisation && actor.id == org;
    if !is_admin && !is_self {
        return Err(AppError::forbidden(
            "only the organisation itself or an administrator may manage its staff",
        ));
    }
    let now = ctx.clock.now();
    let by = actor.audit_ref();
    let (org, person) = (org.to_string(), person.to_string());
    ctx.db
        .write(move |c| {
            repo::find_organisation(c, &org)?
                .ok_or_else(|| AppError::not_found("no such organisation"))?;
            let mut row = repo::find_person(c, &person)?
                .ok_or_else(|| AppError::not_found("no such person"))?;
            if let Some(existing) = &row.organisation_id {
                if existing != &org {
                    return Err(AppError::conflict(
                        "this person is staff of another organisation",
                    ));
                }
            }
            repo::set_person_organisation(c, &person, Some(&org))?;
            row.organisation_id = Some(org.clone());
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::StaffAttached,
                    tender_id: None,
                    section_id: None,
                    actor: by,
                    subject: person.clone(),
                    body: json!({"person": person, "organisation": org}),
                },
            )?;
            let roles = parse_roles(repo::roles_of(c, &person)?);
            let employer = parse_roles(repo::roles_of(c, &org)?);
            Ok(person_view(
                row,
                effective_person_roles(&roles, Some(&employer)),
            ))
        })
        .await
}
