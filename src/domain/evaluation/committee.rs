//! The committee's shape and its one collective time rule.
//!
//! 招标投标法37 [C, quoted in domain-rules §2.3]: at least 5 members, an odd number, technical
//! and economic experts at least two thirds; the rest are the tenderer's representatives.
//! 条例48 [C]: when more than a third of the members find the time too short, the tenderer
//! extends it. Both are counted exactly in integers (3 × experts ≥ 2 × members), never in
//! fractions, so 4 experts of 6 pass and 3 of 5 fail.

use serde::{Deserialize, Serialize};

use super::EvaluationError;

/// The statutory minimum committee size (招标投标法37). Government procurement above ¥10 M asks
/// for 7 (domain-rules §2.3 [P]); callers pass a larger minimum for such sections.
pub const MIN_MEMBERS: usize = 5;

/// A rule of 招标投标法37 a committee breaks; the code goes into `errors[].code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompositionRule {
    /// Fewer members than the minimum (5 unless the caller asks for more).
    TooSmall,
    /// An even number of members.
    EvenSize,
    /// Experts are fewer than two thirds of the members.
    ExpertsBelowTwoThirds,
}

impl CompositionRule {
    pub fn as_str(self) -> &'static str {
        match self {
            CompositionRule::TooSmall => "committee_too_small",
            CompositionRule::EvenSize => "committee_size_even",
            CompositionRule::ExpertsBelowTwoThirds => "committee_experts_below_two_thirds",
        }
    }
}

/// The codes of `rules`, comma-separated.
pub fn codes(rules: &[CompositionRule]) -> String {
    rules
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every rule a committee of `experts` experts and `representatives` tenderer's representatives
/// breaks, given the section's minimum size (at least [`MIN_MEMBERS`]); empty when it is sound.
pub fn composition(
    experts: usize,
    representatives: usize,
    min_members: usize,
) -> Vec<CompositionRule> {
    let members = experts + representatives;
    let mut broken = Vec::new();
    if members < min_members.max(MIN_MEMBERS) {
        broken.push(CompositionRule::TooSmall);
    }
    if members.is_multiple_of(2) {
        broken.push(CompositionRule::EvenSize);
    }
    if 3 * experts < 2 * members {
        broken.push(CompositionRule::ExpertsBelowTwoThirds);
    }
    broken
}

/// [`composition`] as a refusal.
pub fn check_composition(
    experts: usize,
    representatives: usize,
    min_members: usize,
) -> Result<(), EvaluationError> {
    let rules = composition(experts, representatives, min_members);
    if rules.is_empty() {
        Ok(())
    } else {
        Err(EvaluationError::CommitteeComposition { rules })
    }
}

/// 条例48: the tenderer must extend the evaluation time when more than a third of the `members`
/// ask for it (3 × asking > members: 2 of 5 must, 1 of 5 need not, 3 of 9 need not).
pub fn must_extend(members: usize, asking: usize) -> bool {
    3 * asking > members
}

/// Where a formed committee stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommitteeState {
    /// Formed; its members are electing a leader (again, if the leader left).
    Forming,
    /// A leader is elected; the members read the opened bids and evaluate.
    Evaluating,
    /// The leader generated the report; the members sign it (or dissent). Nothing else is
    /// entered; a member who leaves voids the report and the committee evaluates again.
    Reporting,
    /// The report is complete: the committee's work is done.
    Reported,
}

/// Who a member is: a drawn expert or one of the tenderer's representatives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    Expert,
    Representative,
}

/// Why a member left the committee (条例48).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    /// Must recuse (回避): a conflict found after the check-in.
    Recused,
    /// Fell ill.
    Ill,
    /// Left for another reason (stated in the note).
    Left,
}

macro_rules! text_forms {
    ($($ty:ident { $($variant:ident => $text:literal),+ $(,)? })+) => {$(
        impl $ty {
            pub const fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$ty> {
                match s { $($text => Some($ty::$variant),)+ _ => None }
            }
        }
    )+};
}

