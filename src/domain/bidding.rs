//! Pure rules of bidding and the opening ceremony (domain-rules §1.3 E3–E11): who may bid when,
//! what a decryption failure does to a bid, and how an opening moves through its phases.
//! No I/O here; the use-cases in `app::bids` and `app::opening` apply these.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lifecycle::StateKind;
use super::money::Money;

/// 条例44 [C]: with fewer than three bidders the tenderer does not open; the section fails (流标).
pub const MIN_BIDS_TO_OPEN: usize = 3;

/// Where one bid version stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BidState {
    /// Received before the deadline and the bidder's latest version.
    Submitted,
    /// Replaced by a later version (only the latest can be opened).
    Superseded,
    /// 撤回: withdrawn by the bidder before the deadline.
    Withdrawn,
    /// 视为撤回 at the opening: decryption failed for a reason not the bidder's (E8; bond
    /// refundable, the bidder may claim its losses from whoever was at fault).
    WithdrawnAtOpening,
    /// Not re-confirmed after an amendment that required it; never opened.
    Lapsed,
    /// Decrypted and verified at the opening.
    Opened,
    /// 撤销: a decryption failure that is the bidder's fault (E8: 视为撤销, bond forfeitable).
    Revoked,
}

impl BidState {
    pub const fn as_str(self) -> &'static str {
        match self {
            BidState::Submitted => "submitted",
            BidState::Superseded => "superseded",
            BidState::Withdrawn => "withdrawn",
            BidState::WithdrawnAtOpening => "withdrawn_at_opening",
            BidState::Lapsed => "lapsed",
            BidState::Opened => "opened",
            BidState::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<BidState> {
        [
            BidState::Submitted,
            BidState::Superseded,
            BidState::Withdrawn,
            BidState::WithdrawnAtOpening,
            BidState::Lapsed,
            BidState::Opened,
            BidState::Revoked,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
    }

    /// Settled at the opening: nothing more happens to it there.
    pub fn is_resolved(self) -> bool {
        !matches!(self, BidState::Submitted)
    }
}

/// How a bid stands in the opening as everyone sees it: the bidder-side detail of a withdrawal
/// (before the deadline, lapsed, or at the opening) is not the public's business.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpeningStatus {
    /// Not opened yet.
    Sealed,
    Opened,
    /// 撤销: failed by the bidder's fault.
    Revoked,
    /// 撤回: withdrawn, or failed by someone else's fault.
    Withdrawn,
}

impl From<BidState> for OpeningStatus {
    fn from(s: BidState) -> OpeningStatus {
        match s {
            BidState::Submitted => OpeningStatus::Sealed,
            BidState::Opened => OpeningStatus::Opened,
            BidState::Revoked => OpeningStatus::Revoked,
            BidState::Superseded
            | BidState::Withdrawn
            | BidState::WithdrawnAtOpening
            | BidState::Lapsed => OpeningStatus::Withdrawn,
        }
    }
}

/// Which way a bid was opened: R1 with the bidder's keys, R2 with the custodians' shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptPath {
    R1,
    R2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Opened,
    Failed,
}

/// A bidder's response to the opening record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKind {
    Confirm,
    Objection,
}

/// Where a resumable upload of a sealed bid stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    Open,
    Submitted,
    Abandoned,
}

/// 投标保证金 forms, as the bank or guarantee issuer reporting the bond names them: a transfer
/// into the bidder's sub-account (`cash`, what a bank notice without a kind means), a bank
/// guarantee (保函), or guarantee insurance (保证保险).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BondKind {
    #[default]
    Cash,
    BankGuarantee,
    Insurance,
}

