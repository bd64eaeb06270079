//! 综合评估法: each member scores every valid bid on every item within its points (a score
//! sheet); the platform adds the price score. docs/EVALUATION.md §4:
//!
//! * a member's item sum = Σ its item scores (exact: every score has at most 2 places);
//! * the bid's item score = round₂(Σ members' item sums ÷ members) — the mean of the members,
//!   rounded once, at the end (the technical sum, a tie-break, likewise over technical items);
//! * the bid's total = item score + price score (both 2 places, so the sum is exact);
//! * a member's total (shown in the report) = its item sum + the price score.
//!
//! Rankings compare the rounded totals — the numbers the report publishes — so anyone can check
//! the order from the report alone; ties are broken as [`super::ranking`] says.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::config::{CriterionKind, PricePlan, ScoringPlan, POINTS_SCALE};
use super::{price, round_points, EvaluationError};

/// One score of one member for one item of one bid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemScore {
    pub bid: String,
    pub criterion: String,
    pub points: Decimal,
}

/// A member's whole sheet: one score per valid bid and item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreSheet {
    pub member: String,
    pub scores: Vec<ItemScore>,
}

impl ScoreSheet {
    /// Exactly one score per bid of `bids` and item of `plan`, each within 0..=max points in
    /// steps of 0.01.
    pub fn check(&self, plan: &ScoringPlan, bids: &[String]) -> Result<(), EvaluationError> {
        let max: BTreeMap<&str, Decimal> = plan
            .criteria
            .iter()
            .map(|c| (c.code.as_str(), c.max_points))
            .collect();
        let bid_set: BTreeSet<&str> = bids.iter().map(String::as_str).collect();
        let mut seen = BTreeSet::new();
        let incomplete = |detail: String| EvaluationError::SheetIncomplete {
            member: self.member.clone(),
            detail,
        };
        for s in &self.scores {
            let Some(&top) = max.get(s.criterion.as_str()) else {
                return Err(incomplete(format!("no item {}", s.criterion)));
            };
            if !bid_set.contains(s.bid.as_str()) {
                return Err(incomplete(format!("bid {} is not scored", s.bid)));
            }
            if !seen.insert((s.bid.as_str(), s.criterion.as_str())) {
                return Err(incomplete(format!(
                    "{} of bid {} twice",
                    s.criterion, s.bid
                )));
            }
            if s.points < Decimal::ZERO
                || s.points > top
                || s.points.normalize().scale() > POINTS_SCALE
            {
                return Err(EvaluationError::ScoreOutOfRange {
                    member: self.member.clone(),
                    bid: s.bid.clone(),
                    criterion: s.criterion.clone(),
                    score: s.points,
                    max: top,
                });
            }
        }
        let expected = bid_set.len() * max.len();
        if seen.len() != expected {
            return Err(incomplete(format!(
                "{} of {expected} scores given",
                seen.len()
            )));
        }
        Ok(())
    }

    fn sums(&self, plan: &ScoringPlan) -> BTreeMap<&str, (Decimal, Decimal)> {
        let technical: BTreeSet<&str> = plan
            .criteria
            .iter()
            .filter(|c| c.kind == CriterionKind::Technical)
            .map(|c| c.code.as_str())
            .collect();
        let mut out: BTreeMap<&str, (Decimal, Decimal)> = BTreeMap::new();
        for s in &self.scores {
            let e = out.entry(s.bid.as_str()).or_default();
            e.0 += s.points;
            if technical.contains(s.criterion.as_str()) {
                e.1 += s.points;
            }
        }
        out
    }
}

/// One member's totals for one bid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberTotal {
    pub member: String,
    /// Σ of the member's item scores.
    pub items: Decimal,
    /// `items` + the bid's price score.
    pub total: Decimal,
}

/// The committee's scores for one bid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidScore {
    pub bid: String,
    pub price: Decimal,
    pub members: Vec<MemberTotal>,
    /// Per item: the members' mean, rounded (shown; the total uses the exact sums).
    pub criteria: Vec<(String, Decimal)>,
    /// round₂(mean of the members' item sums).
    pub items: Decimal,
    /// round₂(mean of the members' technical sums): the third tie-break.
    pub technical: Decimal,
    pub price_score: Decimal,
    /// `items` + `price_score`.
    pub total: Decimal,
}

