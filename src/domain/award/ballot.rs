//! What an award-committee member signs: a ballot of a round, a written opinion (集体议事), the
//! chair's decision, and the 定标报告. Each is signed with the member's personal certificate over
//! a length-prefixed statement ([`statement`], [`report_statement`]), never over JSON, so the
//! order the client sent choices in or its whitespace can never change what was signed.
//!
//! Ballots are secret until their round closes: while it is open the log carries only the
//! [`commitment`] (SHA-256 of the statement), and the ballots are revealed together when the
//! round closes, so anyone can check none changed after it was committed.

use serde::{Deserialize, Serialize};

use super::CastKind;
use crate::seal::encoding::{sha256, Enc};

/// Label of a ballot, opinion or decision statement, version 1.
pub const BALLOT_LABEL: &str = "etender-award-ballot/v1";
/// Label of a 定标报告 signature statement, version 1.
pub const REPORT_LABEL: &str = "etender-award-report/v1";
/// Label of a 定标报告 signature with a written dissent, version 1.
pub const REPORT_DISSENT_LABEL: &str = "etender-award-report-dissent/v1";

/// Where a ballot is cast: the round (step) of one award round of a section, by whom.
#[derive(Clone, Copy, Debug)]
pub struct BallotOf<'a> {
    pub step: &'a str,
    pub tender: &'a str,
    pub section: &'a str,
    pub award_round: u32,
    /// The member's person id.
    pub member: &'a str,
}

/// What a member casts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cast {
    /// A secret ballot naming the round's `picks` candidates; `reason` is optional.
    Ballot {
        choices: Vec<String>,
        #[serde(default)]
        reason: Option<String>,
    },
    /// 集体议事: a member's written opinion, with its reason.
    Opinion { candidate: String, reason: String },
    /// 集体议事: the chair's decision, with its reason.
    Decision { candidate: String, reason: String },
}

impl Cast {
    pub fn kind(&self) -> CastKind {
        match self {
            Cast::Ballot { .. } => CastKind::Ballot,
            Cast::Opinion { .. } => CastKind::Opinion,
            Cast::Decision { .. } => CastKind::Decision,
        }
    }

    /// The candidates it names, sorted (a ballot's order means nothing).
    pub fn choices(&self) -> Vec<String> {
        match self {
            Cast::Ballot { choices, .. } => {
                let mut c = choices.clone();
                c.sort();
                c
            }
            Cast::Opinion { candidate, .. } | Cast::Decision { candidate, .. } => {
                vec![candidate.clone()]
            }
        }
    }

    /// The written reason, blank taken as none.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Cast::Ballot { reason, .. } => reason.as_deref(),
            Cast::Opinion { reason, .. } | Cast::Decision { reason, .. } => Some(reason.as_str()),
        }
        .filter(|r| !r.trim().is_empty())
    }

    /// The same cast from its stored parts.
    pub fn from_parts(kind: &str, choices: Vec<String>, reason: Option<String>) -> Option<Cast> {
        let one = || choices.first().cloned().filter(|_| choices.len() == 1);
        Some(match kind {
            "ballot" => Cast::Ballot { choices, reason },
            "opinion" => Cast::Opinion {
                candidate: one()?,
                reason: reason?,
            },
            "decision" => Cast::Decision {
                candidate: one()?,
                reason: reason?,
            },
            _ => return None,
        })
    }
}

/// The bytes a member signs:
///
/// ```text
/// label("etender-award-ballot/v1") ‖ var(step) ‖ var(tender) ‖ var(section) ‖ u64(award round)
///   ‖ var(member) ‖ var(kind) ‖ u64(n) ‖ n × var(candidate, sorted) ‖ u8(0 | 1) [‖ var(reason)]
/// ```
pub fn statement(of: &BallotOf<'_>, cast: &Cast) -> Vec<u8> {
    let mut e = Enc::with_label(BALLOT_LABEL);
    e.str(of.step)
        .str(of.tender)
        .str(of.section)
        .u64(u64::from(of.award_round))
        .str(of.member)
        .str(cast.kind().as_str());
    let choices = cast.choices();
    e.u64(choices.len() as u64);
    for c in &choices {
        e.str(c);
    }
    match cast.reason() {
        None => e.u8(0),
        Some(r) => e.u8(1).str(r),
    };
    e.into_bytes()
}

