//! The treasury adapter (国库支付款网上查询, docs/TREASURY.md): pulls a contract's payment records
//! from the treasury's payment system over HTTP, page by page, retrying a treasury that is down
//! or slow, and says precisely how each pull ended and what it got — so the use-case can import
//! every complete record once (idempotently, by the treasury's payment id) and show the
//! operator the link's state.
//!
//! Infrastructure: it knows the treasury's wire format, nothing of contracts' rules or who may
//! ask (that is `app`'s and `domain::payment`'s). Retries and timeouts are operational, not
//! statutory, so they run on real time.

pub mod simulator;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::payment::{PullOutcome, TreasuryPayment};
use crate::secret::{ExposeSecret, SecretString};

/// The longest page body read from the treasury.
const MAX_BODY: usize = 4 << 20;
/// A contract's payments never run to more pages than this; more is a treasury looping.
const MAX_PAGES: u32 = 1000;

/// `[treasury]`: where the treasury's payment interface is, how to authenticate, how long to
/// wait and how often the node pulls.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TreasurySettings {
    /// Base URL (`https://treasury.example.gov.cn/api`); empty: no treasury link (nothing is
    /// pulled, the payments views show what was imported before).
    pub endpoint: String,
    /// Bearer credential the treasury issued to the platform.
    #[serde(
        serialize_with = "crate::secret::serialize_redacted",
        deserialize_with = "crate::secret::deserialize_secret"
    )]
    pub token: SecretString,
    /// Per request, connection and answer together.
    pub timeout_ms: u64,
    /// Further attempts at a page after an unreachable or timed-out one.
    pub retries: u32,
    pub retry_backoff_ms: u64,
    /// How often the worker pulls every signed contract's payments (0: never; the operator
    /// can still pull one contract by hand).
    pub poll_interval_secs: u64,
    /// Allow a plain `http://` endpoint (development, the simulator).
    pub allow_http: bool,
}

impl Default for TreasurySettings {
    fn default() -> Self {
        TreasurySettings {
            endpoint: String::new(),
            token: SecretString::from(String::new()),
            timeout_ms: 5000,
            retries: 2,
            retry_backoff_ms: 500,
            poll_interval_secs: 3600,
            allow_http: false,
        }
    }
}

impl TreasurySettings {
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
        out
    }
}

/// One page of the treasury's answer (docs/TREASURY.md §2).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    pub contract: String,
    pub payments: Vec<TreasuryPayment>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// How one pull ended and every record it got. On a failure after some pages, `payments` holds
/// the pages that did come back (each record complete in itself).
#[derive(Clone, Debug)]
pub struct Pulled {
    /// The URL of the first page (the endpoint carries no credentials).
    pub source: String,
    pub outcome: PullOutcome,
    /// The status of the last answer, when one came.
    pub http_status: Option<u16>,
    pub pages: u32,
    /// Requests made, retries included.
    pub attempts: u32,
    pub payments: Vec<TreasuryPayment>,
    pub error: Option<String>,
}

/// The configured treasury link.
#[derive(Clone)]
pub struct Treasury {
    settings: TreasurySettings,
    http: reqwest::Client,
}