/// The text form of a state stored in a TEXT column, and back; `parse` is `None` for a string
/// this version does not know (a corrupt or newer row).
macro_rules! text_states {
    ($($ty:ident { $($variant:ident => $text:literal),+ $(,)? })+) => {$(
        impl $ty {
            pub const fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$ty> {
                match s { $($text => Some($ty::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

text_states! {
    UploadState { Open => "open", Submitted => "submitted", Abandoned => "abandoned" }
    BondKind { Cash => "cash", BankGuarantee => "bank_guarantee", Insurance => "insurance" }
    ResponseKind { Confirm => "confirm", Objection => "objection" }
    AttemptPath { R1 => "r1", R2 => "r2" }
    AttemptOutcome { Opened => "opened", Failed => "failed" }
    OpeningStatus {
        Sealed => "sealed",
        Opened => "opened",
        Revoked => "revoked",
        Withdrawn => "withdrawn",
    }
}

/// Why a bid may not be made or changed now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BidRefusal {
    /// The server clock is at or past the deadline (E3: anything later is rejected).
    DeadlinePassed,
    /// The tender is not in a state that takes bids (draft, suspended, terminated…).
    NotAccepting(StateKind),
}

/// E3/E5: bids, replacements and withdrawals are taken while the tender is published and the
/// server clock is strictly before the deadline. At the deadline itself they are late.
pub fn accepting_bids(
    state: StateKind,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), BidRefusal> {
    if now >= deadline {
        return Err(BidRefusal::DeadlinePassed);
    }
    if state != StateKind::Published {
        return Err(BidRefusal::NotAccepting(state));
    }
    Ok(())
}

/// Whether the recorded bonds cover the section's required bond.
pub fn bond_sufficient(required: Option<Money>, recorded: &[Money]) -> bool {
    match required {
        None => true,
        Some(r) => recorded.iter().map(|m| m.amount()).sum::<Decimal>() >= r.amount(),
    }
}

/// A bid made against notice `tender_version` (last confirmed for `confirmed`) must be
/// re-confirmed when an amendment asked bids from `reconfirm_from` on.
pub fn needs_reconfirmation(confirmed: i32, reconfirm_from: Option<i32>) -> bool {
    reconfirm_from.is_some_and(|v| confirmed < v)
}

/// The phase of one section's opening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpeningPhase {
    /// R1: bidders release their data keys.
    Decrypting,
    /// R2: custodians release shares for the bids still sealed.
    Recovering,
    /// The opening record is out; bidders confirm or object.
    RecordPublished,
    /// Ceremony over; the section goes to evaluation.
    Closed,
    /// 流标: too few bids to open.
    Failed,
}

impl OpeningPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            OpeningPhase::Decrypting => "decrypting",
            OpeningPhase::Recovering => "recovering",
            OpeningPhase::RecordPublished => "record_published",
            OpeningPhase::Closed => "closed",
            OpeningPhase::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OpeningPhase> {
        [
            OpeningPhase::Decrypting,
            OpeningPhase::Recovering,
            OpeningPhase::RecordPublished,
            OpeningPhase::Closed,
            OpeningPhase::Failed,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// How long each phase of the ceremony lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpeningWindows {
    pub decryption: Duration,
    pub recovery: Duration,
    pub objections: Duration,
}

/// What the ceremony should do next, given the time and what is still sealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpeningStep {
    /// Nothing to do yet.
    Wait,
    /// R1 is over (or every bid resolved early): sealed bids go to custodians, until `until`.
    StartRecovery { until: DateTime<Utc> },
    /// Every bid is resolved: publish the record; objections until `until`.
    PublishRecord { until: DateTime<Utc> },
    /// The recovery window ran out with bids still sealed: they are withdrawn (not their fault).
    ExpireRecovery,
    /// The objection window is over and every objection answered.
    Close,
}

/// Where one section's ceremony stands, as the scheduler sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ceremony {
    pub phase: OpeningPhase,
    pub decryption_until: DateTime<Utc>,
    pub recovery_until: Option<DateTime<Utc>>,
    pub objections_until: Option<DateTime<Utc>>,
    /// Bids neither opened nor settled yet.
    pub sealed_bids: usize,
    /// Objections to the record not yet answered.
    pub open_objections: usize,
}

/// The scheduler's decision for one opening.
pub fn next_step(c: &Ceremony, now: DateTime<Utc>, windows: &OpeningWindows) -> OpeningStep {
    match c.phase {
        OpeningPhase::Decrypting if c.sealed_bids == 0 => OpeningStep::PublishRecord {
            until: now + windows.objections,
        },
        OpeningPhase::Decrypting if now >= c.decryption_until => OpeningStep::StartRecovery {
            until: now + windows.recovery,
        },
        OpeningPhase::Recovering if c.sealed_bids == 0 => OpeningStep::PublishRecord {
            until: now + windows.objections,
        },
        OpeningPhase::Recovering if c.recovery_until.is_some_and(|u| now >= u) => {
            OpeningStep::ExpireRecovery
        }
        OpeningPhase::RecordPublished
            if c.objections_until.is_some_and(|u| now >= u) && c.open_objections == 0 =>
        {
            OpeningStep::Close
        }
        _ => OpeningStep::Wait,
    }
}

/// A tender's declared limits on one bid (issue 11, finding 5): how many parts, how large each
/// part and the whole ciphertext may be. An upload whose manifest exceeds them is refused before
/// a byte is sent. Declared in the tender (`bid_limits`); the defaults fit a bid of a summary
/// and some dozens of documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BidLimits {
    pub max_parts: u32,
    pub max_part_bytes: u64,
    pub max_bid_bytes: u64,
}

/// The most any tender may declare.
pub const BID_LIMITS_CEILING: BidLimits = BidLimits {
    max_parts: 256,
    max_part_bytes: 64 << 30,
    max_bid_bytes: 256 << 30,
};

impl Default for BidLimits {
    fn default() -> Self {
        BidLimits {
            max_parts: 32,
            max_part_bytes: 2 << 30,
            max_bid_bytes: 4 << 30,
        }
    }
}

/// Which declared limit a manifest exceeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitExceeded {
    /// `max_parts`, `max_part_bytes` or `max_bid_bytes`.
    pub limit: &'static str,
    pub message: String,
}

impl BidLimits {
    pub fn is_default(&self) -> bool {
        *self == BidLimits::default()
    }

    /// Each limit between 1 and [`BID_LIMITS_CEILING`].
    pub fn check(&self, field: &str, out: &mut Vec<super::schedule::RuleViolation>) {
        let c = BID_LIMITS_CEILING;
        for (name, v, max) in [
            (
                "max_parts",
                u64::from(self.max_parts),
                u64::from(c.max_parts),
            ),
            ("max_part_bytes", self.max_part_bytes, c.max_part_bytes),
            ("max_bid_bytes", self.max_bid_bytes, c.max_bid_bytes),
        ] {
            if v == 0 || v > max {
                out.push(super::schedule::RuleViolation::new(
                    super::schedule::RuleCode::BidLimitsOutOfRange,
                    &format!("{field}.{name}"),
                    &format!("must be between 1 and {max}"),
                ));
            }
        }
    }

    /// Every limit the parts (ciphertext lengths) exceed.
    pub fn exceeded_by(&self, part_lens: &[u64]) -> Vec<LimitExceeded> {
        let mut out = Vec::new();
        if part_lens.len() as u64 > u64::from(self.max_parts) {
            out.push(LimitExceeded {
                limit: "max_parts",
                message: format!(
                    "{} parts; the tender takes {}",
                    part_lens.len(),
                    self.max_parts
                ),
            });
        }
        if let Some(big) = part_lens.iter().find(|l| **l > self.max_part_bytes) {
            out.push(LimitExceeded {
                limit: "max_part_bytes",
                message: format!(
                    "a part of {big} bytes; the tender takes {} a part",
                    self.max_part_bytes
                ),
            });
        }
        let total = part_lens.iter().fold(0u64, |a, l| a.saturating_add(*l));
        if total > self.max_bid_bytes {
            out.push(LimitExceeded {
                limit: "max_bid_bytes",
                message: format!("{total} bytes; the tender takes {}", self.max_bid_bytes),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    const W: OpeningWindows = OpeningWindows {
        decryption: Duration::minutes(30),
        recovery: Duration::minutes(60),
        objections: Duration::minutes(30),
    };

    #[test]
    fn bids_are_late_at_the_deadline_itself() {
        let d = t(100);
        assert_eq!(accepting_bids(StateKind::Published, d, t(99)), Ok(()));
        assert_eq!(
            accepting_bids(StateKind::Published, d, t(100)),
            Err(BidRefusal::DeadlinePassed)
        );
        assert_eq!(
            accepting_bids(StateKind::Suspended, d, t(99)),
            Err(BidRefusal::NotAccepting(StateKind::Suspended))
        );
        // After the deadline the answer is about time, whatever the state says.
        assert_eq!(
            accepting_bids(StateKind::Closed, d, t(101)),
            Err(BidRefusal::DeadlinePassed)
        );
    }

    #[test]
    fn bonds_add_up() {
        let m = |s: &str| s.parse::<Money>().unwrap();
        assert!(bond_sufficient(None, &[]));
        assert!(!bond_sufficient(Some(m("100.00")), &[]));
        assert!(!bond_sufficient(Some(m("100.00")), &[m("99.99")]));
        assert!(bond_sufficient(Some(m("100.00")), &[m("60"), m("40")]));
    }

    #[test]
    fn reconfirmation_only_for_bids_older_than_the_amendment() {
        assert!(!needs_reconfirmation(1, None));
        assert!(needs_reconfirmation(1, Some(2)));
        assert!(!needs_reconfirmation(2, Some(2)));
    }

    #[test]
    fn the_ceremony_moves_on_by_the_clock_and_by_what_is_sealed() {
        let step = |phase, now, sealed, objections| {
            next_step(
                &Ceremony {
                    phase,
                    decryption_until: t(1800),
                    recovery_until: Some(t(5400)),
                    objections_until: Some(t(7200)),
                    sealed_bids: sealed,
                    open_objections: objections,
                },
                now,
                &W,
            )
        };
        assert_eq!(
            step(OpeningPhase::Decrypting, t(1799), 2, 0),
            OpeningStep::Wait
        );
        assert_eq!(
            step(OpeningPhase::Decrypting, t(1800), 2, 0),
            OpeningStep::StartRecovery {
                until: t(1800 + 3600)
            }
        );
        assert_eq!(
            step(OpeningPhase::Decrypting, t(10), 0, 0),
            OpeningStep::PublishRecord {
                until: t(10 + 1800)
            }
        );
        assert_eq!(
            step(OpeningPhase::Recovering, t(5399), 1, 0),
            OpeningStep::Wait
        );
        assert_eq!(
            step(OpeningPhase::Recovering, t(5400), 1, 0),
            OpeningStep::ExpireRecovery
        );
        assert_eq!(
            step(OpeningPhase::RecordPublished, t(7200), 0, 1),
            OpeningStep::Wait
        );
        assert_eq!(
            step(OpeningPhase::RecordPublished, t(7200), 0, 0),
            OpeningStep::Close
        );
        assert_eq!(step(OpeningPhase::Closed, t(9999), 0, 0), OpeningStep::Wait);
    }

    #[test]
    fn bid_limits_name_each_excess_and_refuse_silly_declarations() {
        let l = BidLimits {
            max_parts: 2,
            max_part_bytes: 100,
            max_bid_bytes: 150,
        };
        assert!(l.exceeded_by(&[100, 50]).is_empty());
        let names =
            |lens: &[u64]| -> Vec<&str> { l.exceeded_by(lens).iter().map(|e| e.limit).collect() };
        assert_eq!(names(&[1, 1, 1]), ["max_parts"]);
        assert_eq!(names(&[101]), ["max_part_bytes"]);
        assert_eq!(names(&[100, 100]), ["max_bid_bytes"]);
        assert_eq!(
            names(&[u64::MAX, u64::MAX]),
            ["max_part_bytes", "max_bid_bytes"]
        );
        let mut out = Vec::new();
        BidLimits::default().check("bid_limits", &mut out);
        assert!(out.is_empty());
        BidLimits {
            max_parts: 0,
            max_part_bytes: u64::MAX,
            ..BidLimits::default()
        }
        .check("bid_limits", &mut out);
        let fields: Vec<&str> = out.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            ["bid_limits.max_parts", "bid_limits.max_part_bytes"]
        );
    }
}
