//! What the 招标文件 fixes about a section's evaluation, beyond the method's name: the scored items
//! (评分细则) with their points, the price-score formula, the priced adjustments of
//! 经评审的最低投标价法, the 初步评审 checklist and what happens when fewer bids stay valid than
//! candidates are wanted. These types are part of the tender draft (`domain::tender::Section`
//! and `EvaluationMethod`), so they are the wire types too; every field added here is optional
//! and skipped when empty, so tenders drafted before it stay valid and serialise byte for byte
//! as before (their signed notices are canonical JSON of the draft).
//!
//! The formulas that use these settings are in the sibling modules; docs/EVALUATION.md states
//! them with worked examples.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::schedule::{RuleCode, RuleViolation};
use crate::domain::tender::{EvaluationMethod, Weight};

/// Most decimal places a criterion's points, a member's score or a rate may carry.
pub const POINTS_SCALE: u32 = 2;

/// What a scored item assesses; the technical sum is the third tie-break of a ranking.
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
pub enum CriterionKind {
    /// 技术标: construction plan, quality and safety measures, schedule, …
    Technical,
    /// 商务标: credit, past performance, staff, …
    Commercial,
    /// Anything else, and every item of a tender drafted before items existed.
    Other,
}

/// One scored item (评分项) of 综合评估法. Members score it from 0 to `max_points`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Unique within the section, e.g. `T1`; sheets name items by it.
    pub code: String,
    pub name: String,
    /// The weight (factor) the item belongs to: its items' points add up to that weight.
    pub factor: String,
    pub kind: CriterionKind,
    /// At most 2 decimal places.
    pub max_points: Decimal,
}

/// The price score (价格分) of 综合评估法: a benchmark from the valid prices and a deduction per
/// percent of deviation from it. See docs/EVALUATION.md §3 for the formula and its rounding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceFormula {
    /// The weight the price score fills (its points are that weight's).
    #[serde(default = "default_price_factor")]
    pub factor: String,
    /// Drop this many highest and this many lowest valid prices before taking the mean …
    #[serde(default)]
    pub drop_extremes: u8,
    /// … but only when at least this many valid prices exist (must leave at least one).
    #[serde(default)]
    pub drop_min_bids: u8,
    /// The set K (下浮系数) is drawn from at the opening, as fractions: `0.02` is 2 %. The
    /// benchmark is the mean times (1 − K). Empty: K = 0, nothing is drawn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub k_values: Vec<Decimal>,
    /// Points off per percent the price is above the benchmark.
    #[serde(default = "default_above")]
    pub points_per_percent_above: Decimal,
    /// Points off per percent the price is below the benchmark.
    #[serde(default = "default_below")]
    pub points_per_percent_below: Decimal,
}

fn default_price_factor() -> String {
    "price".to_string()
}

/// Common practice, not law [U]: 高于基准价每 1 % 扣 1 分.
fn default_above() -> Decimal {
    Decimal::ONE
}

/// Common practice, not law [U]: 低于基准价每 1 % 扣 0.5 分.
fn default_below() -> Decimal {
    rust_decimal::dec!(0.5)
}

impl Default for PriceFormula {
    fn default() -> Self {
        PriceFormula {
            factor: default_price_factor(),
            drop_extremes: 0,
            drop_min_bids: 0,
            k_values: Vec::new(),
            points_per_percent_above: default_above(),
            points_per_percent_below: default_below(),
        }
    }
}

/// Weight names a tender drafted before [`PriceFormula`] existed uses for its price factor; the
/// default formula scores it.
pub const LEGACY_PRICE_FACTORS: [&str; 4] = ["price", "投标报价", "价格", "报价"];

/// How one priced adjustment (价格折算) of 经评审的最低投标价法 moves the evaluated price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AdjustmentRule {
    /// `amount` yuan per unit the committee records (a day of delay, a missing item); negative
    /// is a credit. `max_units` caps the units when set.
    PerUnit {
        amount: Decimal,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_units: Option<u32>,
    },
    /// `percent` of the bid price per application (e.g. 2 for a deviation priced at 2 %).
    PercentOfPrice { percent: Decimal },
}