/// What the log carries while a round is open: SHA-256 of the [`statement`].
pub fn commitment(statement: &[u8]) -> [u8; 32] {
    sha256(statement)
}

/// The bytes a member (or the chair) signs for the 定标报告:
///
/// ```text
/// label("etender-award-report/v1") ‖ var(tender) ‖ var(section) ‖ u64(award round)
///   ‖ fixed(report digest, 32) ‖ var(member)
/// ```
pub fn report_statement(
    tender: &str,
    section: &str,
    award_round: u32,
    digest: &[u8; 32],
    member: &str,
) -> Vec<u8> {
    let mut e = Enc::with_label(REPORT_LABEL);
    e.str(tender)
        .str(section)
        .u64(u64::from(award_round))
        .fixed(digest)
        .str(member);
    e.into_bytes()
}

/// The bytes a member signs for the 定标报告 when it dissents in writing (it signs, and its
/// reason is part of what it signed, as 条例53 has it for the 评标报告):
///
/// ```text
/// label("etender-award-report-dissent/v1") ‖ var(tender) ‖ var(section) ‖ u64(award round)
///   ‖ fixed(report digest, 32) ‖ var(member) ‖ var(dissent)
/// ```
///
/// `None` is an agreement: exactly [`report_statement`].
pub fn report_position_statement(
    tender: &str,
    section: &str,
    award_round: u32,
    digest: &[u8; 32],
    member: &str,
    dissent: Option<&str>,
) -> Vec<u8> {
    let Some(reason) = dissent else {
        return report_statement(tender, section, award_round, digest, member);
    };
    let mut e = Enc::with_label(REPORT_DISSENT_LABEL);
    e.str(tender)
        .str(section)
        .u64(u64::from(award_round))
        .fixed(digest)
        .str(member)
        .str(reason);
    e.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of() -> BallotOf<'static> {
        BallotOf {
            step: "S1",
            tender: "T1",
            section: "BD01",
            award_round: 1,
            member: "P1",
        }
    }

    #[test]
    fn the_order_of_choices_does_not_change_what_is_signed() {
        let a = Cast::Ballot {
            choices: vec!["b".into(), "a".into()],
            reason: None,
        };
        let b = Cast::Ballot {
            choices: vec!["a".into(), "b".into()],
            reason: Some("  ".into()),
        };
        assert_eq!(statement(&of(), &a), statement(&of(), &b));
    }

    #[test]
    fn every_part_is_bound() {
        let cast = Cast::Ballot {
            choices: vec!["a".into()],
            reason: None,
        };
        let base = statement(&of(), &cast);
        let mut other = of();
        other.step = "S2";
        assert_ne!(base, statement(&other, &cast));
        let mut other = of();
        other.member = "P2";
        assert_ne!(base, statement(&other, &cast));
        let mut other = of();
        other.award_round = 2;
        assert_ne!(base, statement(&other, &cast));
        let with_reason = Cast::Ballot {
            choices: vec!["a".into()],
            reason: Some("best".into()),
        };
        assert_ne!(base, statement(&of(), &with_reason));
        let opinion = Cast::Opinion {
            candidate: "a".into(),
            reason: "best".into(),
        };
        assert_ne!(statement(&of(), &with_reason), statement(&of(), &opinion));
        assert_eq!(
            Cast::from_parts("opinion", opinion.choices(), Some("best".into())),
            Some(opinion)
        );
        let d = [7u8; 32];
        assert_ne!(
            report_statement("T1", "BD01", 1, &d, "P1"),
            report_statement("T1", "BD01", 1, &d, "P2")
        );
        assert_eq!(
            report_position_statement("T1", "BD01", 1, &d, "P1", None),
            report_statement("T1", "BD01", 1, &d, "P1")
        );
        assert_ne!(
            report_position_statement("T1", "BD01", 1, &d, "P1", Some("理由")),
            report_statement("T1", "BD01", 1, &d, "P1")
        );
    }
}
