//! Statutory time limits of the publication phase, the rule codes every failed check reports, and
//! `validate_for_publication`, the one entry point that runs all publication rules.
//!
//! # Day-counting policy
//!
//! The statutes count calendar days (日; 条例 uses 工作日 only for complaint handling, which is not
//! here). Following 民法典 第201条 — a period counted in days starts on the day **after** the
//! starting event — every limit is computed on **calendar dates in Asia/Shanghai** (UTC+8, no
//! daylight saving since 1991), never on elapsed hours:
//!
//! * `calendar_days_between(a, b)` = the Shanghai date of `b` minus the Shanghai date of `a`. The
//!   start day is not counted; the end day is.
//! * "at least N days from event `a` to instant `b`" holds iff `calendar_days_between(a, b) ≥ N`,
//!   i.e. iff `b ≥ 00:00 Shanghai on date(a) + N`. Example (招标投标法24): documents first issued
//!   on 3 March (any time) → the deadline may fall at any time on 23 March or later; 22 March
//!   23:59:59 is refused.
//! * "at least N days before instant `d`" holds iff `calendar_days_between(t, d) ≥ N`, i.e. iff
//!   `t < 00:00 Shanghai on date(d) − N + 1`. Example (条例21): deadline 31 March 09:30 → an
//!   amendment is in time up to 16 March 23:59:59; from 17 March 00:00 the deadline moves.
//!   Note this is a calendar rule: an amendment on 16 March at 20:00 is in time although fewer
//!   than 15 × 24 hours remain, because the law counts 17…31 March as the 15 days.
//! * "within N days of event `a`" ends at 24:00 of the N-th day after `a` (民法典 第203条: the
//!   last day ends at 24:00), i.e. the act must happen before `00:00 Shanghai on date(a) + N + 1`.
//!
//! Statutory holidays are **not** modelled yet: 民法典 第203条 moves the last day of a period off a
//! holiday [U in the reference], which only ever gives a party more time than computed here.
//!
//! The boundary helpers (`earliest_deadline`, `amendment_cutoff`, …) return the exact instant at
//! which each verdict flips, so tests and the UI can show "one second before / at / after".

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::tender::{ProcedureRules, Schedule, TenderDraft};

/// The calendar the statutes' days are counted in.
pub const LEGAL_TZ: Tz = chrono_tz::Asia::Shanghai;

