//! 经评审的最低投标价法: among the bids that pass, the lowest evaluated price wins, where the
//! evaluated price is the bid price plus the priced adjustments (价格折算) the 招标文件 announces
//! and the committee applies (docs/EVALUATION.md §5):
//!
//! * `per_unit`: amount × units (units ≤ `max_units`);
//! * `percent_of_price`: round₂(price × percent ÷ 100) × units.
//!
//! The evaluated price only ranks; it is never the contract price (the bid price is).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::config::{AdjustmentRule, PriceAdjustment};
use super::{round_points, EvaluationError};

/// The committee's decision to apply an adjustment `units` times to a bid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub bid: String,
    pub adjustment: String,
    pub units: u32,
}

/// A bid's evaluated price and how it was reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluatedPrice {
    pub bid: String,
    pub price: Decimal,
    /// `(adjustment code, amount)` in the tender's adjustment order.
    pub adjustments: Vec<(String, Decimal)>,
    pub evaluated: Decimal,
}

/// The evaluated prices of `bids` (`(bid, price)`, valid bids only), in `bids` order.
pub fn evaluated_prices(
    adjustments: &[PriceAdjustment],
    bids: &[(String, Decimal)],
    applied: &[Applied],
) -> Result<Vec<EvaluatedPrice>, EvaluationError> {
    let known: BTreeMap<&str, &PriceAdjustment> =
        adjustments.iter().map(|a| (a.code.as_str(), a)).collect();
    let bid_set: BTreeSet<&str> = bids.iter().map(|(b, _)| b.as_str()).collect();
    let mut units: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    for a in applied {
        let refuse = || EvaluationError::AdjustmentOutOfRange {
            bid: a.bid.clone(),
            adjustment: a.adjustment.clone(),
            units: a.units,
        };
        let adj = known.get(a.adjustment.as_str()).ok_or_else(refuse)?;
        if !bid_set.contains(a.bid.as_str()) || a.units == 0 {
            return Err(refuse());
        }
        if let AdjustmentRule::PerUnit {
            max_units: Some(max),
            ..
        } = adj.rule
        {
            if a.units > max {
                return Err(refuse());
            }
        }
        if units.insert((&a.bid, &a.adjustment), a.units).is_some() {
            return Err(refuse());
        }
    }
    Ok(bids
        .iter()
        .map(|(bid, price)| {
            let mut list = Vec::new();
            let mut evaluated = *price;
            for adj in adjustments {
                let Some(&n) = units.get(&(bid.as_str(), adj.code.as_str())) else {
                    continue;
                };
                let n = Decimal::from(n);
                let amount = match &adj.rule {
                    AdjustmentRule::PerUnit { amount, .. } => *amount * n,
                    AdjustmentRule::PercentOfPrice { percent } => {
                        round_points(*price * *percent / Decimal::ONE_HUNDRED) * n
                    }
                };
                evaluated += amount;
                list.push((adj.code.clone(), amount));
            }
            EvaluatedPrice {
                bid: bid.clone(),
                price: *price,
                adjustments: list,
                evaluated,
            }
        })
        .collect())
}

