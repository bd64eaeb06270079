//! The tender state machine (domain-rules §8): a pure `transition(state, event, …)` with the
//! clock and schedule passed in, so the chronograph, the HTTP layer and tests drive it alike.
//!
//! Only the publication phase has full rules yet: Draft → Published ⇄ Suspended → Closed, plus the
//! exits Terminated (终止招标, after publication) and Cancelled (a draft abandoned before anyone saw
//! it). The later states are declared so storage, OCDS mapping and the UI can name them; apart
//! from suspension and termination, no event leads out of them yet.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::schedule::{objection_allowed, RuleViolation};
use crate::domain::tender::{ProcedureRules, Schedule};

/// The note recorded when an objection suspends tendering.
pub const OBJECTION_NOTE: &str = "异议待答复 (招标投标法实施条例第22条)";

/// Why tendering is paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuspensionReason {
    /// 条例22 [C]: an objection to the documents suspends tendering until it is answered.
    Objection,
    /// 条例62 [C]: the regulator may order a suspension while it handles a complaint (投诉).
    Complaint,
    /// Anything else the tenderer or regulator records (e.g. a court order).
    Other,
}

impl SuspensionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SuspensionReason::Objection => "objection",
            SuspensionReason::Complaint => "complaint",
            SuspensionReason::Other => "other",
        }
    }
}

impl fmt::Display for SuspensionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state without its data: the key of every mapping table (OCDS status, UI labels, storage).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StateKind {
    Draft,
    Published,
    Suspended,
    Terminated,
    Cancelled,
    Closed,
    Opening,
    Failed,
    Evaluating,
    Evaluated,
    Clearing,
    Deciding,
    Decided,
    Publicity,
    Awarded,
    Contracted,
}

impl StateKind {
    pub const ALL: [StateKind; 16] = [
        StateKind::Draft,
        StateKind::Published,
        StateKind::Suspended,
        StateKind::Terminated,
        StateKind::Cancelled,
        StateKind::Closed,
        StateKind::Opening,
        StateKind::Failed,
        StateKind::Evaluating,
        StateKind::Evaluated,
        StateKind::Clearing,
        StateKind::Deciding,
        StateKind::Decided,
        StateKind::Publicity,
        StateKind::Awarded,
        StateKind::Contracted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Draft => "draft",
            StateKind::Published => "published",
            StateKind::Suspended => "suspended",
            StateKind::Terminated => "terminated",
            StateKind::Cancelled => "cancelled",
            StateKind::Closed => "closed",
            StateKind::Opening => "opening",
            StateKind::Failed => "failed",
            StateKind::Evaluating => "evaluating",
            StateKind::Evaluated => "evaluated",
            StateKind::Clearing => "clearing",
            StateKind::Deciding => "deciding",
            StateKind::Decided => "decided",
            StateKind::Publicity => "publicity",
            StateKind::Awarded => "awarded",
            StateKind::Contracted => "contracted",
        }
    }

    /// States a suspension can return to: every state after publication that is still running.
    /// All are data-free, which is what lets `Suspended` remember one by kind.
    pub fn is_suspendable(self) -> bool {
        matches!(
            self,
            StateKind::Published
                | StateKind::Closed
                | StateKind::Opening
                | StateKind::Evaluating
                | StateKind::Evaluated
                | StateKind::Clearing
                | StateKind::Deciding
                | StateKind::Decided
                | StateKind::Publicity
        )
    }

    /// States the award moves a tender among (`Event::AwardProgressed`): from the evaluation
    /// (a section sent back for re-evaluation) to awarded (a winner who gives up after the
    /// notices reopens the section).
    pub fn in_award(self) -> bool {
        matches!(
            self,
            StateKind::Evaluating
                | StateKind::Evaluated
                | StateKind::Clearing
                | StateKind::Deciding
                | StateKind::Decided
                | StateKind::Publicity
                | StateKind::Awarded
        )
    }

    /// States that can be terminated (终止招标, 条例31 [C]): published and not yet awarded.
    fn is_terminable(self) -> bool {
        self == StateKind::Suspended || self.is_suspendable()
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a tender (its 标段 move together in the publication phase) stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// Being prepared; not public.
    Draft,
    /// 公告 published and documents on issue; bids accepted until the deadline.
    Published,
    /// Tendering paused (暂停招标投标活动).
    Suspended {
        reason: SuspensionReason,
        note: String,
        /// Objections received and not yet answered; resumption waits for zero.
        open_objections: u32,
        /// The state to return to on resumption.
        resume_to: StateKind,
    },
    /// 终止招标 (条例31 [C]): announced; fees, bonds and interest are refunded.
    Terminated { reason: String },
    /// A draft abandoned before publication.
    Cancelled { reason: String },
    /// Bid deadline passed; late bids are refused.
    Closed,
    /// 开标 in progress (decryption).
    Opening,
    /// 流标: fewer than 3 bids (条例44 [C]) or none valid; re-tender.
    Failed,
    /// 评标 in progress.
    Evaluating,
    /// 评标报告 delivered (ranked or unranked candidates).
    Evaluated,
    /// 评定分离: 清标.
    Clearing,
    /// 评定分离: 定标会议.
    Deciding,
    /// 评定分离: 定标报告 delivered.
    Decided,
    /// 中标候选人公示 (条例54 [C]).
    Publicity,
    /// 中标通知书 issued.
    Awarded,
    /// Contract signed.
    Contracted,
}