macro_rules! rule_codes {
    ($( $(#[$doc:meta])* $variant:ident = $wire:literal ),+ $(,)?) => {
        /// Stable snake_case names of publication rules. A name, once published, is never renamed.
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            utoipa::ToSchema,
        )]
        pub enum RuleCode { $( $(#[$doc])* #[serde(rename = $wire)] $variant ),+ }

        impl RuleCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [RuleCode] = &[$(RuleCode::$variant),+];

            /// The snake_case wire name.
            pub fn as_str(self) -> &'static str { match self { $(RuleCode::$variant => $wire),+ } }
        }
    };
}

rule_codes! {
    // --- schedule ---
    /// The bid deadline is not in the future.
    DeadlineInThePast = "deadline_in_the_past",
    /// 招标投标法24 [C]: fewer than 20 days from first issue of the documents to the deadline.
    DeadlineTooSoonAfterIssue = "deadline_too_soon_after_issue",
    /// 条例16 [C]: documents available for fewer than 5 days.
    DocumentPeriodTooShort = "document_period_too_short",
    /// Platform consistency (not law): documents stay available after the deadline.
    DocumentsAvailableAfterDeadline = "documents_available_after_deadline",
    /// Platform consistency (not law): questions accepted after the deadline.
    ClarificationCutoffAfterDeadline = "clarification_cutoff_after_deadline",
    /// Platform consistency (not law): question period ends before the documents are out.
    ClarificationCutoffBeforeIssue = "clarification_cutoff_before_issue",
    /// 投标有效期 (条例25 [C]) of zero days.
    BidValidityNotPositive = "bid_validity_not_positive",
    /// 条例22 [C]: objection to the 招标文件 fewer than 10 days before the deadline.
    ObjectionTooLate = "objection_too_late",
    /// Platform rule: an amendment clarifies or modifies the documents; it cannot turn an open
    /// tender into an invited one (or back) — that is a new tender.
    ProcedureUnchangeable = "procedure_unchangeable",
    // --- sections and money ---
    /// A tender without any 标段.
    NoSections = "no_sections",
    /// Blank or duplicate 标段编号.
    SectionCodeInvalid = "section_code_invalid",
    /// 估算价 of zero.
    EstimatedPriceNotPositive = "estimated_price_not_positive",
    /// 最高投标限价 of zero.
    PriceCapNotPositive = "price_cap_not_positive",
    /// 条例26 [C]: bid bond above 2 % of the estimated price.
    BidBondOverTwoPercent = "bid_bond_over_two_percent",
    /// [P]: works bid bond above the absolute cap (default ¥800,000).
    BidBondOverWorksCap = "bid_bond_over_works_cap",
    /// 条例27 [C]: a 最低投标限价 was supplied.
    PriceFloorForbidden = "price_floor_forbidden",
    /// A blank 资格要求 entry.
    QualificationRequirementEmpty = "qualification_requirement_empty",
    // --- evaluation and award ---
    /// 综合评估法 weights do not add up to exactly 100.
    WeightsDoNotSumTo100 = "weights_do_not_sum_to_100",
    /// A weight with a blank or duplicate name, or a value not above zero.
    WeightInvalid = "weight_invalid",
    /// Candidate count outside 1..=3 (条例53 [C]) or the 评定分离 range [U].
    CandidateCountOutOfRange = "candidate_count_out_of_range",
    /// 定性评审 cannot rank, so it needs 评定分离.
    QualitativeRequiresSeparatedAward = "qualitative_requires_separated_award",
    /// 票决抽签 shortlist not smaller than the candidates, or too small to draw from.
    ShortlistOutOfRange = "shortlist_out_of_range",
    /// 条例54 [C]: a section's award publicity shorter than 3 days.
    PublicityTooShort = "publicity_too_short",
    /// A 综合评估法 item with a blank or duplicate code, no name, an unknown or price factor, or
    /// points not above zero (or with more than 2 decimal places).
    CriterionInvalid = "criterion_invalid",
    /// The items of a non-price weight do not add up to exactly that weight.
    CriteriaDoNotSumToWeight = "criteria_do_not_sum_to_weight",
    /// The price formula names no weight, drops every price, or has a bad K set or rate.
    PriceFormulaInvalid = "price_formula_invalid",
    /// A 经评审的最低投标价法 adjustment with a bad code, name, amount or percent.
    PriceAdjustmentInvalid = "price_adjustment_invalid",
    /// A 初步评审 checklist with a bad line or without one of form, qualification and
    /// responsiveness.
    ReviewRequirementsInvalid = "review_requirements_invalid",
    /// A shortfall rule whose `min_valid` is zero or above the candidate count.
    ShortfallRuleInvalid = "shortfall_rule_invalid",
    /// An award committee that is not an odd number of 5 to 25 members, draws more than it
    /// has, or is given to a traditional award.
    AwardCommitteeInvalid = "award_committee_invalid",
    /// A blank, padded or overlong 定标要素 / 择优 / 比劣 line, or more than 50 of them.
    AwardCriteriaInvalid = "award_criteria_invalid",
    // --- custodians and invitees ---
    /// Blank or duplicate custodian ids.
    CustodianIdsInvalid = "custodian_ids_invalid",
    /// Custodian count outside the configured range (default 2..=15).
    CustodianCountOutOfRange = "custodian_count_out_of_range",
    /// Threshold t not within 1..=n.
    CustodianThresholdInvalid = "custodian_threshold_invalid",
    /// 招标投标法17 [U]: 邀请招标 with fewer than 3 distinct invitees.
    TooFewInvitees = "too_few_invitees",
    /// An invitation list on an open procedure.
    InviteesNotAllowed = "invitees_not_allowed",
    // --- bids ---
    /// A declared bid limit (`bid_limits`) is zero or above the platform's ceiling.
    BidLimitsOutOfRange = "bid_limits_out_of_range",
    // --- contract ---
    /// The section's contract terms (履约保证金 over 10 %, payment milestones not adding up to
    /// 100 %, a blank clause).
    ContractTermsInvalid = "contract_terms_invalid",
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failed rule: which rule, a human explanation, and the path of the offending field
/// (`sections[1].bid_bond`, `schedule.bid_deadline`, …). Maps one-to-one onto the HTTP layer's
/// field errors.
#[derive(
    Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, thiserror::Error,
)]
#[error("{rule} at {field}: {message}")]
pub struct RuleViolation {
    pub rule: RuleCode,
    pub message: String,
    pub field: String,
}

impl RuleViolation {
    pub fn new(rule: RuleCode, field: &str, message: &str) -> RuleViolation {
        RuleViolation {
            rule,
            message: message.to_string(),
            field: field.to_string(),
        }
    }
}

/// The Shanghai calendar date of an instant.
pub fn legal_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&LEGAL_TZ).date_naive()
}

