//! Clarifications (澄清、说明): the committee asks a bidder in writing; the bidder answers, signed
//! with its certificate, within the time set. An answer may explain and may confirm a correction
//! of an obvious error the committee proposes, but it may not change the bid: "澄清、说明不得超出
//! 投标文件的范围或者改变投标文件的实质性内容" (招标投标法39, 条例52).
//!
//! Two kinds of question:
//!
//! * **clarify**: a question; the answer is text only. An answer that states a price other than
//!   the bid's is refused (`clarification_changes_price`).
//! * **confirm a correction** (算术错误修正, 《评标委员会和评标方法暂行规定》19: words over figures,
//!   unit prices over totals): the committee states the corrected price; the bidder confirms or
//!   declines it. A bidder that declines is rejected (条例51(七) — the committee records it); an
//!   answer that names any third price is refused.
//!
//! The bidder signs [`answer_statement`], bound to the question's digest, so an answer never
//! moves to another question, bid or committee. Whether the committee accepts an answer is the
//! committee's record, not the bidder's.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::seal::encoding::{sha256, Enc};

/// Label of a question's digest, version 1.
pub const QUESTION_LABEL: &str = "etender-clarification-question/v1";
/// Label of the statement a bidder signs for its answer, version 1.
pub const ANSWER_LABEL: &str = "etender-clarification-answer/v1";
/// Most characters of a question or an answer.
pub const MAX_TEXT: usize = 20_000;

/// What the committee asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[schema(as = ClarificationQuestion)]
pub enum Question {
    Clarify {
        text: String,
    },
    ConfirmCorrection {
        text: String,
        #[schema(value_type = String)]
        corrected_price: Decimal,
    },
}

/// The bidder's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ClarificationAnswer)]
pub struct Answer {
    pub text: String,
    /// For a correction: whether the bidder confirms the corrected price.
    #[serde(default)]
    pub confirms: Option<bool>,
    /// A price the answer states, if any: only the bid's own (or, for a correction, the
    /// corrected one) is accepted.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub price: Option<Decimal>,
}

/// Why a question or an answer is refused: the field, the stable code and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClarificationError {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

fn refuse(
    field: &'static str,
    code: &'static str,
    message: impl Into<String>,
) -> ClarificationError {
    ClarificationError {
        field,
        code,
        message: message.into(),
    }
}

