//! Client calls of treasury payments (docs/TREASURY.md): a contract's payments and what is
//! still due, the trading centre's pull, the link's status.

use reqwest::Method;

use super::{urlencode, Client, ClientError};
use crate::wire::treasury::{ContractPayments, PaymentPull, TreasuryStatus};

/// The path of a section's contract payments.
pub fn payments_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}/contract/payments",
        urlencode(tender),
        urlencode(section)
    )
}

impl Client {
    pub async fn contract_payments(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<ContractPayments, ClientError> {
        self.get(&payments_path(tender, section)).await
    }

    pub async fn pull_contract_payments(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<PaymentPull, ClientError> {
        let path = format!("{}/pull", payments_path(tender, section));
        self.call(Method::POST, &path, None).await
    }

    pub async fn treasury_status(&self) -> Result<TreasuryStatus, ClientError> {
        self.get("/api/v1/treasury/status").await
    }
}
