//! Bid-bond refunds (投标保证金退还, docs/CONTRACTS.md §4): why one is due and by when
//! (条例57: 5 days after the contract is signed, with bank interest; 条例35: 5 days after a
//! withdrawal before the deadline, and the tenderer may keep a bond whose bid was revoked after
//! it; 条例31: on a terminated tender, with interest, and so on a failed section (流标), which
//! is tendered again), and the interest itself, computed
//! exactly. Pure: no I/O, no clock.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::domain::schedule::{legal_date, start_of_day_offset};

/// The days a refund may take (条例35, 57).
pub const REFUND_WITHIN_DAYS: i64 = 5;

/// Why a bond is refunded (or kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    /// The section's contract was signed (条例57), to the winner and every other bidder.
    ContractSigned,
    /// The bidder withdrew its bid before the deadline (条例35).
    BidWithdrawn,
    /// The tender was terminated (终止招标, 条例31).
    TenderTerminated,
    /// The section failed (流标): too few bids to open (条例44), no bid left after the
    /// evaluation, or no winner left in the award. It is tendered again from the start, so the
    /// bonds it holds go back within the same 5 days, with interest, as on a termination.
    SectionFailed,
    /// The bidder declined to extend its bid's validity, or did not answer in time (投标失效,
    /// 《工程建设项目施工招标投标办法》29): it takes its bond back.
    ValidityDeclined,
}

impl Ground {
    pub fn as_str(self) -> &'static str {
        match self {
            Ground::ContractSigned => "contract_signed",
            Ground::BidWithdrawn => "bid_withdrawn",
            Ground::TenderTerminated => "tender_terminated",
            Ground::SectionFailed => "section_failed",
            Ground::ValidityDeclined => "validity_declined",
        }
    }

    pub fn parse(s: &str) -> Option<Ground> {
        [
            Ground::ContractSigned,
            Ground::BidWithdrawn,
            Ground::TenderTerminated,
            Ground::SectionFailed,
            Ground::ValidityDeclined,
        ]
        .into_iter()
        .find(|g| g.as_str() == s)
    }
}

/// A refund's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// To be paid back by `due_at`.
    Due,
    /// Paid back (the trading centre recorded the bank transfer or the returned guarantee).
    Refunded,
    /// Kept: the bid was revoked after the deadline and the tender keeps such bonds (条例35),
    /// or its bidder won and gave the award up or posted no performance bond (条例74).
    Kept,
}

impl RefundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundState::Due => "due",
            RefundState::Refunded => "refunded",
            RefundState::Kept => "kept",
        }
    }

    pub fn parse(s: &str) -> Option<RefundState> {
        [RefundState::Due, RefundState::Refunded, RefundState::Kept]
            .into_iter()
            .find(|g| g.as_str() == s)
    }
}

/// The end of the 5 days after `ground_at`: the day of the ground does not count and the last
/// day ends at 24:00 Beijing time (民法典201, 203).
pub fn due(ground_at: DateTime<Utc>) -> DateTime<Utc> {
    start_of_day_offset(ground_at, REFUND_WITHIN_DAYS + 1)
}

/// Whether a refund due at `due` and made at `refunded` (or still open at `now`) is late.
pub fn overdue(due: DateTime<Utc>, refunded: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    match refunded {
        Some(at) => at >= due,
        None => now >= due,
    }
}

/// How the bank counts interest on a deposit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InterestRule {
    /// Annual rate in percent (e.g. 0.35 for the 活期 demand-deposit rate).
    pub annual_percent: Decimal,
    /// Days in the interest year: 360 (the banks' 日利率 = 年利率 / 360) or 365.
    pub day_basis: u32,
}

/// The days interest runs: from the day the money arrived to the day it is paid back, the first
/// day counted and the last not (算头不算尾), in the Beijing calendar. Never negative.
pub fn interest_days(received: DateTime<Utc>, refunded: DateTime<Utc>) -> i64 {
    days_between(legal_date(received), legal_date(refunded))
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days().max(0)
}

