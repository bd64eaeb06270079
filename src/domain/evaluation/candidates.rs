//! The report's candidates, derived from everything the committee entered and the tender's
//! method, in one function, so the report and the offline verifier compute them the same way
//! (docs/EVALUATION.md §8):
//!
//! 1. automatic rejections from the opening record ([`super::rejection::automatic`]) and from
//!    the frozen licence verdicts (`crate::domain::licence::rejections`);
//! 2. 初步评审 of the remaining bids by majority ([`super::preliminary`]); a failed bid is
//!    rejected under its line's ground;
//! 3. the rejections the committee carried by majority ([`super::rejection::Motion`]);
//! 4. the shortfall rule, if fewer bids are valid than candidates are wanted;
//! 5. the method: scores and the price benchmark, evaluated prices, or the 定性评审 selection;
//! 6. the award mode: at most `n` ranked candidates (traditional, 条例53), or `n` unranked ones
//!    listed by bid id (评定分离); ties that matter need a lot ([`super::ranking`]).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::config::{ScoringPlan, ShortfallRule};
use super::deviation::{flags, DeviationFlag, DeviationPolicy};
use super::lot::LotResult;
use super::lowest_price::{evaluated_prices, Applied, EvaluatedPrice};
use super::preliminary::{aggregate, ReviewOutcome, Verdict};
use super::price::{benchmark, Benchmark};
use super::qualitative::{select, Recommendation, Remark, Selection};
use super::ranking::{lowest_price_keys, rank, scoring_keys, top, Cut, Entry, Place};
use super::rejection::{automatic, Motion, OpenedBid, Rejection};
use super::scoring::{totals, BidScore, ScoreSheet};
use super::EvaluationError;
use crate::domain::licence::{self, FrozenBid};
use crate::domain::tender::{AwardMode, EvaluationMethod, ProcedureRules, Section};

/// Everything a section's evaluation rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// The members whose conclusions count (replaced members' are void and left out).
    pub members: Vec<String>,
    /// Every opened bid, as the opening record has it.
    pub bids: Vec<OpenedBid>,
    /// The tender asks for alternatives (备选投标方案), so two prices are not a rejection.
    #[serde(default)]
    pub alternatives_allowed: bool,
    pub verdicts: Vec<Verdict>,
    /// Rejection motions on judged grounds with the votes for each; those carried by a
    /// majority of `members` reject their bid.
    #[serde(default)]
    pub motions: Vec<MotionVote>,
    /// K as drawn at the opening (0 when the formula has no K set).
    #[serde(default)]
    pub k: Decimal,
    #[serde(default)]
    pub sheets: Vec<ScoreSheet>,
    #[serde(default)]
    pub applied: Vec<Applied>,
    #[serde(default)]
    pub recommendations: Vec<Recommendation>,
    #[serde(default)]
    pub remarks: Vec<Remark>,
    #[serde(default)]
    pub lots: Vec<LotResult>,
    /// The shares beyond which a score is flagged (the platform's setting).
    #[serde(default)]
    pub deviation: DeviationPolicy,
    /// The licence verdicts frozen when the review started (docs/LICENCES.md §9): a bid whose
    /// standing is `not_met` is rejected automatically (条例51(三)) and not reviewed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<FrozenBid>,
}

/// A motion and how many members voted for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MotionVote {
    pub motion: Motion,
    pub votes_for: usize,
}

/// Who the report recommends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Candidates {
    /// Traditional award: rank 1 first.
    Ranked { bids: Vec<String> },
    /// 评定分离: listed by bid id, no order implied.
    Unranked { bids: Vec<String> },
    /// Too few valid bids under the tender's shortfall rule: the section fails (流标).
    SectionFails { valid: usize, needed: usize },
}

