//! Identity bodies: challenges and possession proofs, organisations, people, sessions, the
//! caller as a principal.

use crate::crypto::keys::SignatureAlgorithm;
use crate::domain::identity::PrincipalKind;
use crate::domain::identity::Role;
use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

/// A login/registration challenge handed to a client.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Challenge {
    pub challenge_id: String,
    /// Random 32 bytes, base64url.
    pub nonce: String,
    pub expires_at: DateTime<Utc>,
    /// The server's `identity.audience`: a client checks it is the platform it meant to log in
    /// to before signing.
    pub audience: String,
    /// The login text (`etender-auth/v1\naudience:…\nchallenge:…\nnonce:…\n`). A client
    /// rebuilds it from `audience`, `challenge_id` and `nonce` rather than signing this as
    /// received, and signs `etender-login/v1` ‖ 0x00 ‖ the text.
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
    /// Roles the trading centre has granted; the organisation acts in these only.
    pub roles: Vec<Role>,
    /// Roles requested at registration and not yet granted or refused.
    pub requested_roles: Vec<Role>,
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

/// A tenderer's entrustment of an agent for one project (委托招标).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Entrustment {
    pub id: String,
    pub tenderer_id: String,
    pub agent_id: String,
    pub project: String,
    pub created_at: DateTime<Utc>,
    /// The tender the agent created under it (one tender per entrustment).
    pub tender_id: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}
