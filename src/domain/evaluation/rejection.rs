//! 否决投标: the statutory reasons a bid is rejected, which of them the platform finds by itself,
//! and how the committee decides the others.
//!
//! 条例51 [C] lists seven grounds; 条例34 and 37 [C] make three more kinds of bid void, which the
//! committee also records as a rejection. Two grounds are facts the platform knows without
//! judgement: a price above the published cap (51(五), second half) and one bidder with two or
//! more different bids or prices (51(四)) — [`automatic`] finds them and no vote is taken. Every
//! other ground needs a majority of the whole committee and a written reason ([`Motion`]); a
//! price below cost (51(五), first half) is such a judgement, never a threshold, because 条例27
//! forbids a price floor.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{majority, EvaluationError};

/// A statutory rejection reason. The wire code ([`RejectionReason::as_str`]) is stable.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    /// 51(一): 投标文件未经投标单位盖章和单位负责人签字.
    UnsealedUnsigned,
    /// 51(二): 投标联合体没有提交共同投标协议.
    NoConsortiumAgreement,
    /// 51(三): 投标人不符合国家或者招标文件规定的资格条件.
    QualificationNotMet,
    /// 51(四): 同一投标人提交两个以上不同的投标文件或者投标报价 (alternatives not requested).
    MultipleBidsOrPrices,
    /// 51(五): 投标报价低于成本.
    PriceBelowCost,
    /// 51(五): 投标报价高于招标文件设定的最高投标限价.
    PriceAboveCap,
    /// 51(六): 投标文件没有对招标文件的实质性要求和条件作出响应.
    NotResponsive,
    /// 51(七): 投标人有串通投标、弄虚作假、行贿等违法行为.
    CollusionFraudBribery,
    /// 条例34 第一款: a bidder with an interest in the tenderer that may affect fairness.
    InterestConflict,
    /// 条例34 第二款: bidders with the same 单位负责人, or in control or management of each
    /// other, in the same section.
    CommonControl,
    /// 条例37: a consortium member also bidding alone or in another consortium, or a consortium
    /// changed after pre-qualification.
    ConsortiumConflict,
}

impl RejectionReason {
    pub const ALL: [RejectionReason; 11] = [
        RejectionReason::UnsealedUnsigned,
        RejectionReason::NoConsortiumAgreement,
        RejectionReason::QualificationNotMet,
        RejectionReason::MultipleBidsOrPrices,
        RejectionReason::PriceBelowCost,
        RejectionReason::PriceAboveCap,
        RejectionReason::NotResponsive,
        RejectionReason::CollusionFraudBribery,
        RejectionReason::InterestConflict,
        RejectionReason::CommonControl,
        RejectionReason::ConsortiumConflict,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectionReason::UnsealedUnsigned => "unsealed_unsigned",
            RejectionReason::NoConsortiumAgreement => "no_consortium_agreement",
            RejectionReason::QualificationNotMet => "qualification_not_met",
            RejectionReason::MultipleBidsOrPrices => "multiple_bids_or_prices",
            RejectionReason::PriceBelowCost => "price_below_cost",
            RejectionReason::PriceAboveCap => "price_above_cap",
            RejectionReason::NotResponsive => "not_responsive",
            RejectionReason::CollusionFraudBribery => "collusion_fraud_bribery",
            RejectionReason::InterestConflict => "interest_conflict",
            RejectionReason::CommonControl => "common_control",
            RejectionReason::ConsortiumConflict => "consortium_conflict",
        }
    }

    pub fn parse(code: &str) -> Option<RejectionReason> {
        RejectionReason::ALL
            .into_iter()
            .find(|r| r.as_str() == code)
    }

    /// The article and item, as the report prints it.
    pub fn article(self) -> &'static str {
        match self {
            RejectionReason::UnsealedUnsigned => "条例第51条第（一）项",
            RejectionReason::NoConsortiumAgreement => "条例第51条第（二）项",
            RejectionReason::QualificationNotMet => "条例第51条第（三）项",
            RejectionReason::MultipleBidsOrPrices => "条例第51条第（四）项",
            RejectionReason::PriceBelowCost | RejectionReason::PriceAboveCap => {
                "条例第51条第（五）项"
            }
            RejectionReason::NotResponsive => "条例第51条第（六）项",
            RejectionReason::CollusionFraudBribery => "条例第51条第（七）项",
            RejectionReason::InterestConflict => "条例第34条第一款",
            RejectionReason::CommonControl => "条例第34条第二款",
            RejectionReason::ConsortiumConflict => "条例第37条",
        }
    }

    /// Found by the platform from the opening record, without a vote.
    pub fn is_automatic(self) -> bool {
        matches!(
            self,
            RejectionReason::PriceAboveCap | RejectionReason::MultipleBidsOrPrices
        )
    }
}

