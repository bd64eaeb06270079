//! Where each section's award stands (定标 as a process, docs/AWARD.md §3): a small state
//! machine per section, because sections of one tender are awarded independently — one may be
//! in its publicity while another's committee still votes. The tender's own lifecycle state is
//! the aggregate ([`tender_state`]): the least advanced section.
//!
//! Traditional award (条例54–55): the ranked candidates are publicised, then the tenderer
//! awards and the notices go out. 评定分离 (§3): 清标, the award committee, its rounds, the
//! 定标报告, the result's publicity, the notices. An upheld objection or a winner who gives up
//! sends the section back. Time conditions (a publicity that is over, objections answered) are
//! the callers': this machine only knows which step may follow which.

use serde::{Deserialize, Serialize};

use crate::domain::lifecycle::StateKind;
use crate::domain::tender::AwardMode;

/// A section's award stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AwardStage {
    /// Traditional: the ranked candidates await their publicity.
    Candidates,
    /// 评定分离: the tenderer's 清标 report is due.
    Clearing,
    /// 评定分离: the award committee is being formed.
    Committee,
    /// 评定分离: the committee decides (ballots, lots, deliberation).
    Deciding,
    /// 评定分离: the 定标报告 is being signed.
    Reporting,
    /// Publicity (公示) of the candidates (traditional) or of the result (评定分离).
    Publicity,
    /// Traditional: the tenderer has awarded; the notices are due.
    Decided,
    /// The notices are out: the section is awarded.
    Notified,
    /// Sent back to the original evaluation committee; the award restarts from its new report.
    Reevaluation,
    /// Re-tender (重新招标): nothing is awarded in this section.
    Failed,
}

/// Where an upheld objection sends the section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Back {
    /// Re-evaluation by the original committee.
    Reevaluation,
    /// A new award round (评定分离 only).
    NewRound,
    /// A re-tender.
    Retender,
}

/// A step of the award.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum StageEvent {
    FileClearing,
    FormCommittee,
    /// A member of the formed committee leaves before the deciding starts: the committee is
    /// being formed again until its replacement has joined and the roster is witnessed anew.
    ReplaceMember,
    Decide,
    SignReport,
    PublishCandidates,
    Award,
    IssueNotices,
    SendBack {
        to: Back,
    },
    /// The winner gives up, cannot perform, fails to post the performance bond or broke the
    /// law: the next in rank (`next`) or a new award round, else a re-tender.
    GiveUp {
        next: bool,
    },
}

/// The step does not apply at this stage.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("award_stage: {event} cannot follow a section whose award is at {stage}")]
pub struct StageError {
    pub stage: AwardStage,
    pub event: String,
}

impl StageError {
    pub fn code(&self) -> &'static str {
        "award_stage"
    }
}