/// One priced adjustment the 招标文件 announces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceAdjustment {
    /// Unique within the section, e.g. `D1`.
    pub code: String,
    pub name: String,
    pub rule: AdjustmentRule,
}

/// The three things 初步评审 checks (条例51 items 1, 3 and 6).
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
pub enum ReviewKind {
    /// 形式评审: seals, signatures, format.
    Form,
    /// 资格评审: the 资格要求.
    Qualification,
    /// 响应性评审: the substantive requirements.
    Responsiveness,
}

impl ReviewKind {
    pub const ALL: [ReviewKind; 3] = [
        ReviewKind::Form,
        ReviewKind::Qualification,
        ReviewKind::Responsiveness,
    ];
}

/// One line of the 初步评审 checklist; each member passes or fails each bid on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequirement {
    /// Unique within the section, e.g. `F1`, `Q2`.
    pub code: String,
    pub kind: ReviewKind,
    pub text: String,
}

/// What happens when fewer bids remain valid than the candidates the award mode wants
/// (条例53 asks for "at most 3"; for 评定分离 the rule is the tender's, domain-rules §3.3 [U]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ShortfallRule {
    /// Recommend every valid bid, provided at least `min_valid` remain; otherwise the section
    /// fails.
    RecommendAvailable { min_valid: u8 },
    /// The section fails (流标) and is tendered again.
    Fail,
}

impl Default for ShortfallRule {
    fn default() -> Self {
        ShortfallRule::RecommendAvailable { min_valid: 1 }
    }
}

impl ShortfallRule {
    pub fn is_default(&self) -> bool {
        *self == ShortfallRule::default()
    }
}

/// The scored part of 综合评估法 as it is in force: the items members score and, if the
/// method has a price factor, its formula and points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoringPlan {
    pub criteria: Vec<Criterion>,
    pub price: Option<PricePlan>,
}

/// The price factor of a [`ScoringPlan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricePlan {
    pub formula: PriceFormula,
    /// The factor's weight: the most a price can score.
    pub max_points: Decimal,
}

impl ScoringPlan {
    /// The plan of `weights`, `criteria` and `price` as drafted. A draft without items (drafted
    /// before they existed) scores each non-price weight as one item of kind `other` coded by
    /// its name; a draft without a formula scores a weight named `price` (or one of
    /// [`LEGACY_PRICE_FACTORS`]) by the default formula.
    pub fn of(weights: &[Weight], criteria: &[Criterion], price: Option<&PriceFormula>) -> Self {
        let formula = match price {
            Some(f) => Some(f.clone()),
            None => weights
                .iter()
                .find(|w| LEGACY_PRICE_FACTORS.contains(&w.name.trim()))
                .map(|w| PriceFormula {
                    factor: w.name.clone(),
                    ..PriceFormula::default()
                }),
        };
        let price = formula.and_then(|formula| {
            let w = weights.iter().find(|w| w.name == formula.factor)?;
            Some(PricePlan {
                max_points: w.weight,
                formula,
            })
        });
        let price_factor = price.as_ref().map(|p| p.formula.factor.clone());
        let criteria = if criteria.is_empty() {
            weights
                .iter()
                .filter(|w| Some(&w.name) != price_factor.as_ref())
                .map(|w| Criterion {
                    code: w.name.clone(),
                    name: w.name.clone(),
                    factor: w.name.clone(),
                    kind: CriterionKind::Other,
                    max_points: w.weight,
                })
                .collect()
        } else {
            criteria.to_vec()
        };
        ScoringPlan { criteria, price }
    }

    /// The most a bid can score: every item's points plus the price factor's.
    pub fn max_total(&self) -> Decimal {
        let items: Decimal = self.criteria.iter().map(|c| c.max_points).sum();
        items + self.price.as_ref().map_or(Decimal::ZERO, |p| p.max_points)
    }
}

impl EvaluationMethod {
    /// The scoring plan of 综合评估法; `None` for the other methods.
    pub fn scoring_plan(&self) -> Option<ScoringPlan> {
        match self {
            EvaluationMethod::ComprehensiveScoring {
                weights,
                criteria,
                price,
            } => Some(ScoringPlan::of(weights, criteria, price.as_ref())),
            _ => None,
        }
    }
}