/// The derivation, step by step, for the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derivation {
    /// Every rejection, by bid id.
    pub rejected: Vec<Rejection>,
    pub review: Vec<ReviewOutcome>,
    /// Valid bids, by bid id.
    pub valid: Vec<String>,
    pub benchmark: Option<Benchmark>,
    pub scores: Vec<BidScore>,
    pub evaluated: Vec<EvaluatedPrice>,
    pub selection: Option<Selection>,
    pub ranking: Vec<Place>,
    /// 偏离度 flags on the members' sheets (综合评估法 only).
    pub deviations: Vec<DeviationFlag>,
    pub candidates: Candidates,
}

/// Derives the candidates of `section` from `inputs`.
pub fn derive(
    section: &Section,
    rules: &ProcedureRules,
    inputs: &Inputs,
) -> Result<Derivation, EvaluationError> {
    let mut rejected: BTreeMap<String, Rejection> = BTreeMap::new();
    for r in automatic(
        &inputs.bids,
        section.price_cap.map(|c| c.amount()),
        inputs.alternatives_allowed,
    ) {
        rejected.insert(r.bid.clone(), r);
    }
    for r in licence::rejections(&inputs.licences, &inputs.bids) {
        rejected.entry(r.bid.clone()).or_insert(r);
    }
    let mut reviewed: Vec<String> = inputs
        .bids
        .iter()
        .map(|b| b.bid.clone())
        .filter(|b| !rejected.contains_key(b))
        .collect();
    reviewed.sort();
    reviewed.dedup();
    let checklist = section.review_requirements();
    let review = aggregate(&inputs.members, &reviewed, &checklist, &inputs.verdicts)?;
    for r in review.iter().filter_map(ReviewOutcome::rejection) {
        rejected.entry(r.bid.clone()).or_insert(r);
    }
    for m in &inputs.motions {
        if let Some(r) = m.motion.decide(inputs.members.len(), m.votes_for)? {
            rejected.entry(r.bid.clone()).or_insert(r);
        }
    }
    let valid: Vec<String> = reviewed
        .iter()
        .filter(|b| !rejected.contains_key(*b))
        .cloned()
        .collect();
    let mut out = Derivation {
        rejected: rejected.into_values().collect(),
        review,
        valid,
        benchmark: None,
        scores: Vec::new(),
        evaluated: Vec::new(),
        selection: None,
        ranking: Vec::new(),
        deviations: Vec::new(),
        candidates: Candidates::SectionFails {
            valid: 0,
            needed: 0,
        },
    };
    let needed = usize::from(section.award.candidate_count(rules));
    let n = match (&section.shortfall, out.valid.len()) {
        (_, 0) => None,
        (_, v) if v >= needed => Some(needed),
        (ShortfallRule::RecommendAvailable { min_valid }, v) if v >= usize::from(*min_valid) => {
            Some(v)
        }
        _ => None,
    };
    let Some(n) = n else {
        out.candidates = Candidates::SectionFails {
            valid: out.valid.len(),
            needed,
        };
        return Ok(out);
    };
    let priced = prices(&inputs.bids, &out.valid)?;
    // Conclusions about a bid the committee rejected after judging it (a motion carried once
    // the second stage's sheets were in) do not count: only the valid bids are weighed.
    let kept = |bid: &str| out.valid.iter().any(|v| v == bid);
    let sheets: Vec<ScoreSheet> = inputs
        .sheets
        .iter()
        .map(|s| ScoreSheet {
            member: s.member.clone(),
            scores: s.scores.iter().filter(|x| kept(&x.bid)).cloned().collect(),
        })
        .collect();
    let applied: Vec<Applied> = inputs
        .applied
        .iter()
        .filter(|a| kept(&a.bid))
        .cloned()
        .collect();
    let recommendations: Vec<Recommendation> = inputs
        .recommendations
        .iter()
        .map(|r| Recommendation {
            member: r.member.clone(),
            bids: r.bids.iter().filter(|b| kept(b)).cloned().collect(),
        })
        .collect();
    let remarks: Vec<Remark> = inputs
        .remarks
        .iter()
        .filter(|r| kept(&r.bid))
        .cloned()
        .collect();
    let ranked = matches!(section.award, AwardMode::Traditional { .. });
    let cut = Cut {
        cutoff: n,
        ordered: ranked,
    };
    let entries: Vec<Entry> = match &section.evaluation {
        EvaluationMethod::ComprehensiveScoring {
            weights,
            criteria,
            price,
        } => {
            let plan = ScoringPlan::of(weights, criteria, price.as_ref());
            let all: Vec<Decimal> = priced.iter().map(|(_, p)| *p).collect();
            out.benchmark = plan
                .price
                .as_ref()
                .and_then(|p| benchmark(&all, &p.formula, inputs.k));
            let b = out.benchmark.as_ref().map(|b| b.value);
            out.scores = totals(&plan, &inputs.members, &priced, &sheets, b)?;
            out.deviations = flags(&plan, &sheets, inputs.deviation);
            out.scores
                .iter()
                .map(|s| Entry {
                    bid: s.bid.clone(),
                    keys: scoring_keys(s.total, s.price, s.technical),
                })
                .collect()
        }
        EvaluationMethod::LowestEvaluatedPrice { adjustments } => {
            out.evaluated = evaluated_prices(adjustments, &priced, &applied)?;
            out.evaluated
                .iter()
                .map(|e| Entry {
                    bid: e.bid.clone(),
                    keys: lowest_price_keys(e.evaluated, e.price),
                })
                .collect()
        }
        EvaluationMethod::Qualitative => {
            let s = select(
                n,
                &out.valid,
                &inputs.members,
                &recommendations,
                &remarks,
                &inputs.lots,
            )?;
            out.candidates = Candidates::Unranked {
                bids: s.candidates.clone(),
            };
            out.selection = Some(s);
            return Ok(out);
        }
    };
    out.ranking = rank(entries, cut, &inputs.lots)?;
    let mut chosen = top(&out.ranking, n);
    out.candidates = if ranked {
        Candidates::Ranked { bids: chosen }
    } else {
        chosen.sort();
        Candidates::Unranked { bids: chosen }
    };
    Ok(out)
}

