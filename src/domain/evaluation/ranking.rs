//! Ordering bids with the documented tie-breaks, docs/EVALUATION.md §7.
//!
//! Each method turns a bid into sort keys, compared in order, lower first:
//!
//! * 综合评估法: higher total, then lower bid price, then higher technical score;
//! * 经评审的最低投标价法: lower evaluated price, then lower bid price;
//! * 定性评审 (choosing N among more qualified bids): more members' recommendations.
//!
//! The first two follow the tie clauses of the 标准施工招标文件 (2007) 评标办法 as commonly
//! reproduced ("评分相同的，以投标报价低的优先；投标报价也相同的，以技术标得分高的优先") [U —
//! recollection, not retrieved]. Where those documents end with "由招标人自行确定", the
//! platform draws a lot instead ([`super::lot`]): the tenderer's free choice is exactly what the
//! committee's ranking exists to prevent (条例55 binds state-owned tenderers to rank 1), and a
//! committed-then-revealed draw can be replayed by anyone (domain-rules §3.3 implementation note).
//!
//! A lot is needed only where the order matters: for ranked candidates, a tie reaching into the
//! first `cutoff` places; for unranked ones, a tie straddling the cut. Ties further down keep a
//! shared rank and are listed by bid id.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lot::LotResult;
use super::EvaluationError;

/// One bid's sort keys, compared left to right, lower first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub bid: String,
    pub keys: Vec<Decimal>,
}

/// One place of a ranking: a single bid, or bids tied on every key beyond the decisive places.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// 1-based; tied bids share it, and the next place skips (1, 2, 2, 4).
    pub rank: usize,
    pub bids: Vec<String>,
    /// The order of this place and the following ones in its tie came from a lot.
    pub by_lot: bool,
}

/// What a ranking decides: the first `cutoff` places, in order (`ordered`) or only as a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    pub cutoff: usize,
    pub ordered: bool,
}

/// The places of `entries` under `cut`, using `lots` for the ties that matter. A tie that
/// matters without a lot drawn among exactly its bids is [`EvaluationError::LotRequired`].
pub fn rank(
    mut entries: Vec<Entry>,
    cut: Cut,
    lots: &[LotResult],
) -> Result<Vec<Place>, EvaluationError> {
    entries.sort_by(|a, b| a.keys.cmp(&b.keys).then_with(|| a.bid.cmp(&b.bid)));
    let mut places = Vec::with_capacity(entries.len());
    let mut at = 0;
    while at < entries.len() {
        let end = at
            + entries[at..]
                .iter()
                .take_while(|e| e.keys == entries[at].keys)
                .count();
        let group: Vec<String> = entries[at..end].iter().map(|e| e.bid.clone()).collect();
        let matters = group.len() > 1
            && if cut.ordered {
                at < cut.cutoff
            } else {
                at < cut.cutoff && cut.cutoff < end
            };
        if matters {
            let set: BTreeSet<&str> = group.iter().map(String::as_str).collect();
            let lot = lots
                .iter()
                .find(|l| l.covers(&set))
                .ok_or(EvaluationError::LotRequired {
                    bids: group.clone(),
                })?;
            for (k, bid) in lot.order.iter().enumerate() {
                places.push(Place {
                    rank: at + k + 1,
                    bids: vec![bid.clone()],
                    by_lot: true,
                });
            }
        } else {
            places.push(Place {
                rank: at + 1,
                bids: group,
                by_lot: false,
            });
        }
        at = end;
    }
    Ok(places)
}

/// The bids of the first `n` positions, in rank order (a tied place counts for each bid).
pub fn top(places: &[Place], n: usize) -> Vec<String> {
    places
        .iter()
        .flat_map(|p| p.bids.iter().cloned())
        .take(n)
        .collect()
}

/// 综合评估法 keys: higher total, lower price, higher technical score.
pub fn scoring_keys(total: Decimal, price: Decimal, technical: Decimal) -> Vec<Decimal> {
    vec![-total, price, -technical]
}

