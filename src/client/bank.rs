//! The other side of bond notices: a bank or guarantee issuer posting signed notices to
//! `POST /api/v1/bank/bond-arrivals` (docs/BIDDING.md §1). The demo, the benches and the tests
//! play the bank with it; a real bank's system does the same over its own key.

use std::path::Path;

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::Value;
use zeroize::Zeroizing;

use super::{decode_value, read_response, ClientError};
pub use crate::wire::bids::{BankNotice, BankNoticeAck, BANK_SIGNATURE_HEADER};

/// The notice endpoint.
pub const NOTICE_PATH: &str = "/api/v1/bank/bond-arrivals";

/// base64 HMAC-SHA256 of `body` under `key`: the `x-bank-signature` of a notice.
pub fn sign_notice(key: &[u8], body: &[u8]) -> String {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&k, body))
}

/// A bank or guarantee issuer connected to one platform with its notice key.
#[derive(Clone)]
pub struct BondIssuer {
    base: String,
    http: reqwest::Client,
    key: Zeroizing<Vec<u8>>,
}

impl BondIssuer {
    pub fn new(base_url: &str, key: Vec<u8>) -> BondIssuer {
        BondIssuer {
            base: base_url.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .build()
                .unwrap_or_default(),
            key: Zeroizing::new(key),
        }
    }

    /// With the key in `path` (as `[bonds] notice_key_file` names it on the platform).
    pub fn from_key_file(base_url: &str, path: &Path) -> Result<BondIssuer, ClientError> {
        let key = std::fs::read(path)
            .map_err(|e| ClientError::Local(format!("{}: {e}", path.display())))?;
        Ok(BondIssuer::new(base_url, key))
    }

    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// Reports a bond; the platform's acknowledgement, or its refusal as a problem.
    pub async fn notify(&self, notice: &BankNotice) -> Result<BankNoticeAck, ClientError> {
        let body = serde_json::to_vec(notice).map_err(|e| ClientError::Local(e.to_string()))?;
        let signature = sign_notice(&self.key, &body);
        let (status, value) = self.post_signed(body, &signature).await?;
        decode_value(status, value)
    }

    /// Posts `body` exactly as given with `signature` in the header, the answer undecoded (for
    /// checking refusals of malformed or forged notices).
    pub async fn post_signed(
        &self,
        body: Vec<u8>,
        signature: &str,
    ) -> Result<(StatusCode, Value), ClientError> {
        let res = self
            .http
            .post(format!("{}{NOTICE_PATH}", self.base))
            .header("content-type", "application/json")
            .header(BANK_SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await?;
        read_response(res).await
    }
}
