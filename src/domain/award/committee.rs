//! The award committee (定标委员会, domain-rules §3.3): formed by the tenderer for one section's
//! award round from its own 定标委员库 — `drawn` members drawn at random under supervision
//! (`domain::draw`, purpose `award_committee`) and the rest appointed — an odd number of at
//! least 5, one of them the chair (组长: the tenderer's 法定代表人 or 主要负责人, or a member it
//! names). Every member signs the conflict-of-interest and confidentiality statement (承诺书):
//! a drawn one at its draw check-in, an appointed one at [`statement`]. A supervising regulator
//! witnesses the formed committee by signing [`witness_statement`] over its roster.

use serde::{Deserialize, Serialize};

use crate::domain::draw::checkin::Conflict;
use crate::domain::tender::AwardCommitteeRule;
use crate::seal::encoding::{sha256, Enc};

/// The statement every award-committee member signs, version 1. Part of the signed bytes, so a
/// changed text is a new version.
pub const PLEDGE_V1: &str = "定标委员承诺书 v1：本人承诺依法、客观、公正地履行定标职责，\
遵守定标纪律，与定标候选人无利害关系，不私下接触定标候选人，不收受其财物或其他好处；\
对定标委员会组成、评审与表决情况及定标过程中知悉的其他情况保密，定标结果公示前不予透露；\
与定标候选人有利害关系的，主动回避。";

/// A member's place on the committee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// 组长: presides, and decides under 集体议事.
    Chair,
    Member,
}

/// How a member came onto the committee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Appointment {
    /// Drawn at random from the pool (a seat of the award draw).
    Drawn,
    /// Named by the tenderer from its pool.
    Appointed,
}

/// Why a member leaves the formed committee before the deciding starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AwardLeaveReason {
    /// A conflict of interest with a candidate came to light after its statement.
    ConflictFound,
    /// Ill, or cannot be reached for the 定标会议.
    Unreachable,
    /// Withdraws of its own accord (回避).
    Recused,
}

macro_rules! str_enum {
    ($t:ident { $($v:ident = $s:literal),+ }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $($t::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Option<$t> {
                match s { $($s => Some($t::$v),)+ _ => None }
            }
        }
    };
}
str_enum!(MemberRole { Chair = "chair", Member = "member" });
str_enum!(AwardLeaveReason {
    ConflictFound = "conflict_found",
    Unreachable = "unreachable",
    Recused = "recused"
});
str_enum!(Appointment {
    Drawn = "drawn",
    Appointed = "appointed"
});

/// A broken composition rule: a stable code and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompositionError {
    pub code: &'static str,
    pub message: String,
}

