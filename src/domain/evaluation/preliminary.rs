//! 初步评审: every member passes or fails every bid on every line of the section's checklist
//! (form, qualification, responsiveness); a line fails a bid when more than half of the whole
//! committee fail it, and a bid that fails any line is rejected under the line's statutory
//! reason. A member who fails a line writes why; the reasons of the members who failed it go
//! into the report.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::config::{ReviewKind, ReviewRequirement};
use super::rejection::{Rejection, RejectionReason};
use super::{majority, EvaluationError};

impl ReviewKind {
    /// The 条例51 ground a failed line of this kind rejects under.
    pub fn rejection_reason(self) -> RejectionReason {
        match self {
            ReviewKind::Form => RejectionReason::UnsealedUnsigned,
            ReviewKind::Qualification => RejectionReason::QualificationNotMet,
            ReviewKind::Responsiveness => RejectionReason::NotResponsive,
        }
    }
}

/// One member's verdict on one line for one bid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub member: String,
    pub bid: String,
    pub requirement: String,
    pub pass: bool,
    /// Required when `pass` is false.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A line a bid failed, with who failed it and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedLine {
    pub requirement: String,
    pub kind: ReviewKind,
    pub fails: usize,
    pub passes: usize,
    /// `(member, reason)` of each member who failed it, in member order.
    pub reasons: Vec<(String, String)>,
}

/// The committee's 初步评审 result for one bid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewOutcome {
    pub bid: String,
    pub passed: bool,
    pub failed: Vec<FailedLine>,
}

impl ReviewOutcome {
    /// The rejection a failed review means: the first failed line's ground, with every failed
    /// line's reasons as the written grounds.
    pub fn rejection(&self) -> Option<Rejection> {
        let first = self.failed.first()?;
        let grounds = self
            .failed
            .iter()
            .map(|l| {
                let why: Vec<&str> = l.reasons.iter().map(|(_, r)| r.as_str()).collect();
                format!("{}：{}", l.requirement, why.join("；"))
            })
            .collect::<Vec<_>>()
            .join("\n");
        Some(Rejection {
            bid: self.bid.clone(),
            reason: first.kind.rejection_reason(),
            grounds,
            votes_for: first.fails,
            votes_against: first.passes,
        })
    }
}