impl AwardStage {
    pub const ALL: [AwardStage; 10] = [
        AwardStage::Candidates,
        AwardStage::Clearing,
        AwardStage::Committee,
        AwardStage::Deciding,
        AwardStage::Reporting,
        AwardStage::Publicity,
        AwardStage::Decided,
        AwardStage::Notified,
        AwardStage::Reevaluation,
        AwardStage::Failed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            AwardStage::Candidates => "candidates",
            AwardStage::Clearing => "clearing",
            AwardStage::Committee => "committee",
            AwardStage::Deciding => "deciding",
            AwardStage::Reporting => "reporting",
            AwardStage::Publicity => "publicity",
            AwardStage::Decided => "decided",
            AwardStage::Notified => "notified",
            AwardStage::Reevaluation => "reevaluation",
            AwardStage::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<AwardStage> {
        AwardStage::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The tender state a section at this stage holds the tender at (`None`: failed sections
    /// do not hold it anywhere).
    pub fn tender_state(self) -> Option<StateKind> {
        Some(match self {
            AwardStage::Reevaluation => StateKind::Evaluating,
            AwardStage::Candidates => StateKind::Evaluated,
            AwardStage::Clearing => StateKind::Clearing,
            AwardStage::Committee | AwardStage::Deciding => StateKind::Deciding,
            AwardStage::Reporting | AwardStage::Decided => StateKind::Decided,
            AwardStage::Publicity => StateKind::Publicity,
            AwardStage::Notified => StateKind::Awarded,
            AwardStage::Failed => return None,
        })
    }
}

impl std::fmt::Display for AwardStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StageEvent {
    pub fn as_str(&self) -> &'static str {
        match self {
            StageEvent::FileClearing => "file_clearing",
            StageEvent::FormCommittee => "form_committee",
            StageEvent::ReplaceMember => "replace_member",
            StageEvent::Decide => "decide",
            StageEvent::SignReport => "sign_report",
            StageEvent::PublishCandidates => "publish_candidates",
            StageEvent::Award => "award",
            StageEvent::IssueNotices => "issue_notices",
            StageEvent::SendBack { .. } => "send_back",
            StageEvent::GiveUp { .. } => "give_up",
        }
    }
}

/// Whether the award is separated (评定分离).
pub fn separated(mode: &AwardMode) -> bool {
    matches!(mode, AwardMode::Separated { .. })
}

/// The first stage of a section's award.
pub fn begin(mode: &AwardMode) -> AwardStage {
    if separated(mode) {
        AwardStage::Clearing
    } else {
        AwardStage::Candidates
    }
}

/// The stage after `event`, or why the event does not apply.
pub fn advance(
    mode: &AwardMode,
    from: AwardStage,
    event: &StageEvent,
) -> Result<AwardStage, StageError> {
    use AwardStage as S;
    use StageEvent as E;
    let sep = separated(mode);
    let to = match (from, event) {
        (S::Candidates, E::PublishCandidates) if !sep => Some(S::Publicity),
        (S::Publicity, E::Award) if !sep => Some(S::Decided),
        (S::Decided, E::IssueNotices) if !sep => Some(S::Notified),
        // 条例56: awarded but no notice out yet, a candidate's situation changed — the
        // original committee re-checks it before any notice.
        (
            S::Decided,
            E::SendBack {
                to: Back::Reevaluation,
            },
        ) if !sep => Some(S::Reevaluation),
        (S::Decided | S::Notified, E::GiveUp { next }) if !sep => {
            Some(if *next { S::Decided } else { S::Failed })
        }

        (S::Clearing, E::FileClearing) if sep => Some(S::Committee),
        (S::Committee, E::FormCommittee) if sep => Some(S::Deciding),
        // Whether the deciding has started (the 定标会议 convened) is the caller's to check.
        (S::Committee | S::Deciding, E::ReplaceMember) if sep => Some(S::Committee),
        (S::Deciding, E::Decide) if sep => Some(S::Reporting),
        (S::Reporting, E::SignReport) if sep => Some(S::Publicity),
        (S::Publicity, E::IssueNotices) if sep => Some(S::Notified),
        (S::Publicity | S::Notified, E::GiveUp { next }) if sep => {
            Some(if *next { S::Committee } else { S::Failed })
        }

        (S::Publicity, E::SendBack { to }) => match to {
            Back::Reevaluation => Some(S::Reevaluation),
            Back::NewRound if sep => Some(S::Committee),
            Back::NewRound => None,
            Back::Retender => Some(S::Failed),
        },
        _ => None,
    };
    to.ok_or_else(|| StageError {
        stage: from,
        event: event.as_str().to_string(),
    })
}

/// The tender's state while its sections are at `stages`: the least advanced section that has
/// not failed; every section failed: the tender failed (流标). No sections: still evaluated.
pub fn tender_state(stages: &[AwardStage]) -> StateKind {
    const ORDER: [StateKind; 7] = [
        StateKind::Evaluating,
        StateKind::Evaluated,
        StateKind::Clearing,
        StateKind::Deciding,
        StateKind::Decided,
        StateKind::Publicity,
        StateKind::Awarded,
    ];
    if stages.is_empty() {
        return StateKind::Evaluated;
    }
    stages
        .iter()
        .filter_map(|s| s.tender_state())
        .min_by_key(|k| ORDER.iter().position(|o| o == k))
        .unwrap_or(StateKind::Failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tender::AwardMethod;
    use AwardStage as S;
    use StageEvent as E;

    fn traditional() -> AwardMode {
        AwardMode::Traditional { candidates: None }
    }

    fn sep() -> AwardMode {
        AwardMode::Separated {
            candidates: None,
            method: AwardMethod::DirectVote {
                absolute_majority: false,
            },
            committee: None,
            criteria: Default::default(),
        }
    }

    fn walk(mode: &AwardMode, events: &[StageEvent]) -> Vec<AwardStage> {
        let mut s = begin(mode);
        let mut out = vec![s];
        for e in events {
            s = advance(mode, s, e).unwrap();
            out.push(s);
        }
        out
    }

    #[test]
    fn the_two_paths() {
        assert_eq!(
            walk(
                &traditional(),
                &[E::PublishCandidates, E::Award, E::IssueNotices]
            ),
            [S::Candidates, S::Publicity, S::Decided, S::Notified]
        );
        assert_eq!(
            walk(
                &sep(),
                &[
                    E::FileClearing,
                    E::FormCommittee,
                    E::Decide,
                    E::SignReport,
                    E::IssueNotices
                ]
            ),
            [
                S::Clearing,
                S::Committee,
                S::Deciding,
                S::Reporting,
                S::Publicity,
                S::Notified
            ]
        );
    }

    #[test]
    fn steps_of_the_other_mode_or_out_of_order_are_refused() {
        let e = advance(&traditional(), S::Candidates, &E::FileClearing).unwrap_err();
        assert_eq!((e.code(), e.stage), ("award_stage", S::Candidates));
        assert!(advance(&sep(), S::Clearing, &E::PublishCandidates).is_err());
        assert!(advance(&sep(), S::Committee, &E::Decide).is_err());
        assert!(advance(&sep(), S::Reporting, &E::IssueNotices).is_err());
        assert!(advance(&traditional(), S::Publicity, &E::IssueNotices).is_err());
        for s in AwardStage::ALL {
            assert!(advance(&sep(), S::Failed, &E::SendBack { to: Back::Retender }).is_err());
            assert!(advance(&traditional(), s, &E::Decide).is_err());
        }
    }

    #[test]
    fn a_member_replaced_sends_the_committee_back_to_be_witnessed() {
        assert_eq!(
            advance(&sep(), S::Deciding, &E::ReplaceMember),
            Ok(S::Committee)
        );
        assert_eq!(
            advance(&sep(), S::Committee, &E::ReplaceMember),
            Ok(S::Committee)
        );
        assert!(advance(&sep(), S::Reporting, &E::ReplaceMember).is_err());
        assert!(advance(&traditional(), S::Decided, &E::ReplaceMember).is_err());
    }

    #[test]
    fn sending_back_and_giving_up() {
        let back = |m: &AwardMode, to| advance(m, S::Publicity, &E::SendBack { to });
        assert_eq!(back(&sep(), Back::NewRound), Ok(S::Committee));
        assert!(back(&traditional(), Back::NewRound).is_err());
        assert_eq!(
            back(&traditional(), Back::Reevaluation),
            Ok(S::Reevaluation)
        );
        assert_eq!(back(&sep(), Back::Retender), Ok(S::Failed));
        // 条例56 at `decided` (traditional): a re-check only, never a re-tender or new round.
        let at_decided = |m: &AwardMode, to| advance(m, S::Decided, &E::SendBack { to });
        assert_eq!(
            at_decided(&traditional(), Back::Reevaluation),
            Ok(S::Reevaluation)
        );
        assert!(at_decided(&traditional(), Back::Retender).is_err());
        assert!(at_decided(&sep(), Back::Reevaluation).is_err());
        assert_eq!(
            advance(&traditional(), S::Notified, &E::GiveUp { next: true }),
            Ok(S::Decided)
        );
        assert_eq!(
            advance(&sep(), S::Notified, &E::GiveUp { next: true }),
            Ok(S::Committee)
        );
        assert_eq!(
            advance(&sep(), S::Publicity, &E::GiveUp { next: false }),
            Ok(S::Failed)
        );
    }

    #[test]
    fn the_tender_waits_for_its_least_advanced_section() {
        assert_eq!(tender_state(&[]), StateKind::Evaluated);
        assert_eq!(
            tender_state(&[S::Publicity, S::Committee]),
            StateKind::Deciding
        );
        assert_eq!(tender_state(&[S::Notified, S::Failed]), StateKind::Awarded);
        assert_eq!(tender_state(&[S::Failed, S::Failed]), StateKind::Failed);
        assert_eq!(
            tender_state(&[S::Reevaluation, S::Notified]),
            StateKind::Evaluating
        );
        for s in AwardStage::ALL {
            assert_eq!(AwardStage::parse(s.as_str()), Some(s));
        }
    }
}