/// The 初步评审 checklist in force: the drafted one, or, when the draft has none, one line of
/// form (条例51(一)), one per 资格要求 (or a general one if none is listed) and one of
/// responsiveness (条例51(六)).
pub fn review_requirements(
    drafted: &[ReviewRequirement],
    qualification_requirements: &[String],
) -> Vec<ReviewRequirement> {
    if !drafted.is_empty() {
        return drafted.to_vec();
    }
    let line = |code: String, kind, text: &str| ReviewRequirement {
        code,
        kind,
        text: text.to_string(),
    };
    let mut out = vec![line(
        "F1".into(),
        ReviewKind::Form,
        "投标文件有投标人盖章和单位负责人（或其授权代理人）签字（条例第51条第一项）",
    )];
    if qualification_requirements.is_empty() {
        out.push(line(
            "Q1".into(),
            ReviewKind::Qualification,
            "投标人符合招标文件规定的资格条件（条例第51条第三项）",
        ));
    }
    for (i, q) in qualification_requirements.iter().enumerate() {
        out.push(line(format!("Q{}", i + 1), ReviewKind::Qualification, q));
    }
    out.push(line(
        "R1".into(),
        ReviewKind::Responsiveness,
        "投标文件对招标文件的实质性要求和条件作出响应（条例第51条第六项）",
    ));
    out
}

fn scale_ok(d: Decimal) -> bool {
    d.normalize().scale() <= POINTS_SCALE
}

fn code_ok(code: &str, seen: &mut BTreeSet<String>) -> bool {
    let c = code.trim();
    !c.is_empty() && c == code && c.chars().count() <= 32 && seen.insert(c.to_string())
}

/// The 综合评估法 items and formula against the weights (appends to `out`).
pub fn check_scoring(
    field: &str,
    weights: &[Weight],
    criteria: &[Criterion],
    price: Option<&PriceFormula>,
    out: &mut Vec<RuleViolation>,
) {
    let names: BTreeSet<&str> = weights.iter().map(|w| w.name.as_str()).collect();
    if let Some(f) = price {
        check_formula(&format!("{field}.price"), f, &names, out);
    }
    if criteria.is_empty() {
        return;
    }
    let price_factor = ScoringPlan::of(weights, &[], price)
        .price
        .map(|p| p.formula.factor);
    let mut codes = BTreeSet::new();
    let mut sums: BTreeMap<&str, Decimal> = BTreeMap::new();
    for (k, c) in criteria.iter().enumerate() {
        let ok = code_ok(&c.code, &mut codes)
            && !c.name.trim().is_empty()
            && names.contains(c.factor.as_str())
            && Some(&c.factor) != price_factor.as_ref()
            && c.max_points > Decimal::ZERO
            && scale_ok(c.max_points);
        if !ok {
            out.push(RuleViolation::new(
                RuleCode::CriterionInvalid,
                &format!("{field}.criteria[{k}]"),
                "each item needs a unique code, a name, a non-price weight as its factor and \
                 points above zero with at most 2 decimal places",
            ));
        }
        *sums.entry(c.factor.as_str()).or_default() += c.max_points;
    }
    for (k, w) in weights.iter().enumerate() {
        if Some(&w.name) == price_factor.as_ref() {
            continue;
        }
        let sum = sums.get(w.name.as_str()).copied().unwrap_or_default();
        if sum != w.weight {
            out.push(RuleViolation::new(
                RuleCode::CriteriaDoNotSumToWeight,
                &format!("{field}.weights[{k}]"),
                &format!(
                    "the items of {} add up to {} points, its weight is {}",
                    w.name,
                    sum.normalize(),
                    w.weight.normalize()
                ),
            ));
        }
    }
}