/// One opened bid as the opening record has it: which bidder, and every price it states (one,
/// normally; the opening records each price it read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedBid {
    pub bid: String,
    pub bidder: String,
    pub prices: Vec<Decimal>,
}

/// A rejection with its reason and the written grounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub bid: String,
    pub reason: RejectionReason,
    /// For automatic rejections, the facts (the price and the cap, the other bid); for decided
    /// ones, the committee's written reason.
    pub grounds: String,
    /// Members voting for, against (zero for automatic rejections).
    pub votes_for: usize,
    pub votes_against: usize,
}

/// The rejections the opening record forces: 51(四) for every bid of a bidder with more than one
/// bid or more than one distinct price (unless the tender asks for alternatives), then 51(五)
/// for each price above `cap`. A bid gets one rejection, the first that applies; output is in
/// bid-id order.
pub fn automatic(
    bids: &[OpenedBid],
    cap: Option<Decimal>,
    alternatives_allowed: bool,
) -> Vec<Rejection> {
    let mut by_bidder: BTreeMap<&str, Vec<&OpenedBid>> = BTreeMap::new();
    for b in bids {
        by_bidder.entry(b.bidder.as_str()).or_default().push(b);
    }
    let mut out: BTreeMap<&str, Rejection> = BTreeMap::new();
    if !alternatives_allowed {
        for (bidder, own) in &by_bidder {
            let mut prices: Vec<Decimal> = own.iter().flat_map(|b| b.prices.clone()).collect();
            prices.sort();
            prices.dedup_by(|a, b| a.normalize() == b.normalize());
            if own.len() > 1 || prices.len() > 1 {
                let listed: Vec<String> =
                    prices.iter().map(|p| p.normalize().to_string()).collect();
                for b in own {
                    out.insert(
                        &b.bid,
                        Rejection {
                            bid: b.bid.clone(),
                            reason: RejectionReason::MultipleBidsOrPrices,
                            grounds: format!(
                                "投标人 {bidder} 提交 {} 份投标文件，报价 {}",
                                own.len(),
                                listed.join("、")
                            ),
                            votes_for: 0,
                            votes_against: 0,
                        },
                    );
                }
            }
        }
    }
    if let Some(cap) = cap {
        for b in bids {
            if out.contains_key(b.bid.as_str()) {
                continue;
            }
            if let Some(p) = b.prices.iter().find(|p| **p > cap) {
                out.insert(
                    &b.bid,
                    Rejection {
                        bid: b.bid.clone(),
                        reason: RejectionReason::PriceAboveCap,
                        grounds: format!(
                            "投标报价 {} 高于最高投标限价 {}",
                            p.normalize(),
                            cap.normalize()
                        ),
                        votes_for: 0,
                        votes_against: 0,
                    },
                );
            }
        }
    }
    out.into_values().collect()
}

/// A member's proposal to reject a bid on a judged ground.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Motion {
    pub bid: String,
    pub reason: RejectionReason,
    pub written_reason: String,
}

