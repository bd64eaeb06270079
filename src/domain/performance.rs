//! 履约评价: the tenderer's rating of how the winner performs its contract (docs/CONTRACTS.md
//! §7). The 评定分离 award weighs each candidate's past performance (domain-rules §3.1: the
//! 定标 draws on the owner's 履约评价), so the platform keeps the ratings its tenderers give and
//! shows them, by the rated organisation's USCC, to later award committees.
//!
//! A rating is a score out of 100 (one decimal place at most) with the reasons, for a phase of
//! the contract: any number of interim ratings (过程评价) while it runs, and one final rating
//! (竣工评价) at completion — or at termination, which ends the contract as surely. The grade
//! follows from the score by the bands below (the four grades of the housing ministry's
//! 建筑市场主体履约评价 practice); it is never chosen apart from the score, so the two cannot
//! disagree. The tenderer signs the rating's canonical document with its organisation
//! certificate; the rated winner may reply (申辩) once within [`REPLY_WITHIN_DAYS`], signed with
//! its own, and the reply is shown wherever the rating is. Pure: no I/O, no clock.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::domain::contract::ContractState;
use crate::domain::signed::labelled;

/// The signed statement of a rating: label ‖ the 32-byte digest of its canonical document.
pub const RATING_LABEL: &[u8] = b"etender-performance-rating/v1\0";

/// The signed statement of the winner's reply: label ‖ the 32-byte digest of its document.
pub const REPLY_LABEL: &[u8] = b"etender-performance-reply/v1\0";

/// The reasons, and a reply: 1–2,000 characters.
pub const REMARKS_MAX: usize = 2000;

/// The rated winner may reply (申辩) once, within 15 days of the rating: the period local
/// 履约评价 rules give a rated contractor to state its objection.
pub const REPLY_WITHIN_DAYS: i64 = 15;

pub fn rating_statement(digest: &[u8; 32]) -> Vec<u8> {
    labelled(RATING_LABEL, digest)
}

pub fn reply_statement(digest: &[u8; 32]) -> Vec<u8> {
    labelled(REPLY_LABEL, digest)
}

/// The last instant the winner may reply to a rating given at `rated_at`.
pub fn reply_due(rated_at: DateTime<Utc>) -> DateTime<Utc> {
    rated_at + TimeDelta::days(REPLY_WITHIN_DAYS)
}

/// What the winner signs replying: the rating it answers (id and digest) and its text.
pub fn reply_document(rating: &str, rating_digest: &str, winner_uscc: &str, text: &str) -> Value {
    json!({
        "kind": "performance_reply",
        "rating": rating,
        "rating_digest": rating_digest,
        "winner_uscc": winner_uscc,
        "text": text,
    })
}

/// When in the contract's life the rating is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = PerformancePhase)]
pub enum Phase {
    /// 过程评价: while the contract runs; any number.
    Interim,
    /// 竣工评价: the final rating, once, at completion or termination.
    Completion,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Interim => "interim",
            Phase::Completion => "completion",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        [Phase::Interim, Phase::Completion]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// The grade a score falls in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = PerformanceGrade)]
pub enum Grade {
    /// 优秀: 90 and above.
    Excellent,
    /// 良好: 80 to under 90.
    Good,
    /// 合格: 60 to under 80.
    Qualified,
    /// 不合格: under 60.
    Unqualified,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Good => "good",
            Grade::Qualified => "qualified",
            Grade::Unqualified => "unqualified",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        [
            Grade::Excellent,
            Grade::Good,
            Grade::Qualified,
            Grade::Unqualified,
        ]
        .into_iter()
        .find(|g| g.as_str() == s)
    }

    /// The band `score` falls in; `None` for a score that is not one ([`check_score`]).
    pub fn of(score: Decimal) -> Option<Grade> {
        check_score(score).ok()?;
        Some(if score >= Decimal::from(90) {
            Grade::Excellent
        } else if score >= Decimal::from(80) {
            Grade::Good
        } else if score >= Decimal::from(60) {
            Grade::Qualified
        } else {
            Grade::Unqualified
        })
    }
}

/// Why a rating is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The score is not 0–100 with at most one decimal place.
    Score,
    /// The contract is not binding (a draft), or ended and this is not its final rating.
    State,
    /// The final rating was given: nothing follows it.
    Final,
}

