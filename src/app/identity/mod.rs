//! Identity by certificate: registration and login by challenge–response, bearer sessions,
//! role grants and staff membership.
//!
//! A client proves possession of its certificate key by signing a one-time server nonce
//! ([`challenge_message`]). The chain must reach a configured trust anchor, be valid at the
//! server's time, allow signing, and not be revoked. Every check happens before the write
//! transaction, and the challenge is consumed inside it, so a refused attempt creates nothing and
//! a replayed challenge can never win a race.

mod accept_staff;
mod attach_staff;
mod authenticate;
mod detach_staff;
mod entrust;
mod get_organisation;
mod issue_challenge;
mod list_organisations;
mod list_people;
mod login;
mod logout;
mod register_organisation;
mod register_person;
mod revoke_entrustment;
mod set_organisation_role;
mod set_person_role;
mod sweep_challenges;

use crate::app::support::errors::*;
use crate::app::support::roles::grant;
use crate::app::Actor;
use crate::app::AppContext;
use crate::crypto::keys::verify_signature;
use crate::crypto::x509::Purpose;
use crate::crypto::x509::VerifiedCertificate;
use crate::db::repo::identity as repo;
use crate::db::types::from_db;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::identity::challenge_message;
use crate::domain::identity::effective_person_roles;
use crate::domain::identity::PrincipalKind;
use crate::domain::identity::Role;
use crate::domain::signed::labelled;
use crate::domain::signed::LOGIN;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::identity::*;
pub use accept_staff::*;
pub use attach_staff::*;
pub use authenticate::*;
use chrono::DateTime;
use chrono::Utc;
pub use detach_staff::*;
pub use entrust::*;
pub use get_organisation::*;
pub use issue_challenge::*;
pub use list_organisations::*;
pub use list_people::*;
pub use login::*;
pub use logout::*;
pub use register_organisation::*;
pub use register_person::*;
pub use revoke_entrustment::*;
pub use set_organisation_role::*;
pub use set_person_role::*;
use std::collections::BTreeSet;
use std::collections::HashMap;
pub use sweep_challenges::*;

/// Checks shared by login and registration: challenge live, chain trusted, signature valid.
/// The certificate must also be of the kind the caller acts as (an organisation's or a
/// person's, by its certificate policies).
async fn verify_proof(
    ctx: &AppContext,
    proof: &PossessionProof,
    kind: PrincipalKind,
) -> AppResult<VerifiedCertificate> {
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
        &labelled(LOGIN, message.as_bytes()),
        &proof.signature,
    )
    .map_err(signature_error)?;
    crate::app::support::signing::require_kind(
        &cert,
        match kind {
            PrincipalKind::Organisation => crate::crypto::x509::CertKind::Organisation,
            PrincipalKind::Person => crate::crypto::x509::CertKind::Person,
        },
    )?;
    Ok(cert)
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

/// An organisation's granted and requested roles.
type GrantedAndRequested = (BTreeSet<Role>, BTreeSet<Role>);

/// The granted and the requested roles of a page of organisations, in one query.
fn org_roles_by_principal(
    c: &mut AnyConnection,
    ids: Vec<String>,
) -> AppResult<HashMap<String, GrantedAndRequested>> {
    let mut out: HashMap<String, GrantedAndRequested> = HashMap::new();
    for (principal, role, requested) in
        crate::db::repo::parties::roles_and_requests_of_all(c, &ids)?
    {
        if let Some(r) = Role::parse(&role) {
            let e = out.entry(principal).or_default();
            if requested {
                e.1.insert(r)
            } else {
                e.0.insert(r)
            };
        }
    }
    Ok(out)
}

/// The roles of a page of principals, in one query.
fn roles_by_principal(
    c: &mut AnyConnection,
    ids: Vec<String>,
) -> AppResult<HashMap<String, BTreeSet<Role>>> {
    let mut out: HashMap<String, BTreeSet<Role>> = HashMap::new();
    for (principal, role) in repo::roles_of_all(c, &ids)? {
        if let Some(r) = Role::parse(&role) {
            out.entry(principal).or_default().insert(r);
        }
    }
    Ok(out)
}

fn organisation_view(
    row: repo::OrganisationRow,
    roles: BTreeSet<Role>,
    requested: BTreeSet<Role>,
) -> Organisation {
    Organisation {
        id: row.id,
        uscc: row.uscc,
        name: row.name,
        roles: roles.into_iter().collect(),
        requested_roles: requested.into_iter().collect(),
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
