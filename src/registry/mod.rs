//! The licence registry adapter (免证明, docs/LICENCES.md): fetches an organisation's licences
//! by USCC from the city/province registry over HTTP, verifies the registry's signature over
//! the exact response bytes, and says precisely how each fetch ended — so the use-cases can
//! record provenance and fall back to the cached record, never to a silent pass.
//!
//! Infrastructure: it knows the registry's wire format and the trusted key, nothing of bids,
//! tenders or who may ask (that is `app`'s). Retries and timeouts are operational, not
//! statutory, so they run on real time.

pub mod simulator;

use std::time::Duration;

use base64::Engine;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};
use serde::{Deserialize, Serialize};

use crate::domain::licence::{FetchOutcome, RegistryRecord};
use crate::secret::{ExposeSecret, SecretString};

/// The response header carrying the registry's signature (base64 of an ASN.1 DER ECDSA P-256
/// SHA-256 signature over the exact body bytes).
pub const SIGNATURE_HEADER: &str = "x-registry-signature";
/// The response header naming the registry key that signed (informative; the trusted key is the
/// configured one).
pub const KEY_ID_HEADER: &str = "x-registry-key-id";
/// The longest body read from the registry: a record is a few kilobytes.
const MAX_BODY: usize = 1 << 20;

/// `[registry]`: where the licence registry is, how to authenticate, how long to wait, and
/// the key its answers must be signed with.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrySettings {
    /// Base URL (`https://registry.example.gov.cn/api`); empty: no registry (every fetch is
    /// `not_configured`, facts come only from what is cached).
    pub endpoint: String,
    /// Bearer credential the registry issued to the platform.
    #[serde(
        serialize_with = "crate::secret::serialize_redacted",
        deserialize_with = "crate::secret::deserialize_secret"
    )]
    pub token: SecretString,
    /// Per attempt, connection and answer together.
    pub timeout_ms: u64,
    /// Further attempts after an unreachable or timed-out one.
    pub retries: u32,
    pub retry_backoff_ms: u64,
    /// The registry's ECDSA P-256 public key, base64 of the uncompressed SEC1 point (65 bytes).
    pub public_key: String,
    /// Refuse answers without a signature (a present signature is always verified).
    pub require_signature: bool,
    /// Allow a plain `http://` endpoint (development, the simulator).
    pub allow_http: bool,
}

impl Default for RegistrySettings {
    fn default() -> Self {
        RegistrySettings {
            endpoint: String::new(),
            token: SecretString::from(String::new()),
            timeout_ms: 3000,
            retries: 2,
            retry_backoff_ms: 200,
            public_key: String::new(),
            require_signature: true,
            allow_http: false,
        }
    }
}

impl RegistrySettings {
    /// `(key, why)` for each setting that cannot be used.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.timeout_ms == 0 || self.timeout_ms > 120_000 {
            out.push(("timeout_ms", "must be between 1 and 120000".to_string()));
        }
        if self.retries > 10 {
            out.push(("retries", "must be at most 10".to_string()));
        }
        if self.retry_backoff_ms > 60_000 {
            out.push(("retry_backoff_ms", "must be at most 60000".to_string()));
        }
        if !self.public_key.is_empty() && public_key(&self.public_key).is_none() {
            out.push((
                "public_key",
                "must be base64 of an uncompressed P-256 point (65 bytes, 0x04 first)".to_string(),
            ));
        }
        if self.endpoint.is_empty() {
            return out;
        }
        match reqwest::Url::parse(&self.endpoint) {
            Ok(u) if u.scheme() == "https" => {}
            Ok(u) if u.scheme() == "http" && self.allow_http => {}
            Ok(u) if u.scheme() == "http" => out.push((
                "endpoint",
                "is plain http: use https, or set allow_http = true (development)".to_string(),
            )),
            _ => out.push(("endpoint", "must be an http(s) URL".to_string())),
        }
        if self.require_signature && self.public_key.is_empty() {
            out.push((
                "public_key",
                "is required when require_signature is true (the registry's signing key)"
                    .to_string(),
            ));
        }
        out
    }
}

fn public_key(b64: &str) -> Option<Vec<u8>> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    (bytes.len() == 65 && bytes[0] == 4).then_some(bytes)
}

/// How one fetch ended, with everything its provenance needs.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The URL asked (the endpoint carries no credentials).
    pub source: String,
    pub outcome: FetchOutcome,
    pub http_status: Option<u16>,
    /// SHA-256 (hex) of the exact response bytes, when a body came back.
    pub digest: Option<String>,
    pub signature: Option<String>,
    pub key_id: Option<String>,
    /// The verified record (outcome `ok` only).
    pub record: Option<RegistryRecord>,
    pub error: Option<String>,
    /// Attempts made (1 + retries used).
    pub attempts: u32,
}

