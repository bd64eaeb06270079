//! Collusion signals (串标围标) of a section as the committee and regulators read them.

pub use crate::domain::collusion::{SignalKind, Strength};
use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

/// What a section's opened bids have in common that independent bidders' would not, computed
/// when its opening record was published. **The platform only flags; the committee decides**
/// whether bids are rejected under 条例51(七) (and regulators follow up): a signal is evidence to
/// weigh, never a finding.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CollusionSignals {
    pub tender_id: String,
    pub section: String,
    pub computed_at: DateTime<Utc>,
    /// Opened bids compared.
    pub bids_compared: u32,
    /// SHA-256 of the signals' canonical JSON, as the `collusion_signals_computed` audit entry
    /// names it.
    pub signals_sha256: String,
    /// Strong signals first, then by kind and bids.
    pub signals: Vec<CollusionSignal>,
}

/// One signal: the bids that share something, what, and the rule it points to.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CollusionSignal {
    /// Its number in the section (from 0): a case cites the signal as
    /// `{tender}/{section}/{seq}` (docs/SUPERVISION.md §8).
    pub seq: u32,
    /// What the bids share (docs/EVALUATION.md §9).
    pub kind: SignalKind,
    /// `strong` (regional rules treat it as a finding in itself) or `weak` (to weigh with
    /// others).
    pub strength: Strength,
    /// The bid ids concerned (sorted; a group stands for every pair in it).
    pub bids: Vec<String>,
    /// The shared value, in words.
    pub evidence: String,
    /// The rule it points to (条例第40条).
    pub basis: String,
}
