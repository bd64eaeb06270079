//! The price score of 综合评估法 (价格分), docs/EVALUATION.md §3:
//!
//! 1. The valid prices are those of bids neither rejected nor failed in 初步评审.
//! 2. With at least `drop_min_bids` valid prices, the `drop_extremes` highest and as many lowest
//!    are set aside (by value: which of two equal prices goes does not change the mean).
//! 3. Benchmark B = round₂(Σ counted × (1 − K) ÷ n), K drawn at the opening ([`super::lot`]).
//! 4. A price p scores max − rate × |p − B| × 100 ÷ B, rounded to 0.01 (四舍五入), where rate
//!    is the points per percent above or below B; never below 0 (nor above max).
//!
//! The single division of each step is exact to 28 significant digits; with prices below
//! 10¹⁴ yuan the true quotient is at least 10⁻¹⁷ away from any rounding midpoint it does not
//! equal, so the rounded results are the exact ones.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::config::PriceFormula;
use super::round_points;

/// The benchmark and how it was reached, for the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Benchmark {
    /// How many valid prices there were.
    pub valid: usize,
    /// The prices set aside, highest first and lowest first.
    pub dropped_high: Vec<Decimal>,
    pub dropped_low: Vec<Decimal>,
    /// How many prices the mean is over.
    pub counted: usize,
    /// Their mean, rounded to 0.01 (shown, not used: B is computed from the exact sum).
    pub mean: Decimal,
    pub k: Decimal,
    /// B.
    pub value: Decimal,
}

/// The benchmark of `prices` (in any order) under `formula` with the drawn `k`; `None` without
/// a positive valid price to average.
pub fn benchmark(prices: &[Decimal], formula: &PriceFormula, k: Decimal) -> Option<Benchmark> {
    let mut sorted = prices.to_vec();
    sorted.sort();
    let n = usize::from(formula.drop_extremes);
    let drop = n > 0 && sorted.len() >= usize::from(formula.drop_min_bids) && sorted.len() > 2 * n;
    let (dropped_low, counted, dropped_high) = if drop {
        let high: Vec<Decimal> = sorted[sorted.len() - n..].iter().rev().copied().collect();
        let low = sorted[..n].to_vec();
        (low, sorted[n..sorted.len() - n].to_vec(), high)
    } else {
        (Vec::new(), sorted.clone(), Vec::new())
    };
    if counted.is_empty() {
        return None;
    }
    let count = Decimal::from(counted.len());
    let sum: Decimal = counted.iter().sum();
    let value = round_points(sum * (Decimal::ONE - k) / count);
    if value <= Decimal::ZERO {
        return None;
    }
    Some(Benchmark {
        valid: sorted.len(),
        dropped_high,
        dropped_low,
        counted: counted.len(),
        mean: round_points(sum / count),
        k,
        value,
    })
}

