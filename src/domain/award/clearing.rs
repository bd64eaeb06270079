//! 清标 (bid clearing, domain-rules §3.3): under 评定分离 the tenderer or its agent checks the
//! 定标候选人's bids — arithmetic, unbalanced pricing, deviations from the bill of quantities,
//! abnormally low prices — and files a signed report that informs the award committee. It
//! scores and ranks nothing: a report is findings in words per candidate and a summary, and the
//! format has no field that could order the candidates.

use serde::{Deserialize, Serialize};

use crate::seal::encoding::Enc;

/// Most findings per candidate, and most characters of a finding's text and of the summary.
pub const MAX_FINDINGS: usize = 100;
pub const MAX_TEXT: usize = 4000;
pub const MAX_SUMMARY: usize = 20000;

/// What a finding is about.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FindingCategory {
    /// 算术错误: sums, unit price × quantity, totals that do not add up.
    ArithmeticError,
    /// 不平衡报价: items priced far off their cost, to be recovered elsewhere.
    UnbalancedPricing,
    /// 工程量清单偏差: items or quantities that depart from the bill of quantities.
    QuantityDeviation,
    /// 异常低价: a price that may be below cost.
    AbnormallyLowPrice,
    Other,
}

impl FindingCategory {
    fn code(self) -> u8 {
        match self {
            FindingCategory::ArithmeticError => 1,
            FindingCategory::UnbalancedPricing => 2,
            FindingCategory::QuantityDeviation => 3,
            FindingCategory::AbnormallyLowPrice => 4,
            FindingCategory::Other => 5,
        }
    }
}

/// One finding on a candidate's bid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub category: FindingCategory,
    pub text: String,
}

/// What the clearing found in one candidate's bid (no findings: nothing to report).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateClearing {
    /// The candidate's bid id.
    pub bid: String,
    #[serde(default)]
    pub findings: Vec<Finding>,
}

/// The 清标报告: per candidate, in the order of the 评标报告's candidates, and a summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearingReport {
    pub candidates: Vec<CandidateClearing>,
    pub summary: String,
}

/// Why a report is refused: the field and a code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClearingError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

fn bad_text(s: &str, max: usize) -> bool {
    s.trim() != s
        || s.is_empty()
        || s.chars().count() > max
        || s.chars().any(|c| c.is_control() && c != '\n')
}

impl ClearingReport {
    /// Every candidate exactly once and nobody else, in the candidates' order; texts present,
    /// trimmed, within their lengths. All problems at once.
    pub fn check(&self, candidates: &[String]) -> Result<(), Vec<ClearingError>> {
        let mut out = Vec::new();
        let err = |field: String, code, message: &str| ClearingError {
            field,
            code,
            message: message.to_string(),
        };
        let listed: Vec<&str> = self.candidates.iter().map(|c| c.bid.as_str()).collect();
        let wanted: Vec<&str> = candidates.iter().map(String::as_str).collect();
        if listed != wanted {
            out.push(err(
                "candidates".into(),
                "not_the_candidates",
                "one entry per 定标候选人, in the order of the evaluation report",
            ));
        }
        for (i, c) in self.candidates.iter().enumerate() {
            if c.findings.len() > MAX_FINDINGS {
                out.push(err(
                    format!("candidates[{i}].findings"),
                    "too_many",
                    "at most 100 findings per candidate",
                ));
            }
            for (j, f) in c.findings.iter().enumerate() {
                if bad_text(&f.text, MAX_TEXT) {
                    out.push(err(
                        format!("candidates[{i}].findings[{j}].text"),
                        "invalid",
                        "1 to 4000 characters, no surrounding spaces or control characters",
                    ));
                }
            }
        }
        if bad_text(&self.summary, MAX_SUMMARY) {
            out.push(err(
                "summary".into(),
                "invalid",
                "1 to 20000 characters, no surrounding spaces or control characters",
            ));
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }
}

/// The bytes the filer signs with its organisation certificate:
///
/// ```text
/// label("etender-award-clearing/v1") ‖ var(tender) ‖ var(section) ‖ u32(award_round)
///   ‖ u64(n) ‖ n × ( var(bid) ‖ u64(m) ‖ m × ( u8(category) ‖ var(text) ) ) ‖ var(summary)
/// ```
///
/// categories: 1 arithmetic_error, 2 unbalanced_pricing, 3 quantity_deviation,
/// 4 abnormally_low_price, 5 other.
pub fn statement(tender: &str, section: &str, round: u32, report: &ClearingReport) -> Vec<u8> {
    let mut e = Enc::with_label("etender-award-clearing/v1");
    e.str(tender).str(section).u32(round);
    e.u64(report.candidates.len() as u64);
    for c in &report.candidates {
        e.str(&c.bid).u64(c.findings.len() as u64);
        for f in &c.findings {
            e.u8(f.category.code()).str(&f.text);
        }
    }
    e.str(&report.summary);
    e.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> ClearingReport {
        ClearingReport {
            candidates: vec![
                CandidateClearing {
                    bid: "b1".into(),
                    findings: vec![Finding {
                        category: FindingCategory::ArithmeticError,
                        text: "分部分项合计少计 1,200 元".into(),
                    }],
                },
                CandidateClearing {
                    bid: "b2".into(),
                    findings: vec![],
                },
            ],
            summary: "两家均无重大偏差".into(),
        }
    }

    #[test]
    fn a_report_names_every_candidate_once_in_order() {
        let cands = vec!["b1".to_string(), "b2".to_string()];
        assert_eq!(report().check(&cands), Ok(()));
        let swapped = vec!["b2".to_string(), "b1".to_string()];
        let e = report().check(&swapped).unwrap_err();
        assert_eq!(e[0].code, "not_the_candidates");
        let mut r = report();
        r.summary = " padded".into();
        r.candidates[0].findings[0].text = String::new();
        let codes: Vec<_> = r
            .check(&cands)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(codes, vec!["candidates[0].findings[0].text", "summary"]);
    }

    #[test]
    fn the_statement_binds_every_field() {
        let base = statement("t", "BD01", 1, &report());
        assert!(base.starts_with(b"etender-award-clearing/v1\0"));
        let mut r = report();
        r.candidates[0].findings[0].category = FindingCategory::Other;
        assert_ne!(statement("t", "BD01", 1, &r), base);
        assert_ne!(statement("t", "BD01", 2, &report()), base);
        let mut r = report();
        r.summary.push('。');
        assert_ne!(statement("t", "BD01", 1, &r), base);
    }
}