impl Treasury {
    pub fn new(settings: TreasurySettings) -> anyhow::Result<Treasury> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms.max(1)))
            .build()?;
        Ok(Treasury { settings, http })
    }

    pub fn configured(&self) -> bool {
        !self.settings.endpoint.is_empty()
    }

    pub fn endpoint(&self) -> &str {
        &self.settings.endpoint
    }

    /// The URL of a contract's payments.
    pub fn source(&self, contract: &str) -> String {
        format!(
            "{}/v1/contracts/{}/payments",
            self.settings.endpoint.trim_end_matches('/'),
            percent_encoding::utf8_percent_encode(contract, percent_encoding::NON_ALPHANUMERIC)
        )
    }

    /// Every payment record of `contract`, all pages; never panics.
    pub async fn pull(&self, contract: &str) -> Pulled {
        let source = self.source(contract);
        let mut got = Pulled {
            source: source.clone(),
            outcome: PullOutcome::Ok,
            http_status: None,
            pages: 0,
            attempts: 0,
            payments: Vec::new(),
            error: None,
        };
        if !self.configured() {
            got.outcome = PullOutcome::NotConfigured;
            got.error = Some("no treasury is configured on this node".into());
            return got;
        }
        let mut token: Option<String> = None;
        let mut seen_tokens = Vec::new();
        loop {
            let page = self
                .page_with_retries(&source, token.as_deref(), &mut got)
                .await;
            let page = match page {
                Ok(Some(p)) => p,
                Ok(None) => return got,
                Err((outcome, why)) => {
                    got.outcome = outcome;
                    got.error = Some(why);
                    return got;
                }
            };
            if page.contract != contract {
                got.outcome = PullOutcome::Garbage;
                got.error = Some(format!(
                    "the answer is the page of another contract ({})",
                    page.contract
                ));
                return got;
            }
            got.pages += 1;
            got.payments.extend(page.payments);
            match page.next_page_token {
                None => return got,
                Some(t) if seen_tokens.contains(&t) || got.pages >= MAX_PAGES => {
                    got.outcome = PullOutcome::Garbage;
                    got.error = Some("the treasury's pages do not end".into());
                    return got;
                }
                Some(t) => {
                    seen_tokens.push(t.clone());
                    token = Some(t);
                }
            }
        }
    }

    /// One page, retried while unreachable or slow. `Ok(None)`: the treasury lists no such
    /// contract (outcome set).
    async fn page_with_retries(
        &self,
        source: &str,
        token: Option<&str>,
        got: &mut Pulled,
    ) -> Result<Option<Page>, (PullOutcome, String)> {
        let mut tries = 0;
        loop {
            tries += 1;
            got.attempts += 1;
            match self.page(source, token, got).await {
                Err((outcome, why)) if outcome.retryable() && tries <= self.settings.retries => {
                    tracing::debug!(%why, tries, "treasury page failed; retrying");
                    let backoff = self.settings.retry_backoff_ms * u64::from(tries);
                    tokio::time::sleep(Duration::from_millis(backoff)).await;
                }
                other => return other,
            }
        }
    }

    async fn page(
        &self,
        source: &str,
        token: Option<&str>,
        got: &mut Pulled,
    ) -> Result<Option<Page>, (PullOutcome, String)> {
        let mut req = self
            .http
            .get(source)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(t) = token {
            req = req.query(&[("page_token", t)]);
        }
        let bearer = self.settings.token.expose_secret();
        if !bearer.is_empty() {
            req = req.bearer_auth(bearer);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| (transport(&e), describe(&e)))?;
        let status = resp.status();
        got.http_status = Some(status.as_u16());
        if status == reqwest::StatusCode::NOT_FOUND && token.is_none() {
            got.outcome = PullOutcome::NotListed;
            return Ok(None);
        }
        if status.is_server_error() {
            return Err((
                PullOutcome::Unreachable,
                format!("treasury answered {status}"),
            ));
        }
        if !status.is_success() {
            return Err((PullOutcome::Refused, format!("treasury answered {status}")));
        }
        let body = read_body(resp).await?;
        serde_json::from_slice::<Page>(&body)
            .map(Some)
            .map_err(|e| {
                (
                    PullOutcome::Garbage,
                    format!("the answer is not a page of payment records: {e}"),
                )
            })
    }
}

fn transport(e: &reqwest::Error) -> PullOutcome {
    if e.is_timeout() {
        PullOutcome::Timeout
    } else {
        PullOutcome::Unreachable
    }
}

/// The error without its URL: the pull's row names the source apart.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer within the timeout".into()
    } else if e.is_connect() {
        "cannot connect to the treasury".into()
    } else {
        let mut s = e.to_string();
        if let Some(u) = e.url() {
            s = s.replace(u.as_str(), "<treasury>");
        }
        format!("transport error: {s}")
    }
}