/// Date of `to` minus date of `from`, in the Shanghai calendar (start day not counted).
pub fn calendar_days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (legal_date(to) - legal_date(from)).num_days()
}

/// 00:00 Asia/Shanghai on `date`, as a UTC instant.
pub fn start_of_legal_day(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::MIN);
    match LEGAL_TZ.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        // Only reachable for historic dates whose midnight was skipped by a DST jump; +08:00 is
        // then the right standard offset anyway.
        None => Utc.from_utc_datetime(&(local - TimeDelta::hours(8))),
    }
}

/// 00:00 Shanghai on the date `days` calendar days after (or before, if negative) `t`'s date.
pub fn start_of_day_offset(t: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    let date = legal_date(t);
    let shifted = date
        .checked_add_signed(TimeDelta::days(days))
        .unwrap_or(if days >= 0 {
            NaiveDate::MAX
        } else {
            NaiveDate::MIN
        });
    start_of_legal_day(shifted)
}

/// 招标投标法24 [C]: the earliest permitted bid deadline for documents first issued at
/// `first_issue` (20 days by default). A deadline at this instant passes; one second earlier fails.
pub fn earliest_deadline(first_issue: DateTime<Utc>, rules: &ProcedureRules) -> DateTime<Utc> {
    start_of_day_offset(first_issue, i64::from(rules.min_days_issue_to_deadline))
}

/// 条例16 [C]: the earliest permitted end of document availability for a period starting at
/// `from` (5 days by default). An end at this instant passes; one second earlier fails.
pub fn earliest_documents_until(from: DateTime<Utc>, rules: &ProcedureRules) -> DateTime<Utc> {
    start_of_day_offset(from, i64::from(rules.min_document_availability_days))
}

/// 条例21 [C]: amendments published strictly before this instant leave the full 15 days; one
/// published at or after it postpones `deadline`.
pub fn amendment_cutoff(deadline: DateTime<Utc>, rules: &ProcedureRules) -> DateTime<Utc> {
    start_of_day_offset(deadline, 1 - i64::from(rules.amendment_notice_days))
}

/// 条例22 [C]: objections to the 招标文件 must be raised strictly before this instant (10 days
/// before `deadline` by default).
pub fn objection_cutoff(deadline: DateTime<Utc>, rules: &ProcedureRules) -> DateTime<Utc> {
    start_of_day_offset(deadline, 1 - i64::from(rules.objection_cutoff_days))
}

/// 条例22 [C]: the tenderer answers an objection received at `raised_at` within 3 days, i.e.
/// strictly before the returned instant (00:00 Shanghai on the 4th day after receipt = 24:00 of
/// the 3rd).
pub fn objection_answer_due(raised_at: DateTime<Utc>, rules: &ProcedureRules) -> DateTime<Utc> {
    start_of_day_offset(raised_at, i64::from(rules.objection_answer_days) + 1)
}

/// Whether an answer given at `answered_at` met [`objection_answer_due`].
pub fn objection_answer_in_time(
    raised_at: DateTime<Utc>,
    answered_at: DateTime<Utc>,
    rules: &ProcedureRules,
) -> bool {
    answered_at < objection_answer_due(raised_at, rules)
}

