//! Contracts and bid-bond refunds on the wire (docs/CONTRACTS.md): the contract drafted from
//! the tender and the winning bid, its versions, signatures, changes and terminations; the
//! refunds the trading centre owes each bidder.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::bidding::BondKind;
use crate::domain::contract::{ChangeState, ContractState, Side, TermChange, Terms};
use crate::domain::money::Money;
use crate::domain::refund::{Ground, RefundState};

/// A party of the contract.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ContractParty {
    /// Organisation id.
    pub id: String,
    pub name: String,
    pub uscc: String,
}

/// A party's signature over a version (or a change), with its organisation certificate.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PartySignature {
    pub side: Side,
    /// The digest signed, hex.
    pub digest: String,
    /// Base64 signature over the statement (`label ‖ digest`).
    pub signature: String,
    pub signature_algorithm: String,
    /// Base64 DER leaf certificate.
    pub certificate: String,
    pub signer_fingerprint: String,
    /// The person who sent it.
    pub signed_by: String,
    pub signed_at: DateTime<Utc>,
}

/// A performance bond (履约保证金) received from the winner before signing.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceBondRequest {
    /// `cash` (a transfer) or `guarantee` (a bank guarantee, 保函).
    pub kind: BondKind,
    pub amount: Money,
    /// The bank or guarantor (1–200 characters).
    pub issuer: String,
    /// The transfer's or the guarantee's reference (1–100 characters).
    pub reference: String,
}

/// A recorded performance bond.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PerformanceBond {
    pub kind: BondKind,
    pub amount: Money,
    pub issuer: String,
    pub reference: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A signature over the current version (or a change): the digest read, the certificate chain
/// of the signing organisation and the signature over the statement.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractSignatureRequest {
    /// The digest the party read, hex (must be the current one).
    pub digest: String,
    /// Base64 DER certificates, leaf first: the party's e-business licence.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over `statement`.
    pub signature: String,
    pub signature_algorithm: String,
}

/// One version of the contract: its terms and what changed from the one before.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ContractVersion {
    pub version: i32,
    pub digest: String,
    pub terms: Terms,
    /// The change that made it (none: the version both parties signed first).
    pub change: Option<String>,
    /// Before and after of every changed term.
    pub changes: Vec<TermChange>,
    pub effective_at: DateTime<Utc>,
}

/// An amendment or a termination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Amendment,
    Termination,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Amendment => "amendment",
            ChangeKind::Termination => "termination",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeKind> {
        match s {
            "amendment" => Some(ChangeKind::Amendment),
            "termination" => Some(ChangeKind::Termination),
            _ => None,
        }
    }
}

/// Propose a change (合同变更) or a termination (合同解除) of a signed contract.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeChangeRequest {
    pub kind: ChangeKind,
    /// An amendment: `design_change`, `force_majeure`, `price_adjustment`,
    /// `project_manager_replacement` or `editorial`; a termination: `mutual_agreement`,
    /// `force_majeure`, `supplier_breach` or `tenderer_breach`.
    pub reason: String,
    /// Why, in words (1–2000 characters).
    pub note: String,
    /// An amendment's new terms, whole; none for a termination.
    #[serde(default)]
    pub terms: Option<Terms>,
}

/// A proposed change with its signatures.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ContractChange {
    pub id: String,
    pub kind: ChangeKind,
    pub reason: String,
    pub note: String,
    pub base_version: i32,
    pub proposer: Side,
    pub state: ChangeState,
    pub changes: Vec<TermChange>,
    /// The canonical document both parties sign, its digest and the statement to sign
    /// (base64 of `etender-contract-change/v1\0` ‖ digest bytes).
    pub document: String,
    pub digest: String,
    pub statement: String,
    pub signatures: Vec<PartySignature>,
    pub proposed_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Decline (the other party) or withdraw (the proposer) a proposed change.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineChangeRequest {
    /// Why (1–2000 characters).
    pub note: String,
}

/// The contract as its parties and regulators see it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Contract {
    pub id: String,
    pub tender: String,
    pub section: String,
    pub award_round: i32,
    /// The winning bid.
    pub bid: String,
    pub tenderer: ContractParty,
    pub winner: ContractParty,
    pub state: ContractState,
    pub version: i32,
    pub terms: Terms,
    /// Which terms are locked to the tender and the winning bid (条例57).
    pub locked_terms: Vec<String>,
    /// The current version's canonical document, its digest and the statement each party
    /// signs (base64 of `etender-contract/v1\0` ‖ digest bytes).
    pub document: String,
    pub digest: String,
    pub statement: String,
    /// The 中标通知书's issue and the 30-day limit (招标投标法46).
    pub notified_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// Not signed by `due_at` (or signed after it).
    pub overdue: bool,
    pub overdue_flagged_at: Option<DateTime<Utc>>,
    /// Whether the tender asks for a performance bond, and the one recorded.
    pub performance_bond_required: bool,
    pub performance_bond: Option<PerformanceBond>,
    /// Signatures over the current version (both: signed).
    pub signatures: Vec<PartySignature>,
    pub signed_at: Option<DateTime<Utc>>,
    pub terminated_at: Option<DateTime<Utc>>,
    /// The tenderer's signed record that the contract was performed (state `completed`).
    #[serde(default)]
    pub completion: Option<ContractCompletion>,
    pub versions: Vec<ContractVersion>,
    pub changes: Vec<ContractChange>,
}