impl State {
    pub fn kind(&self) -> StateKind {
        match self {
            State::Draft => StateKind::Draft,
            State::Published => StateKind::Published,
            State::Suspended { .. } => StateKind::Suspended,
            State::Terminated { .. } => StateKind::Terminated,
            State::Cancelled { .. } => StateKind::Cancelled,
            State::Closed => StateKind::Closed,
            State::Opening => StateKind::Opening,
            State::Failed => StateKind::Failed,
            State::Evaluating => StateKind::Evaluating,
            State::Evaluated => StateKind::Evaluated,
            State::Clearing => StateKind::Clearing,
            State::Deciding => StateKind::Deciding,
            State::Decided => StateKind::Decided,
            State::Publicity => StateKind::Publicity,
            State::Awarded => StateKind::Awarded,
            State::Contracted => StateKind::Contracted,
        }
    }

    /// The data-free state of a kind, if it has one (everything but
    /// Suspended/Terminated/Cancelled).
    pub fn from_kind(kind: StateKind) -> Option<State> {
        Some(match kind {
            StateKind::Draft => State::Draft,
            StateKind::Published => State::Published,
            StateKind::Closed => State::Closed,
            StateKind::Opening => State::Opening,
            StateKind::Failed => State::Failed,
            StateKind::Evaluating => State::Evaluating,
            StateKind::Evaluated => State::Evaluated,
            StateKind::Clearing => State::Clearing,
            StateKind::Deciding => State::Deciding,
            StateKind::Decided => State::Decided,
            StateKind::Publicity => State::Publicity,
            StateKind::Awarded => State::Awarded,
            StateKind::Contracted => State::Contracted,
            StateKind::Suspended | StateKind::Terminated | StateKind::Cancelled => return None,
        })
    }
}

/// Something that happened to the tender.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Publish the announcement and issue the documents. The caller runs
    /// `schedule::validate_for_publication` first.
    Publish,
    /// A clarification or amendment (澄清或者修改) is published. The caller applies
    /// `schedule::amendment_effect` to the schedule.
    Amend,
    /// An objection to the documents is received (条例22 [C]).
    RaiseObjection,
    /// The tenderer answers one open objection.
    AnswerObjection,
    Suspend {
        reason: SuspensionReason,
        note: String,
    },
    Resume,
    /// 终止招标.
    Terminate {
        reason: String,
    },
    /// Abandon a draft.
    Cancel {
        reason: String,
    },
    /// The chronograph reports that the bid deadline has come.
    DeadlineReached,
    /// The opening ceremony (开标) starts at the opening time.
    StartOpening,
    /// Every section's ceremony is over: evaluation follows if any section was opened,
    /// otherwise the tender fails (流标).
    FinishOpening {
        any_opened: bool,
    },
    /// Every opened section's 评标报告 is complete: the award follows if any recommends
    /// candidates, otherwise the tender fails (every section short of valid bids).
    FinishEvaluation {
        any_candidates: bool,
    },
    /// The award of the tender's sections moved on (`domain::award::stage`): the tender holds
    /// the state of its least advanced section — or, once every awarded section's contract is
    /// signed, `contracted` (from `awarded` only).
    AwardProgressed {
        to: StateKind,
    },
}