/// Checks that each member gave exactly one verdict per bid and line, with a reason for every
/// fail, and aggregates them by majority. Output in `bids` order; failed lines in checklist
/// order.
pub fn aggregate(
    members: &[String],
    bids: &[String],
    checklist: &[ReviewRequirement],
    verdicts: &[Verdict],
) -> Result<Vec<ReviewOutcome>, EvaluationError> {
    let member_set: BTreeSet<&str> = members.iter().map(String::as_str).collect();
    let bid_set: BTreeSet<&str> = bids.iter().map(String::as_str).collect();
    let line_set: BTreeSet<&str> = checklist.iter().map(|r| r.code.as_str()).collect();
    let mut seen: BTreeMap<(&str, &str, &str), &Verdict> = BTreeMap::new();
    for v in verdicts {
        let incomplete = |detail: String| EvaluationError::SheetIncomplete {
            member: v.member.clone(),
            detail,
        };
        if !member_set.contains(v.member.as_str()) {
            return Err(incomplete("not a member of the committee".into()));
        }
        if !bid_set.contains(v.bid.as_str()) || !line_set.contains(v.requirement.as_str()) {
            return Err(incomplete(format!(
                "bid {} / line {} is not under review",
                v.bid, v.requirement
            )));
        }
        if !v.pass && v.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(EvaluationError::RejectionReasonRequired { bid: v.bid.clone() });
        }
        let key = (v.member.as_str(), v.bid.as_str(), v.requirement.as_str());
        if seen.insert(key, v).is_some() {
            return Err(incomplete(format!(
                "bid {} / line {} judged twice",
                v.bid, v.requirement
            )));
        }
    }
    let mut out = Vec::with_capacity(bids.len());
    for bid in bids {
        let mut failed = Vec::new();
        for line in checklist {
            let mut reasons = Vec::new();
            let mut passes = 0;
            for m in members {
                let key = (m.as_str(), bid.as_str(), line.code.as_str());
                let v = seen
                    .get(&key)
                    .ok_or_else(|| EvaluationError::SheetIncomplete {
                        member: m.clone(),
                        detail: format!("no verdict on bid {bid} / line {}", line.code),
                    })?;
                if v.pass {
                    passes += 1;
                } else {
                    let why = v.reason.as_deref().unwrap_or_default().trim().to_string();
                    reasons.push((m.clone(), why));
                }
            }
            if majority(reasons.len(), members.len()) {
                failed.push(FailedLine {
                    requirement: line.code.clone(),
                    kind: line.kind,
                    fails: reasons.len(),
                    passes,
                    reasons,
                });
            }
        }
        out.push(ReviewOutcome {
            bid: bid.clone(),
            passed: failed.is_empty(),
            failed,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::config::review_requirements;
    use super::*;

    fn members() -> Vec<String> {
        (1..=5).map(|i| format!("m{i}")).collect()
    }

    fn all_pass(bids: &[String], lines: &[ReviewRequirement]) -> Vec<Verdict> {
        let mut out = Vec::new();
        for m in members() {
            for b in bids {
                for l in lines {
                    out.push(Verdict {
                        member: m.clone(),
                        bid: b.clone(),
                        requirement: l.code.clone(),
                        pass: true,
                        reason: None,
                    });
                }
            }
        }
        out
    }

    fn fail(v: &mut [Verdict], member: &str, bid: &str, line: &str, why: &str) {
        let x = v
            .iter_mut()
            .find(|x| x.member == member && x.bid == bid && x.requirement == line)
            .unwrap();
        x.pass = false;
        x.reason = Some(why.into());
    }

    #[test]
    fn a_line_fails_by_majority_of_the_committee() {
        let lines = review_requirements(&[], &["市政二级".to_string()]);
        assert_eq!(
            lines.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(),
            vec!["F1", "Q1", "R1"]
        );
        let bids: Vec<String> = vec!["b1".into(), "b2".into()];
        let mut v = all_pass(&bids, &lines);
        // Two of five fail b1 on qualification: it passes.
        fail(&mut v, "m1", "b1", "Q1", "资质证书过期");
        fail(&mut v, "m2", "b1", "Q1", "资质证书过期");
        // Three of five fail b2 on responsiveness: it is rejected under 51(六).
        for m in ["m1", "m3", "m5"] {
            fail(&mut v, m, "b2", "R1", "工期超过招标文件要求");
        }
        let got = aggregate(&members(), &bids, &lines, &v).unwrap();
        assert!(got[0].passed);
        assert!(!got[1].passed);
        let r = got[1].rejection().unwrap();
        assert_eq!(r.reason, RejectionReason::NotResponsive);
        assert_eq!((r.votes_for, r.votes_against), (3, 2));
        assert_eq!(
            r.grounds,
            "R1：工期超过招标文件要求；工期超过招标文件要求；工期超过招标文件要求"
        );
        assert_eq!(got[0].rejection(), None);
    }

    #[test]
    fn missing_duplicate_and_unreasoned_verdicts_are_refused() {
        let lines = review_requirements(&[], &[]);
        let bids: Vec<String> = vec!["b1".into()];
        let full = all_pass(&bids, &lines);
        let mut missing = full.clone();
        missing.pop();
        let err = aggregate(&members(), &bids, &lines, &missing).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::SheetIncomplete);
        let mut twice = full.clone();
        twice.push(full[0].clone());
        assert!(matches!(
            aggregate(&members(), &bids, &lines, &twice),
            Err(EvaluationError::SheetIncomplete { .. })
        ));
        let mut bare = full.clone();
        bare[0].pass = false;
        let err = aggregate(&members(), &bids, &lines, &bare).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::RejectionReasonRequired);
        let mut stranger = full;
        stranger[0].member = "m9".into();
        assert!(aggregate(&members(), &bids, &lines, &stranger).is_err());
    }
}
