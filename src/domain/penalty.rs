//! Penalties the platform enforces (issue 15): the bidding ban's term.
//!
//! A ban (取消投标资格: 条例67, 68, 72 …, "1年至3年") bars an organisation from bidding on the
//! platform's tenders — the trading centre's tenders are the 依法必须进行招标的项目 such bans name.
//! The term is counted in whole Shanghai days from the first day the decision names: N years
//! later, that day is the first day free again (2026-03-01 for one year → the last banned day
//! is 2027-02-28, a bid on 2027-03-01 is accepted). A first day without a counterpart (29
//! February) ends on the last day of February (chrono's month arithmetic clamps).

use chrono::{DateTime, Months, NaiveDate, TimeDelta, Utc};

use crate::domain::schedule::start_of_legal_day;

/// The shortest and longest ban the 条例 provides.
pub const BAN_YEARS: std::ops::RangeInclusive<u32> = 1..=3;

/// A ban's term: in force from `starts_at` (inclusive) to `ends_at` (exclusive); `last_day` is
/// the last banned Shanghai date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BanTerm {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub last_day: NaiveDate,
}

/// The term of a ban of `years` from `first_day`; None if `years` is outside 1–3.
pub fn ban_term(first_day: NaiveDate, years: u32) -> Option<BanTerm> {
    if !BAN_YEARS.contains(&years) {
        return None;
    }
    let free = first_day.checked_add_months(Months::new(12 * years))?;
    Some(BanTerm {
        starts_at: start_of_legal_day(first_day),
        ends_at: start_of_legal_day(free),
        last_day: free - TimeDelta::days(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn whole_days_from_the_first_day() {
        let t = ban_term(d("2026-03-01"), 1).unwrap();
        assert_eq!(
            t.starts_at,
            "2026-02-28T16:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            t.ends_at,
            "2027-02-28T16:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(t.last_day, d("2027-02-28"));
        assert_eq!(
            ban_term(d("2026-03-01"), 3).unwrap().last_day,
            d("2029-02-28")
        );
        // 29 February: the counterpart is clamped to the month's end.
        assert_eq!(
            ban_term(d("2028-02-29"), 1).unwrap().last_day,
            d("2029-02-27")
        );
    }

    #[test]
    fn only_one_to_three_years() {
        assert!(ban_term(d("2026-03-01"), 0).is_none());
        assert!(ban_term(d("2026-03-01"), 4).is_none());
    }
}