/// An event without its data.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Publish,
    Amend,
    RaiseObjection,
    AnswerObjection,
    Suspend,
    Resume,
    Terminate,
    Cancel,
    DeadlineReached,
    StartOpening,
    FinishOpening,
    FinishEvaluation,
    AwardProgressed,
}

impl EventKind {
    pub const ALL: [EventKind; 13] = [
        EventKind::Publish,
        EventKind::Amend,
        EventKind::RaiseObjection,
        EventKind::AnswerObjection,
        EventKind::Suspend,
        EventKind::Resume,
        EventKind::Terminate,
        EventKind::Cancel,
        EventKind::DeadlineReached,
        EventKind::StartOpening,
        EventKind::FinishOpening,
        EventKind::FinishEvaluation,
        EventKind::AwardProgressed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Publish => "publish",
            EventKind::Amend => "amend",
            EventKind::RaiseObjection => "raise_objection",
            EventKind::AnswerObjection => "answer_objection",
            EventKind::Suspend => "suspend",
            EventKind::Resume => "resume",
            EventKind::Terminate => "terminate",
            EventKind::Cancel => "cancel",
            EventKind::DeadlineReached => "deadline_reached",
            EventKind::StartOpening => "start_opening",
            EventKind::FinishOpening => "finish_opening",
            EventKind::FinishEvaluation => "finish_evaluation",
            EventKind::AwardProgressed => "award_progressed",
        }
    }

    /// The state the event normally leads to; named in `invalid_state_transition` errors.
    pub fn nominal_target(self) -> StateKind {
        match self {
            EventKind::Publish
            | EventKind::Amend
            | EventKind::AnswerObjection
            | EventKind::Resume => StateKind::Published,
            EventKind::RaiseObjection | EventKind::Suspend => StateKind::Suspended,
            EventKind::Terminate => StateKind::Terminated,
            EventKind::Cancel => StateKind::Cancelled,
            EventKind::DeadlineReached => StateKind::Closed,
            EventKind::StartOpening => StateKind::Opening,
            EventKind::FinishOpening => StateKind::Evaluating,
            EventKind::FinishEvaluation => StateKind::Evaluated,
            EventKind::AwardProgressed => StateKind::Awarded,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Publish => EventKind::Publish,
            Event::Amend => EventKind::Amend,
            Event::RaiseObjection => EventKind::RaiseObjection,
            Event::AnswerObjection => EventKind::AnswerObjection,
            Event::Suspend { .. } => EventKind::Suspend,
            Event::Resume => EventKind::Resume,
            Event::Terminate { .. } => EventKind::Terminate,
            Event::Cancel { .. } => EventKind::Cancel,
            Event::DeadlineReached => EventKind::DeadlineReached,
            Event::StartOpening => EventKind::StartOpening,
            Event::FinishOpening { .. } => EventKind::FinishOpening,
            Event::FinishEvaluation { .. } => EventKind::FinishEvaluation,
            Event::AwardProgressed { .. } => EventKind::AwardProgressed,
        }
    }
}

/// Why a transition was refused. [`TransitionError::code`] is the stable wire name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("invalid_state_transition: {event} cannot take a {from} tender to {to}")]
    InvalidStateTransition {
        from: StateKind,
        to: StateKind,
        event: EventKind,
    },
    #[error("reason_required: {event} needs a non-empty reason")]
    ReasonRequired { event: EventKind },
    /// Suspending again for the reason it is suspended for would change nothing; a new reason
    /// (e.g. a complaint while objections are pending) is a real change and is taken.
    #[error("already_suspended: the tender is already suspended ({reason})")]
    AlreadySuspended { reason: SuspensionReason },
    #[error("deadline_passed: the bid deadline {deadline} has passed")]
    DeadlinePassed { deadline: DateTime<Utc> },
    #[error("deadline_not_reached: the bid deadline is {deadline}")]
    DeadlineNotReached { deadline: DateTime<Utc> },
    #[error("objections_pending: {open} objection(s) still unanswered")]
    ObjectionsPending { open: u32 },
    #[error("no_open_objection: there is no unanswered objection")]
    NoOpenObjection,
    #[error("{0}")]
    Rule(RuleViolation),
}