impl Motion {
    /// A motion needs a judged statutory reason (the automatic ones are facts, not votes) and a
    /// written reason.
    pub fn check(&self) -> Result<(), EvaluationError> {
        if self.reason.is_automatic() || self.written_reason.trim().is_empty() {
            return Err(EvaluationError::RejectionReasonRequired {
                bid: self.bid.clone(),
            });
        }
        Ok(())
    }

    /// The committee's decision: rejected when more than half of all `members` vote for it
    /// (abstentions and absent votes count against). `None` when it is not carried.
    pub fn decide(
        &self,
        members: usize,
        votes_for: usize,
    ) -> Result<Option<Rejection>, EvaluationError> {
        self.check()?;
        if !majority(votes_for, members) {
            return Ok(None);
        }
        Ok(Some(Rejection {
            bid: self.bid.clone(),
            reason: self.reason,
            grounds: self.written_reason.trim().to_string(),
            votes_for,
            votes_against: members.saturating_sub(votes_for),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn bid(id: &str, bidder: &str, prices: &[Decimal]) -> OpenedBid {
        OpenedBid {
            bid: id.into(),
            bidder: bidder.into(),
            prices: prices.to_vec(),
        }
    }

    #[test]
    fn codes_are_stable_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for r in RejectionReason::ALL {
            assert!(seen.insert(r.as_str()));
            assert_eq!(RejectionReason::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::json!(r.as_str())
            );
        }
        assert_eq!(RejectionReason::parse("because"), None);
        let auto: Vec<_> = RejectionReason::ALL
            .into_iter()
            .filter(|r| r.is_automatic())
            .collect();
        assert_eq!(
            auto,
            vec![
                RejectionReason::MultipleBidsOrPrices,
                RejectionReason::PriceAboveCap
            ]
        );
    }

    #[test]
    fn the_cap_is_inclusive_and_two_prices_reject_every_bid_of_the_bidder() {
        let bids = vec![
            bid("b1", "A", &[dec!(9800000.00)]),
            bid("b2", "B", &[dec!(9800000.01)]),
            bid("b3", "C", &[dec!(9000000), dec!(9100000)]),
            bid("b4", "D", &[dec!(9500000)]),
            bid("b5", "D", &[dec!(9900000)]),
            bid("b6", "E", &[dec!(9000000), dec!(9000000.00)]),
        ];
        let got = automatic(&bids, Some(dec!(9800000)), false);
        let summary: Vec<(&str, RejectionReason)> =
            got.iter().map(|r| (r.bid.as_str(), r.reason)).collect();
        assert_eq!(
            summary,
            vec![
                ("b2", RejectionReason::PriceAboveCap),
                ("b3", RejectionReason::MultipleBidsOrPrices),
                ("b4", RejectionReason::MultipleBidsOrPrices),
                ("b5", RejectionReason::MultipleBidsOrPrices),
            ]
        );
        assert_eq!(
            got[0].grounds,
            "投标报价 9800000.01 高于最高投标限价 9800000"
        );
        // Alternatives allowed: only the cap applies (b5 is above it).
        let alt = automatic(&bids, Some(dec!(9800000)), true);
        let ids: Vec<&str> = alt.iter().map(|r| r.bid.as_str()).collect();
        assert_eq!(ids, vec!["b2", "b5"]);
        assert!(automatic(&bids[..1], None, false).is_empty());
    }

    #[test]
    fn a_motion_needs_a_judged_reason_and_a_majority() {
        let m = Motion {
            bid: "b1".into(),
            reason: RejectionReason::PriceBelowCost,
            written_reason: "报价低于其提交的成本分析中的材料费合计".into(),
        };
        assert_eq!(m.decide(5, 2).unwrap(), None);
        let r = m.decide(5, 3).unwrap().unwrap();
        assert_eq!((r.votes_for, r.votes_against), (3, 2));
        let blank = Motion {
            written_reason: "  ".into(),
            ..m.clone()
        };
        let err = blank.decide(5, 5).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::RejectionReasonRequired);
        let automatic = Motion {
            reason: RejectionReason::PriceAboveCap,
            ..m
        };
        assert!(automatic.check().is_err());
    }
}