fn check_formula(
    field: &str,
    f: &PriceFormula,
    weights: &BTreeSet<&str>,
    out: &mut Vec<RuleViolation>,
) {
    let mut bad = |sub: &str, why: &str| {
        out.push(RuleViolation::new(
            RuleCode::PriceFormulaInvalid,
            &format!("{field}{sub}"),
            why,
        ));
    };
    if !weights.contains(f.factor.as_str()) {
        bad(".factor", "the price formula must name one of the weights");
    }
    let n = u32::from(f.drop_extremes);
    if n > 0 && u32::from(f.drop_min_bids) < 2 * n + 1 {
        bad(
            ".drop_min_bids",
            "dropping the extremes must leave at least one price: drop_min_bids ≥ 2 × \
             drop_extremes + 1",
        );
    }
    let distinct: BTreeSet<Decimal> = f.k_values.iter().map(|k| k.normalize()).collect();
    let k_ok = |k: &Decimal| *k >= Decimal::ZERO && *k < Decimal::ONE && k.normalize().scale() <= 4;
    if distinct.len() != f.k_values.len() || !f.k_values.iter().all(k_ok) {
        bad(
            ".k_values",
            "K values must be distinct fractions in [0, 1) with at most 4 decimal places",
        );
    }
    for (sub, rate) in [
        (".points_per_percent_above", f.points_per_percent_above),
        (".points_per_percent_below", f.points_per_percent_below),
    ] {
        if rate < Decimal::ZERO || !scale_ok(rate) {
            bad(
                sub,
                "a deduction rate is zero or more, with at most 2 decimal places",
            );
        }
    }
}

/// The priced adjustments of 经评审的最低投标价法 (appends to `out`).
pub fn check_adjustments(
    field: &str,
    adjustments: &[PriceAdjustment],
    out: &mut Vec<RuleViolation>,
) {
    let mut codes = BTreeSet::new();
    for (k, a) in adjustments.iter().enumerate() {
        let rule_ok = match &a.rule {
            AdjustmentRule::PerUnit { amount, max_units } => {
                !amount.is_zero() && amount.normalize().scale() <= 2 && *max_units != Some(0)
            }
            AdjustmentRule::PercentOfPrice { percent } => {
                !percent.is_zero()
                    && *percent > -Decimal::ONE_HUNDRED
                    && *percent <= Decimal::ONE_HUNDRED
                    && percent.normalize().scale() <= 4
            }
        };
        if !code_ok(&a.code, &mut codes) || a.name.trim().is_empty() || !rule_ok {
            out.push(RuleViolation::new(
                RuleCode::PriceAdjustmentInvalid,
                &format!("{field}.adjustments[{k}]"),
                "each adjustment needs a unique code, a name and a non-zero amount (at most 2 \
                 decimal places) or percent (within ±100, at most 4 decimal places)",
            ));
        }
    }
}

/// A drafted 初步评审 checklist: unique codes, non-blank text, every kind present.
pub fn check_review(field: &str, drafted: &[ReviewRequirement], out: &mut Vec<RuleViolation>) {
    if drafted.is_empty() {
        return;
    }
    let mut codes = BTreeSet::new();
    for (k, r) in drafted.iter().enumerate() {
        if !code_ok(&r.code, &mut codes) || r.text.trim().is_empty() {
            out.push(RuleViolation::new(
                RuleCode::ReviewRequirementsInvalid,
                &format!("{field}[{k}]"),
                "each 初步评审 line needs a unique code and a text",
            ));
        }
    }
    let kinds: BTreeSet<ReviewKind> = drafted.iter().map(|r| r.kind).collect();
    if kinds.len() != ReviewKind::ALL.len() {
        out.push(RuleViolation::new(
            RuleCode::ReviewRequirementsInvalid,
            field,
            "初步评审 checks form, qualification and responsiveness (条例51): list at least one \
             line of each",
        ));
    }
}