/// 0 ≤ score ≤ 100, at most one decimal place.
pub fn check_score(score: Decimal) -> Result<(), Refusal> {
    if score < Decimal::ZERO || score > Decimal::ONE_HUNDRED || score.normalize().scale() > 1 {
        return Err(Refusal::Score);
    }
    Ok(())
}

/// May the contract, in `state` and rated `before` (the phases of its earlier ratings), be
/// rated for `phase` now? Interim ratings while it is signed; the final one while it is signed
/// or once it is terminated or completed; nothing after the final one.
pub fn check(state: ContractState, before: &[Phase], phase: Phase) -> Result<(), Refusal> {
    if before.contains(&Phase::Completion) {
        return Err(Refusal::Final);
    }
    match (state, phase) {
        (ContractState::Signed, _)
        | (ContractState::Terminated | ContractState::Completed, Phase::Completion) => Ok(()),
        _ => Err(Refusal::State),
    }
}

/// What the tenderer signs: everything the rating says, and which contract version it rates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rating<'a> {
    pub contract: &'a str,
    /// The digest of the contract's version in force when rated.
    pub contract_digest: &'a str,
    pub tender: &'a str,
    pub section: &'a str,
    pub tenderer_uscc: &'a str,
    pub winner_uscc: &'a str,
    pub phase: Phase,
    pub score: Decimal,
    pub remarks: &'a str,
}

/// The rating's document, to be written as canonical JSON and digested (SHA-256). The grade
/// is in it, derived from the score, so a reader of the document alone sees both. `None` for
/// a score that is not one.
pub fn document(r: &Rating<'_>) -> Option<Value> {
    let grade = Grade::of(r.score)?;
    Some(json!({
        "kind": "performance_rating",
        "contract": r.contract,
        "contract_digest": r.contract_digest,
        "tender": r.tender,
        "section": r.section,
        "tenderer_uscc": r.tenderer_uscc,
        "winner_uscc": r.winner_uscc,
        "phase": r.phase.as_str(),
        "score": r.score.normalize().to_string(),
        "grade": grade.as_str(),
        "remarks": r.remarks,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn the_grade_follows_the_score_at_the_band_edges() {
        for (s, g) in [
            (dec!(100), Grade::Excellent),
            (dec!(90), Grade::Excellent),
            (dec!(89.9), Grade::Good),
            (dec!(80.0), Grade::Good),
            (dec!(79.9), Grade::Qualified),
            (dec!(60), Grade::Qualified),
            (dec!(59.9), Grade::Unqualified),
            (dec!(0), Grade::Unqualified),
        ] {
            assert_eq!(Grade::of(s), Some(g), "{s}");
        }
        for s in [dec!(-0.1), dec!(100.1), dec!(85.25), dec!(101)] {
            assert_eq!(Grade::of(s), None, "{s}");
            assert_eq!(check_score(s), Err(Refusal::Score), "{s}");
        }
    }

    #[test]
    fn interim_while_signed_final_once_and_after_a_termination() {
        use ContractState::*;
        use Phase::*;
        assert_eq!(check(Draft, &[], Interim), Err(Refusal::State));
        assert_eq!(check(Draft, &[], Completion), Err(Refusal::State));
        assert_eq!(check(Signed, &[Interim, Interim], Interim), Ok(()));
        assert_eq!(check(Signed, &[Interim], Completion), Ok(()));
        assert_eq!(check(Terminated, &[], Interim), Err(Refusal::State));
        assert_eq!(check(Terminated, &[Interim], Completion), Ok(()));
        assert_eq!(check(Signed, &[Completion], Interim), Err(Refusal::Final));
        assert_eq!(
            check(Terminated, &[Completion], Completion),
            Err(Refusal::Final)
        );
    }

    #[test]
    fn the_document_carries_the_derived_grade_and_the_normalised_score() {
        let r = Rating {
            contract: "c",
            contract_digest: "d",
            tender: "t",
            section: "BD01",
            tenderer_uscc: "u1",
            winner_uscc: "u2",
            phase: Phase::Interim,
            score: dec!(85.0),
            remarks: "按期完成主体结构",
        };
        let d = document(&r).unwrap();
        assert_eq!(d["score"], "85");
        assert_eq!(d["grade"], "good");
        assert_eq!(d["phase"], "interim");
        assert!(document(&Rating {
            score: dec!(100.5),
            ..r
        })
        .is_none());
    }
}