impl TransitionError {
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::InvalidStateTransition { .. } => "invalid_state_transition",
            TransitionError::ReasonRequired { .. } => "reason_required",
            TransitionError::AlreadySuspended { .. } => "already_suspended",
            TransitionError::DeadlinePassed { .. } => "deadline_passed",
            TransitionError::DeadlineNotReached { .. } => "deadline_not_reached",
            TransitionError::ObjectionsPending { .. } => "objections_pending",
            TransitionError::NoOpenObjection => "no_open_objection",
            TransitionError::Rule(v) => v.rule.as_str(),
        }
    }
}

fn non_empty(text: &str, event: EventKind) -> Result<String, TransitionError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        Err(TransitionError::ReasonRequired { event })
    } else {
        Ok(trimmed.to_string())
    }
}

/// The next state, or why not. `rules` supplies the objection cut-off (条例22); `schedule` is the
/// tender's current schedule (after any amendment the caller has applied).
///
/// Deadline handling: while suspended the deadline does not close the tender (tendering is
/// paused); if it passes meanwhile, the tender can only be amended (to set a new deadline),
/// re-suspended or terminated, and answering the last objection leaves it suspended until an
/// explicit `Resume` after the amendment.
pub fn transition(
    state: &State,
    event: &Event,
    now: DateTime<Utc>,
    schedule: &Schedule,
    rules: &ProcedureRules,
) -> Result<State, TransitionError> {
    let deadline = schedule.bid_deadline;
    let before_deadline = || {
        if now < deadline {
            Ok(())
        } else {
            Err(TransitionError::DeadlinePassed { deadline })
        }
    };
    let invalid = || TransitionError::InvalidStateTransition {
        from: state.kind(),
        to: event.kind().nominal_target(),
        event: event.kind(),
    };
    // Only objections to the 招标文件 are handled here; objections to opening or evaluation
    // results (条例44, 54) will come with those phases.
    let objections_open = |resume_to: StateKind| resume_to == StateKind::Published;

    match (state, event) {
        (State::Draft, Event::Publish) => {
            before_deadline()?;
            Ok(State::Published)
        }
        (State::Draft, Event::Cancel { reason }) => Ok(State::Cancelled {
            reason: non_empty(reason, EventKind::Cancel)?,
        }),

        (State::Published, Event::Amend) => {
            before_deadline()?;
            Ok(State::Published)
        }
        (State::Published, Event::RaiseObjection) => {
            objection_allowed(schedule, now, rules).map_err(TransitionError::Rule)?;
            Ok(State::Suspended {
                reason: SuspensionReason::Objection,
                note: OBJECTION_NOTE.to_string(),
                open_objections: 1,
                resume_to: StateKind::Published,
            })
        }
        (State::Published, Event::DeadlineReached) => {
            if now < deadline {
                Err(TransitionError::DeadlineNotReached { deadline })
            } else {
                Ok(State::Closed)
            }
        }

        (State::Suspended { resume_to, .. }, Event::Amend)
            if *resume_to == StateKind::Published =>
        {
            Ok(state.clone())
        }
        (
            State::Suspended {
                reason,
                note,
                open_objections,
                resume_to,
            },
            Event::RaiseObjection,
        ) if objections_open(*resume_to) => {
            objection_allowed(schedule, now, rules).map_err(TransitionError::Rule)?;
            Ok(State::Suspended {
                reason: *reason,
                note: note.clone(),
                open_objections: open_objections.saturating_add(1),
                resume_to: *resume_to,
            })
        }
        (
            State::Suspended {
                reason,
                note,
                open_objections,
                resume_to,
            },
            Event::AnswerObjection,
        ) => {
            let left = open_objections
                .checked_sub(1)
                .ok_or(TransitionError::NoOpenObjection)?;
            let deadline_blocks = *resume_to == StateKind::Published && now >= deadline;
            if left == 0 && *reason == SuspensionReason::Objection && !deadline_blocks {
                State::from_kind(*resume_to).ok_or_else(invalid)
            } else {
                Ok(State::Suspended {
                    reason: *reason,
                    note: note.clone(),
                    open_objections: left,
                    resume_to: *resume_to,
                })
            }
        }
        (
            State::Suspended {
                reason: current, ..
            },
            Event::Suspend { reason, .. },
        ) if current == reason => Err(TransitionError::AlreadySuspended { reason: *reason }),
        (
            State::Suspended {
                open_objections,
                resume_to,
                ..
            },
            Event::Suspend { reason, note },
        ) => Ok(State::Suspended {
            reason: *reason,
            note: non_empty(note, EventKind::Suspend)?,
            open_objections: *open_objections,
            resume_to: *resume_to,
        }),
        (
            State::Suspended {
                open_objections,
                resume_to,
                ..
            },
            Event::Resume,
        ) => {
            if *open_objections > 0 {
                return Err(TransitionError::ObjectionsPending {
                    open: *open_objections,
                });
            }
            if *resume_to == StateKind::Published {
                before_deadline()?;
            }
            State::from_kind(*resume_to).ok_or_else(invalid)
        }

        (State::Closed, Event::StartOpening) => {
            if now < deadline {
                Err(TransitionError::DeadlineNotReached { deadline })
            } else {
                Ok(State::Opening)
            }
        }
        (State::Opening, Event::FinishOpening { any_opened }) => Ok(if *any_opened {
            State::Evaluating
        } else {
            State::Failed
        }),
        (State::Evaluating, Event::FinishEvaluation { any_candidates }) => Ok(if *any_candidates {
            State::Evaluated
        } else {
            State::Failed
        }),

        (
            State::Awarded,
            Event::AwardProgressed {
                to: StateKind::Contracted,
            },
        ) => Ok(State::Contracted),
        (s, Event::AwardProgressed { to })
            if s.kind().in_award() && (to.in_award() || *to == StateKind::Failed) =>
        {
            State::from_kind(*to).ok_or_else(invalid)
        }

        (s, Event::Suspend { reason, note }) if s.kind().is_suspendable() => Ok(State::Suspended {
            reason: *reason,
            note: non_empty(note, EventKind::Suspend)?,
            open_objections: 0,
            resume_to: s.kind(),
        }),
        (s, Event::Terminate { reason }) if s.kind().is_terminable() => Ok(State::Terminated {
            reason: non_empty(reason, EventKind::Terminate)?,
        }),

        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::tests::{schedule, sh};
    use crate::domain::schedule::{objection_cutoff, RuleCode};
    use chrono::TimeDelta;

    const RULES: ProcedureRules = ProcedureRules::STATUTORY;

    fn now() -> DateTime<Utc> {
        sh(2025, 3, 10, 10, 0, 0)
    }

    fn suspended(reason: SuspensionReason, open: u32, resume_to: StateKind) -> State {
        State::Suspended {
            reason,
            note: "n".into(),
            open_objections: open,
            resume_to,
        }
    }

    fn go(state: &State, event: &Event) -> Result<State, TransitionError> {
        transition(state, event, now(), &schedule(), &RULES)
    }

    fn suspend(reason: SuspensionReason) -> Event {
        Event::Suspend {
            reason,
            note: "投诉处理中".into(),
        }
    }

    /// One representative state per kind (Suspended returning to Published).
    fn sample(kind: StateKind) -> State {
        match kind {
            StateKind::Suspended => suspended(SuspensionReason::Complaint, 0, StateKind::Published),
            StateKind::Terminated => State::Terminated { reason: "r".into() },
            StateKind::Cancelled => State::Cancelled { reason: "r".into() },
            k => State::from_kind(k).unwrap(),
        }
    }

    fn sample_event(kind: EventKind) -> Event {
        match kind {
            EventKind::Publish => Event::Publish,
            EventKind::Amend => Event::Amend,
            EventKind::RaiseObjection => Event::RaiseObjection,
            EventKind::AnswerObjection => Event::AnswerObjection,
            EventKind::Suspend => suspend(SuspensionReason::Other),
            EventKind::Resume => Event::Resume,
            EventKind::Terminate => Event::Terminate {
                reason: "项目取消".into(),
            },
            EventKind::Cancel => Event::Cancel {
                reason: "重新编制".into(),
            },
            EventKind::DeadlineReached => Event::DeadlineReached,
            EventKind::StartOpening => Event::StartOpening,
            EventKind::FinishOpening => Event::FinishOpening { any_opened: true },
            EventKind::FinishEvaluation => Event::FinishEvaluation {
                any_candidates: true,
            },
            EventKind::AwardProgressed => Event::AwardProgressed {
                to: StateKind::Deciding,
            },
        }
    }

    #[test]
    fn the_award_moves_the_tender_among_its_states_only() {
        use StateKind as K;
        let go_to = |from: State, to: K| {
            transition(
                &from,
                &Event::AwardProgressed { to },
                now(),
                &schedule(),
                &RULES,
            )
        };
        assert_eq!(go_to(State::Evaluated, K::Clearing), Ok(State::Clearing));
        assert_eq!(go_to(State::Publicity, K::Awarded), Ok(State::Awarded));
        assert_eq!(go_to(State::Awarded, K::Decided), Ok(State::Decided));
        assert_eq!(go_to(State::Awarded, K::Contracted), Ok(State::Contracted));
        assert_eq!(go_to(State::Deciding, K::Failed), Ok(State::Failed));
        assert_eq!(
            go_to(State::Publicity, K::Evaluating),
            Ok(State::Evaluating)
        );
        for (from, to) in [
            (State::Published, K::Deciding),
            (State::Closed, K::Awarded),
            (State::Evaluated, K::Published),
            (State::Evaluated, K::Contracted),
            (State::Publicity, K::Contracted),
            (State::Contracted, K::Awarded),
            (State::Contracted, K::Contracted),
            (State::Failed, K::Awarded),
        ] {
            assert!(matches!(
                go_to(from, to),
                Err(TransitionError::InvalidStateTransition { .. })
            ));
        }
    }

    #[test]
    fn legal_transitions_of_the_publication_phase() {
        use StateKind as K;
        use SuspensionReason::*;
        let after_deadline = schedule().bid_deadline;
        let cases: Vec<(State, Event, DateTime<Utc>, State)> = vec![
            (State::Draft, Event::Publish, now(), State::Published),
            (
                State::Draft,
                sample_event(EventKind::Cancel),
                now(),
                State::Cancelled {
                    reason: "重新编制".into(),
                },
            ),
            (State::Published, Event::Amend, now(), State::Published),
            (
                State::Published,
                Event::RaiseObjection,
                now(),
                State::Suspended {
                    reason: Objection,
                    note: OBJECTION_NOTE.into(),
                    open_objections: 1,
                    resume_to: K::Published,
                },
            ),
            (
                State::Published,
                suspend(Complaint),
                now(),
                State::Suspended {
                    reason: Complaint,
                    note: "投诉处理中".into(),
                    open_objections: 0,
                    resume_to: K::Published,
                },
            ),
            (
                State::Published,
                sample_event(EventKind::Terminate),
                now(),
                State::Terminated {
                    reason: "项目取消".into(),
                },
            ),
            (
                State::Published,
                Event::DeadlineReached,
                after_deadline,
                State::Closed,
            ),
            (
                suspended(Objection, 1, K::Published),
                Event::Amend,
                now(),
                suspended(Objection, 1, K::Published),
            ),
            (
                suspended(Objection, 1, K::Published),
                Event::RaiseObjection,
                now(),
                suspended(Objection, 2, K::Published),
            ),
            (
                suspended(Objection, 2, K::Published),
                Event::AnswerObjection,
                now(),
                suspended(Objection, 1, K::Published),
            ),
            (
                suspended(Objection, 1, K::Published),
                Event::AnswerObjection,
                now(),
                State::Published,
            ),
            // A complaint suspension outlives the answered objection.
            (
                suspended(Complaint, 1, K::Published),
                Event::AnswerObjection,
                now(),
                suspended(Complaint, 0, K::Published),
            ),
            (
                suspended(Objection, 1, K::Published),
                suspend(Complaint),
                now(),
                State::Suspended {
                    reason: Complaint,
                    note: "投诉处理中".into(),
                    open_objections: 1,
                    resume_to: K::Published,
                },
            ),
            (
                suspended(Complaint, 0, K::Published),
                Event::Resume,
                now(),
                State::Published,
            ),
            (
                suspended(Other, 0, K::Published),
                sample_event(EventKind::Terminate),
                now(),
                State::Terminated {
                    reason: "项目取消".into(),
                },
            ),
            // Later states can be suspended by a complaint, resumed and terminated.
            (
                State::Closed,
                suspend(Complaint),
                after_deadline,
                State::Suspended {
                    reason: Complaint,
                    note: "投诉处理中".into(),
                    open_objections: 0,
                    resume_to: K::Closed,
                },
            ),
            (
                suspended(Complaint, 0, K::Closed),
                Event::Resume,
                after_deadline,
                State::Closed,
            ),
            (
                State::Closed,
                sample_event(EventKind::Terminate),
                after_deadline,
                State::Terminated {
                    reason: "项目取消".into(),
                },
            ),
            (
                State::Publicity,
                suspend(Complaint),
                after_deadline,
                State::Suspended {
                    reason: Complaint,
                    note: "投诉处理中".into(),
                    open_objections: 0,
                    resume_to: K::Publicity,
                },
            ),
        ];
        for (from, event, at, expected) in cases {
            let got = transition(&from, &event, at, &schedule(), &RULES);
            assert_eq!(got, Ok(expected), "{from:?} + {event:?}");
        }
    }

    #[test]
    fn suspending_again_for_the_same_reason_is_refused() {
        use SuspensionReason::*;
        for reason in [Objection, Complaint, Other] {
            let got = go(
                &suspended(reason, 1, StateKind::Published),
                &suspend(reason),
            );
            assert_eq!(got, Err(TransitionError::AlreadySuspended { reason }));
            assert_eq!(got.unwrap_err().code(), "already_suspended");
        }
        // Another reason is a change: the tender stays suspended, now for the new reason.
        let got = go(
            &suspended(Complaint, 0, StateKind::Published),
            &suspend(Other),
        );
        assert_eq!(
            got.map(|s| s.kind()),
            Ok(StateKind::Suspended),
            "a new reason is taken"
        );
    }

    #[test]
    fn illegal_transitions_name_from_and_to() {
        use EventKind as E;
        use StateKind as K;
        // (state, event) pairs that are legal at `now()` with the sample data; everything else is
        // refused with invalid_state_transition.
        let legal = [
            (K::Draft, E::Publish),
            (K::Draft, E::Cancel),
            (K::Published, E::Amend),
            (K::Published, E::RaiseObjection),
            (K::Published, E::Suspend),
            (K::Published, E::Terminate),
            (K::Suspended, E::Amend),
            (K::Suspended, E::RaiseObjection),
            (K::Suspended, E::Suspend),
            (K::Suspended, E::Resume),
            (K::Suspended, E::Terminate),
            (K::Opening, E::FinishOpening),
            (K::Evaluating, E::FinishEvaluation),
            (K::Evaluating, E::AwardProgressed),
            (K::Evaluated, E::AwardProgressed),
            (K::Clearing, E::AwardProgressed),
            (K::Deciding, E::AwardProgressed),
            (K::Decided, E::AwardProgressed),
            (K::Publicity, E::AwardProgressed),
            (K::Awarded, E::AwardProgressed),
        ];
        // Legal in principle but refused by a rule other than the state (checked elsewhere).
        let rule_refused = [
            (K::Published, E::DeadlineReached),
            (K::Suspended, E::AnswerObjection),
            (K::Closed, E::StartOpening),
        ];
        for kind in StateKind::ALL {
            for ev in EventKind::ALL {
                let got = go(&sample(kind), &sample_event(ev));
                if legal.contains(&(kind, ev)) {
                    assert!(got.is_ok(), "{kind} + {ev}: {got:?}");
                } else if rule_refused.contains(&(kind, ev)) {
                    let code = got.unwrap_err().code();
                    assert!(code != "invalid_state_transition", "{kind} + {ev}");
                } else if kind.is_suspendable()
                    && kind != K::Published
                    && matches!(ev, E::Suspend | E::Terminate)
                {
                    assert!(got.is_ok(), "{kind} + {ev}: {got:?}");
                } else {
                    assert_eq!(
                        got,
                        Err(TransitionError::InvalidStateTransition {
                            from: kind,
                            to: ev.nominal_target(),
                            event: ev
                        }),
                        "{kind} + {ev}"
                    );
                }
            }
        }
        // The opening starts at the deadline itself, not a moment before.
        let d = schedule().bid_deadline;
        let at = |t| transition(&State::Closed, &Event::StartOpening, t, &schedule(), &RULES);
        assert_eq!(at(d), Ok(State::Opening));
        assert_eq!(
            at(d - chrono::TimeDelta::seconds(1)),
            Err(TransitionError::DeadlineNotReached { deadline: d })
        );
        assert_eq!(
            go(&State::Opening, &Event::FinishOpening { any_opened: false }),
            Ok(State::Failed)
        );
        let none = Event::FinishEvaluation {
            any_candidates: false,
        };
        assert_eq!(go(&State::Evaluating, &none), Ok(State::Failed));
        let err = go(&State::Closed, &Event::Publish).unwrap_err();
        assert_eq!(err.code(), "invalid_state_transition");
        assert_eq!(
            err.to_string(),
            "invalid_state_transition: publish cannot take a closed tender to published"
        );
    }

    #[test]
    fn reasons_are_required() {
        for (state, event) in [
            (State::Draft, Event::Cancel { reason: " ".into() }),
            (State::Published, Event::Terminate { reason: "".into() }),
            (
                State::Published,
                Event::Suspend {
                    reason: SuspensionReason::Other,
                    note: "\t".into(),
                },
            ),
        ] {
            let err = go(&state, &event).unwrap_err();
            assert_eq!(err.code(), "reason_required", "{event:?}");
        }
    }

    #[test]
    fn deadline_rules() {
        let s = schedule();
        let d = s.bid_deadline;
        let sec = TimeDelta::seconds(1);
        let at = |t| transition(&State::Published, &Event::DeadlineReached, t, &s, &RULES);
        assert_eq!(at(d - sec).unwrap_err().code(), "deadline_not_reached");
        assert_eq!(at(d), Ok(State::Closed));
        assert_eq!(at(d + sec), Ok(State::Closed));
        // Publishing or amending at the deadline is too late.
        let late = |st: &State, ev: &Event| transition(st, ev, d, &s, &RULES).unwrap_err().code();
        assert_eq!(late(&State::Draft, &Event::Publish), "deadline_passed");
        assert_eq!(late(&State::Published, &Event::Amend), "deadline_passed");
        // While suspended the deadline neither closes the tender nor lets it resume.
        let sus = suspended(SuspensionReason::Objection, 1, StateKind::Published);
        assert_eq!(
            late(&sus, &Event::DeadlineReached),
            "invalid_state_transition"
        );
        let answered = transition(&sus, &Event::AnswerObjection, d, &s, &RULES).unwrap();
        assert_eq!(
            answered,
            suspended(SuspensionReason::Objection, 0, StateKind::Published)
        );
        assert_eq!(late(&answered, &Event::Resume), "deadline_passed");
        // After an amendment moves the deadline, resumption works.
        let mut moved = s.clone();
        moved.bid_deadline = d + TimeDelta::days(15);
        assert_eq!(
            transition(&answered, &Event::Resume, d, &moved, &RULES),
            Ok(State::Published)
        );
    }

    #[test]
    fn objections_respect_the_cutoff_and_block_resumption() {
        let s = schedule();
        let cutoff = objection_cutoff(s.bid_deadline, &RULES);
        let raise = |t| transition(&State::Published, &Event::RaiseObjection, t, &s, &RULES);
        assert!(raise(cutoff - TimeDelta::seconds(1)).is_ok());
        let err = raise(cutoff).unwrap_err();
        assert_eq!(err.code(), RuleCode::ObjectionTooLate.as_str());
        for open in [1, 2] {
            let pending = suspended(SuspensionReason::Complaint, open, StateKind::Published);
            assert_eq!(
                go(&pending, &Event::Resume).unwrap_err(),
                TransitionError::ObjectionsPending { open }
            );
        }
        let none = suspended(SuspensionReason::Complaint, 0, StateKind::Published);
        assert_eq!(
            go(&none, &Event::AnswerObjection).unwrap_err(),
            TransitionError::NoOpenObjection
        );
        // Objections to the documents are not accepted once the tender has closed.
        let closed = suspended(SuspensionReason::Complaint, 0, StateKind::Closed);
        assert_eq!(
            go(&closed, &Event::RaiseObjection).unwrap_err().code(),
            "invalid_state_transition"
        );
    }

    #[test]
    fn state_json_shape() {
        let s = suspended(SuspensionReason::Objection, 1, StateKind::Published);
        let j = serde_json::to_value(&s).unwrap();
        let want = serde_json::json!({"state": "suspended", "reason": "objection", "note": "n",
            "open_objections": 1, "resume_to": "published"});
        assert_eq!(j, want);
        assert_eq!(serde_json::from_value::<State>(j).unwrap(), s);
        for k in StateKind::ALL {
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
            assert_eq!(sample(k).kind(), k);
        }
        for e in EventKind::ALL {
            assert_eq!(
                serde_json::to_value(e).unwrap(),
                serde_json::json!(e.as_str())
            );
            assert_eq!(sample_event(e).kind(), e);
        }
    }
}