fn text_ok(s: &str) -> bool {
    !s.trim().is_empty()
        && s.chars().count() <= MAX_TEXT
        && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

impl Question {
    pub fn text(&self) -> &str {
        match self {
            Question::Clarify { text } | Question::ConfirmCorrection { text, .. } => text,
        }
    }

    /// A question has a text; a correction states a positive price other than the bid's.
    pub fn check(&self, bid_price: Decimal) -> Result<(), ClarificationError> {
        if !text_ok(self.text()) {
            return Err(refuse(
                "question.text",
                "invalid",
                format!("1 to {MAX_TEXT} characters, no control characters"),
            ));
        }
        if let Question::ConfirmCorrection {
            corrected_price, ..
        } = self
        {
            if *corrected_price <= Decimal::ZERO || *corrected_price == bid_price {
                return Err(refuse(
                    "question.corrected_price",
                    "invalid",
                    "a correction states a positive price other than the bid's",
                ));
            }
        }
        Ok(())
    }

    /// SHA-256 over the question's canonical encoding, bound to where it was asked:
    ///
    /// ```text
    /// label("etender-clarification-question/v1") ‖ var(committee) ‖ var(bid) ‖ var(question id)
    ///   ‖ u8(1 clarify | 2 correction) ‖ var(text) [‖ var(corrected price, normalised)]
    /// ```
    pub fn digest(&self, committee: &str, bid: &str, id: &str) -> [u8; 32] {
        let mut e = Enc::with_label(QUESTION_LABEL);
        e.str(committee).str(bid).str(id);
        match self {
            Question::Clarify { text } => {
                e.u8(1).str(text);
            }
            Question::ConfirmCorrection {
                text,
                corrected_price,
            } => {
                e.u8(2)
                    .str(text)
                    .str(&corrected_price.normalize().to_string());
            }
        }
        sha256(&e.into_bytes())
    }
}

impl Answer {
    /// The answer to `question` about a bid priced `bid_price`: a text; for a correction, a
    /// confirmation either way; and no price but the bid's (or the corrected one).
    pub fn check(&self, question: &Question, bid_price: Decimal) -> Result<(), ClarificationError> {
        if !text_ok(&self.text) {
            return Err(refuse(
                "text",
                "invalid",
                format!("1 to {MAX_TEXT} characters, no control characters"),
            ));
        }
        let allowed = match question {
            Question::Clarify { .. } => {
                if self.confirms.is_some() {
                    return Err(refuse(
                        "confirms",
                        "not_asked",
                        "only a proposed correction is confirmed or declined",
                    ));
                }
                vec![bid_price]
            }
            Question::ConfirmCorrection {
                corrected_price, ..
            } => {
                if self.confirms.is_none() {
                    return Err(refuse(
                        "confirms",
                        "required",
                        "confirm or decline the corrected price",
                    ));
                }
                vec![bid_price, *corrected_price]
            }
        };
        match self.price {
            Some(p) if !allowed.contains(&p) => Err(refuse(
                "price",
                "clarification_changes_price",
                "a clarification may not change the bid's price (招标投标法39)",
            )),
            _ => Ok(()),
        }
    }
}

/// The bytes a bidder signs for its answer:
///
/// ```text
/// label("etender-clarification-answer/v1") ‖ fixed(question digest, 32) ‖ var(bidder USCC)
///   ‖ var(text) ‖ u8(0 none | 1 confirms | 2 declines) ‖ u8(0 | 1) [‖ var(price, normalised)]
/// ```
pub fn answer_statement(question_digest: &[u8; 32], bidder_uscc: &str, a: &Answer) -> Vec<u8> {
    let mut e = Enc::with_label(ANSWER_LABEL);
    e.fixed(question_digest).str(bidder_uscc).str(&a.text);
    e.u8(match a.confirms {
        None => 0,
        Some(true) => 1,
        Some(false) => 2,
    });
    match a.price {
        None => {
            e.u8(0);
        }
        Some(p) => {
            e.u8(1).str(&p.normalize().to_string());
        }
    }
    e.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn answer(text: &str, confirms: Option<bool>, price: Option<Decimal>) -> Answer {
        Answer {
            text: text.into(),
            confirms,
            price,
        }
    }

    #[test]
    fn an_answer_may_not_change_the_price() {
        let q = Question::Clarify {
            text: "第3.2节工期与进度计划不一致，请说明。".into(),
        };
        let bid = dec!(47500000.00);
        q.check(bid).unwrap();
        answer("工期以540日历天为准。", None, None)
            .check(&q, bid)
            .unwrap();
        answer("报价不变。", None, Some(dec!(47500000)))
            .check(&q, bid)
            .unwrap();
        let e = answer("报价调整为47000000元。", None, Some(dec!(47000000)))
            .check(&q, bid)
            .unwrap_err();
        assert_eq!(e.code, "clarification_changes_price");
        let e = answer("同意。", Some(true), None)
            .check(&q, bid)
            .unwrap_err();
        assert_eq!((e.field, e.code), ("confirms", "not_asked"));
        let e = answer("  ", None, None).check(&q, bid).unwrap_err();
        assert_eq!((e.field, e.code), ("text", "invalid"));
    }

    #[test]
    fn a_correction_is_confirmed_or_declined_and_names_no_third_price() {
        let bid = dec!(47500000.00);
        let q = Question::ConfirmCorrection {
            text: "大写金额与小写金额不一致，以大写金额为准。".into(),
            corrected_price: dec!(47050000.00),
        };
        q.check(bid).unwrap();
        answer("确认。", Some(true), Some(dec!(47050000)))
            .check(&q, bid)
            .unwrap();
        answer("不确认。", Some(false), None)
            .check(&q, bid)
            .unwrap();
        let e = answer("确认。", None, None).check(&q, bid).unwrap_err();
        assert_eq!((e.field, e.code), ("confirms", "required"));
        let e = answer("确认。", Some(true), Some(dec!(46000000)))
            .check(&q, bid)
            .unwrap_err();
        assert_eq!(e.code, "clarification_changes_price");
        // A correction to the same price, or to nothing, is no correction.
        for p in [bid, Decimal::ZERO] {
            let q = Question::ConfirmCorrection {
                text: "更正".into(),
                corrected_price: p,
            };
            assert_eq!(q.check(bid).unwrap_err().field, "question.corrected_price");
        }
    }

    #[test]
    fn the_signed_answer_is_bound_to_its_question_and_every_field() {
        let q = Question::Clarify {
            text: "请说明".into(),
        };
        let d = q.digest("C1", "B1", "Q1");
        for other in [
            q.digest("C2", "B1", "Q1"),
            q.digest("C1", "B2", "Q1"),
            q.digest("C1", "B1", "Q2"),
            Question::Clarify {
                text: "请说明。".into(),
            }
            .digest("C1", "B1", "Q1"),
        ] {
            assert_ne!(other, d);
        }
        let a = answer("说明", None, None);
        let base = answer_statement(&d, "91420100MA4K1234X5", &a);
        for (variant, what) in [
            (
                answer_statement(&[0; 32], "91420100MA4K1234X5", &a),
                "question",
            ),
            (answer_statement(&d, "91420100MA4K9999X5", &a), "bidder"),
            (
                answer_statement(&d, "91420100MA4K1234X5", &answer("说明。", None, None)),
                "text",
            ),
            (
                answer_statement(&d, "91420100MA4K1234X5", &answer("说明", Some(true), None)),
                "confirmation",
            ),
            (
                answer_statement(
                    &d,
                    "91420100MA4K1234X5",
                    &answer("说明", None, Some(dec!(1))),
                ),
                "price",
            ),
        ] {
            assert_ne!(variant, base, "{what}");
        }
        // The price's spelling does not matter.
        assert_eq!(
            answer_statement(&d, "U", &answer("x", None, Some(dec!(1.50)))),
            answer_statement(&d, "U", &answer("x", None, Some(dec!(1.5))))
        );
    }
}