/// 条例22 [C]: may an objection to the 招标文件 be raised at `at`?
pub fn objection_allowed(
    schedule: &Schedule,
    at: DateTime<Utc>,
    rules: &ProcedureRules,
) -> Result<(), RuleViolation> {
    let cutoff = objection_cutoff(schedule.bid_deadline, rules);
    if at < cutoff {
        Ok(())
    } else {
        Err(RuleViolation::new(
            RuleCode::ObjectionTooLate,
            "raised_at",
            &format!(
                "objections to the tender documents must be raised at least {} days \
                 before the bid deadline, i.e. before {} (招标投标法实施条例第22条)",
                rules.objection_cutoff_days,
                shanghai(cutoff)
            ),
        ))
    }
}

/// Whether a clarification or amendment can change how bids are prepared (条例21 applies only
/// to those).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentImpact {
    /// 可能影响投标文件编制: the 15-day rule applies.
    AffectsBidPreparation,
    /// Typo-level change that cannot affect any bid.
    Editorial,
}

/// What publishing an amendment does to the schedule and to bids already submitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AmendmentEffect {
    /// The postponed deadline (also the new opening time), if the amendment came too late.
    pub new_deadline: Option<DateTime<Utc>>,
    /// Bids submitted before the amendment must be re-confirmed by their bidders. Platform
    /// policy after ProZorro (any tender change invalidates submitted bids), not statute.
    pub reconfirm_bids: bool,
}

/// 条例21 [C]: an amendment that may affect bid preparation must reach bidders at least 15 days
/// before the deadline; otherwise the deadline is postponed.
///
/// The postponed deadline is the **smallest compliant date at the old deadline's wall-clock time**:
/// Shanghai date of `published_at` + 15 days, at the same Shanghai time of day as the old deadline
/// (so a 09:30 opening stays a 09:30 opening). By the day-counting policy this leaves exactly 15
/// days, and it is always later than the old deadline because the old one left fewer.
pub fn amendment_effect(
    schedule: &Schedule,
    published_at: DateTime<Utc>,
    impact: AmendmentImpact,
    rules: &ProcedureRules,
) -> AmendmentEffect {
    if impact == AmendmentImpact::Editorial {
        return AmendmentEffect {
            new_deadline: None,
            reconfirm_bids: false,
        };
    }
    let old = schedule.bid_deadline;
    let new_deadline = if published_at < amendment_cutoff(old, rules) {
        None
    } else {
        let old_start_of_day = start_of_day_offset(old, 0);
        let time_of_day = old - old_start_of_day;
        Some(
            start_of_day_offset(published_at, i64::from(rules.amendment_notice_days)) + time_of_day,
        )
    };
    AmendmentEffect {
        new_deadline,
        reconfirm_bids: true,
    }
}

/// The schedule rules. `now` is the publication instant: documents cannot have been issued before
/// publication, so the 20-day and 5-day counts start at `max(documents_available_from, now)`.
pub fn check_schedule(
    schedule: &Schedule,
    rules: &ProcedureRules,
    now: DateTime<Utc>,
    out: &mut Vec<RuleViolation>,
) {
    let first_issue = schedule.documents_available_from.max(now);
    if schedule.bid_deadline <= now {
        out.push(RuleViolation::new(
            RuleCode::DeadlineInThePast,
            "schedule.bid_deadline",
            "the bid deadline must be in the future",
        ));
    }
    let earliest = earliest_deadline(first_issue, rules);
    if schedule.bid_deadline < earliest {
        out.push(RuleViolation::new(
            RuleCode::DeadlineTooSoonAfterIssue,
            "schedule.bid_deadline",
            &format!(
                "the bid deadline must be at least {} days after the documents are first issued, \
                 i.e. not before {} (招标投标法第24条)",
                rules.min_days_issue_to_deadline,
                shanghai(earliest)
            ),
        ));
    }
    let earliest_until = earliest_documents_until(first_issue, rules);
    if schedule.documents_available_until < earliest_until {
        out.push(RuleViolation::new(
            RuleCode::DocumentPeriodTooShort,
            "schedule.documents_available_until",
            &format!(
                "documents must be available for at least {} days, i.e. until {} or later \
                 (招标投标法实施条例第16条)",
                rules.min_document_availability_days,
                shanghai(earliest_until)
            ),
        ));
    }
    if schedule.documents_available_until > schedule.bid_deadline {
        out.push(RuleViolation::new(
            RuleCode::DocumentsAvailableAfterDeadline,
            "schedule.documents_available_until",
            "documents cannot remain on issue after the bid deadline",
        ));
    }
    if schedule.clarification_cutoff > schedule.bid_deadline {
        out.push(RuleViolation::new(
            RuleCode::ClarificationCutoffAfterDeadline,
            "schedule.clarification_cutoff",
            "the question period must end no later than the bid deadline",
        ));
    }
    if schedule.clarification_cutoff < first_issue {
        out.push(RuleViolation::new(
            RuleCode::ClarificationCutoffBeforeIssue,
            "schedule.clarification_cutoff",
            "the question period cannot end before the documents are issued",
        ));
    }
    if schedule.bid_validity_days == 0 {
        out.push(RuleViolation::new(
            RuleCode::BidValidityNotPositive,
            "schedule.bid_validity_days",
            "the bid validity period (投标有效期) must be at least one day",
        ));
    }
}

