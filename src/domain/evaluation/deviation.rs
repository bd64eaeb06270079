//! 偏离度: a member's score that departs from the other members' mean by more than a set share
//! is flagged, per item and for the member's item sum of a bid (docs/EVALUATION.md §6). The
//! member then owes a written reason and the regulator sees the flag; the score itself stands —
//! the flag is an alert, not a correction.
//!
//! Test: |s − m| > share × m, where m is the mean of the *other* members' scores, evaluated as
//! |s × (n − 1) − Σ others| > share × Σ others so no division rounds. When the others all gave
//! 0, any positive score is flagged. The shares are policy, not law [U]: the defaults (30 % per
//! item, 20 % of the sum) are configurable.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::config::ScoringPlan;
use super::scoring::ScoreSheet;
use super::sheet::SheetOf;
use crate::seal::encoding::Enc;

/// Label of a deviation reason statement, version 1.
pub const REASON_LABEL: &str = "etender-deviation-reason/v1";

/// How far a score may depart from the others' mean before it is flagged (fractions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeviationPolicy {
    pub per_criterion: Decimal,
    pub total: Decimal,
}

impl Default for DeviationPolicy {
    fn default() -> Self {
        DeviationPolicy {
            per_criterion: rust_decimal::dec!(0.3),
            total: rust_decimal::dec!(0.2),
        }
    }
}

/// One flagged score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviationFlag {
    pub member: String,
    pub bid: String,
    /// The item, or `None` for the member's item sum of the bid.
    pub criterion: Option<String>,
    pub score: Decimal,
    /// The other members' mean, to 0.01 (for display).
    pub others_mean: Decimal,
}

fn deviates(score: Decimal, others_sum: Decimal, others: usize, share: Decimal) -> bool {
    (score * Decimal::from(others) - others_sum).abs() > share * others_sum
}

/// Every flag over complete `sheets` (checked beforehand), by bid, then item in plan order with
/// the sum last, then member.
pub fn flags(
    plan: &ScoringPlan,
    sheets: &[ScoreSheet],
    policy: DeviationPolicy,
) -> Vec<DeviationFlag> {
    let others = sheets.len().saturating_sub(1);
    if others == 0 {
        return Vec::new();
    }
    // (bid, item) → member scores in sheet order; (bid) → member sums.
    let mut items: BTreeMap<(&str, &str), Vec<(&str, Decimal)>> = BTreeMap::new();
    let mut sums: BTreeMap<&str, BTreeMap<&str, Decimal>> = BTreeMap::new();
    for s in sheets {
        for x in &s.scores {
            items
                .entry((x.bid.as_str(), x.criterion.as_str()))
                .or_default()
                .push((s.member.as_str(), x.points));
            *sums
                .entry(x.bid.as_str())
                .or_default()
                .entry(s.member.as_str())
                .or_default() += x.points;
        }
    }
    let mut out = Vec::new();
    let mut check = |bid: &str, criterion: Option<&str>, scores: &[(&str, Decimal)], share| {
        let all: Decimal = scores.iter().map(|(_, s)| *s).sum();
        for (member, s) in scores {
            let rest = all - *s;
            if deviates(*s, rest, others, share) {
                out.push(DeviationFlag {
                    member: (*member).to_string(),
                    bid: bid.to_string(),
                    criterion: criterion.map(str::to_string),
                    score: *s,
                    others_mean: super::round_points(rest / Decimal::from(others)),
                });
            }
        }
    };
    for (bid, by_member) in &sums {
        for c in &plan.criteria {
            if let Some(scores) = items.get(&(*bid, c.code.as_str())) {
                check(bid, Some(&c.code), scores, policy.per_criterion);
            }
        }
        let totals: Vec<(&str, Decimal)> = sheets
            .iter()
            .filter_map(|s| Some((s.member.as_str(), *by_member.get(s.member.as_str())?)))
            .collect();
        check(bid, None, &totals, policy.total);
    }
    out
}

