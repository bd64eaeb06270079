//! 定性评审 under 评定分离 (domain-rules §3.1 [C], §3.3 [U]): no scores and no ranking. Every
//! bid that passes 初步评审 and is not rejected is qualified; members write 择优 (merit) and
//! 比劣 (demerit) remarks on the bids, and the committee recommends N **unranked** 定标候选人:
//!
//! * at most N qualified bids: all of them (the shortfall rule decides if fewer than N);
//! * more: each member recommends exactly N qualified bids, each with its own written 择优
//!   remark; the N with the most recommendations are the candidates, and a tie across the cut
//!   is settled by a lot ([`super::lot`]). The counts stay in the record; the candidates are
//!   listed by bid id so no order suggests a rank.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lot::LotResult;
use super::ranking::{rank, Cut, Entry};
use super::EvaluationError;

/// 择优 or 比劣.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemarkKind {
    /// 择优: why the bid is among the better.
    Merit,
    /// 比劣: where the bid falls short of others.
    Demerit,
}

/// A member's written remark on a bid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remark {
    pub member: String,
    pub bid: String,
    pub kind: RemarkKind,
    pub text: String,
}

/// The N bids a member recommends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    pub member: String,
    pub bids: Vec<String>,
}

/// The committee's unranked choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Sorted by bid id.
    pub candidates: Vec<String>,
    /// Recommendations per qualified bid (empty when no vote was needed), by bid id.
    pub votes: Vec<(String, usize)>,
}

/// Every remark has a text and concerns a qualified bid.
pub fn check_remarks(qualified: &[String], remarks: &[Remark]) -> Result<(), EvaluationError> {
    for r in remarks {
        if r.text.trim().is_empty() {
            return Err(EvaluationError::RemarkRequired {
                member: r.member.clone(),
                bid: r.bid.clone(),
            });
        }
        if !qualified.contains(&r.bid) {
            return Err(EvaluationError::SheetIncomplete {
                member: r.member.clone(),
                detail: format!("bid {} is not qualified", r.bid),
            });
        }
    }
    Ok(())
}

