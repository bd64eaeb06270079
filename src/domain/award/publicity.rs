//! 公示 and 异议 of the award, and the traditional award's choice of winner, as pure rules
//! (条例54–56; domain-rules §2.1, §2.3, §3).
//!
//! * The 中标候选人 are published within 3 days of the tenderer receiving the 评标报告, for at
//!   least 3 days (条例54). The statute says 日, which the 条例 counts as calendar days (only
//!   complaint handling, 条例61, says 工作日), and the platform keeps no holiday calendar: every
//!   period here is calendar days, counted from the instant that starts it on the server clock.
//!   A publication after the 3 days is not refused — the law makes the tenderer answer for the
//!   delay to its regulator, it does not void the award procedure, and refusing would leave the
//!   section with no lawful way forward — but it is flagged (`late`) for the regulators.
//! * Objections are raised during publicity — from its first instant, up to but excluding its
//!   end; the tenderer answers within 3 days and the award waits while any is open (条例54). An
//!   answer after the 3 days is accepted and flagged.
//! * The traditional award: rank #1 where the project is state-owned and must be tendered
//!   (条例55); otherwise another candidate only with a written reason. When the winner gives up,
//!   cannot perform, posts no performance bond or is found to have broken the law, the next in
//!   rank or a re-tender, as the tender says (条例55).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::signed::labelled;

/// The statutory numbers of 条例54 (each overridable through the procedure rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicityRules {
    /// Days from receiving the report within which the candidates are published.
    pub publish_within_days: u32,
    /// Fewest days the publicity lasts.
    pub min_days: u32,
    /// Days the tenderer has to answer an objection.
    pub answer_days: u32,
}

impl PublicityRules {
    pub const STATUTORY: PublicityRules = PublicityRules {
        publish_within_days: 3,
        min_days: 3,
        answer_days: 3,
    };
}

/// Why a publicity or objection step is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublicityError {
    #[error("the publicity lasts at least {min} days (条例54); {given} asked")]
    TooShort { min: u32, given: u32 },
    #[error("objections are raised during the publicity ({from} to {until}, end excluded)")]
    NotOpen {
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    #[error("the publicity runs until {until}")]
    NotOver { until: DateTime<Utc> },
}

/// By when the candidates must be published, for a report received at `received`.
pub fn publish_due(received: DateTime<Utc>, rules: &PublicityRules) -> DateTime<Utc> {
    received + Duration::days(i64::from(rules.publish_within_days))
}

/// The publicity window `[from, until)` of `days` days starting at `now`.
pub fn window(
    now: DateTime<Utc>,
    days: u32,
    rules: &PublicityRules,
) -> Result<(DateTime<Utc>, DateTime<Utc>), PublicityError> {
    if days < rules.min_days {
        return Err(PublicityError::TooShort {
            min: rules.min_days,
            given: days,
        });
    }
    Ok((now, now + Duration::days(i64::from(days))))
}

/// Whether an objection may be raised at `at`: inside `[from, until)`.
pub fn objection_allowed(
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<(), PublicityError> {
    if from <= at && at < until {
        Ok(())
    } else {
        Err(PublicityError::NotOpen { from, until })
    }
}

/// Whether the publicity ending at `until` is over at `at` (its end instant is no longer in it).
pub fn publicity_over(until: DateTime<Utc>, at: DateTime<Utc>) -> Result<(), PublicityError> {
    if at >= until {
        Ok(())
    } else {
        Err(PublicityError::NotOver { until })
    }
}

/// By when an objection raised at `raised` must be answered.
pub fn answer_due(raised: DateTime<Utc>, rules: &PublicityRules) -> DateTime<Utc> {
    raised + Duration::days(i64::from(rules.answer_days))
}

/// Where an upheld objection sends the section (mirrors the award machine's `Back`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SendBack {
    /// The original committee re-evaluates (条例56, or an upheld objection to the result).
    Reevaluation,
    /// A new award round (评定分离 only).
    NewRound,
    /// The section is tendered again.
    Retender,
}

impl SendBack {
    pub const fn as_str(self) -> &'static str {
        match self {
            SendBack::Reevaluation => "reevaluation",
            SendBack::NewRound => "new_round",
            SendBack::Retender => "retender",
        }
    }

    pub fn parse(s: &str) -> Option<SendBack> {
        [
            SendBack::Reevaluation,
            SendBack::NewRound,
            SendBack::Retender,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
    }
}