impl Fetched {
    fn failed(source: String, outcome: FetchOutcome, error: String) -> Fetched {
        Fetched {
            source,
            outcome,
            http_status: None,
            digest: None,
            signature: None,
            key_id: None,
            record: None,
            error: Some(error),
            attempts: 1,
        }
    }
}

/// The configured registry link.
#[derive(Clone)]
pub struct Registry {
    settings: RegistrySettings,
    http: reqwest::Client,
    key: Option<Vec<u8>>,
}

impl Registry {
    pub fn new(settings: RegistrySettings) -> anyhow::Result<Registry> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms.max(1)))
            .build()?;
        let key = public_key(&settings.public_key);
        Ok(Registry {
            settings,
            http,
            key,
        })
    }

    /// The URL a USCC's record is fetched from.
    pub fn source(&self, uscc: &str) -> String {
        format!(
            "{}/v1/organisations/{}/licences",
            self.settings.endpoint.trim_end_matches('/'),
            percent_encoding::utf8_percent_encode(uscc, percent_encoding::NON_ALPHANUMERIC)
        )
    }

    pub fn configured(&self) -> bool {
        !self.settings.endpoint.is_empty()
    }

    /// Fetches `uscc`'s record, retrying an unreachable or slow registry; never panics and
    /// never returns an unverified record.
    pub async fn fetch(&self, uscc: &str) -> Fetched {
        if !self.configured() {
            return Fetched::failed(
                String::new(),
                FetchOutcome::NotConfigured,
                "no licence registry is configured on this node".into(),
            );
        }
        let source = self.source(uscc);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let mut got = self.attempt(&source, uscc).await;
            got.attempts = attempts;
            if !got.outcome.retryable() || attempts > self.settings.retries {
                return got;
            }
            let backoff = self.settings.retry_backoff_ms * u64::from(attempts);
            tokio::time::sleep(Duration::from_millis(backoff)).await;
        }
    }

    async fn attempt(&self, source: &str, uscc: &str) -> Fetched {
        let token = self.settings.token.expose_secret();
        let mut req = self
            .http
            .get(source)
            .header(reqwest::header::ACCEPT, "application/json");
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Fetched::failed(source.into(), transport(&e), describe(&e)),
        };
        let status = resp.status();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (signature, key_id) = (header(SIGNATURE_HEADER), header(KEY_ID_HEADER));
        let body = match read_body(resp).await {
            Ok(b) => b,
            Err((outcome, e)) => return Fetched::failed(source.into(), outcome, e),
        };
        let mut got = Fetched {
            source: source.into(),
            outcome: FetchOutcome::Ok,
            http_status: Some(status.as_u16()),
            digest: Some(hex::encode(ring::digest::digest(
                &ring::digest::SHA256,
                &body,
            ))),
            signature,
            key_id,
            record: None,
            error: None,
            attempts: 1,
        };
        let refused = |g: &mut Fetched, outcome, why: String| {
            g.outcome = outcome;
            g.error = Some(why);
        };
        if status.is_server_error() {
            refused(
                &mut got,
                FetchOutcome::Unreachable,
                format!("registry answered {status}"),
            );
        } else if status == reqwest::StatusCode::NOT_FOUND {
            refused(
                &mut got,
                FetchOutcome::NotListed,
                "the registry lists no such USCC".into(),
            );
        } else if !status.is_success() {
            refused(
                &mut got,
                FetchOutcome::Refused,
                format!("registry answered {status}"),
            );
        } else {
            match self.verify(&body, got.signature.as_deref(), uscc) {
                Ok(record) => got.record = Some(record),
                Err((outcome, why)) => refused(&mut got, outcome, why),
            }
        }
        got
    }

    /// The record in `body` if it is one, for `uscc`, and signed by the trusted key.
    fn verify(
        &self,
        body: &[u8],
        signature: Option<&str>,
        uscc: &str,
    ) -> Result<RegistryRecord, (FetchOutcome, String)> {
        let record: RegistryRecord = serde_json::from_slice(body).map_err(|e| {
            (
                FetchOutcome::Garbage,
                format!("the answer is not a licence record: {e}"),
            )
        })?;
        match (signature, &self.key) {
            (None, _) if self.settings.require_signature => {
                return Err((
                    FetchOutcome::BadSignature,
                    "the answer is not signed".into(),
                ))
            }
            (None, _) => {}
            (Some(_), None) => {
                return Err((
                    FetchOutcome::BadSignature,
                    "the answer is signed but no registry key is trusted".into(),
                ))
            }
            (Some(sig), Some(key)) => {
                let sig = base64::engine::general_purpose::STANDARD
                    .decode(sig.trim())
                    .map_err(|_| (FetchOutcome::BadSignature, "signature is not base64".into()))?;
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, key)
                    .verify(body, &sig)
                    .map_err(|_| {
                        (
                            FetchOutcome::BadSignature,
                            "the signature does not verify with the trusted registry key".into(),
                        )
                    })?;
            }
        }
        if record.uscc != uscc {
            return Err((
                FetchOutcome::Garbage,
                format!("the answer is the record of another USCC ({})", record.uscc),
            ));
        }
        Ok(record)
    }
}