/// The N unranked candidates among `qualified`.
pub fn select(
    n: usize,
    qualified: &[String],
    members: &[String],
    recommendations: &[Recommendation],
    remarks: &[Remark],
    lots: &[LotResult],
) -> Result<Selection, EvaluationError> {
    check_remarks(qualified, remarks)?;
    let mut sorted: Vec<String> = qualified.to_vec();
    sorted.sort();
    if qualified.len() <= n {
        return Ok(Selection {
            candidates: sorted,
            votes: Vec::new(),
        });
    }
    let merits: BTreeSet<(&str, &str)> = remarks
        .iter()
        .filter(|r| r.kind == RemarkKind::Merit)
        .map(|r| (r.member.as_str(), r.bid.as_str()))
        .collect();
    let mut votes: BTreeMap<&str, usize> = sorted.iter().map(|b| (b.as_str(), 0)).collect();
    let by_member: BTreeMap<&str, &Recommendation> = recommendations
        .iter()
        .map(|r| (r.member.as_str(), r))
        .collect();
    if by_member.len() != recommendations.len() || recommendations.len() != members.len() {
        return Err(EvaluationError::SheetIncomplete {
            member: String::new(),
            detail: "one recommendation from each member".into(),
        });
    }
    for m in members {
        let incomplete = |detail: String| EvaluationError::SheetIncomplete {
            member: m.clone(),
            detail,
        };
        let rec = by_member
            .get(m.as_str())
            .ok_or_else(|| incomplete("no recommendation".into()))?;
        let chosen: BTreeSet<&str> = rec.bids.iter().map(String::as_str).collect();
        if chosen.len() != n || rec.bids.len() != n {
            return Err(incomplete(format!("recommend exactly {n} distinct bids")));
        }
        for b in &chosen {
            let Some(count) = votes.get_mut(b) else {
                return Err(incomplete(format!("bid {b} is not qualified")));
            };
            if !merits.contains(&(m.as_str(), *b)) {
                return Err(EvaluationError::RemarkRequired {
                    member: m.clone(),
                    bid: (*b).to_string(),
                });
            }
            *count += 1;
        }
    }
    let entries = votes
        .iter()
        .map(|(b, v)| Entry {
            bid: (*b).to_string(),
            keys: vec![-Decimal::from(*v)],
        })
        .collect();
    let places = rank(
        entries,
        Cut {
            cutoff: n,
            ordered: false,
        },
        lots,
    )?;
    let mut candidates = super::ranking::top(&places, n);
    candidates.sort();
    Ok(Selection {
        candidates,
        votes: votes.into_iter().map(|(b, v)| (b.to_string(), v)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(p: &str, n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("{p}{i}")).collect()
    }

    fn rec(member: &str, bids: &[&str]) -> (Recommendation, Vec<Remark>) {
        let remarks = bids
            .iter()
            .map(|b| Remark {
                member: member.into(),
                bid: (*b).into(),
                kind: RemarkKind::Merit,
                text: format!("{b} 施工组织设计针对性强"),
            })
            .collect();
        (
            Recommendation {
                member: member.into(),
                bids: bids.iter().map(|b| (*b).to_string()).collect(),
            },
            remarks,
        )
    }

    fn votes(rows: &[(&str, &[&str])]) -> (Vec<Recommendation>, Vec<Remark>) {
        let mut recs = Vec::new();
        let mut remarks = Vec::new();
        for (m, bids) in rows {
            let (r, mut x) = rec(m, bids);
            recs.push(r);
            remarks.append(&mut x);
        }
        (recs, remarks)
    }

    #[test]
    fn few_qualified_bids_are_all_candidates() {
        let got = select(3, &["b2".into(), "b1".into()], &ids("m", 5), &[], &[], &[]).unwrap();
        assert_eq!(got.candidates, vec!["b1", "b2"]);
    }

    #[test]
    fn most_recommended_win_and_a_tie_across_the_cut_needs_a_lot() {
        let qualified = ids("b", 5);
        let members = ids("m", 5);
        let (recs, remarks) = votes(&[
            ("m1", &["b1", "b2", "b3"]),
            ("m2", &["b1", "b2", "b4"]),
            ("m3", &["b1", "b3", "b5"]),
            ("m4", &["b2", "b3", "b4"]),
            ("m5", &["b1", "b2", "b5"]),
        ]);
        // b1 4, b2 4, b3 3, b4 2, b5 2.
        let got = select(3, &qualified, &members, &recs, &remarks, &[]).unwrap();
        assert_eq!(got.candidates, vec!["b1", "b2", "b3"]);
        assert_eq!(got.votes[2], ("b3".to_string(), 3));
        let (recs, remarks) = votes(&[
            ("m1", &["b1", "b2", "b3"]),
            ("m2", &["b1", "b2", "b4"]),
            ("m3", &["b1", "b2", "b5"]),
            ("m4", &["b1", "b2", "b3"]),
            ("m5", &["b1", "b4", "b5"]),
        ]);
        // b1 5, b2 4, b3 2, b4 2, b5 2: one seat, three tied.
        let err = select(3, &qualified, &members, &recs, &remarks, &[]).unwrap_err();
        assert_eq!(
            err,
            EvaluationError::LotRequired {
                bids: vec!["b3".into(), "b4".into(), "b5".into()]
            }
        );
        let lot = LotResult {
            order: vec!["b5".into(), "b3".into(), "b4".into()],
        };
        let got = select(3, &qualified, &members, &recs, &remarks, &[lot]).unwrap();
        assert_eq!(got.candidates, vec!["b1", "b2", "b5"]);
    }

    #[test]
    fn recommendations_need_their_remarks_and_the_right_count() {
        let qualified = ids("b", 4);
        let members = ids("m", 5);
        let rows: Vec<(&str, &[&str])> = vec![
            ("m1", &["b1", "b2", "b3"]),
            ("m2", &["b1", "b2", "b3"]),
            ("m3", &["b1", "b2", "b3"]),
            ("m4", &["b1", "b2", "b3"]),
            ("m5", &["b1", "b2", "b3"]),
        ];
        let (recs, mut remarks) = votes(&rows);
        remarks.retain(|r| !(r.member == "m3" && r.bid == "b2"));
        let err = select(3, &qualified, &members, &recs, &remarks, &[]).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::RemarkRequired);
        let (recs, mut remarks) = votes(&rows);
        remarks[0].text = " ".into();
        assert!(matches!(
            select(3, &qualified, &members, &recs, &remarks, &[]),
            Err(EvaluationError::RemarkRequired { .. })
        ));
        let (mut recs, remarks) = votes(&rows);
        recs[0].bids.pop();
        assert!(matches!(
            select(3, &qualified, &members, &recs, &remarks, &[]),
            Err(EvaluationError::SheetIncomplete { .. })
        ));
    }
}
