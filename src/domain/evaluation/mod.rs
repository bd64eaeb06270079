//! Evaluation (评标) as pure rules: what the 评标委员会 decides, computed from what its members
//! entered, so that the committee workflow, the report and the offline verifier all get the same
//! answer from the same inputs. No I/O and no clock: every input is a plain value, every
//! randomness comes from a seed drawn through [`crate::domain::draw`].
//!
//! One file per concern, in the order an evaluation runs:
//!
//! * [`config`]: what the tender fixes (items and points, price formula, adjustments, the
//!   初步评审 checklist, the shortfall rule);
//! * [`committee`]: the committee's composition (招标投标法37) and the extension rule (条例48);
//! * [`rejection`]: the statutory rejection reasons (条例51) and which are found automatically;
//! * [`preliminary`]: 初步评审, pass/fail per checklist line by majority;
//! * [`price`]: the benchmark and the price score of 综合评估法, and the draw of K;
//! * [`scoring`]: 综合评估法 sheets and totals;
//! * [`lowest_price`]: 经评审的最低投标价法, evaluated prices;
//! * [`qualitative`]: 定性评审 for 评定分离, unranked candidates;
//! * [`ranking`]: ordering with the documented tie-breaks, and lots ([`lot`]);
//! * [`deviation`]: 偏离度 flags on members' scores;
//! * [`clarification`]: 澄清 questions and signed answers that may not change the price;
//! * [`candidates`]: the report's candidates derived from all of the above;
//! * [`sheet`]: what members sign — their sheets, in one canonical order, and the report;
//! * [`report`]: the report document the candidates are re-derived from.
//!
//! Numbers are `rust_decimal` throughout; the only rounding is [`round_points`] (two decimal
//! places, half away from zero: 四舍五入), applied where docs/EVALUATION.md says.

pub mod candidates;
pub mod clarification;
pub mod committee;
pub mod config;
pub mod deviation;
pub mod lot;
pub mod lowest_price;
pub mod preliminary;
pub mod price;
pub mod qualitative;
pub mod ranking;
pub mod rejection;
pub mod report;
pub mod scoring;
pub mod sheet;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::ErrorCode;

/// Decimal places of every published score, price score, benchmark and evaluated price.
pub const SCALE: u32 = 2;

/// 四舍五入 to [`SCALE`] places: half away from zero, so 0.005 → 0.01 and −0.005 → −0.01.
pub fn round_points(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointAwayFromZero)
}

/// Why an evaluation input is refused. [`EvaluationError::code`] is the stable wire code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationError {
    #[error("{member} scored {criterion} of bid {bid} {score}, outside 0..={max} (0.01 steps)")]
    ScoreOutOfRange {
        member: String,
        bid: String,
        criterion: String,
        score: Decimal,
        max: Decimal,
    },
    #[error("the sheet of {member} is incomplete: {detail}")]
    SheetIncomplete { member: String, detail: String },
    #[error(
        "bid {bid}: a rejection or failed check needs a statutory reason and a written reason"
    )]
    RejectionReasonRequired { bid: String },
    #[error("bid {bid}: {member} must give a written remark")]
    RemarkRequired { member: String, bid: String },
    #[error("bid {bid}: adjustment {adjustment} cannot be applied {units} time(s)")]
    AdjustmentOutOfRange {
        bid: String,
        adjustment: String,
        units: u32,
    },
    #[error("the committee breaks {}", committee::codes(rules))]
    CommitteeComposition {
        rules: Vec<committee::CompositionRule>,
    },
    #[error("bids {} tie after every tie-break: draw a lot among them", bids.join(", "))]
    LotRequired { bids: Vec<String> },
}

impl EvaluationError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EvaluationError::ScoreOutOfRange { .. } => ErrorCode::ScoreOutOfRange,
            EvaluationError::SheetIncomplete { .. } => ErrorCode::SheetIncomplete,
            EvaluationError::RejectionReasonRequired { .. } => ErrorCode::RejectionReasonRequired,
            EvaluationError::RemarkRequired { .. } => ErrorCode::RemarkRequired,
            EvaluationError::AdjustmentOutOfRange { .. } => ErrorCode::AdjustmentOutOfRange,
            EvaluationError::CommitteeComposition { .. } => ErrorCode::CommitteeCompositionInvalid,
            EvaluationError::LotRequired { .. } => ErrorCode::LotRequired,
        }
    }
}

/// More than half of `of` (a majority of the whole committee, not of the votes cast).
pub fn majority(votes: usize, of: usize) -> bool {
    votes * 2 > of
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_points(dec!(1.005)), dec!(1.01));
        assert_eq!(round_points(dec!(1.0049999)), dec!(1.00));
        assert_eq!(round_points(dec!(2.675)), dec!(2.68));
        assert_eq!(round_points(dec!(-0.005)), dec!(-0.01));
    }

    #[test]
    fn majority_is_of_the_whole_committee() {
        assert!(!majority(2, 5));
        assert!(majority(3, 5));
        assert!(!majority(3, 6));
        assert!(majority(4, 7));
    }
}