fn transport(e: &reqwest::Error) -> FetchOutcome {
    if e.is_timeout() {
        FetchOutcome::Timeout
    } else {
        FetchOutcome::Unreachable
    }
}

/// The error without its URL: it names the endpoint, which the row records apart.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer within the timeout".into()
    } else if e.is_connect() {
        "cannot connect to the registry".into()
    } else {
        format!("transport error: {}", e.without_url_ref())
    }
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut s = self.to_string();
        if let Some(u) = self.url() {
            s = s.replace(u.as_str(), "<registry>");
        }
        s
    }
}

async fn read_body(mut resp: reqwest::Response) -> Result<Vec<u8>, (FetchOutcome, String)> {
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk);
                if body.len() > MAX_BODY {
                    return Err((FetchOutcome::Garbage, "the answer is too large".into()));
                }
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err((transport(&e), describe(&e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_and_the_token_never_shown() {
        assert!(RegistrySettings::default().problems().is_empty());
        let s = RegistrySettings {
            endpoint: "http://registry.local".into(),
            token: SecretString::from("s3cret".to_string()),
            public_key: "AAAA".into(),
            ..RegistrySettings::default()
        };
        let keys: Vec<&str> = s.problems().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["public_key", "endpoint"]);
        let shown = format!("{s:?} {}", toml::to_string(&s).unwrap());
        assert!(!shown.contains("s3cret"), "{shown}");
        let unsigned = RegistrySettings {
            endpoint: "https://registry.local".into(),
            ..RegistrySettings::default()
        };
        assert_eq!(unsigned.problems()[0].0, "public_key");
    }

    /// The adapter against the simulator: every way an answer can fail is named, and only a
    /// record for the USCC asked, signed with the trusted key, comes back as `ok`.
    #[tokio::test]
    async fn every_answer_is_classified_and_only_a_signed_record_is_ok() {
        use super::simulator::{sample_record, Mode, Simulator};
        use chrono::NaiveDate;
        let sim = Simulator::start("t0ken").await.unwrap();
        let uscc = "91429005MA4F000001";
        let day = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        sim.put(sample_record(uscc, "某公司", day));
        let reg = Registry::new(sim.settings(1000, 1)).unwrap();
        let ok = reg.fetch(uscc).await;
        assert_eq!(ok.outcome, FetchOutcome::Ok, "{ok:?}");
        assert_eq!(ok.record.unwrap().qualifications[0].valid_until, day);
        assert_eq!((ok.http_status, ok.attempts), (Some(200), 1));
        // The expired-licence switch changes the dates and the answer still verifies.
        let lapsed = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        sim.expire_on(Some(lapsed));
        let got = reg.fetch(uscc).await.record.unwrap();
        assert_eq!(got.safety_permits[0].valid_until, lapsed);
        sim.expire_on(None);
        assert_eq!(
            reg.fetch("91429005MA4F000002").await.outcome,
            FetchOutcome::NotListed
        );
        // Wrong credentials; no trusted key; unsigned answers refused.
        let mut wrong = sim.settings(1000, 1);
        wrong.token = SecretString::from("nope".to_string());
        let refused = Registry::new(wrong).unwrap().fetch(uscc).await;
        assert_eq!(refused.outcome, FetchOutcome::Refused);
        let mut untrusted = sim.settings(1000, 1);
        untrusted.public_key = String::new();
        let got = Registry::new(untrusted).unwrap().fetch(uscc).await;
        assert_eq!(got.outcome, FetchOutcome::BadSignature);
        assert!(got.record.is_none() && got.digest.is_some());
        sim.set_mode(Mode::BadSignature);
        assert_eq!(reg.fetch(uscc).await.outcome, FetchOutcome::BadSignature);
        // Down is retried, garbage is not; a stopped registry is unreachable.
        sim.set_mode(Mode::Down);
        let down = reg.fetch(uscc).await;
        assert_eq!(
            (down.outcome, down.attempts),
            (FetchOutcome::Unreachable, 2)
        );
        sim.set_mode(Mode::Garbage);
        let garbage = reg.fetch(uscc).await;
        assert_eq!(
            (garbage.outcome, garbage.attempts),
            (FetchOutcome::Garbage, 1)
        );
        let url = sim.url.clone();
        sim.stop().await;
        let gone = reg.fetch(uscc).await;
        assert_eq!(gone.outcome, FetchOutcome::Unreachable);
        assert!(
            !gone.error.unwrap().contains(&url),
            "the error names no URL"
        );
        let none = Registry::new(RegistrySettings::default()).unwrap();
        assert_eq!(none.fetch(uscc).await.outcome, FetchOutcome::NotConfigured);
    }
}