/// The committee's adjustments from its members' adjustment sheets (`(member, applied)`): for
/// each (bid, adjustment) any member applied, the median of the units every member of
/// `members` entered — a member that did not apply it entered 0, and a sheet of someone not in
/// `members` (a void one) does not count. Zero medians are left out. Committees are odd; with
/// an even count the lower of the two middle values is taken (an adjustment more than half of
/// the members do not apply stays out). Output sorted by (bid, adjustment).
pub fn agreed(members: &[String], sheets: &[(String, Vec<Applied>)]) -> Vec<Applied> {
    let counting: BTreeSet<&str> = members.iter().map(String::as_str).collect();
    let mut units: BTreeMap<(&str, &str), Vec<u32>> = BTreeMap::new();
    for (member, applied) in sheets {
        if !counting.contains(member.as_str()) {
            continue;
        }
        for a in applied {
            units
                .entry((a.bid.as_str(), a.adjustment.as_str()))
                .or_default()
                .push(a.units);
        }
    }
    let n = counting.len();
    units
        .into_iter()
        .filter_map(|((bid, adjustment), mut entered)| {
            entered.resize(n.max(entered.len()), 0);
            entered.sort_unstable();
            let median = entered[(entered.len() - 1) / 2];
            (median > 0).then(|| Applied {
                bid: bid.to_string(),
                adjustment: adjustment.to_string(),
                units: median,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn adjustments() -> Vec<PriceAdjustment> {
        vec![
            PriceAdjustment {
                code: "D1".into(),
                name: "工期每超出1天".into(),
                rule: AdjustmentRule::PerUnit {
                    amount: dec!(10000),
                    max_units: Some(30),
                },
            },
            PriceAdjustment {
                code: "D2".into(),
                name: "每项非实质性偏差".into(),
                rule: AdjustmentRule::PercentOfPrice { percent: dec!(0.5) },
            },
        ]
    }

    /// docs/EVALUATION.md §5.1, worked example.
    #[test]
    fn worked_example() {
        let bids = vec![
            ("b1".to_string(), dec!(15000000.00)),
            ("b2".to_string(), dec!(15080000.00)),
            ("b3".to_string(), dec!(15123456.78)),
        ];
        let applied = vec![
            Applied {
                bid: "b1".into(),
                adjustment: "D1".into(),
                units: 10,
            },
            Applied {
                bid: "b1".into(),
                adjustment: "D2".into(),
                units: 1,
            },
            Applied {
                bid: "b3".into(),
                adjustment: "D2".into(),
                units: 1,
            },
        ];
        let got = evaluated_prices(&adjustments(), &bids, &applied).unwrap();
        // b1: 15,000,000 + 10 × 10,000 + 0.5 % = 75,000 → 15,175,000
        assert_eq!(got[0].evaluated, dec!(15175000.00));
        assert_eq!(
            got[0].adjustments,
            vec![
                ("D1".to_string(), dec!(100000)),
                ("D2".to_string(), dec!(75000.00))
            ]
        );
        assert_eq!(got[1].evaluated, dec!(15080000.00));
        // b3: 0.5 % of 15,123,456.78 = 75,617.2839 → 75,617.28
        assert_eq!(got[2].evaluated, dec!(15199074.06));
    }

    fn applied(bid: &str, adjustment: &str, units: u32) -> Applied {
        Applied {
            bid: bid.into(),
            adjustment: adjustment.into(),
            units,
        }
    }

    /// Five members: D1 on b1 entered 10, 12, 10, absent, 40 → (0, 10, 10, 12, 40) → 10; D2 on
    /// b1 by two members only → median 0, left out; D2 on b3 by three → 1. A void member's
    /// sheet does not count.
    #[test]
    fn agreed_units_are_the_members_median() {
        let members: Vec<String> = ["m1", "m2", "m3", "m4", "m5"].map(String::from).to_vec();
        let sheets = vec![
            (
                "m1".to_string(),
                vec![applied("b1", "D1", 10), applied("b3", "D2", 1)],
            ),
            (
                "m2".to_string(),
                vec![applied("b1", "D1", 12), applied("b1", "D2", 1)],
            ),
            (
                "m3".to_string(),
                vec![applied("b1", "D1", 10), applied("b3", "D2", 1)],
            ),
            ("m4".to_string(), vec![applied("b3", "D2", 2)]),
            (
                "m5".to_string(),
                vec![applied("b1", "D1", 40), applied("b1", "D2", 1)],
            ),
            (
                "gone".to_string(),
                vec![applied("b2", "D1", 30), applied("b2", "D1", 30)],
            ),
        ];
        assert_eq!(
            agreed(&members, &sheets),
            vec![applied("b1", "D1", 10), applied("b3", "D2", 1)]
        );
        // Nobody applied anything: nothing is agreed.
        assert!(agreed(&members, &[]).is_empty());
        // Three of five applying is a majority: the median is the middle of the three.
        let three = vec![
            ("m1".to_string(), vec![applied("b2", "D1", 5)]),
            ("m2".to_string(), vec![applied("b2", "D1", 7)]),
            ("m3".to_string(), vec![applied("b2", "D1", 30)]),
        ];
        assert_eq!(agreed(&members, &three), vec![applied("b2", "D1", 5)]);
        // The agreed units are themselves valid input for the evaluated prices.
        let bids = vec![
            ("b1".to_string(), dec!(15000000.00)),
            ("b3".to_string(), dec!(100)),
        ];
        assert!(evaluated_prices(&adjustments(), &bids, &agreed(&members, &sheets)).is_ok());
    }

    #[test]
    fn out_of_range_adjustments_are_refused() {
        let bids = vec![("b1".to_string(), dec!(100))];
        let one = |adjustment: &str, units| {
            vec![Applied {
                bid: "b1".into(),
                adjustment: adjustment.into(),
                units,
            }]
        };
        for bad in [one("D1", 31), one("D1", 0), one("D9", 1)] {
            let err = evaluated_prices(&adjustments(), &bids, &bad).unwrap_err();
            assert_eq!(err.code(), crate::error::ErrorCode::AdjustmentOutOfRange);
        }
        assert!(evaluated_prices(&adjustments(), &bids, &one("D1", 30)).is_ok());
        let mut twice = one("D2", 1);
        twice.extend(one("D2", 2));
        assert!(evaluated_prices(&adjustments(), &bids, &twice).is_err());
    }
}
