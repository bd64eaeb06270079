//! The bidder's (and every other party's) client: logs in with a certificate and calls the API.
//!
//! The CLI, the demo and the integration tests all go through this client, so the system is
//! exercised the way real parties use it. Errors from the server come back as the decoded
//! problem document, so callers can match on the stable `code`.

pub mod archive;
pub mod artefacts;
pub mod award;
pub mod award_edges;
pub mod award_notices;
pub mod bank;
pub mod bids;
pub mod cases;
pub mod collusion;
pub mod contracts;
pub mod device;
pub mod docmeta;
pub mod evaluation;
pub mod inspections;
pub mod licences;
pub mod oversight;
pub mod supervision;
pub mod treasury;
pub mod validity;
pub mod witness;

use std::path::Path;

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::crypto::keys::{SignatureAlgorithm, SigningKey};
use crate::crypto::x509::parse_chain_pem_or_der;
use crate::domain::identity::{challenge_message, plausible_challenge, PrincipalKind, Role};
use crate::domain::signed::{self, labelled};
use crate::error::ErrorCode;
use crate::http::problem::Problem;
use crate::http::routes::auth::ProofDto;
use crate::wire::identity::{Challenge, Organisation, Person, Session};

/// A certificate chain with the private key of its leaf.
pub struct Credentials {
    /// DER, leaf first.
    pub chain: Vec<Vec<u8>>,
    pub key: SigningKey,
    pub algorithm: SignatureAlgorithm,
}

impl Credentials {
    pub fn new(chain: Vec<Vec<u8>>, key: SigningKey) -> Credentials {
        let algorithm = key.default_signature_algorithm();
        Credentials {
            chain,
            key,
            algorithm,
        }
    }

    /// Load a PEM (or DER) certificate chain file and a PKCS#8 PEM key file.
    pub fn from_files(cert: &Path, key: &Path) -> Result<Credentials, ClientError> {
        let cert_bytes = std::fs::read(cert)
            .map_err(|e| ClientError::Local(format!("{}: {e}", cert.display())))?;
        let key_pem = std::fs::read_to_string(key)
            .map_err(|e| ClientError::Local(format!("{}: {e}", key.display())))?;
        let chain = parse_chain_pem_or_der(&cert_bytes)
            .map_err(|e| ClientError::Local(format!("{}: {e}", cert.display())))?;
        let key = SigningKey::from_pkcs8_pem(&key_pem)
            .map_err(|e| ClientError::Local(format!("{}: {e}", key.display())))?;
        Ok(Credentials::new(chain, key))
    }

    pub fn with_algorithm(mut self, alg: SignatureAlgorithm) -> Credentials {
        self.algorithm = alg;
        self
    }

    /// Sign a login `challenge` from the platform named `audience` and package the proof. The
    /// text signed is rebuilt here from the audience, id and nonce, never taken as the server
    /// sent it: a challenge for another audience, with an implausible id or nonce, or whose
    /// `message` differs from the rebuilt text is refused, so a server can only ever obtain a
    /// login signature for itself (and, with the login label, for nothing but a login).
    pub fn prove(&self, challenge: &Challenge, audience: &str) -> Result<ProofDto, ClientError> {
        if challenge.audience != audience {
            return Err(ClientError::Local(format!(
                "the server's challenge is for audience {:?}, not {audience:?}: refusing to sign",
                challenge.audience
            )));
        }
        if !plausible_challenge(&challenge.challenge_id, &challenge.nonce) {
            return Err(ClientError::Local(
                "the server's challenge id or nonce is malformed: refusing to sign".into(),
            ));
        }
        let text = challenge_message(audience, &challenge.challenge_id, &challenge.nonce);
        if challenge.message != text {
            return Err(ClientError::Local(
                "the server asks to sign something other than a login: refusing".into(),
            ));
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let sig = self
            .key
            .sign(self.algorithm, &labelled(signed::LOGIN, text.as_bytes()))
            .map_err(|e| ClientError::Local(format!("signing failed: {e}")))?;
        Ok(ProofDto {
            challenge_id: challenge.challenge_id.clone(),
            certificate_chain: self.chain.iter().map(|c| b64.encode(c)).collect(),
            signature: b64.encode(sig),
            signature_algorithm: self.algorithm.as_str().into(),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("transport: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("{} {}: {}", .status, .problem.code, .problem.detail)]
    Api { status: u16, problem: Box<Problem> },
    #[error("unexpected response ({status}): {body}")]
    Unexpected { status: u16, body: String },
    #[error("{0}")]
    Local(String),
}

impl ClientError {
    /// Whether the request may not have been handled at all and is worth asking again about: the
    /// connection failed, or the server answered 503 (`service_unavailable`, `server_busy`).
    /// What the server did is then unknown or nothing; ask where things stand before repeating.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Transport(_) => true,
            ClientError::Api { status, .. } | ClientError::Unexpected { status, .. } => {
                *status == 503
            }
            ClientError::Local(_) => false,
        }
    }

    /// The problem code, when the server refused with one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { problem, .. } => Some(problem.code),
            _ => None,
        }
    }

    /// The problem code as the server spelled it. Unlike [`code`](Self::code) this also reads
    /// codes that this build's [`ErrorCode`] does not know yet (the problem then arrives as
    /// `Unexpected`), so a client can react to a newer server's codes.
    pub fn problem_code(&self) -> Option<String> {
        match self {
            ClientError::Api { problem, .. } => Some(problem.code.as_str().to_string()),
            ClientError::Unexpected { body, .. } => serde_json::from_str::<Value>(body)
                .ok()?
                .get("code")?
                .as_str()
                .map(str::to_string),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } | ClientError::Unexpected { status, .. } => {
                Some(*status)
            }
            ClientError::Transport(e) => e.status().map(|s| s.as_u16()),
            ClientError::Local(_) => None,
        }
    }
}