/// Every publication rule at once: schedule, sections, money, evaluation, award, custodians,
/// invitees. The HTTP layer calls [`crate::domain::tender::refuse_price_floor`] on the raw body
/// first, since a typed draft cannot carry a price floor.
pub fn validate_for_publication(
    draft: &TenderDraft,
    rules: &ProcedureRules,
    now: DateTime<Utc>,
) -> Result<(), Vec<RuleViolation>> {
    let mut out = Vec::new();
    check_schedule(&draft.schedule, rules, now, &mut out);
    draft.check_content(rules, &mut out);
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

/// Every rule an amendment must meet: the content rules, the procedure type unchanged, and the
/// schedule rules counted from the *original* first issue of documents (the 20-day period does
/// not restart), with the deadline still in the future at `now`. The caller applies
/// [`amendment_effect`] to `amended` first.
pub fn validate_amendment(
    published: &TenderDraft,
    amended: &TenderDraft,
    first_issue: DateTime<Utc>,
    now: DateTime<Utc>,
    rules: &ProcedureRules,
) -> Result<(), Vec<RuleViolation>> {
    let mut out = Vec::new();
    if amended.procedure != published.procedure {
        out.push(RuleViolation::new(
            RuleCode::ProcedureUnchangeable,
            "procedure",
            "an amendment cannot change the procedure type; terminate and publish a new tender",
        ));
    }
    check_schedule(&amended.schedule, rules, first_issue, &mut out);
    let already = out.iter().any(|v| v.rule == RuleCode::DeadlineInThePast);
    if amended.schedule.bid_deadline <= now && !already {
        out.push(RuleViolation::new(
            RuleCode::DeadlineInThePast,
            "schedule.bid_deadline",
            "the bid deadline must be in the future",
        ));
    }
    amended.check_content(rules, &mut out);
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

fn shanghai(t: DateTime<Utc>) -> String {
    t.with_timezone(&LEGAL_TZ)
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::tender::tests::section;
    use crate::domain::tender::{Custodians, ProcedureType};
    use proptest::prelude::*;

    const RULES: ProcedureRules = ProcedureRules::STATUTORY;
    const SEC: TimeDelta = TimeDelta::seconds(1);

    /// An instant given as Shanghai wall-clock time.
    pub(crate) fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        LEGAL_TZ
            .with_ymd_and_hms(y, mo, d, h, mi, s)
            .unwrap()
            .with_timezone(&Utc)
    }

    pub(crate) fn schedule() -> Schedule {
        Schedule {
            documents_available_from: sh(2025, 3, 3, 9, 0, 0),
            documents_available_until: sh(2025, 3, 10, 17, 0, 0),
            clarification_cutoff: sh(2025, 3, 14, 17, 0, 0),
            bid_deadline: sh(2025, 3, 31, 9, 30, 0),
            bid_validity_days: 90,
        }
    }

    pub(crate) fn draft() -> TenderDraft {
        TenderDraft {
            procedure: ProcedureType::Open,
            schedule: schedule(),
            sections: vec![section("A1"), section("A2")],
            custodians: Custodians {
                person_ids: vec!["p1".into(), "p2".into(), "p3".into()],
                threshold: 2,
            },
            invitees: vec![],
            bid_limits: Default::default(),
            supervising_department: None,
        }
    }

    fn schedule_codes(s: &Schedule, now: DateTime<Utc>) -> Vec<RuleCode> {
        let mut out = Vec::new();
        check_schedule(s, &RULES, now, &mut out);
        out.into_iter().map(|v| v.rule).collect()
    }

    /// Before publication: "now" is earlier than the documents' start.
    fn before() -> DateTime<Utc> {
        sh(2025, 3, 2, 12, 0, 0)
    }

    #[test]
    fn amendments_keep_the_procedure_the_original_issue_and_a_future_deadline() {
        let published = draft();
        let first_issue = sh(2025, 3, 3, 9, 0, 0);
        let now = sh(2025, 3, 20, 10, 0, 0);
        assert_eq!(
            validate_amendment(&published, &published, first_issue, now, &RULES),
            Ok(())
        );

        let mut invited = published.clone();
        invited.procedure = ProcedureType::Invited;
        let codes: Vec<RuleCode> =
            validate_amendment(&published, &invited, first_issue, now, &RULES)
                .unwrap_err()
                .into_iter()
                .map(|v| v.rule)
                .collect();
        assert!(
            codes.contains(&RuleCode::ProcedureUnchangeable),
            "{codes:?}"
        );

        // After the deadline: exactly one deadline_in_the_past, not a duplicate.
        let late = sh(2025, 3, 31, 9, 30, 0);
        let codes: Vec<RuleCode> =
            validate_amendment(&published, &published, first_issue, late, &RULES)
                .unwrap_err()
                .into_iter()
                .map(|v| v.rule)
                .collect();
        assert_eq!(codes, vec![RuleCode::DeadlineInThePast]);
        // A second before the deadline it is still in the future.
        assert_eq!(
            validate_amendment(&published, &published, first_issue, late - SEC, &RULES),
            Ok(())
        );
    }

    #[test]
    fn legal_dates_are_shanghai_dates() {
        let t = "2025-03-02T15:59:59Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(legal_date(t), NaiveDate::from_ymd_opt(2025, 3, 2).unwrap());
        assert_eq!(
            legal_date(t + SEC),
            NaiveDate::from_ymd_opt(2025, 3, 3).unwrap()
        );
        assert_eq!(
            start_of_legal_day(NaiveDate::from_ymd_opt(2025, 3, 3).unwrap()),
            t + SEC
        );
        assert_eq!(calendar_days_between(t, t + SEC), 1);
    }

    #[test]
    fn twenty_days_from_issue_to_deadline() {
        let s = schedule();
        let limit = earliest_deadline(s.documents_available_from, &RULES);
        assert_eq!(limit, sh(2025, 3, 23, 0, 0, 0));
        for (deadline, ok) in [(limit - SEC, false), (limit, true), (limit + SEC, true)] {
            let mut s = s.clone();
            s.bid_deadline = deadline;
            let codes = schedule_codes(&s, before());
            assert_eq!(
                !codes.contains(&RuleCode::DeadlineTooSoonAfterIssue),
                ok,
                "{deadline}: {codes:?}"
            );
        }
        assert_eq!(
            calendar_days_between(s.documents_available_from, limit - SEC),
            19
        );
        assert_eq!(calendar_days_between(s.documents_available_from, limit), 20);
    }

    #[test]
    fn twenty_days_count_from_publication_when_documents_start_earlier() {
        let mut s = schedule();
        s.documents_available_from = sh(2025, 3, 1, 9, 0, 0);
        let now = sh(2025, 3, 12, 10, 0, 0);
        s.documents_available_until = sh(2025, 3, 20, 0, 0, 0);
        s.clarification_cutoff = sh(2025, 3, 20, 0, 0, 0);
        // Counted from the publication day (12 March), not the draft's 1 March.
        s.bid_deadline = sh(2025, 3, 31, 23, 59, 59);
        assert_eq!(
            schedule_codes(&s, now),
            vec![RuleCode::DeadlineTooSoonAfterIssue]
        );
        assert_eq!(schedule_codes(&s, sh(2025, 2, 28, 0, 0, 0)), vec![]);
        s.bid_deadline = sh(2025, 4, 1, 0, 0, 0);
        assert_eq!(schedule_codes(&s, now), vec![]);
    }

    #[test]
    fn five_days_of_document_availability() {
        let s = schedule();
        let limit = earliest_documents_until(s.documents_available_from, &RULES);
        assert_eq!(limit, sh(2025, 3, 8, 0, 0, 0));
        for (until, ok) in [(limit - SEC, false), (limit, true), (limit + SEC, true)] {
            let mut s = s.clone();
            s.documents_available_until = until;
            let codes = schedule_codes(&s, before());
            assert_eq!(codes.is_empty(), ok, "{until}: {codes:?}");
            if !ok {
                assert_eq!(codes, vec![RuleCode::DocumentPeriodTooShort]);
            }
        }
    }

    #[test]
    fn amendment_fifteen_days_before_deadline() {
        let s = schedule();
        let limit = amendment_cutoff(s.bid_deadline, &RULES);
        assert_eq!(limit, sh(2025, 3, 17, 0, 0, 0));
        let moved_to = Some(sh(2025, 4, 1, 9, 30, 0));
        for (at, expect) in [
            (limit - SEC, None),
            (limit, moved_to),
            (limit + SEC, moved_to),
        ] {
            let e = amendment_effect(&s, at, AmendmentImpact::AffectsBidPreparation, &RULES);
            assert_eq!(e.new_deadline, expect, "amendment at {at}");
            assert!(e.reconfirm_bids);
        }
        // Exactly 15 × 24 h before the deadline is in time, and so is the rest of that day:
        // the law counts 17…31 March as the 15 days.
        let exactly = s.bid_deadline - TimeDelta::days(15);
        assert_eq!(exactly, sh(2025, 3, 16, 9, 30, 0));
        let e = amendment_effect(&s, exactly, AmendmentImpact::AffectsBidPreparation, &RULES);
        assert_eq!(e.new_deadline, None);
        let e = amendment_effect(
            &s,
            exactly + SEC,
            AmendmentImpact::AffectsBidPreparation,
            &RULES,
        );
        assert_eq!(e.new_deadline, None);
        // Late in the game, the new deadline keeps the opening's time of day.
        let e = amendment_effect(
            &s,
            sh(2025, 3, 29, 22, 15, 0),
            AmendmentImpact::AffectsBidPreparation,
            &RULES,
        );
        assert_eq!(e.new_deadline, Some(sh(2025, 4, 13, 9, 30, 0)));
        // Editorial changes neither move the deadline nor invalidate bids.
        let e = amendment_effect(&s, limit + SEC, AmendmentImpact::Editorial, &RULES);
        assert_eq!(
            e,
            AmendmentEffect {
                new_deadline: None,
                reconfirm_bids: false
            }
        );
    }

    #[test]
    fn objection_ten_days_before_deadline() {
        let s = schedule();
        let limit = objection_cutoff(s.bid_deadline, &RULES);
        assert_eq!(limit, sh(2025, 3, 22, 0, 0, 0));
        assert!(objection_allowed(&s, limit - SEC, &RULES).is_ok());
        for at in [limit, limit + SEC] {
            let v = objection_allowed(&s, at, &RULES).unwrap_err();
            assert_eq!(v.rule, RuleCode::ObjectionTooLate);
        }
        assert_eq!(calendar_days_between(limit - SEC, s.bid_deadline), 10);
    }

    #[test]
    fn objection_answer_within_three_days() {
        let raised = sh(2025, 3, 10, 15, 0, 0);
        let due = objection_answer_due(raised, &RULES);
        assert_eq!(due, sh(2025, 3, 14, 0, 0, 0));
        assert!(objection_answer_in_time(raised, due - SEC, &RULES));
        assert!(!objection_answer_in_time(raised, due, &RULES));
        assert!(!objection_answer_in_time(raised, due + SEC, &RULES));
    }

    #[test]
    fn limits_follow_the_rules_row() {
        let mut rules = RULES;
        rules.min_days_issue_to_deadline = 30;
        rules.objection_answer_days = 5;
        let s = schedule();
        assert_eq!(
            earliest_deadline(s.documents_available_from, &rules),
            sh(2025, 4, 2, 0, 0, 0)
        );
        assert_eq!(
            objection_answer_due(s.documents_available_from, &rules),
            sh(2025, 3, 9, 0, 0, 0)
        );
    }

    #[test]
    fn a_sound_draft_publishes() {
        assert_eq!(validate_for_publication(&draft(), &RULES, before()), Ok(()));
    }

    #[test]
    fn every_violation_is_reported_at_once() {
        let mut d = draft();
        let now = sh(2025, 3, 3, 9, 0, 0);
        d.schedule.bid_deadline = sh(2025, 3, 3, 8, 0, 0);
        d.schedule.documents_available_until = sh(2025, 3, 5, 0, 0, 0);
        d.schedule.clarification_cutoff = sh(2025, 3, 4, 0, 0, 0);
        d.schedule.bid_validity_days = 0;
        d.sections[1].code = "A1".into();
        d.sections[1].bid_bond = Some("300000".parse().unwrap());
        d.custodians.threshold = 4;
        d.invitees = vec!["91350100M000100Y43".into()];
        let codes: Vec<RuleCode> = validate_for_publication(&d, &RULES, now)
            .unwrap_err()
            .into_iter()
            .map(|v| v.rule)
            .collect();
        assert_eq!(
            codes,
            vec![
                RuleCode::DeadlineInThePast,
                RuleCode::DeadlineTooSoonAfterIssue,
                RuleCode::DocumentPeriodTooShort,
                RuleCode::DocumentsAvailableAfterDeadline,
                RuleCode::ClarificationCutoffAfterDeadline,
                RuleCode::BidValidityNotPositive,
                RuleCode::SectionCodeInvalid,
                RuleCode::BidBondOverTwoPercent,
                RuleCode::CustodianThresholdInvalid,
                RuleCode::InviteesNotAllowed,
            ]
        );
    }

    #[test]
    fn invited_procedures_need_invitees() {
        let mut d = draft();
        d.procedure = ProcedureType::Invited;
        d.invitees = vec!["a".into(), "b".into()];
        let err = validate_for_publication(&d, &RULES, before()).unwrap_err();
        assert_eq!(
            err.iter().map(|v| v.rule).collect::<Vec<_>>(),
            vec![RuleCode::TooFewInvitees]
        );
        d.invitees.push("b".into());
        assert!(validate_for_publication(&d, &RULES, before()).is_err());
        d.invitees[2] = "c".into();
        assert_eq!(validate_for_publication(&d, &RULES, before()), Ok(()));
    }

    #[test]
    fn rule_codes_are_unique_snake_case_and_serialise_as_wire_names() {
        let mut seen = std::collections::BTreeSet::new();
        for code in RuleCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate {s}");
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{s}"
            );
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(s));
        }
        let v = RuleViolation::new(
            RuleCode::PriceFloorForbidden,
            "sections[0].price_floor",
            "no",
        );
        let want = serde_json::json!({"rule": "price_floor_forbidden", "message": "no",
            "field": "sections[0].price_floor"});
        assert_eq!(serde_json::to_value(&v).unwrap(), want);
    }

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        // 2020..2040, second resolution.
        (1_577_836_800i64..2_208_988_800).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
    }

    proptest! {
        #[test]
        fn postponed_deadline_leaves_exactly_the_notice_period(
            deadline in instant(),
            back in 0i64..40 * 86_400,
        ) {
            let mut s = schedule();
            s.bid_deadline = deadline;
            let at = deadline - TimeDelta::seconds(back);
            let e = amendment_effect(&s, at, AmendmentImpact::AffectsBidPreparation, &RULES);
            let remaining = calendar_days_between(at, deadline);
            match e.new_deadline {
                None => prop_assert!(remaining >= 15),
                Some(new) => {
                    prop_assert!(remaining < 15);
                    prop_assert!(new > deadline);
                    prop_assert_eq!(calendar_days_between(at, new), 15);
                    prop_assert!(at < amendment_cutoff(new, &RULES));
                    prop_assert_eq!(
                        new.with_timezone(&LEGAL_TZ).time(),
                        deadline.with_timezone(&LEGAL_TZ).time()
                    );
                }
            }
        }

        #[test]
        fn boundary_helpers_agree_with_day_counting(a in instant(), b in instant()) {
            prop_assert_eq!(b >= earliest_deadline(a, &RULES), calendar_days_between(a, b) >= 20);
            prop_assert_eq!(a < objection_cutoff(b, &RULES), calendar_days_between(a, b) >= 10);
            prop_assert_eq!(a < amendment_cutoff(b, &RULES), calendar_days_between(a, b) >= 15);
        }
    }
}