/// The tenderer's answer to an objection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Outcome {
    /// The objection is unfounded; the publicity goes on.
    Dismissed,
    /// The objection is founded; the section goes back to `back`.
    Upheld { back: SendBack },
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Dismissed => "dismissed",
            Outcome::Upheld { .. } => "upheld",
        }
    }

    /// Where an upheld objection sends the section (`None` when dismissed): the stored
    /// `send_back` beside the stored outcome.
    pub const fn send_back(self) -> Option<SendBack> {
        match self {
            Outcome::Dismissed => None,
            Outcome::Upheld { back } => Some(back),
        }
    }

    /// The outcome from its stored forms (`as_str` and `send_back`); `None` when they do not
    /// make one.
    pub fn parse(outcome: &str, send_back: Option<&str>) -> Option<Outcome> {
        match (outcome, send_back.map(SendBack::parse)) {
            ("dismissed", None) => Some(Outcome::Dismissed),
            ("upheld", Some(Some(back))) => Some(Outcome::Upheld { back }),
            _ => None,
        }
    }
}

/// What happens when the winner drops out (条例55), as the tender says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AfterGiveUp {
    /// The next candidate in rank becomes the winner (a re-tender when none is left).
    #[default]
    NextInRank,
    /// The section is tendered again.
    Retender,
}

/// Why the winner drops out (条例55's four cases).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GiveUpReason {
    /// It gives up the award (放弃中标).
    GaveUp,
    /// Force majeure: it cannot perform (因不可抗力不能履行合同).
    CannotPerform,
    /// It did not post the performance bond the documents require (不按照招标文件要求提交履约保证金).
    NoPerformanceBond,
    /// It is found to have broken the law in a way that affects the award (被查实存在影响中标结果的违法行为).
    BrokeTheLaw,
    /// Its bid's validity (投标有效期) ended — not extended, or its bidder declined — so it is no
    /// longer bound by its offer and cannot be sent its notice (docs/BIDDING.md §4).
    ValidityLapsed,
}

impl GiveUpReason {
    pub const ALL: [GiveUpReason; 5] = [
        GiveUpReason::GaveUp,
        GiveUpReason::CannotPerform,
        GiveUpReason::NoPerformanceBond,
        GiveUpReason::BrokeTheLaw,
        GiveUpReason::ValidityLapsed,
    ];

    /// Whether the winner loses its bid bond (条例74: it gave the award up without a proper
    /// reason, or did not post the performance bond; force majeure is a proper reason, and a
    /// breach of the law is punished under its own articles; a bidder whose validity ended takes
    /// its bond back, docs/BIDDING.md §4).
    pub const fn forfeits_bond(self) -> bool {
        matches!(self, GiveUpReason::GaveUp | GiveUpReason::NoPerformanceBond)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            GiveUpReason::GaveUp => "gave_up",
            GiveUpReason::CannotPerform => "cannot_perform",
            GiveUpReason::NoPerformanceBond => "no_performance_bond",
            GiveUpReason::BrokeTheLaw => "broke_the_law",
            GiveUpReason::ValidityLapsed => "validity_lapsed",
        }
    }
}

/// Why a traditional award's choice is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    #[error("{0} is not one of the section's candidates")]
    NotACandidate(String),
    #[error(
        "a state-owned project that must be tendered awards the first-ranked candidate (条例55)"
    )]
    RankOneRequired,
    #[error("awarding another than the first-ranked candidate needs a written reason")]
    ReasonRequired,
}

/// Checks the tenderer's choice of `chosen` among `ranked` (rank order, first is #1) among
/// those still `eligible`: returns whether it departs from the first eligible candidate.
pub fn check_choice(
    ranked: &[String],
    eligible: &[String],
    chosen: &str,
    rank_one_required: bool,
    reason: Option<&str>,
) -> Result<bool, ChoiceError> {
    if !eligible.iter().any(|c| c == chosen) || !ranked.iter().any(|c| c == chosen) {
        return Err(ChoiceError::NotACandidate(chosen.to_string()));
    }
    let first = ranked.iter().find(|c| eligible.contains(c));
    let departs = first.map(String::as_str) != Some(chosen);
    if departs && rank_one_required {
        return Err(ChoiceError::RankOneRequired);
    }
    if departs && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(ChoiceError::ReasonRequired);
    }
    Ok(departs)
}

/// The next candidate in rank after those `out` (dropped out or already winners), if any.
pub fn next_in_rank<'a>(ranked: &'a [String], out: &[String]) -> Option<&'a String> {
    ranked.iter().find(|c| !out.contains(c))
}