fn http_client(local: Option<std::net::IpAddr>) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(120))
        // Below the server's keep-alive (5 s), so an idle connection is never reused just as
        // the server closes it.
        .pool_idle_timeout(std::time::Duration::from_secs(4))
        .local_address(local)
        .build()
        .unwrap_or_default()
}

/// An API client bound to one server, optionally logged in.
#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
    /// The platform's `identity.audience` this client logs in to.
    audience: String,
}

impl Client {
    pub fn new(base_url: &str) -> Client {
        Client {
            base: base_url.trim_end_matches('/').to_string(),
            http: http_client(None),
            token: None,
            audience: crate::domain::identity::DEFAULT_AUDIENCE.into(),
        }
    }

    /// Connect from the local address `addr` (a machine with several interfaces or addresses
    /// choosing the one its requests leave from).
    pub fn from_local_address(mut self, addr: std::net::IpAddr) -> Client {
        self.http = http_client(Some(addr));
        self
    }

    /// Log in only to the platform whose `identity.audience` is `audience` (default
    /// [`crate::domain::identity::DEFAULT_AUDIENCE`]).
    pub fn with_audience(mut self, audience: &str) -> Client {
        self.audience = audience.to_string();
        self
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn with_token(mut self, token: Option<String>) -> Client {
        self.token = token;
        self
    }

    /// Send a request and return status + parsed JSON body (or `Value::Null`), without
    /// interpreting errors. Tests use this to assert on exact responses.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value), ClientError> {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        read_response(req.send().await?).await
    }