/// The shortfall rule against the candidate count in force.
pub fn check_shortfall(
    field: &str,
    rule: &ShortfallRule,
    candidates: u8,
    out: &mut Vec<RuleViolation>,
) {
    if let ShortfallRule::RecommendAvailable { min_valid } = rule {
        if *min_valid == 0 || *min_valid > candidates {
            out.push(RuleViolation::new(
                RuleCode::ShortfallRuleInvalid,
                &format!("{field}.min_valid"),
                &format!("min_valid must be within 1..={candidates} (the candidate count)"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tender::tests::section;
    use crate::domain::tender::{AwardMethod, AwardMode, ProcedureRules, Section};
    use rust_decimal::dec;

    fn codes(s: &Section) -> Vec<RuleCode> {
        let mut out = Vec::new();
        s.check("s", &ProcedureRules::STATUTORY, &mut out);
        out.into_iter().map(|v| v.rule).collect()
    }

    fn item(code: &str, factor: &str, max: Decimal) -> Criterion {
        Criterion {
            code: code.into(),
            name: format!("{code} 评分项"),
            factor: factor.into(),
            kind: CriterionKind::Technical,
            max_points: max,
        }
    }

    fn with(criteria: Vec<Criterion>, price: Option<PriceFormula>) -> Section {
        let mut s = section("A1");
        let EvaluationMethod::ComprehensiveScoring { weights, .. } = s.evaluation.clone() else {
            unreachable!()
        };
        s.evaluation = EvaluationMethod::ComprehensiveScoring {
            weights,
            criteria,
            price,
        };
        s
    }

    fn full() -> Vec<Criterion> {
        vec![
            item("T1", "technical", dec!(20)),
            item("T2", "technical", dec!(10)),
            item("C1", "commercial", dec!(10)),
        ]
    }

    #[test]
    fn drafts_from_before_items_keep_their_json_and_stay_valid() {
        // The fixture's shape, as tenders were drafted before this module.
        let old = serde_json::json!({
            "code": "BD02", "name": "二标段", "category": "works",
            "estimated_price": "8000000.00", "price_cap": "7900000.00", "bid_bond": "160000.00",
            "qualification_requirements": ["市政公用工程施工总承包三级及以上资质"],
            "evaluation": {"kind": "lowest_evaluated_price"},
            "award": {"kind": "traditional", "candidates": 3}
        });
        let s: Section = serde_json::from_value(old.clone()).unwrap();
        assert_eq!(serde_json::to_value(&s).unwrap(), old);
        assert_eq!(codes(&s), vec![]);
        let legacy = section("A1");
        let json = serde_json::to_value(&legacy).unwrap();
        assert!(json["evaluation"].get("criteria").is_none());
        assert!(json.get("shortfall").is_none() && json.get("preliminary_review").is_none());
        // Its plan: price by the default formula, each other weight one item of 'other'.
        let plan = legacy.evaluation.scoring_plan().unwrap();
        let p = plan.price.clone().unwrap();
        assert_eq!(
            (p.formula, p.max_points),
            (PriceFormula::default(), dec!(60))
        );
        assert_eq!(
            plan.criteria
                .iter()
                .map(|c| (c.code.as_str(), c.max_points))
                .collect::<Vec<_>>(),
            vec![("technical", dec!(30)), ("commercial", dec!(10))]
        );
        assert_eq!(plan.max_total(), dec!(100));
        assert_eq!(
            legacy
                .review_requirements()
                .iter()
                .map(|r| r.kind)
                .collect::<Vec<_>>(),
            vec![
                ReviewKind::Form,
                ReviewKind::Qualification,
                ReviewKind::Responsiveness
            ]
        );
    }

    #[test]
    fn items_must_fill_each_weight_exactly() {
        assert_eq!(codes(&with(full(), None)), vec![]);
        let mut short = full();
        short[1].max_points = dec!(9.99);
        assert_eq!(
            codes(&with(short, None)),
            vec![RuleCode::CriteriaDoNotSumToWeight]
        );
        // A weight without items, and an item on the price weight.
        let mut missing = full();
        missing.pop();
        missing.push(item("P1", "price", dec!(10)));
        assert_eq!(
            codes(&with(missing, None)),
            vec![
                RuleCode::CriterionInvalid,
                RuleCode::CriteriaDoNotSumToWeight
            ]
        );
        for bad in [
            item("T1", "technical", dec!(20)),
            item("", "technical", dec!(20)),
            item("T3", "nowhere", dec!(20)),
            item("T3", "technical", dec!(0)),
            item("T3", "technical", dec!(0.001)),
        ] {
            let mut c = full();
            c.push(bad.clone());
            assert!(
                codes(&with(c, None)).contains(&RuleCode::CriterionInvalid),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_formula_is_checked() {
        let ok = PriceFormula {
            drop_extremes: 1,
            drop_min_bids: 5,
            k_values: vec![dec!(0.01), dec!(0.02), dec!(0.03)],
            ..PriceFormula::default()
        };
        assert_eq!(codes(&with(full(), Some(ok.clone()))), vec![]);
        let bad = [
            PriceFormula {
                factor: "money".into(),
                ..ok.clone()
            },
            PriceFormula {
                drop_min_bids: 2,
                ..ok.clone()
            },
            PriceFormula {
                k_values: vec![dec!(0.02), dec!(0.020)],
                ..ok.clone()
            },
            PriceFormula {
                k_values: vec![dec!(1)],
                ..ok.clone()
            },
            PriceFormula {
                k_values: vec![dec!(-0.01)],
                ..ok.clone()
            },
            PriceFormula {
                points_per_percent_below: dec!(-1),
                ..ok.clone()
            },
        ];
        for f in bad {
            let got = codes(&with(full(), Some(f.clone())));
            assert!(
                got.contains(&RuleCode::PriceFormulaInvalid),
                "{f:?}: {got:?}"
            );
        }
        let json: PriceFormula =
            serde_json::from_value(serde_json::json!({"k_values": ["0.02", 0.03]})).unwrap();
        assert_eq!(json.factor, "price");
        assert_eq!(json.points_per_percent_below, dec!(0.5));
    }

    #[test]
    fn adjustments_review_lines_and_the_shortfall_rule_are_checked() {
        let mut s = section("A1");
        let adj = |code: &str, rule| PriceAdjustment {
            code: code.into(),
            name: "偏差".into(),
            rule,
        };
        s.evaluation = EvaluationMethod::LowestEvaluatedPrice {
            adjustments: vec![
                adj(
                    "D1",
                    AdjustmentRule::PerUnit {
                        amount: dec!(-5000),
                        max_units: Some(10),
                    },
                ),
                adj("D2", AdjustmentRule::PercentOfPrice { percent: dec!(2) }),
            ],
        };
        assert_eq!(codes(&s), vec![]);
        for bad in [
            adj("D3", AdjustmentRule::PercentOfPrice { percent: dec!(0) }),
            adj("D1", AdjustmentRule::PercentOfPrice { percent: dec!(1) }),
            adj(
                "D3",
                AdjustmentRule::PerUnit {
                    amount: dec!(1.001),
                    max_units: None,
                },
            ),
            adj(
                "D3",
                AdjustmentRule::PerUnit {
                    amount: dec!(1),
                    max_units: Some(0),
                },
            ),
        ] {
            let mut t = s.clone();
            if let EvaluationMethod::LowestEvaluatedPrice { adjustments } = &mut t.evaluation {
                adjustments.push(bad);
            }
            assert_eq!(codes(&t), vec![RuleCode::PriceAdjustmentInvalid]);
        }

        let line = |code: &str, kind| ReviewRequirement {
            code: code.into(),
            kind,
            text: "要求".into(),
        };
        s.preliminary_review = vec![
            line("F1", ReviewKind::Form),
            line("Q1", ReviewKind::Qualification),
        ];
        assert_eq!(codes(&s), vec![RuleCode::ReviewRequirementsInvalid]);
        s.preliminary_review
            .push(line("R1", ReviewKind::Responsiveness));
        assert_eq!(codes(&s), vec![]);
        assert_eq!(s.review_requirements(), s.preliminary_review);
        s.preliminary_review
            .push(line("R1", ReviewKind::Responsiveness));
        assert_eq!(codes(&s), vec![RuleCode::ReviewRequirementsInvalid]);
        s.preliminary_review.pop();

        s.shortfall = ShortfallRule::RecommendAvailable { min_valid: 4 };
        assert_eq!(codes(&s), vec![RuleCode::ShortfallRuleInvalid]);
        s.shortfall = ShortfallRule::RecommendAvailable { min_valid: 0 };
        assert_eq!(codes(&s), vec![RuleCode::ShortfallRuleInvalid]);
        s.award = AwardMode::Separated {
            candidates: Some(5),
            method: AwardMethod::Lottery,
            committee: None,
            criteria: Default::default(),
        };
        s.shortfall = ShortfallRule::RecommendAvailable { min_valid: 4 };
        assert_eq!(codes(&s), vec![]);
        s.shortfall = ShortfallRule::Fail;
        assert_eq!(codes(&s), vec![]);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["shortfall"], serde_json::json!({"kind": "fail"}));
        assert_eq!(serde_json::from_value::<Section>(json).unwrap(), s);
    }
}