/// The price score of `price` against the benchmark value `b`, out of `max_points`.
pub fn score(price: Decimal, b: Decimal, formula: &PriceFormula, max_points: Decimal) -> Decimal {
    let rate = if price > b {
        formula.points_per_percent_above
    } else {
        formula.points_per_percent_below
    };
    let off = rate * (price - b).abs() * Decimal::ONE_HUNDRED / b;
    round_points(max_points - off).clamp(Decimal::ZERO, max_points)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn formula(drop: u8, min: u8) -> PriceFormula {
        PriceFormula {
            drop_extremes: drop,
            drop_min_bids: min,
            k_values: vec![dec!(0.01), dec!(0.02), dec!(0.03)],
            ..PriceFormula::default()
        }
    }

    /// docs/EVALUATION.md §3.1, worked example.
    #[test]
    fn worked_example_with_dropped_extremes() {
        let prices = [
            dec!(9600000.00),
            dec!(10000000.00),
            dec!(9000000.00),
            dec!(9400000.00),
            dec!(9800000.00),
        ];
        let b = benchmark(&prices, &formula(1, 5), dec!(0.02)).unwrap();
        assert_eq!(b.dropped_high, vec![dec!(10000000.00)]);
        assert_eq!(b.dropped_low, vec![dec!(9000000.00)]);
        assert_eq!((b.valid, b.counted), (5, 3));
        assert_eq!(b.mean, dec!(9600000.00));
        assert_eq!(b.value, dec!(9408000.00));
        let f = formula(1, 5);
        let s = |p| score(p, b.value, &f, dec!(60));
        // 0.08 % below: 60 − 0.5 × 0.0850… = 59.957… → 59.96
        assert_eq!(s(dec!(9400000.00)), dec!(59.96));
        // 2.0408… % above: 60 − 2.0408… = 57.959… → 57.96
        assert_eq!(s(dec!(9600000.00)), dec!(57.96));
        assert_eq!(s(dec!(9800000.00)), dec!(55.83));
        assert_eq!(s(dec!(10000000.00)), dec!(53.71));
        // 4.3367… % below at 0.5 a percent: 57.831… → 57.83
        assert_eq!(s(dec!(9000000.00)), dec!(57.83));
        assert_eq!(s(b.value), dec!(60));
        // Far above: the floor.
        assert_eq!(s(dec!(20000000.00)), dec!(0));
    }

    #[test]
    fn fewer_than_the_threshold_drops_nothing_and_the_mean_rounds_half_up() {
        let prices = [dec!(100.00), dec!(100.00), dec!(100.01)];
        let b = benchmark(&prices, &formula(1, 5), Decimal::ZERO).unwrap();
        assert!(b.dropped_high.is_empty() && b.dropped_low.is_empty());
        // 300.01 / 3 = 100.00333… → 100.00
        assert_eq!(b.value, dec!(100.00));
        let b = benchmark(&[dec!(0.01), dec!(0.02)], &formula(0, 0), Decimal::ZERO).unwrap();
        // 0.015 → 0.02 (half away from zero)
        assert_eq!(b.value, dec!(0.02));
        // Equal extremes: one copy of each goes, the mean is the same whichever.
        let tied = [dec!(5), dec!(5), dec!(3), dec!(1), dec!(1)];
        let b = benchmark(&tied, &formula(1, 5), Decimal::ZERO).unwrap();
        assert_eq!(
            (b.dropped_high.clone(), b.dropped_low.clone()),
            (vec![dec!(5)], vec![dec!(1)])
        );
        assert_eq!(b.value, dec!(3.00));
        assert!(benchmark(&[], &formula(0, 0), Decimal::ZERO).is_none());
    }

    fn prices() -> impl Strategy<Value = Vec<Decimal>> {
        proptest::collection::vec(1i64..2_000_000_000, 1..40)
            .prop_map(|v| v.into_iter().map(|c| Decimal::new(c, 2)).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn bid_order_never_changes_the_benchmark(
            p in prices(), drop in 0u8..4, min in 0u8..12, k in 0u32..300, rot in 0usize..40
        ) {
            let f = formula(drop, min.max(2 * drop + 1));
            let k = Decimal::new(i64::from(k), 4);
            let mut q = p.clone();
            q.reverse();
            let r = rot % q.len();
            q.rotate_left(r);
            prop_assert_eq!(benchmark(&p, &f, k), benchmark(&q, &f, k));
            if let Some(b) = benchmark(&p, &f, k) {
                let dropped = b.dropped_high.len() + b.dropped_low.len();
                prop_assert_eq!(b.counted + dropped, p.len());
                let expect = if drop > 0 && p.len() >= usize::from(f.drop_min_bids) {
                    2 * usize::from(drop)
                } else {
                    0
                };
                prop_assert_eq!(dropped, expect);
            }
        }

        #[test]
        fn the_score_stays_within_zero_and_max(
            p in 1i64..10_000_000_000, b in 1i64..10_000_000_000, max in 0i64..10_000,
            above in 0i64..500, below in 0i64..500
        ) {
            let f = PriceFormula {
                points_per_percent_above: Decimal::new(above, 2),
                points_per_percent_below: Decimal::new(below, 2),
                ..PriceFormula::default()
            };
            let max = Decimal::new(max, 2);
            let s = score(Decimal::new(p, 2), Decimal::new(b, 2), &f, max);
            prop_assert!(s >= Decimal::ZERO && s <= max, "{}", s);
            prop_assert!(s.scale() <= 2);
        }
    }
}