    /// Send a request and decode a success body as `T`, or the problem document as an error.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, ClientError> {
        let (status, value) = self.raw(method, path, body).await?;
        decode_value(status, value)
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call(Method::GET, path, None).await
    }

    pub async fn post<T: DeserializeOwned, B: Serialize>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        let v = serde_json::to_value(body).map_err(|e| ClientError::Local(e.to_string()))?;
        self.call(Method::POST, path, Some(&v)).await
    }

    pub async fn challenge(&self) -> Result<Challenge, ClientError> {
        self.call(Method::POST, "/api/v1/auth/challenges", None)
            .await
    }

    pub async fn register_organisation(
        &self,
        creds: &Credentials,
        roles: &[Role],
        email: &str,
    ) -> Result<Organisation, ClientError> {
        let c = self.challenge().await?;
        let proof = creds.prove(&c, &self.audience)?;
        self.post(
            "/api/v1/organisations",
            &json!({"proof": proof, "roles": roles, "contact_email": email}),
        )
        .await
    }

    pub async fn register_person(
        &self,
        creds: &Credentials,
        email: &str,
    ) -> Result<Person, ClientError> {
        let c = self.challenge().await?;
        self.post(
            "/api/v1/people",
            &json!({"proof": creds.prove(&c, &self.audience)?, "contact_email": email}),
        )
        .await
    }

    /// Log in and keep the bearer token for later calls.
    pub async fn login(
        &mut self,
        kind: PrincipalKind,
        creds: &Credentials,
    ) -> Result<Session, ClientError> {
        let c = self.challenge().await?;
        let s: Session = self
            .post(
                "/api/v1/auth/tokens",
                &json!({"kind": kind, "proof": creds.prove(&c, &self.audience)?}),
            )
            .await?;
        self.token = Some(s.token.clone());
        Ok(s)
    }

    /// Download an audit export bundle (whole log, one tender, or one principal).
    pub async fn audit_export(
        &self,
        tender_id: Option<&str>,
        subject: Option<&str>,
        since_size: Option<u64>,
    ) -> Result<crate::audit::bundle::Bundle, ClientError> {
        let mut q = Vec::new();
        if let Some(t) = tender_id {
            q.push(format!("tender_id={}", urlencode(t)));
        }
        if let Some(s) = subject {
            q.push(format!("subject={}", urlencode(s)));
        }
        if let Some(n) = since_size {
            q.push(format!("since_size={n}"));
        }
        let path = if q.is_empty() {
            "/api/v1/audit/export".to_string()
        } else {
            format!("/api/v1/audit/export?{}", q.join("&"))
        };
        self.get(&path).await
    }

    /// Stream one part of an opened bid, decrypted by the server, into `to` (committee members
    /// and regulators; the read is recorded). Returns the bytes written; a response cut short
    /// of its length (a chunk that failed to authenticate on the server) is an error.
    pub async fn save_opened_part(
        &self,
        tender: &str,
        section: &str,
        bid: &str,
        index: u32,
        to: &mut (dyn std::io::Write + Send),
    ) -> Result<u64, ClientError> {
        self.save(
            &format!(
                "/api/v1/tenders/{tender}/sections/{section}/bids/{bid}/parts/{index}/content"
            ),
            to,
        )
        .await
    }

    /// Stream a published tender document into `to` (anyone may, as bidders do before they
    /// bid). Returns the bytes written.
    pub async fn save_document(
        &self,
        tender: &str,
        document: &str,
        to: &mut (dyn std::io::Write + Send),
    ) -> Result<u64, ClientError> {
        self.save(
            &format!("/api/v1/tenders/{tender}/documents/{document}/content"),
            to,
        )
        .await
    }

    /// GET `path` and stream the body into `to`, chunk by chunk (constant memory); problems
    /// come back as errors.
    async fn save(
        &self,
        path: &str,
        to: &mut (dyn std::io::Write + Send),
    ) -> Result<u64, ClientError> {
        let mut req = self.http.get(format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let mut res = req.send().await?;
        if !res.status().is_success() {
            let (status, value) = read_response(res).await?;
            return decode_value(status, value);
        }
        let mut written = 0u64;
        while let Some(chunk) = res.chunk().await? {
            to.write_all(&chunk)
                .map_err(|e| ClientError::Local(format!("writing the download: {e}")))?;
            written += chunk.len() as u64;
        }
        Ok(written)
    }

    /// Fetch a plain-text resource (checkpoints, receipts); problems come back as errors.
    pub async fn get_text(&self, path: &str) -> Result<String, ClientError> {
        let mut req = self.http.get(format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await?;
        let status = res.status();
        let body = res.text().await?;
        if status.is_success() {
            return Ok(body);
        }
        match serde_json::from_str::<Problem>(&body) {
            Ok(problem) => Err(ClientError::Api {
                status: status.as_u16(),
                problem: Box::new(problem),
            }),
            Err(_) => Err(ClientError::Unexpected {
                status: status.as_u16(),
                body,
            }),
        }
    }
}

/// Status and JSON body of a response (`Value::Null` when empty, a string when not JSON).
async fn read_response(res: reqwest::Response) -> Result<(StatusCode, Value), ClientError> {
    let status = res.status();
    let bytes = res.bytes().await?;
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Ok((status, value))
}

/// Turn a status and body into `T`, or into the problem document as an error.
fn decode_value<T: DeserializeOwned>(status: StatusCode, value: Value) -> Result<T, ClientError> {
    if status.is_success() {
        let v = if value.is_null() { json!(null) } else { value };
        serde_json::from_value(v.clone()).map_err(|_| ClientError::Unexpected {
            status: status.as_u16(),
            body: v.to_string(),
        })
    } else {
        match serde_json::from_value::<Problem>(value.clone()) {
            Ok(problem) => Err(ClientError::Api {
                status: status.as_u16(),
                problem: Box::new(problem),
            }),
            Err(_) => Err(ClientError::Unexpected {
                status: status.as_u16(),
                body: value.to_string(),
            }),
        }
    }
}

/// Percent-encode a query value or path segment (ids are UUIDs, but callers may pass anything).
pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Client {
    /// Fetch the tender's current notice and sign it with `signer` (the tenderer's or agent's
    /// organisation certificate): the body for `…/publish` or the `signature` of an amendment.
    pub async fn sign_notice(
        &self,
        tender: &str,
        signer: &Credentials,
    ) -> Result<Value, ClientError> {
        let notice: Value = self
            .get(&format!("/api/v1/tenders/{tender}/notice"))
            .await?;
        let text = notice["text"]
            .as_str()
            .ok_or_else(|| ClientError::Local("notice without text".into()))?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let sig = signer
            .key
            .sign(signer.algorithm, &labelled(signed::NOTICE, text.as_bytes()))
            .map_err(|e| ClientError::Local(format!("signing failed: {e}")))?;
        Ok(json!({
            "certificate_chain": signer.chain.iter().map(|d| b64.encode(d)).collect::<Vec<_>>(),
            "signature": b64.encode(sig),
            "signature_algorithm": signer.algorithm.as_str(),
        }))
    }

    /// As the tenderer (logged in), entrust `agent_id` with `project` (the title of the one
    /// tender the agent may create under it), signed with `signer`, the tenderer's own
    /// organisation certificate. Returns the entrustment (its `id` goes into the agent's
    /// `POST /api/v1/tenders` as `entrustment_id`).
    pub async fn entrust(
        &self,
        agent_id: &str,
        project: &str,
        signer: &Credentials,
    ) -> Result<crate::wire::identity::Entrustment, ClientError> {
        let me: Value = self.get("/api/v1/me").await?;
        let tenderer = me["id"]
            .as_str()
            .ok_or_else(|| ClientError::Local("/me without id".into()))?;
        let payload = crate::domain::identity::entrustment_statement(tenderer, agent_id, project);
        let b64 = base64::engine::general_purpose::STANDARD;
        let sig = signer
            .key
            .sign(signer.algorithm, &payload)
            .map_err(|e| ClientError::Local(format!("signing failed: {e}")))?;
        self.post(
            "/api/v1/entrustments",
            &json!({
                "agent_id": agent_id, "project": project,
                "certificate_chain": signer.chain.iter().map(|d| b64.encode(d)).collect::<Vec<_>>(),
                "signature": b64.encode(sig),
                "signature_algorithm": signer.algorithm.as_str(),
            }),
        )
        .await
    }

    /// As an administrator, grant organisation `org` each of `roles` (the trading centre's
    /// decision on its registration).
    pub async fn grant_organisation_roles(
        &self,
        org: &str,
        roles: &[Role],
    ) -> Result<Organisation, ClientError> {
        let mut last = None;
        for r in roles {
            let path = format!(
                "/api/v1/organisations/{}/roles/{}",
                urlencode(org),
                r.as_str()
            );
            last = Some(self.call(Method::PUT, &path, None).await?);
        }
        match last {
            Some(o) => Ok(o),
            None => {
                self.get(&format!("/api/v1/organisations/{}", urlencode(org)))
                    .await
            }
        }
    }

    /// As the logged-in person `person`, accept organisation `org`'s staff invitation.
    pub async fn accept_staff(&self, org: &str, person: &str) -> Result<Person, ClientError> {
        let path = format!(
            "/api/v1/organisations/{}/staff/{}/acceptance",
            urlencode(org),
            urlencode(person)
        );
        self.call(Method::POST, &path, None).await
    }

    /// Upload a document (raw bytes) to a tender.
    pub async fn upload_document(
        &self,
        tender: &str,
        title: &str,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Value, ClientError> {
        let mut req = self
            .http
            .post(format!("{}/api/v1/tenders/{tender}/documents", self.base))
            .query(&[("title", title), ("file_name", file_name)])
            .header("content-type", content_type)
            .body(bytes);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await?;
        let status = res.status();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            Ok(v)
        } else {
            match serde_json::from_value::<Problem>(v.clone()) {
                Ok(problem) => Err(ClientError::Api {
                    status: status.as_u16(),
                    problem: Box::new(problem),
                }),
                Err(_) => Err(ClientError::Unexpected {
                    status: status.as_u16(),
                    body: v.to_string(),
                }),
            }
        }
    }
}