text_forms! {
    CommitteeState {
        Forming => "forming",
        Evaluating => "evaluating",
        Reporting => "reporting",
        Reported => "reported",
    }
    MemberKind { Expert => "expert", Representative => "representative" }
    LeaveReason { Recused => "recused", Ill => "ill", Left => "left" }
}

/// The leader the `votes` of the active members elect: the one candidate more than half of the
/// `active` members vote for (a strict majority, counted in integers), if any. Votes are the
/// candidates voted for, one per voting member.
pub fn elected<'a>(active: usize, votes: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut tally: std::collections::BTreeMap<&str, usize> = Default::default();
    for v in votes {
        *tally.entry(v).or_default() += 1;
    }
    tally
        .into_iter()
        .find(|(_, n)| 2 * n > active)
        .map(|(candidate, _)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use CompositionRule::*;

    #[test]
    fn the_statutory_shapes() {
        assert_eq!(composition(5, 0, 5), vec![]);
        assert_eq!(composition(4, 1, 5), vec![]);
        // 3 of 5 experts is 60 %, below two thirds.
        assert_eq!(composition(3, 2, 5), vec![ExpertsBelowTwoThirds]);
        assert_eq!(composition(5, 2, 5), vec![]);
        assert_eq!(composition(4, 3, 5), vec![ExpertsBelowTwoThirds]);
        assert_eq!(composition(4, 0, 5), vec![TooSmall, EvenSize]);
        assert_eq!(composition(4, 2, 5), vec![EvenSize]);
        assert_eq!(composition(2, 1, 5), vec![TooSmall]);
        assert_eq!(composition(1, 2, 5), vec![TooSmall, ExpertsBelowTwoThirds]);
        assert_eq!(composition(0, 0, 5), vec![TooSmall, EvenSize]);
        // A section that asks for 7.
        assert_eq!(composition(5, 0, 7), vec![TooSmall]);
        assert_eq!(composition(5, 2, 7), vec![]);
        let err = check_composition(4, 2, 5).unwrap_err();
        assert_eq!(
            err.code(),
            crate::error::ErrorCode::CommitteeCompositionInvalid
        );
        assert!(err.to_string().contains("committee_size_even"));
    }

    #[test]
    fn two_thirds_is_counted_exactly() {
        for members in 1..40usize {
            for experts in 0..=members {
                let ok =
                    !composition(experts, members - experts, 1).contains(&ExpertsBelowTwoThirds);
                let exact = experts as f64 / members as f64 >= 2.0 / 3.0 - 1e-12;
                assert_eq!(ok, exact, "{experts} of {members}");
            }
        }
    }

    #[test]
    fn a_leader_needs_a_strict_majority_of_the_active_members() {
        assert_eq!(elected(5, ["a", "a", "a"]), Some("a"));
        assert_eq!(elected(5, ["a", "a", "b", "b"]), None);
        // 3 of 6 is half, not a majority.
        assert_eq!(elected(6, ["a", "a", "a", "b"]), None);
        assert_eq!(elected(6, ["a", "a", "a", "a"]), Some("a"));
        assert_eq!(elected(5, []), None);
        for s in [CommitteeState::Forming, CommitteeState::Evaluating] {
            assert_eq!(CommitteeState::parse(s.as_str()), Some(s));
        }
        for r in [LeaveReason::Recused, LeaveReason::Ill, LeaveReason::Left] {
            assert_eq!(LeaveReason::parse(r.as_str()), Some(r));
        }
        for k in [MemberKind::Expert, MemberKind::Representative] {
            assert_eq!(MemberKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn more_than_a_third_must_be_given_more_time() {
        assert!(!must_extend(5, 1));
        assert!(must_extend(5, 2));
        assert!(!must_extend(9, 3));
        assert!(must_extend(9, 4));
        assert!(!must_extend(7, 2));
        assert!(must_extend(7, 3));
    }
}