/// Domain label of a signed award objection.
pub const OBJECTION_LABEL: &[u8] = b"etender-award-objection/v1\0";

/// The hex SHA-256 of an objection's text, which its statement binds (the audit log keeps the
/// digest, not the text).
pub fn text_digest(text: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()))
}

/// The bytes an objector signs with its organisation certificate: `label ‖ tender ‖ 0x0a ‖
/// section ‖ 0x0a ‖ award round ‖ 0x0a ‖ objector USCC ‖ 0x0a ‖ hex SHA-256 of the text`.
pub fn objection_statement(
    tender: &str,
    section: &str,
    round: i32,
    uscc: &str,
    text_sha256: &str,
) -> Vec<u8> {
    let msg = format!("{tender}\n{section}\n{round}\n{uscc}\n{text_sha256}");
    labelled(OBJECTION_LABEL, msg.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const R: PublicityRules = PublicityRules::STATUTORY;
    const SEC: Duration = Duration::seconds(1);

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap()
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_outcome_reads_back_from_its_stored_forms_and_nothing_else_does() {
        let backs = [
            SendBack::Reevaluation,
            SendBack::NewRound,
            SendBack::Retender,
        ];
        let all = std::iter::once(Outcome::Dismissed)
            .chain(backs.into_iter().map(|back| Outcome::Upheld { back }));
        for o in all {
            let back = o.send_back().map(SendBack::as_str);
            assert_eq!(Outcome::parse(o.as_str(), back), Some(o));
        }
        assert_eq!(Outcome::parse("upheld", None), None);
        assert_eq!(Outcome::parse("upheld", Some("elsewhere")), None);
        assert_eq!(Outcome::parse("dismissed", Some("retender")), None);
        assert_eq!(Outcome::parse("granted", None), None);
    }

    #[test]
    fn windows_are_calendar_days_from_the_instant() {
        assert_eq!(publish_due(t0(), &R), t0() + Duration::days(3));
        let (from, until) = window(t0(), 5, &R).unwrap();
        assert_eq!((from, until), (t0(), t0() + Duration::days(5)));
        assert_eq!(
            window(t0(), 2, &R),
            Err(PublicityError::TooShort { min: 3, given: 2 })
        );
        assert_eq!(answer_due(t0(), &R), t0() + Duration::days(3));
    }

    #[test]
    fn objections_inside_the_window_only_end_excluded() {
        let (from, until) = window(t0(), 3, &R).unwrap();
        assert!(objection_allowed(from, until, from - SEC).is_err());
        assert!(objection_allowed(from, until, from).is_ok());
        assert!(objection_allowed(from, until, until - SEC).is_ok());
        assert!(objection_allowed(from, until, until).is_err());
        assert!(publicity_over(until, until - SEC).is_err());
        assert!(publicity_over(until, until).is_ok());
    }

    #[test]
    fn the_choice_of_winner() {
        let ranked = ids(&["a", "b", "c"]);
        assert_eq!(check_choice(&ranked, &ranked, "a", true, None), Ok(false));
        assert_eq!(
            check_choice(&ranked, &ranked, "b", true, Some("why")),
            Err(ChoiceError::RankOneRequired)
        );
        assert_eq!(
            check_choice(&ranked, &ranked, "b", false, Some("  ")),
            Err(ChoiceError::ReasonRequired)
        );
        assert_eq!(
            check_choice(&ranked, &ranked, "b", false, Some("why")),
            Ok(true)
        );
        assert!(matches!(
            check_choice(&ranked, &ranked, "z", false, Some("why")),
            Err(ChoiceError::NotACandidate(_))
        ));
        // Once "a" dropped out, "b" is the first eligible: no departure.
        let eligible = ids(&["b", "c"]);
        assert_eq!(check_choice(&ranked, &eligible, "b", true, None), Ok(false));
        assert!(check_choice(&ranked, &eligible, "a", false, Some("x")).is_err());
        assert_eq!(next_in_rank(&ranked, &ids(&["a"])), Some(&ranked[1]));
        assert_eq!(next_in_rank(&ranked, &ranked), None);
    }

    #[test]
    fn the_objection_statement_is_labelled_and_binds_every_field() {
        let s = objection_statement("t", "BD01", 1, "U", "text");
        assert!(s.starts_with(OBJECTION_LABEL));
        assert_ne!(s, objection_statement("t", "BD01", 2, "U", "text"));
        assert_ne!(s, objection_statement("t", "BD02", 1, "U", "text"));
    }
}