/// The committee the tenderer proposes against the tender's rule: exactly `size` members, an
/// odd number of at least 5, `drawn` of them drawn and the rest appointed. Every broken rule.
pub fn check_composition(
    rule: &AwardCommitteeRule,
    drawn: usize,
    appointed: usize,
) -> Result<(), Vec<CompositionError>> {
    let mut out = Vec::new();
    let size = drawn + appointed;
    if size < usize::from(AwardCommitteeRule::MIN_SIZE) {
        out.push(CompositionError {
            code: "award_committee_too_small",
            message: format!("{size} members; an award committee has at least 5"),
        });
    }
    if size.is_multiple_of(2) {
        out.push(CompositionError {
            code: "award_committee_size_even",
            message: format!("{size} members; an award committee has an odd number"),
        });
    }
    if size != usize::from(rule.size) {
        out.push(CompositionError {
            code: "award_committee_size_mismatch",
            message: format!("{size} members; the tender says {}", rule.size),
        });
    }
    if drawn != usize::from(rule.drawn()) || appointed != usize::from(rule.appointed()) {
        out.push(CompositionError {
            code: "award_committee_mix_mismatch",
            message: format!(
                "{drawn} drawn and {appointed} appointed; the tender says {} drawn and {} \
                 appointed",
                rule.drawn(),
                rule.appointed()
            ),
        });
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

/// What an appointed member signs when it takes its seat:
///
/// ```text
/// label("etender-award-statement/v1") ‖ var(tender) ‖ var(section) ‖ u32(award_round)
///   ‖ var(member) ‖ var(person) ‖ var(pledge) ‖ u8(0)                  no conflict
///                                            ‖ u8(1) ‖ var(party) ‖ var(reason)   a conflict
/// ```
///
/// `member` is its record in the tenderer's pool, `person` its principal id. Bound to one
/// section's award round, so it never serves another.
pub fn statement(
    tender: &str,
    section: &str,
    round: u32,
    member: &str,
    person: &str,
    conflict: Option<&Conflict>,
) -> Vec<u8> {
    let mut e = Enc::with_label("etender-award-statement/v1");
    e.str(tender)
        .str(section)
        .u32(round)
        .str(member)
        .str(person)
        .str(PLEDGE_V1);
    match conflict {
        None => e.u8(0),
        Some(c) => e.u8(1).str(&c.party).str(&c.reason),
    };
    e.into_bytes()
}

/// One member as the roster lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub person: String,
    pub role: MemberRole,
    pub how: Appointment,
    /// SHA-256 (hex) of the statement it signed.
    pub statement_sha256: String,
}

/// SHA-256 of the committee's roster: its members sorted by person id, each
/// `var(person) ‖ var(role) ‖ var(how) ‖ var(statement_sha256)` after
/// `label("etender-award-roster/v1") ‖ var(tender) ‖ var(section) ‖ u32(award_round) ‖ u64(n)`.
pub fn roster_digest(tender: &str, section: &str, round: u32, roster: &[RosterEntry]) -> [u8; 32] {
    let mut sorted: Vec<&RosterEntry> = roster.iter().collect();
    sorted.sort_by(|a, b| a.person.cmp(&b.person));
    let mut e = Enc::with_label("etender-award-roster/v1");
    e.str(tender)
        .str(section)
        .u32(round)
        .u64(sorted.len() as u64);
    for m in sorted {
        e.str(&m.person)
            .str(m.role.as_str())
            .str(m.how.as_str())
            .str(&m.statement_sha256);
    }
    sha256(&e.into_bytes())
}

/// What the supervising regulator signs to witness the formed committee:
///
/// ```text
/// label("etender-award-witness/v1") ‖ var(tender) ‖ var(section) ‖ u32(award_round)
///   ‖ roster_digest(32) ‖ var(regulator)
/// ```
pub fn witness_statement(
    tender: &str,
    section: &str,
    round: u32,
    roster: &[u8; 32],
    regulator: &str,
) -> Vec<u8> {
    let mut e = Enc::with_label("etender-award-witness/v1");
    e.str(tender)
        .str(section)
        .u32(round)
        .fixed(roster)
        .str(regulator);
    e.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(size: u8, drawn: Option<u8>) -> AwardCommitteeRule {
        AwardCommitteeRule { size, drawn }
    }

    fn codes(r: Result<(), Vec<CompositionError>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.code)
            .collect()
    }

    #[test]
    fn the_composition_follows_the_tender() {
        assert!(check_composition(&rule(5, None), 5, 0).is_ok());
        assert!(check_composition(&rule(7, Some(4)), 4, 3).is_ok());
        assert!(check_composition(&rule(5, Some(0)), 0, 5).is_ok());
        assert_eq!(
            codes(check_composition(&rule(5, Some(0)), 0, 4)),
            vec![
                "award_committee_too_small",
                "award_committee_size_even",
                "award_committee_size_mismatch",
                "award_committee_mix_mismatch"
            ]
        );
        assert_eq!(
            codes(check_composition(&rule(7, Some(4)), 5, 2)),
            vec!["award_committee_mix_mismatch"]
        );
        assert_eq!(
            codes(check_composition(&rule(5, Some(0)), 0, 6)),
            vec![
                "award_committee_size_even",
                "award_committee_size_mismatch",
                "award_committee_mix_mismatch"
            ]
        );
    }

    #[test]
    fn statements_bind_round_member_and_conflict() {
        let base = statement("t", "BD01", 1, "m", "p", None);
        assert!(base.starts_with(b"etender-award-statement/v1\0"));
        assert_ne!(statement("t", "BD01", 2, "m", "p", None), base);
        assert_ne!(statement("t", "BD01", 1, "m", "q", None), base);
        let c = Conflict {
            party: "x".into(),
            reason: "y".into(),
        };
        assert_ne!(statement("t", "BD01", 1, "m", "p", Some(&c)), base);
    }

    #[test]
    fn the_roster_digest_ignores_order_but_not_content() {
        let e = |p: &str, role| RosterEntry {
            person: p.into(),
            role,
            how: Appointment::Appointed,
            statement_sha256: "00".into(),
        };
        let a = [e("a", MemberRole::Chair), e("b", MemberRole::Member)];
        let b = [e("b", MemberRole::Member), e("a", MemberRole::Chair)];
        assert_eq!(
            roster_digest("t", "s", 1, &a),
            roster_digest("t", "s", 1, &b)
        );
        let c = [e("a", MemberRole::Member), e("b", MemberRole::Chair)];
        assert_ne!(
            roster_digest("t", "s", 1, &a),
            roster_digest("t", "s", 1, &c)
        );
        let w = witness_statement("t", "s", 1, &roster_digest("t", "s", 1, &a), "r");
        assert!(w.starts_with(b"etender-award-witness/v1\0"));
    }
}