/// principal × rate / 100 / basis × days, exactly, then rounded once to the fen, half away from
/// zero (四舍五入). A guarantee (保函) earns none: no money was deposited.
pub fn interest(principal: Decimal, days: i64, rule: InterestRule) -> Decimal {
    if days <= 0 || rule.day_basis == 0 {
        return Decimal::ZERO;
    }
    let exact = principal * rule.annual_percent * Decimal::from(days)
        / (Decimal::ONE_HUNDRED * Decimal::from(rule.day_basis));
    exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal::dec;

    const DEMAND: InterestRule = InterestRule {
        annual_percent: dec!(0.35),
        day_basis: 360,
    };

    #[test]
    fn worked_examples() {
        // ¥200,000 held 73 days at 0.35 %/360: 200000 × 0.0035 × 73 / 360 = 141.9444… → 141.94.
        assert_eq!(interest(dec!(200000), 73, DEMAND), dec!(141.94));
        // ¥800,000 (the works cap) held 45 days: 800000 × 0.0035 × 45 / 360 = 350 exactly.
        assert_eq!(interest(dec!(800000), 45, DEMAND), dec!(350.00));
        // ¥24,691.35 held 30 days: 7.2016…/ → 7.20.
        assert_eq!(interest(dec!(24691.35), 30, DEMAND), dec!(7.20));
        // A half fen rounds away from zero: 1000 × 0.018 % × 1 / 360 × … built to hit .005.
        let r = InterestRule {
            annual_percent: dec!(1.8),
            day_basis: 360,
        };
        // 250 × 0.018 × 4 / 360 = 0.05; 125.25 × 0.018 × 8 / 360 = 0.0501 → 0.05;
        // 27.5 × 0.018 × 1 / 360 = 0.001375 → 0.00; 100 × 0.018 × 1 / 360 = 0.005 → 0.01.
        assert_eq!(interest(dec!(250), 4, r), dec!(0.05));
        assert_eq!(interest(dec!(125.25), 8, r), dec!(0.05));
        assert_eq!(interest(dec!(27.5), 1, r), dec!(0.00));
        assert_eq!(interest(dec!(100), 1, r), dec!(0.01));
        // 365-day basis: 100000 × 1.5 % × 365 / 365 = 1500.
        let y = InterestRule {
            annual_percent: dec!(1.5),
            day_basis: 365,
        };
        assert_eq!(interest(dec!(100000), 365, y), dec!(1500.00));
        assert_eq!(interest(dec!(100000), 0, y), Decimal::ZERO);
    }

    #[test]
    fn days_count_the_first_day_not_the_last_in_beijing() {
        // Arrived 2027-01-10 23:30 Beijing (15:30 UTC), refunded 2027-01-11 00:10 Beijing: one day.
        let a = Utc.with_ymd_and_hms(2027, 1, 10, 15, 30, 0).unwrap();
        let b = Utc.with_ymd_and_hms(2027, 1, 10, 16, 10, 0).unwrap();
        assert_eq!(interest_days(a, b), 1);
        assert_eq!(interest_days(a, a), 0);
        assert_eq!(interest_days(b, a), 0);
    }

    #[test]
    fn five_days_end_at_midnight_of_the_fifth_day() {
        // Signed 2027-04-02 10:00 Beijing: the fifth day is 04-07, the limit 04-08 00:00 Beijing.
        let signed = Utc.with_ymd_and_hms(2027, 4, 2, 2, 0, 0).unwrap();
        let d = due(signed);
        assert_eq!(d, Utc.with_ymd_and_hms(2027, 4, 7, 16, 0, 0).unwrap());
        let just_before = d - chrono::Duration::seconds(1);
        assert!(!overdue(d, Some(just_before), d));
        assert!(overdue(d, Some(d), d));
        assert!(!overdue(d, None, just_before));
        assert!(overdue(d, None, d));
    }
}