/// The committee's scores of `bids` (`(bid, price)`, valid bids only) from every member's
/// sheet, with the price scored against `benchmark` (B) when the plan has a price factor. Output
/// in `bids` order.
pub fn totals(
    plan: &ScoringPlan,
    members: &[String],
    bids: &[(String, Decimal)],
    sheets: &[ScoreSheet],
    benchmark: Option<Decimal>,
) -> Result<Vec<BidScore>, EvaluationError> {
    let ids: Vec<String> = bids.iter().map(|(b, _)| b.clone()).collect();
    let by_member: BTreeMap<&str, &ScoreSheet> =
        sheets.iter().map(|s| (s.member.as_str(), s)).collect();
    let mut ordered = Vec::with_capacity(members.len());
    for m in members {
        let sheet = by_member
            .get(m.as_str())
            .ok_or_else(|| EvaluationError::SheetIncomplete {
                member: m.clone(),
                detail: "no sheet".into(),
            })?;
        sheet.check(plan, &ids)?;
        ordered.push((m, sheet.sums(plan), *sheet));
    }
    if sheets.len() != members.len() {
        let stray = sheets
            .iter()
            .find(|s| !members.contains(&s.member))
            .map_or_else(String::new, |s| s.member.clone());
        return Err(EvaluationError::SheetIncomplete {
            member: stray,
            detail: "a sheet from someone who is not a member, or two sheets".into(),
        });
    }
    let n = Decimal::from(members.len().max(1));
    let mut out = Vec::with_capacity(bids.len());
    for (bid, p) in bids {
        let price_score = match (&plan.price, benchmark) {
            (
                Some(PricePlan {
                    formula,
                    max_points,
                }),
                Some(b),
            ) => price::score(*p, b, formula, *max_points),
            _ => Decimal::ZERO,
        };
        let mut member_totals = Vec::with_capacity(members.len());
        let (mut items, mut technical) = (Decimal::ZERO, Decimal::ZERO);
        for (m, sums, _) in &ordered {
            let (it, te) = sums.get(bid.as_str()).copied().unwrap_or_default();
            items += it;
            technical += te;
            member_totals.push(MemberTotal {
                member: (*m).clone(),
                items: it,
                total: it + price_score,
            });
        }
        let criteria = plan
            .criteria
            .iter()
            .map(|c| {
                let sum: Decimal = ordered
                    .iter()
                    .flat_map(|(_, _, s)| &s.scores)
                    .filter(|s| s.bid == *bid && s.criterion == c.code)
                    .map(|s| s.points)
                    .sum();
                (c.code.clone(), round_points(sum / n))
            })
            .collect();
        let items = round_points(items / n);
        out.push(BidScore {
            bid: bid.clone(),
            price: *p,
            members: member_totals,
            criteria,
            items,
            technical: round_points(technical / n),
            price_score,
            total: items + price_score,
        });
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::config::{Criterion, PriceFormula};
    use super::*;
    use crate::domain::tender::Weight;
    use rust_decimal::dec;

    pub(crate) fn plan() -> ScoringPlan {
        let w = |n: &str, p| Weight {
            name: n.into(),
            weight: p,
        };
        let c = |code: &str, factor: &str, kind, max| Criterion {
            code: code.into(),
            name: code.into(),
            factor: factor.into(),
            kind,
            max_points: max,
        };
        ScoringPlan::of(
            &[
                w("price", dec!(60)),
                w("technical", dec!(30)),
                w("commercial", dec!(10)),
            ],
            &[
                c("T1", "technical", CriterionKind::Technical, dec!(20)),
                c("T2", "technical", CriterionKind::Technical, dec!(10)),
                c("C1", "commercial", CriterionKind::Commercial, dec!(10)),
            ],
            Some(&PriceFormula::default()),
        )
    }

    pub(crate) fn sheet(member: &str, rows: &[(&str, [Decimal; 3])]) -> ScoreSheet {
        let mut scores = Vec::new();
        for (bid, pts) in rows {
            for (code, p) in ["T1", "T2", "C1"].iter().zip(pts) {
                scores.push(ItemScore {
                    bid: (*bid).into(),
                    criterion: (*code).into(),
                    points: *p,
                });
            }
        }
        ScoreSheet {
            member: member.into(),
            scores,
        }
    }

    pub(crate) fn members() -> Vec<String> {
        (1..=5).map(|i| format!("m{i}")).collect()
    }

    #[test]
    fn sheets_are_checked_item_by_item() {
        let bids = vec!["b1".to_string()];
        let ok = sheet("m1", &[("b1", [dec!(18.5), dec!(9), dec!(10)])]);
        ok.check(&plan(), &bids).unwrap();
        for bad in [dec!(20.01), dec!(-0.01), dec!(18.555)] {
            let s = sheet("m1", &[("b1", [bad, dec!(9), dec!(10)])]);
            let err = s.check(&plan(), &bids).unwrap_err();
            assert_eq!(
                err.code(),
                crate::error::ErrorCode::ScoreOutOfRange,
                "{bad}"
            );
        }
        let mut short = ok.clone();
        short.scores.pop();
        assert_eq!(
            short.check(&plan(), &bids).unwrap_err().code(),
            crate::error::ErrorCode::SheetIncomplete
        );
        let mut twice = ok.clone();
        twice.scores[2].criterion = "T1".into();
        assert!(twice.check(&plan(), &bids).is_err());
        let mut stranger = ok;
        stranger.scores[0].bid = "b9".into();
        assert!(stranger.check(&plan(), &bids).is_err());
    }

    /// docs/EVALUATION.md §4.1, worked example: the mean of five members, rounded once.
    #[test]
    fn worked_example_means_of_members() {
        let bids = vec![
            ("b1".to_string(), dec!(9400000.00)),
            ("b2".to_string(), dec!(9600000.00)),
        ];
        let sheets = vec![
            sheet(
                "m1",
                &[
                    ("b1", [dec!(18), dec!(8), dec!(9)]),
                    ("b2", [dec!(19), dec!(9), dec!(9)]),
                ],
            ),
            sheet(
                "m2",
                &[
                    ("b1", [dec!(17.5), dec!(8), dec!(9)]),
                    ("b2", [dec!(18), dec!(9), dec!(8)]),
                ],
            ),
            sheet(
                "m3",
                &[
                    ("b1", [dec!(16), dec!(7.5), dec!(8)]),
                    ("b2", [dec!(18.5), dec!(8), dec!(9)]),
                ],
            ),
            sheet(
                "m4",
                &[
                    ("b1", [dec!(18), dec!(9), dec!(9.5)]),
                    ("b2", [dec!(17), dec!(8.5), dec!(9)]),
                ],
            ),
            sheet(
                "m5",
                &[
                    ("b1", [dec!(19), dec!(8), dec!(9)]),
                    ("b2", [dec!(19), dec!(9), dec!(10)]),
                ],
            ),
        ];
        let got = totals(&plan(), &members(), &bids, &sheets, Some(dec!(9408000.00))).unwrap();
        // b1: member sums 35, 34.5, 31.5, 36.5, 36 → 173.5 / 5 = 34.70
        assert_eq!(
            got[0].members.iter().map(|m| m.items).collect::<Vec<_>>(),
            vec![dec!(35), dec!(34.5), dec!(31.5), dec!(36.5), dec!(36)]
        );
        assert_eq!(got[0].items, dec!(34.70));
        assert_eq!(got[0].technical, dec!(25.80));
        assert_eq!(got[0].price_score, dec!(59.96));
        assert_eq!(got[0].total, dec!(94.66));
        assert_eq!(got[0].members[0].total, dec!(94.96));
        // b2: 37, 35, 35.5, 34.5, 38 → 180 / 5 = 36.00; 36 + 57.96
        assert_eq!(got[1].items, dec!(36.00));
        assert_eq!(got[1].total, dec!(93.96));
        assert_eq!(got[1].criteria[0], ("T1".to_string(), dec!(18.30)));
        // The third member's sheet is missing: refused, naming the member.
        let err = totals(&plan(), &members(), &bids, &sheets[..4], None).unwrap_err();
        assert_eq!(
            err,
            EvaluationError::SheetIncomplete {
                member: "m5".into(),
                detail: "no sheet".into()
            }
        );
    }

    #[test]
    fn the_mean_rounds_half_away_from_zero_once() {
        // Three members: 10.01 + 10.02 + 10.02 = 30.05 / 3 = 10.01666… → 10.02
        let p = ScoringPlan::of(
            &[Weight {
                name: "quality".into(),
                weight: dec!(100),
            }],
            &[],
            None,
        );
        assert!(p.price.is_none());
        let ms: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let one = |m: &str, x| ScoreSheet {
            member: m.into(),
            scores: vec![ItemScore {
                bid: "b1".into(),
                criterion: "quality".into(),
                points: x,
            }],
        };
        let sheets = vec![
            one("a", dec!(10.01)),
            one("b", dec!(10.02)),
            one("c", dec!(10.02)),
        ];
        let bids = vec![("b1".to_string(), dec!(1))];
        let got = totals(&p, &ms, &bids, &sheets, None).unwrap();
        assert_eq!(got[0].items, dec!(10.02));
        assert_eq!(got[0].total, dec!(10.02));
        assert_eq!(got[0].price_score, dec!(0));
    }
}