/// The bytes a flagged member signs for its written reason:
///
/// ```text
/// label("etender-deviation-reason/v1") ‖ var(committee) ‖ var(tender) ‖ var(section)
///   ‖ var(member) ‖ var(bid) ‖ u8(0 the sum | 1 an item) [‖ var(item)]
///   ‖ var(score, 2 places) ‖ var(reason)
/// ```
pub fn reason_statement(of: &SheetOf<'_>, flag: &DeviationFlag, reason: &str) -> Vec<u8> {
    let mut e = Enc::with_label(REASON_LABEL);
    e.str(of.committee)
        .str(of.tender)
        .str(of.section)
        .str(of.member)
        .str(&flag.bid);
    match &flag.criterion {
        None => e.u8(0),
        Some(c) => e.u8(1).str(c),
    };
    let mut score = flag.score.normalize();
    score.rescale(super::SCALE);
    e.str(&score.to_string()).str(reason);
    e.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::super::scoring::tests::{plan, sheet};
    use super::*;
    use rust_decimal::dec;

    /// docs/EVALUATION.md §6.1, worked example.
    #[test]
    fn worked_example() {
        let sheets = vec![
            sheet("m1", &[("b1", [dec!(16), dec!(8), dec!(8)])]),
            sheet("m2", &[("b1", [dec!(16), dec!(8), dec!(8)])]),
            sheet("m3", &[("b1", [dec!(16), dec!(8), dec!(8)])]),
            sheet("m4", &[("b1", [dec!(16), dec!(8), dec!(8)])]),
            // T1 10.4 is exactly 35 % below 16: flagged at 30 %. T2 10 is 25 % above 8: not.
            // Sum 28.4 vs 32: 11.25 % below, within 20 %.
            sheet("m5", &[("b1", [dec!(10.4), dec!(10), dec!(8)])]),
        ];
        let got = flags(&plan(), &sheets, DeviationPolicy::default());
        assert_eq!(
            got,
            vec![DeviationFlag {
                member: "m5".into(),
                bid: "b1".into(),
                criterion: Some("T1".into()),
                score: dec!(10.4),
                others_mean: dec!(16.00),
            }]
        );
        // Exactly at the share is not beyond it: 11.2 is 30 % below 16.
        let mut at = sheets.clone();
        at[4] = sheet("m5", &[("b1", [dec!(11.2), dec!(8), dec!(8)])]);
        assert!(flags(&plan(), &at, DeviationPolicy::default()).is_empty());
        // The sum: a member 25 % above the others overall is flagged on the sum only.
        let mut high = sheets;
        high[4] = sheet("m5", &[("b1", [dec!(20), dec!(10), dec!(10)])]);
        let got = flags(&plan(), &high, DeviationPolicy::default());
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].criterion.clone(), got[0].score), (None, dec!(40)));
    }

    #[test]
    fn a_reason_binds_the_flag_and_its_text() {
        let of = SheetOf {
            committee: "C1",
            tender: "T1",
            section: "BD01",
            member: "m5",
        };
        let flag = DeviationFlag {
            member: "m5".into(),
            bid: "b1".into(),
            criterion: Some("T1".into()),
            score: dec!(10.4),
            others_mean: dec!(16),
        };
        let base = reason_statement(&of, &flag, "施工组织设计缺少进度计划");
        let mut spelled = flag.clone();
        spelled.score = dec!(10.40);
        assert_eq!(
            reason_statement(&of, &spelled, "施工组织设计缺少进度计划"),
            base
        );
        let sum = DeviationFlag {
            criterion: None,
            ..flag.clone()
        };
        assert_ne!(
            reason_statement(&of, &sum, "施工组织设计缺少进度计划"),
            base
        );
        assert_ne!(reason_statement(&of, &flag, "另一理由"), base);
        let mut expected = b"etender-deviation-reason/v1\0".to_vec();
        let var = |out: &mut Vec<u8>, f: &str| {
            out.extend((f.len() as u64).to_be_bytes());
            out.extend(f.as_bytes());
        };
        for f in ["C1", "T1", "BD01", "m5", "b1"] {
            var(&mut expected, f);
        }
        expected.push(1);
        for f in ["T1", "10.40", "施工组织设计缺少进度计划"] {
            var(&mut expected, f);
        }
        assert_eq!(base, expected);
    }

    #[test]
    fn zeros_from_the_others_flag_any_positive_score() {
        let sheets = vec![
            sheet("m1", &[("b1", [dec!(0), dec!(5), dec!(5)])]),
            sheet("m2", &[("b1", [dec!(0), dec!(5), dec!(5)])]),
            sheet("m3", &[("b1", [dec!(0.5), dec!(5), dec!(5)])]),
        ];
        let got = flags(&plan(), &sheets, DeviationPolicy::default());
        let who: Vec<(&str, Option<&str>)> = got
            .iter()
            .map(|f| (f.member.as_str(), f.criterion.as_deref()))
            .collect();
        // m3 is flagged on T1; m1 and m2 are 0 against the others' 0.25: 100 % below.
        assert_eq!(
            who,
            vec![("m1", Some("T1")), ("m2", Some("T1")), ("m3", Some("T1"))]
        );
        assert!(flags(&plan(), &sheets[..1], DeviationPolicy::default()).is_empty());
    }
}