/// 经评审的最低投标价法 keys: lower evaluated price, lower bid price.
pub fn lowest_price_keys(evaluated: Decimal, price: Decimal) -> Vec<Decimal> {
    vec![evaluated, price]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn e(bid: &str, keys: &[Decimal]) -> Entry {
        Entry {
            bid: bid.into(),
            keys: keys.to_vec(),
        }
    }

    fn bids(places: &[Place]) -> Vec<Vec<&str>> {
        places
            .iter()
            .map(|p| p.bids.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn tie_breaks_in_order_then_a_lot() {
        // b1 and b2 tie on the total; b2 is cheaper. b3 and b4 tie on total and price; b4 has
        // more technical points. b5 and b6 tie on everything.
        let entries = vec![
            e("b1", &scoring_keys(dec!(90.50), dec!(9500000), dec!(25))),
            e("b2", &scoring_keys(dec!(90.50), dec!(9400000), dec!(20))),
            e("b3", &scoring_keys(dec!(88.00), dec!(9300000), dec!(22))),
            e("b4", &scoring_keys(dec!(88.00), dec!(9300000), dec!(24))),
            e("b5", &scoring_keys(dec!(80.00), dec!(9000000), dec!(20))),
            e("b6", &scoring_keys(dec!(80.00), dec!(9000000), dec!(20))),
        ];
        let cut = Cut {
            cutoff: 3,
            ordered: true,
        };
        let got = rank(entries.clone(), cut, &[]).unwrap();
        assert_eq!(
            bids(&got),
            vec![
                vec!["b2"],
                vec!["b1"],
                vec!["b4"],
                vec!["b3"],
                vec!["b5", "b6"]
            ]
        );
        assert_eq!(got.last().unwrap().rank, 5);
        assert_eq!(top(&got, 3), vec!["b2", "b1", "b4"]);
        // With five candidates wanted, b5/b6 straddle position 5: a lot is required.
        let five = Cut {
            cutoff: 5,
            ordered: true,
        };
        let err = rank(entries.clone(), five, &[]).unwrap_err();
        assert_eq!(
            err,
            EvaluationError::LotRequired {
                bids: vec!["b5".into(), "b6".into()]
            }
        );
        // A lot over other bids does not settle it; the right one does, in its order.
        let wrong = LotResult {
            order: vec!["b5".into(), "b4".into()],
        };
        assert!(rank(entries.clone(), five, std::slice::from_ref(&wrong)).is_err());
        let lot = LotResult {
            order: vec!["b6".into(), "b5".into()],
        };
        let got = rank(entries, five, &[wrong, lot]).unwrap();
        assert_eq!(top(&got, 6), vec!["b2", "b1", "b4", "b3", "b6", "b5"]);
        assert!(got[4].by_lot && got[5].by_lot && !got[0].by_lot);
    }

    #[test]
    fn unranked_cuts_need_a_lot_only_across_the_cut() {
        let entries = vec![
            e("a", &[dec!(1)]),
            e("b", &[dec!(1)]),
            e("c", &[dec!(2)]),
            e("d", &[dec!(2)]),
        ];
        let set = |n| Cut {
            cutoff: n,
            ordered: false,
        };
        assert!(rank(entries.clone(), set(2), &[]).is_ok());
        assert!(rank(entries.clone(), set(4), &[]).is_ok());
        assert!(matches!(
            rank(entries.clone(), set(3), &[]),
            Err(EvaluationError::LotRequired { bids }) if bids == vec!["c", "d"]
        ));
        assert!(rank(entries.clone(), set(1), &[]).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn a_ranking_is_a_permutation_independent_of_input_order(
            keys in proptest::collection::vec((0i64..5, 0i64..3), 1..30),
            cutoff in 0usize..10,
            rot in 0usize..30,
        ) {
            let entries: Vec<Entry> = keys
                .iter()
                .enumerate()
                .map(|(i, (a, b))| e(&format!("b{i:02}"), &[Decimal::from(*a), Decimal::from(*b)]))
                .collect();
            let mut shuffled = entries.clone();
            shuffled.reverse();
            let r = rot % shuffled.len();
            shuffled.rotate_left(r);
            let cut = Cut { cutoff, ordered: false };
            let one = rank(entries.clone(), cut, &[]);
            let two = rank(shuffled, cut, &[]);
            prop_assert_eq!(&one, &two);
            if let Ok(places) = one {
                let mut all: Vec<String> = places.iter().flat_map(|p| p.bids.clone()).collect();
                all.sort();
                let mut want: Vec<String> = entries.iter().map(|e| e.bid.clone()).collect();
                want.sort();
                prop_assert_eq!(all, want);
                // Ranks never decrease and never exceed the bid's position.
                let mut pos = 0;
                let mut last = 0;
                for p in &places {
                    prop_assert!(p.rank >= last && p.rank == pos + 1);
                    last = p.rank;
                    pos += p.bids.len();
                }
            }
        }
    }
}