async fn read_body(mut resp: reqwest::Response) -> Result<Vec<u8>, (PullOutcome, String)> {
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk);
                if body.len() > MAX_BODY {
                    return Err((PullOutcome::Garbage, "the answer is too large".into()));
                }
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err((transport(&e), describe(&e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::simulator::{Mode, Simulator};
    use super::*;
    use crate::domain::payment::{Party, CURRENCY};
    use rust_decimal::Decimal;

    fn payment(n: u32) -> TreasuryPayment {
        TreasuryPayment {
            payment_id: format!("GK{n:04}"),
            contract: "C-1".into(),
            amount: Decimal::from(1000 * n),
            currency: CURRENCY.into(),
            paid_at: "2027-03-01T02:00:00Z".parse().unwrap(),
            payer: Party {
                name: "某局".into(),
                uscc: "11429005MB0000001X".into(),
                account: None,
            },
            payee: Party {
                name: "某公司".into(),
                uscc: "91429005MA4F000001".into(),
                account: None,
            },
            milestone: None,
            voucher: format!("V{n}"),
            purpose: String::new(),
        }
    }

    #[test]
    fn settings_are_checked_and_the_token_never_shown() {
        assert!(TreasurySettings::default().problems().is_empty());
        let s = TreasurySettings {
            endpoint: "http://treasury.local".into(),
            token: SecretString::from("s3cret".to_string()),
            retries: 11,
            ..TreasurySettings::default()
        };
        let keys: Vec<&str> = s.problems().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["retries", "endpoint"]);
        let shown = format!("{s:?} {}", toml::to_string(&s).unwrap());
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    /// The adapter against the simulator: pages followed to the end, every failure named, and a
    /// failure after some pages keeps what did come back.
    #[tokio::test]
    async fn pages_are_followed_and_every_failure_is_named() {
        let sim = Simulator::start("t0ken").await.unwrap();
        sim.set_page_size(2);
        for n in 1..=5 {
            sim.put(payment(n));
        }
        let t = Treasury::new(sim.settings(400, 1)).unwrap();
        let all = t.pull("C-1").await;
        assert_eq!(all.outcome, PullOutcome::Ok, "{:?}", all.error);
        assert_eq!((all.pages, all.attempts), (3, 3));
        let ids: Vec<&str> = all.payments.iter().map(|p| p.payment_id.as_str()).collect();
        assert_eq!(ids, ["GK0001", "GK0002", "GK0003", "GK0004", "GK0005"]);
        assert_eq!(t.pull("C-2").await.outcome, PullOutcome::NotListed);
        // Re-sent: every record twice, across pages; the adapter passes them on as they came.
        sim.set_mode(Mode::Resend);
        assert_eq!(t.pull("C-1").await.payments.len(), 10);
        // Down after the first page: that page's records come back with the failure.
        sim.set_mode(Mode::DownAfterFirstPage);
        let part = t.pull("C-1").await;
        assert_eq!(part.outcome, PullOutcome::Unreachable);
        assert_eq!((part.payments.len(), part.pages, part.attempts), (2, 1, 3));
        sim.set_mode(Mode::Down);
        let down = t.pull("C-1").await;
        assert_eq!((down.outcome, down.attempts), (PullOutcome::Unreachable, 2));
        assert!(down.payments.is_empty());
        sim.set_mode(Mode::Garbage);
        let garbage = t.pull("C-1").await;
        assert_eq!(
            (garbage.outcome, garbage.attempts),
            (PullOutcome::Garbage, 1)
        );
        sim.set_mode(Mode::Slow(Duration::from_millis(800)));
        assert_eq!(t.pull("C-1").await.outcome, PullOutcome::Timeout);
        sim.set_mode(Mode::Normal);
        let mut wrong = sim.settings(400, 1);
        wrong.token = SecretString::from("nope".to_string());
        let refused = Treasury::new(wrong).unwrap().pull("C-1").await;
        assert_eq!(refused.outcome, PullOutcome::Refused);
        let url = sim.url.clone();
        sim.stop().await;
        let gone = t.pull("C-1").await;
        assert_eq!(gone.outcome, PullOutcome::Unreachable);
        assert!(
            !gone.error.unwrap().contains(&url),
            "the error names no URL"
        );
        let none = Treasury::new(TreasurySettings::default()).unwrap();
        assert_eq!(none.pull("C-1").await.outcome, PullOutcome::NotConfigured);
    }
}