/// `(bid, price)` of the valid bids: the one price each (automatic rejection removed the
/// rest). A valid bid without a price means the opening record is incomplete.
fn prices(bids: &[OpenedBid], valid: &[String]) -> Result<Vec<(String, Decimal)>, EvaluationError> {
    valid
        .iter()
        .map(|v| {
            bids.iter()
                .find(|b| &b.bid == v)
                .and_then(|b| b.prices.first())
                .map(|p| (v.clone(), *p))
                .ok_or_else(|| EvaluationError::SheetIncomplete {
                    member: String::new(),
                    detail: format!("bid {v} has no price in the opening record"),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::config::{review_requirements, PriceFormula};
    use super::super::lot::LotResult;
    use super::super::rejection::RejectionReason;
    use super::super::scoring::tests::sheet;
    use super::*;
    use crate::domain::tender::tests::section;
    use crate::domain::tender::AwardMethod;
    use rust_decimal::dec;

    fn members() -> Vec<String> {
        (1..=5).map(|i| format!("m{i}")).collect()
    }

    fn opened(id: &str, bidder: &str, price: Decimal) -> OpenedBid {
        OpenedBid {
            bid: id.into(),
            bidder: bidder.into(),
            prices: vec![price],
        }
    }

    fn pass_all(section: &Section, bids: &[&str]) -> Vec<Verdict> {
        let lines = review_requirements(
            &section.preliminary_review,
            &section.qualification_requirements,
        );
        let mut out = Vec::new();
        for m in members() {
            for b in bids {
                for l in &lines {
                    out.push(Verdict {
                        member: m.clone(),
                        bid: (*b).into(),
                        requirement: l.code.clone(),
                        pass: true,
                        reason: None,
                    });
                }
            }
        }
        out
    }

    /// The scoring section of the worked example (docs/EVALUATION.md §8.1): items T1 20, T2 10
    /// and C1 10, price 60 with one extreme dropped from 5 bids and K = 0.02; cap 9,800,000.
    fn scoring_section() -> Section {
        let mut s = section("BD01");
        s.price_cap = Some("9800000".parse().unwrap());
        let crate::domain::tender::EvaluationMethod::ComprehensiveScoring { weights, .. } =
            s.evaluation.clone()
        else {
            unreachable!()
        };
        let plan = super::super::scoring::tests::plan();
        s.evaluation = EvaluationMethod::ComprehensiveScoring {
            weights,
            criteria: plan.criteria,
            price: Some(PriceFormula {
                drop_extremes: 1,
                drop_min_bids: 5,
                k_values: vec![dec!(0.01), dec!(0.02), dec!(0.03)],
                ..PriceFormula::default()
            }),
        };
        s
    }

    fn scoring_inputs() -> Inputs {
        let bids = vec![
            opened("b1", "A", dec!(9400000.00)),
            opened("b2", "B", dec!(9600000.00)),
            opened("b3", "C", dec!(9000000.00)),
            opened("b4", "D", dec!(9700000.00)),
            opened("b5", "E", dec!(9300000.00)),
            opened("b6", "F", dec!(9900000.00)),
            opened("b7", "G", dec!(9500000.00)),
        ];
        let s = scoring_section();
        let verdicts = pass_all(&s, &["b1", "b2", "b3", "b4", "b5", "b7"]);
        let row = |b: &'static str, x: [Decimal; 3]| (b, x);
        let same = |m: &str| {
            sheet(
                m,
                &[
                    row("b1", [dec!(18), dec!(8), dec!(8)]),
                    row("b2", [dec!(18), dec!(9), dec!(9)]),
                    row("b3", [dec!(12), dec!(6), dec!(6)]),
                    row("b4", [dec!(16), dec!(8), dec!(8)]),
                    row("b7", [dec!(18), dec!(9), dec!(9)]),
                ],
            )
        };
        Inputs {
            members: members(),
            bids,
            alternatives_allowed: false,
            verdicts,
            motions: vec![
                MotionVote {
                    motion: Motion {
                        bid: "b5".into(),
                        reason: RejectionReason::PriceBelowCost,
                        written_reason: "主要材料报价低于成本".into(),
                    },
                    votes_for: 4,
                },
                // Not carried: b4 stays valid.
                MotionVote {
                    motion: Motion {
                        bid: "b4".into(),
                        reason: RejectionReason::NotResponsive,
                        written_reason: "质量标准表述含糊".into(),
                    },
                    votes_for: 2,
                },
            ],
            k: dec!(0.02),
            sheets: members().iter().map(|m| same(m)).collect(),
            applied: Vec::new(),
            recommendations: Vec::new(),
            remarks: Vec::new(),
            lots: Vec::new(),
            deviation: DeviationPolicy::default(),
            licences: Vec::new(),
        }
    }

    /// docs/EVALUATION.md §8.1: one bid above the cap, one rejected by vote, five valid; the
    /// extremes dropped, K = 0.02, a tie on the total broken by the lower price.
    #[test]
    fn worked_example_traditional_scoring() {
        let s = scoring_section();
        let d = derive(&s, &ProcedureRules::STATUTORY, &scoring_inputs()).unwrap();
        let why: Vec<(&str, RejectionReason)> = d
            .rejected
            .iter()
            .map(|r| (r.bid.as_str(), r.reason))
            .collect();
        assert_eq!(
            why,
            vec![
                ("b5", RejectionReason::PriceBelowCost),
                ("b6", RejectionReason::PriceAboveCap)
            ]
        );
        assert_eq!(
            (d.rejected[0].votes_for, d.rejected[0].votes_against),
            (4, 1)
        );
        assert_eq!(d.valid, vec!["b1", "b2", "b3", "b4", "b7"]);
        assert!(d.deviations.is_empty());
        let b = d.benchmark.clone().unwrap();
        // Valid: 9.0, 9.4, 9.5, 9.6, 9.7 M; drop 9.7 and 9.0; mean 9.5 M; × 0.98 = 9,310,000.
        assert_eq!(
            (b.dropped_high.clone(), b.dropped_low.clone()),
            (vec![dec!(9700000.00)], vec![dec!(9000000.00)])
        );
        assert_eq!(b.value, dec!(9310000.00));
        let total = |id: &str| d.scores.iter().find(|x| x.bid == id).unwrap().total;
        // b2: 36 + (60 − 3.1149…) = 92.89; b7: 36 + (60 − 2.0408…) = 93.96 (rounded 57.96);
        // b1: 34 + (60 − 0.9667…) = 93.03.
        assert_eq!(total("b7"), dec!(93.96));
        assert_eq!(total("b1"), dec!(93.03));
        assert_eq!(total("b2"), dec!(92.89));
        assert_eq!(
            d.candidates,
            Candidates::Ranked {
                bids: vec!["b7".into(), "b1".into(), "b2".into()]
            }
        );
    }

    #[test]
    fn unreasoned_motions_and_priceless_bids_are_refused() {
        let s = scoring_section();
        let mut inputs = scoring_inputs();
        inputs.motions[0].motion.written_reason = " ".into();
        let err = derive(&s, &ProcedureRules::STATUTORY, &inputs).unwrap_err();
        assert_eq!(
            err,
            EvaluationError::RejectionReasonRequired { bid: "b5".into() }
        );
        let mut inputs = scoring_inputs();
        inputs.bids[0].prices.clear();
        let err = derive(&s, &ProcedureRules::STATUTORY, &inputs).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::SheetIncomplete);
        // A member far from the others is flagged in the derivation.
        let mut inputs = scoring_inputs();
        for x in &mut inputs.sheets[4].scores {
            if x.bid == "b3" && x.criterion == "T1" {
                x.points = dec!(20);
            }
        }
        let d = derive(&s, &ProcedureRules::STATUTORY, &inputs).unwrap();
        let who: Vec<(&str, &str, Option<&str>)> = d
            .deviations
            .iter()
            .map(|f| (f.member.as_str(), f.bid.as_str(), f.criterion.as_deref()))
            .collect();
        assert_eq!(who, vec![("m5", "b3", Some("T1")), ("m5", "b3", None)]);
    }

    #[test]
    fn a_tie_on_total_goes_to_the_lower_price_and_a_full_tie_to_the_lot() {
        let s = scoring_section();
        let mut inputs = scoring_inputs();
        // Give b1 one more item point from every member: 35 + 59.03 = 94.03 … instead make b1 and
        // b7 tie: b1 +0.93 each on C1 → 34.93 + 59.03 = 93.96 = b7's total; b1 is cheaper.
        for sh in &mut inputs.sheets {
            for x in &mut sh.scores {
                if x.bid == "b1" && x.criterion == "C1" {
                    x.points += dec!(0.93);
                }
            }
        }
        let d = derive(&s, &ProcedureRules::STATUTORY, &inputs).unwrap();
        let t = |id: &str| d.scores.iter().find(|x| x.bid == id).unwrap().total;
        assert_eq!(t("b1"), t("b7"));
        assert_eq!(
            d.candidates,
            Candidates::Ranked {
                bids: vec!["b1".into(), "b7".into(), "b2".into()]
            }
        );
        // Same price as well (b7 re-read at b1's price would be two bidders at one price): put
        // b2 level with b1 on every key: total, price and technical.
        let mut tie = scoring_inputs();
        tie.bids[1] = opened("b2", "B", dec!(9400000.00));
        tie.sheets = members()
            .iter()
            .map(|m| {
                sheet(
                    m,
                    &[
                        ("b1", [dec!(18), dec!(8), dec!(8)]),
                        ("b2", [dec!(18), dec!(8), dec!(8)]),
                        ("b3", [dec!(12), dec!(6), dec!(6)]),
                        ("b4", [dec!(16), dec!(8), dec!(8)]),
                        ("b7", [dec!(10), dec!(5), dec!(5)]),
                    ],
                )
            })
            .collect();
        let err = derive(&s, &ProcedureRules::STATUTORY, &tie).unwrap_err();
        assert_eq!(
            err,
            EvaluationError::LotRequired {
                bids: vec!["b1".into(), "b2".into()]
            }
        );
        tie.lots = vec![LotResult {
            order: vec!["b2".into(), "b1".into()],
        }];
        let d = derive(&s, &ProcedureRules::STATUTORY, &tie).unwrap();
        let Candidates::Ranked { bids } = d.candidates else {
            panic!()
        };
        assert_eq!(&bids[..2], &["b2".to_string(), "b1".to_string()]);
    }

    #[test]
    fn separated_award_is_unranked_and_shortfall_follows_the_tender() {
        let mut s = scoring_section();
        s.award = AwardMode::Separated {
            candidates: Some(4),
            method: AwardMethod::Lottery,
            committee: None,
            criteria: Default::default(),
        };
        let d = derive(&s, &ProcedureRules::STATUTORY, &scoring_inputs()).unwrap();
        // Top four by total are b7, b1, b2, b4; listed by id.
        assert_eq!(
            d.candidates,
            Candidates::Unranked {
                bids: vec!["b1".into(), "b2".into(), "b4".into(), "b7".into()]
            }
        );
        // Seven wanted, five valid: recommend the five (default rule) or fail.
        s.award = AwardMode::Separated {
            candidates: Some(7),
            method: AwardMethod::Lottery,
            committee: None,
            criteria: Default::default(),
        };
        let d = derive(&s, &ProcedureRules::STATUTORY, &scoring_inputs()).unwrap();
        assert!(matches!(d.candidates, Candidates::Unranked { ref bids } if bids.len() == 5));
        s.shortfall = ShortfallRule::RecommendAvailable { min_valid: 6 };
        let d = derive(&s, &ProcedureRules::STATUTORY, &scoring_inputs()).unwrap();
        assert_eq!(
            d.candidates,
            Candidates::SectionFails {
                valid: 5,
                needed: 7
            }
        );
        s.shortfall = ShortfallRule::Fail;
        let d = derive(&s, &ProcedureRules::STATUTORY, &scoring_inputs()).unwrap();
        assert_eq!(
            d.candidates,
            Candidates::SectionFails {
                valid: 5,
                needed: 7
            }
        );
    }

    #[test]
    fn lowest_evaluated_price_and_qualitative_paths() {
        let mut s = section("BD02");
        s.price_cap = None;
        s.evaluation = EvaluationMethod::LowestEvaluatedPrice {
            adjustments: vec![super::super::config::PriceAdjustment {
                code: "D1".into(),
                name: "工期每超出1天".into(),
                rule: super::super::config::AdjustmentRule::PerUnit {
                    amount: dec!(20000),
                    max_units: None,
                },
            }],
        };
        let bids = vec![
            opened("b1", "A", dec!(8000000)),
            opened("b2", "B", dec!(8050000)),
            opened("b3", "C", dec!(8100000)),
        ];
        let inputs = Inputs {
            members: members(),
            verdicts: pass_all(&s, &["b1", "b2", "b3"]),
            bids,
            alternatives_allowed: false,
            motions: Vec::new(),
            k: Decimal::ZERO,
            sheets: Vec::new(),
            applied: vec![Applied {
                bid: "b1".into(),
                adjustment: "D1".into(),
                units: 5,
            }],
            recommendations: Vec::new(),
            remarks: Vec::new(),
            lots: Vec::new(),
            deviation: DeviationPolicy::default(),
            licences: Vec::new(),
        };
        let d = derive(&s, &ProcedureRules::STATUTORY, &inputs).unwrap();
        // b1 8,100,000 evaluated ties b3's 8,100,000; b1's lower bid price ranks it first.
        assert_eq!(
            d.candidates,
            Candidates::Ranked {
                bids: vec!["b2".into(), "b1".into(), "b3".into()]
            }
        );
        s.evaluation = EvaluationMethod::Qualitative;
        s.award = AwardMode::Separated {
            candidates: Some(3),
            method: AwardMethod::Lottery,
            committee: None,
            criteria: Default::default(),
        };
        let d = derive(&s, &ProcedureRules::STATUTORY, &inputs).unwrap();
        assert_eq!(
            d.candidates,
            Candidates::Unranked {
                bids: vec!["b1".into(), "b2".into(), "b3".into()]
            }
        );
        // A majority fails b2 on qualification: two candidates under the default rule.
        let mut failing = inputs.clone();
        for v in &mut failing.verdicts {
            if v.bid == "b2" && v.requirement == "Q1" && v.member != "m1" {
                v.pass = false;
                v.reason = Some("资质等级不足".into());
            }
        }
        let d = derive(&s, &ProcedureRules::STATUTORY, &failing).unwrap();
        assert_eq!(d.rejected[0].reason, RejectionReason::QualificationNotMet);
        assert_eq!(
            d.candidates,
            Candidates::Unranked {
                bids: vec!["b1".into(), "b3".into()]
            }
        );
    }

    #[test]
    fn a_frozen_unmet_licence_rejects_without_a_vote_and_is_not_reviewed() {
        use crate::domain::licence::{
            FactsState, FrozenBid, RequirementVerdict, Standing, Verdict as L,
        };
        let mut inputs = scoring_inputs();
        let lapsed = inputs.bids[0].bid.clone();
        let frozen = |bid: &str, verdict: L, reason: Option<&str>| FrozenBid {
            bid: bid.into(),
            bidder: "u".into(),
            state: FactsState::Current,
            fetch_id: Some("f".into()),
            digest: Some("ab".repeat(32)),
            fetched_at: None,
            age_seconds: Some(0),
            verdicts: vec![RequirementVerdict {
                requirement: "安全生产许可证".into(),
                verdict,
                certificate: Some("P1".into()),
                valid_until: None,
                reason: reason.map(str::to_string),
            }],
            overall: verdict,
            standing: Standing::of(verdict),
        };
        let why = "安全生产许可证 P1 expired on 2026-11-30, before the bid deadline (2026-12-01)";
        inputs.licences = vec![frozen(&lapsed, L::NotMet, Some(why))];
        // The members' passes of the lapsed bid are not theirs to give: judging it is refused.
        assert!(matches!(
            derive(&scoring_section(), &ProcedureRules::STATUTORY, &inputs),
            Err(EvaluationError::SheetIncomplete { .. })
        ));
        inputs.verdicts.retain(|v| v.bid != lapsed);
        inputs
            .sheets
            .iter_mut()
            .for_each(|s| s.scores.retain(|x| x.bid != lapsed));
        let d = derive(&scoring_section(), &ProcedureRules::STATUTORY, &inputs).unwrap();
        let r = d.rejected.iter().find(|r| r.bid == lapsed).unwrap();
        assert_eq!(r.reason, RejectionReason::QualificationNotMet);
        assert_eq!((r.votes_for, r.votes_against), (0, 0));
        assert!(r.grounds.contains(why), "{}", r.grounds);
        assert!(!d.review.iter().any(|o| o.bid == lapsed) && !d.valid.contains(&lapsed));
        // Unverified is neither: the bid is reviewed like any other.
        let mut open = scoring_inputs();
        open.licences = vec![frozen(&lapsed, L::Unknown, Some("unavailable"))];
        let d = derive(&scoring_section(), &ProcedureRules::STATUTORY, &open).unwrap();
        assert!(d.valid.contains(&lapsed));
    }
}
