//! Working days (工作日) as the State Council's yearly holiday notices define them.
//!
//! Most of the tendering law counts calendar days (see `domain::schedule`), but complaint handling
//! counts working days (条例61: accept within 3, decide within 30) and so do the short limits of an
//! administrative-penalty case (行政处罚法85). A day is a working day when it is a Monday–Friday
//! that is not a holiday, or a Saturday/Sunday that the year's notice declares a working day
//! (调休上班). The notices are data (`assets/holidays-cn.json`, extended or corrected by the
//! operator's `calendar.files`), never code: each year is added when 国务院办公厅 publishes it,
//! usually in November of the year before.
//!
//! A date in a year the data does not cover is an error ([`NotCovered`]) — never a guess: a
//! limit computed as if there were no holidays would be days early, and a regulator flagged late
//! by it would be flagged wrongly. [`WorkCalendar::warnings`] says when the coming year is
//! missing so the operator loads it in time.
//!
//! Counting follows 民法典 第201条 as `domain::schedule` does: a period starts on the day after
//! its event, and "within N working days" ends at 24:00 (Asia/Shanghai) of the N-th working day.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc, Weekday};
use serde::Deserialize;

use crate::domain::schedule::{legal_date, start_of_legal_day};

/// The notices shipped with the binary.
pub const SHIPPED_CALENDAR: &str = include_str!("../../assets/holidays-cn.json");

/// A date falls in a year whose holiday notice the calendar does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the working-day calendar has no holiday notice for {year}")]
pub struct NotCovered {
    pub year: i32,
}

/// One named holiday period of a notice (inclusive dates).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One year's notice.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearNotice {
    pub year: i32,
    /// The notice's title and date, as published.
    pub notice: String,
    pub holidays: Vec<Holiday>,
    /// Saturdays and Sundays worked instead (调休上班).
    pub working_weekends: Vec<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    #[allow(dead_code)] // documentation for the reader of the file
    source: String,
    years: Vec<YearNotice>,
}

/// The holiday notices in force.
#[derive(Clone, Debug, Default)]
pub struct WorkCalendar {
    years: BTreeMap<i32, YearNotice>,
    off: BTreeSet<NaiveDate>,
    on: BTreeSet<NaiveDate>,
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl WorkCalendar {
    /// Parse a calendar file (the shape of `assets/holidays-cn.json`), checking each notice.
    pub fn parse(text: &str) -> Result<WorkCalendar, String> {
        let file: File = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut cal = WorkCalendar::default();
        for y in file.years {
            if cal.years.contains_key(&y.year) {
                return Err(format!("{} appears twice", y.year));
            }
            cal = cal.with(y)?;
        }
        Ok(cal)
    }

    /// The notices shipped with the binary.
    pub fn shipped() -> WorkCalendar {
        WorkCalendar::parse(SHIPPED_CALENDAR)
            .unwrap_or_else(|e| panic!("assets/holidays-cn.json: {e}"))
    }

    /// This calendar with `other`'s years added, a year present in both taken from `other` (an
    /// operator's file corrects or extends the shipped data).
    pub fn overlaid(self, other: WorkCalendar) -> Result<WorkCalendar, String> {
        let mut years = self.years;
        years.extend(other.years);
        years
            .into_values()
            .try_fold(WorkCalendar::default(), WorkCalendar::with)
    }

    fn with(mut self, y: YearNotice) -> Result<WorkCalendar, String> {
        let year = y.year;
        // A notice may reach into the neighbouring years (元旦 from 30 December), no further.
        let near = |d: NaiveDate| (d.year() - year).abs() <= 1;
        for h in &y.holidays {
            if h.from > h.to || !near(h.from) || !near(h.to) || (h.to - h.from).num_days() > 15 {
                return Err(format!(
                    "{year}: holiday {} {}–{} is not a period of that year",
                    h.name, h.from, h.to
                ));
            }
        }
        let mut off = BTreeSet::new();
        for h in &y.holidays {
            let mut d = h.from;
            while d <= h.to {
                off.insert(d);
                d += TimeDelta::days(1);
            }
        }
        for d in &y.working_weekends {
            if !is_weekend(*d) || !near(*d) {
                return Err(format!("{year}: {d} is not a weekend day of that year"));
            }
            if off.contains(d) {
                return Err(format!("{year}: {d} is both a holiday and a working day"));
            }
        }
        if off.iter().any(|d| self.on.contains(d))
            || y.working_weekends.iter().any(|d| self.off.contains(d))
        {
            return Err(format!("{year}: contradicts a neighbouring year's notice"));
        }
        self.off.extend(off);
        self.on.extend(y.working_weekends.iter().copied());
        self.years.insert(year, y);
        Ok(self)
    }

    /// The notices, by year.
    pub fn years(&self) -> impl Iterator<Item = &YearNotice> {
        self.years.values()
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, NotCovered> {
        if !self.covers(d.year()) {
            return Err(NotCovered { year: d.year() });
        }
        Ok(if self.off.contains(&d) {
            false
        } else {
            !is_weekend(d) || self.on.contains(&d)
        })
    }

    /// The working days after `start` (not counting `start`), in order.
    pub fn working_days_after(
        &self,
        start: NaiveDate,
    ) -> impl Iterator<Item = Result<NaiveDate, NotCovered>> + '_ {
        let mut d = start;
        std::iter::from_fn(move || loop {
            d = d.succ_opt()?;
            match self.is_working_day(d) {
                Ok(true) => return Some(Ok(d)),
                Ok(false) => continue,
                Err(e) => return Some(Err(e)),
            }
        })
    }

    /// The `n`-th working day after `start` (`start` itself not counted; `n = 0` is `start`).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, NotCovered> {
        if n == 0 {
            return Ok(start);
        }
        self.working_days_after(start)
            .nth(n as usize - 1)
            .unwrap_or(Err(NotCovered {
                year: NaiveDate::MAX.year(),
            }))
    }