/// Record a refund made: the bank transfer's reference (or the returned guarantee's).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRefundRequest {
    /// 1–100 characters.
    pub bank_reference: String,
}

/// A bid bond to be refunded (or kept), with its interest.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BondRefund {
    pub id: String,
    pub bond: String,
    pub tender: String,
    pub section: String,
    pub organisation: String,
    pub kind: BondKind,
    pub principal: Money,
    /// When the bond arrived: interest runs from that day.
    pub received_at: DateTime<Utc>,
    pub ground: Ground,
    pub ground_at: DateTime<Utc>,
    /// Five days after the ground (none when kept).
    pub due_at: Option<DateTime<Utc>>,
    pub state: RefundState,
    /// Annual percent and day basis the interest is counted with.
    pub interest_rate: String,
    pub day_basis: i32,
    /// The interest paid (refunded), or accrued until now (due); none for a guarantee or a kept
    /// bond.
    pub interest: Option<Money>,
    pub interest_days: i64,
    pub refunded_at: Option<DateTime<Utc>>,
    pub bank_reference: Option<String>,
    pub overdue: bool,
    pub overdue_flagged_at: Option<DateTime<Utc>>,
}

pub use crate::domain::performance::{Grade as PerformanceGrade, Phase as PerformancePhase};

/// 履约评价 (docs/CONTRACTS.md §6): the tenderer rates how the winner performs the contract, and
/// signs the rating's document (`domain::performance::document`, canonical JSON) with its
/// organisation certificate: `etender-performance-rating/v1\0` ‖ its SHA-256.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceRatingRequest {
    pub phase: PerformancePhase,
    /// 0–100, at most one decimal place; the grade follows from it (≥ 90 excellent, ≥ 80 good,
    /// ≥ 60 qualified, below unqualified).
    #[schema(value_type = String, example = "86.5")]
    pub score: rust_decimal::Decimal,
    /// The reasons, 1–2,000 characters.
    pub remarks: String,
    /// The tenderer's signature; `digest` is the document's SHA-256 (hex).
    pub signature: ContractSignatureRequest,
}

/// Record that the contract was performed (履约完成): the works completed and accepted
/// (竣工验收) on `completed_on`. The tenderer signs the canonical completion document
/// (`domain::contract::completion_document`) with its organisation certificate:
/// `etender-contract-completion/v1\0` ‖ its SHA-256.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractCompletionRequest {
    /// The acceptance date (Beijing time): not before the signing, not after today.
    pub completed_on: chrono::NaiveDate,
    /// What was accepted, 1–2,000 characters (kept and signed exactly).
    pub remarks: String,
    /// The tenderer's signature; `digest` is the document's SHA-256 (hex).
    pub signature: ContractSignatureRequest,
}

/// A contract's completion as kept.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ContractCompletion {
    pub completed_on: chrono::NaiveDate,
    pub remarks: String,
    /// The canonical document signed, and its SHA-256 (hex).
    pub document: String,
    pub digest: String,
    pub signature: PartySignature,
    pub recorded_at: DateTime<Utc>,
}

/// A rating as kept: what it says, the document signed and the tenderer's signature.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PerformanceRating {
    pub id: String,
    pub contract: String,
    pub tender: String,
    pub section: String,
    /// The rated organisation (the contract's winner).
    pub winner_uscc: String,
    pub phase: PerformancePhase,
    #[schema(value_type = String, example = "86.5")]
    pub score: rust_decimal::Decimal,
    pub grade: PerformanceGrade,
    pub remarks: String,
    /// The canonical document signed and its SHA-256 (hex).
    pub document: String,
    pub digest: String,
    pub signature: PartySignature,
    pub rated_at: DateTime<Utc>,
    /// The last instant the winner may reply (15 days after the rating).
    pub reply_due: DateTime<Utc>,
    /// The winner's reply (申辩), once given.
    pub reply: Option<PerformanceReply>,
}

/// The rated winner's reply to a rating (申辩), signed with its organisation certificate over
/// `etender-performance-reply/v1\0` ‖ the SHA-256 of `domain::performance::reply_document`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceReplyRequest {
    /// 1–2,000 characters, kept and signed exactly.
    pub text: String,
    /// The winner's signature; `digest` is the reply document's SHA-256 (hex).
    pub signature: ContractSignatureRequest,
}

/// A reply as kept.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PerformanceReply {
    pub text: String,
    /// The canonical document signed and its SHA-256 (hex).
    pub document: String,
    pub digest: String,
    pub signature: PartySignature,
    pub replied_at: DateTime<Utc>,
}
