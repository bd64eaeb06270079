//! Treasury payments on the wire (国库支付款网上查询, docs/TREASURY.md): a contract's payments as
//! the treasury reported them and what is still due, each pull of the treasury link, and the
//! link's state for the operator.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::payment::{Party, PullOutcome, Summary};

/// One imported payment.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Payment {
    /// The treasury's payment id (the import's idempotency key).
    pub payment_id: String,
    #[schema(value_type = String, example = "1500000.00")]
    pub amount: Decimal,
    pub currency: String,
    pub paid_at: DateTime<Utc>,
    pub payer: Party,
    pub payee: Party,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestone: Option<String>,
    pub voucher: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub purpose: String,
    /// SHA-256 (hex) of the record as received (canonical JSON).
    pub digest: String,
    pub imported_at: DateTime<Utc>,
}

/// The link's state for one contract.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TreasuryLink {
    pub last_pull_at: DateTime<Utc>,
    pub last_outcome: PullOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The last pull that got everything the treasury holds: the payments are complete as of
    /// then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_complete_at: Option<DateTime<Utc>>,
    pub failures_in_row: u32,
    pub pulls: u32,
}

/// A contract's payments and what is still due (its parties and the supervising regulators).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ContractPayments {
    pub contract: String,
    pub tender: String,
    pub section: String,
    /// The contract version whose price and milestones the summary uses (the one in force).
    pub version: i32,
    pub summary: Summary,
    /// Oldest first.
    pub payments: Vec<Payment>,
    /// `None`: never pulled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<TreasuryLink>,
}

/// A record the platform would not import, and why.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PaymentProblem {
    pub payment_id: String,
    pub problem: String,
}

/// How one pull went.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PaymentPull {
    pub contract: String,
    pub pulled_at: DateTime<Utc>,
    pub outcome: PullOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    pub pages: u32,
    pub attempts: u32,
    /// Records received (duplicates included).
    pub received: u32,
    pub imported: u32,
    /// Records already held with the same content.
    pub duplicates: u32,
    /// Conflicts (an id held with other content) and rejected records.
    pub problems: Vec<PaymentProblem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `worker`, or the person who asked.
    pub triggered_by: String,
}

/// One contract's link state in the operator's list.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ContractLink {
    pub contract: String,
    pub link: TreasuryLink,
}

/// The treasury link as the operator sees it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TreasuryStatus {
    pub configured: bool,
    /// The endpoint (no credentials).
    pub endpoint: String,
    pub poll_interval_secs: u64,
    /// Failing links first.
    pub links: Vec<ContractLink>,
    /// The latest remembered pulls (those that imported, met a problem or failed), newest first.
    pub recent_pulls: Vec<PaymentPull>,
}