    /// Working days in (`from`, `to`]: how many of the period's working days have passed by
    /// `to`. Zero when `to` is not after `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, NotCovered> {
        let mut n = 0;
        for d in self.working_days_after(from) {
            if d? > to {
                break;
            }
            n += 1;
        }
        Ok(n)
    }

    /// `d` if it is a working day, else the next one (民法典 第203条 moves a period's last day
    /// off a holiday).
    pub fn roll_forward(&self, d: NaiveDate) -> Result<NaiveDate, NotCovered> {
        if self.is_working_day(d)? {
            return Ok(d);
        }
        self.add_working_days(d, 1)
    }

    /// "Within `n` working days of `event`": the first instant that is too late — 00:00
    /// Asia/Shanghai after the `n`-th working day following the event's date. An act one second
    /// before it is in time; at it, late.
    pub fn within_working_days(
        &self,
        event: DateTime<Utc>,
        n: u32,
    ) -> Result<DateTime<Utc>, NotCovered> {
        let last = self.add_working_days(legal_date(event), n)?;
        Ok(start_of_legal_day(last + TimeDelta::days(1)))
    }

    /// What the operator must know on `today`: the current year missing, or the next year
    /// missing from December (its notice is normally out by then; limits reaching into it
    /// cannot be computed).
    pub fn warnings(&self, today: NaiveDate) -> Vec<String> {
        let mut out = Vec::new();
        if !self.covers(today.year()) {
            out.push(format!(
                "no holiday notice for {}: working-day limits cannot be computed; add it to \
                 calendar.files",
                today.year()
            ));
        }
        if today.month() == 12 && !self.covers(today.year() + 1) {
            out.push(format!(
                "no holiday notice for {}: working-day limits reaching into it cannot be \
                 computed; add it to calendar.files once 国务院办公厅 publishes it",
                today.year() + 1
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::shipped()
    }

    #[test]
    fn weekdays_weekends_holidays_and_adjusted_working_weekends() {
        let c = cal();
        assert!(c.is_working_day(d("2026-03-02")).unwrap()); // a Monday
        assert!(!c.is_working_day(d("2026-03-07")).unwrap()); // a Saturday
        assert!(!c.is_working_day(d("2026-02-17")).unwrap()); // 春节, a Tuesday
        assert!(c.is_working_day(d("2026-02-14")).unwrap()); // 调休 Saturday
        assert!(c.is_working_day(d("2026-02-28")).unwrap()); // 调休 Saturday
        assert!(!c.is_working_day(d("2026-10-07")).unwrap()); // 国庆, a Wednesday
        assert!(c.is_working_day(d("2026-09-20")).unwrap()); // 调休 Sunday
        assert!(c.is_working_day(d("2026-10-10")).unwrap()); // 调休 Saturday
        assert!(!c.is_working_day(d("2025-10-08")).unwrap()); // 2025: 国庆 and 中秋 together
    }

    #[test]
    fn across_the_spring_festival() {
        let c = cal();
        // Received on Friday 13 February 2026: Saturday the 14th is worked, 15–23 are the
        // holiday, so the third working day is Wednesday the 25th.
        let start = d("2026-02-13");
        assert_eq!(c.add_working_days(start, 1).unwrap(), d("2026-02-14"));
        assert_eq!(c.add_working_days(start, 2).unwrap(), d("2026-02-24"));
        assert_eq!(c.add_working_days(start, 3).unwrap(), d("2026-02-25"));
        // 24–27 February and the worked Saturday the 28th: six in all.
        assert_eq!(c.working_days_between(start, d("2026-02-28")).unwrap(), 6);
        // The whole holiday counts as nothing.
        assert_eq!(
            c.working_days_between(d("2026-02-14"), d("2026-02-23"))
                .unwrap(),
            0
        );
    }

    #[test]
    fn across_national_day() {
        let c = cal();
        // Wednesday 30 September 2026: 1–7 October off; Thursday 8, Friday 9, Saturday 10 (worked).
        let start = d("2026-09-30");
        assert_eq!(c.add_working_days(start, 3).unwrap(), d("2026-10-10"));
        assert_eq!(c.add_working_days(start, 4).unwrap(), d("2026-10-12"));
        // Friday 18 September: Monday 21 … and Sunday 20 is worked.
        assert_eq!(
            c.add_working_days(d("2026-09-18"), 1).unwrap(),
            d("2026-09-20")
        );
    }

    #[test]
    fn thirty_working_days_and_the_boundary_instant() {
        let c = cal();
        // A complaint accepted 10:00 Shanghai on Monday 14 September 2026: 30 working days later,
        // with National Day and its two worked weekend days on the way.
        let accepted: DateTime<Utc> = "2026-09-14T02:00:00Z".parse().unwrap();
        let last = c.add_working_days(legal_date(accepted), 30).unwrap();
        // 15–30 Sep: 12 weekdays less 中秋 on Friday the 25th, plus Sunday the 20th = 12; 8–9
        // Oct 2 and Saturday the 10th → 15; 12–16 Oct → 20; 19–23 Oct → 25; 26–30 Oct → 30.
        assert_eq!(last, d("2026-10-30"));
        let end = c.within_working_days(accepted, 30).unwrap();
        assert_eq!(
            end,
            "2026-10-30T16:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(legal_date(end - TimeDelta::seconds(1)), d("2026-10-30"));
    }

    #[test]
    fn a_year_without_its_notice_is_reported_not_guessed() {
        let c = cal();
        assert_eq!(
            c.is_working_day(d("2027-01-04")),
            Err(NotCovered { year: 2027 })
        );
        // Three working days from 29 December 2026 reach into 2027.
        assert_eq!(
            c.add_working_days(d("2026-12-29"), 3),
            Err(NotCovered { year: 2027 })
        );
        assert_eq!(
            c.add_working_days(d("2026-12-29"), 2).unwrap(),
            d("2026-12-31")
        );
        let w = c.warnings(d("2026-12-05"));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("2027"));
        assert!(c.warnings(d("2026-11-30")).is_empty());
        assert_eq!(c.warnings(d("2028-03-01")).len(), 1);
    }

    #[test]
    fn an_operator_file_adds_a_year() {
        let extra = WorkCalendar::parse(
            r#"{"years": [{"year": 2027, "notice": "test notice",
                "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
                "working_weekends": []}]}"#,
        )
        .unwrap();
        let c = cal().overlaid(extra).unwrap();
        assert_eq!(
            c.add_working_days(d("2026-12-29"), 3).unwrap(),
            d("2027-01-04")
        );
        assert!(c.warnings(d("2026-12-05")).is_empty());
    }

    #[test]
    fn malformed_notices_are_refused() {
        let bad = |years: &str| WorkCalendar::parse(&format!(r#"{{"years": [{years}]}}"#));
        let y = |h: &str, w: &str| {
            format!(
                r#"{{"year": 2027, "notice": "n", "holidays": [{h}], "working_weekends": [{w}]}}"#
            )
        };
        // A working weekend that is a weekday.
        assert!(bad(&y("", r#""2027-01-04""#)).is_err());
        // A holiday that is also a working day.
        let h = r#"{"name": "x", "from": "2027-01-02", "to": "2027-01-03"}"#;
        assert!(bad(&y(h, r#""2027-01-02""#)).is_err());
        // A period backwards, or in another year.
        assert!(bad(&y(
            r#"{"name": "x", "from": "2027-01-03", "to": "2027-01-01"}"#,
            ""
        ))
        .is_err());
        assert!(bad(&y(
            r#"{"name": "x", "from": "2030-01-01", "to": "2030-01-01"}"#,
            ""
        ))
        .is_err());
        // The same year twice.
        let one = y("", "");
        assert!(bad(&format!("{one}, {one}")).is_err());
        assert!(bad(&one).is_ok());
    }
}
