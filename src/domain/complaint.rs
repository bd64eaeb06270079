//! Complaints (投诉, 条例60–62): who may complain about what and until when, the supervising
//! department's limits for accepting and deciding, and the complaint's states.
//!
//! The limits, as the law counts them (docs/SUPERVISION.md §2):
//! - **filing** (条例60): within 10 days (calendar) of the day the complainant knew or should have
//!   known; a complaint about the documents (条例22), the opening (条例44) or the evaluation result
//!   (条例54) needs a prior objection to the tenderer, and the days the objection waited for its
//!   answer do not count. An objection still inside its answer period makes the complaint
//!   premature; one left unanswered past its period may be complained about.
//! - **acceptance** (条例61): within 3 working days of receipt the department accepts or refuses;
//! - **decision** (条例61): within 30 working days of acceptance, the days spent on testing,
//!   inspection or expert review (检验、检测、鉴定、专家评审) not counted.
//!
//! What the complainant "knew" is not its say alone where the platform has the event: the
//! use-case passes the instant the platform published it (the opening record, the candidates'
//! publicity), the complainant's own date only for what the platform cannot know.

use std::fmt;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::{NotCovered, WorkCalendar};
use crate::domain::schedule::{legal_date, start_of_legal_day};

/// Days to file after knowing (条例60).
pub const FILING_DAYS: i64 = 10;
/// Working days to accept or refuse (条例61).
pub const ACCEPTANCE_WORKING_DAYS: u32 = 3;
/// Working days to decide after acceptance (条例61).
pub const DECISION_WORKING_DAYS: u32 = 30;

/// What a complaint is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ComplaintSubject)]
pub enum Subject {
    /// The tender or pre-qualification documents (条例22).
    Documents,
    /// The opening (条例44).
    Opening,
    /// The evaluation result: the candidates publicised (条例54).
    EvaluationResult,
    /// Anything else in the procedure (the award, a party's conduct, …).
    Other,
}

impl Subject {
    pub const ALL: [Subject; 4] = [
        Subject::Documents,
        Subject::Opening,
        Subject::EvaluationResult,
        Subject::Other,
    ];

    /// 条例60: these need an objection to the tenderer first.
    pub fn needs_prior_objection(self) -> bool {
        !matches!(self, Subject::Other)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Documents => "documents",
            Subject::Opening => "opening",
            Subject::EvaluationResult => "evaluation_result",
            Subject::Other => "other",
        }
    }
}

/// The complainant's objection to the tenderer on the same matter, as the platform recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorObjection {
    pub raised_at: DateTime<Utc>,
    /// When it was answered, if it was.
    pub answered_at: Option<DateTime<Utc>>,
    /// The end of its answer period (the first late instant).
    pub answer_due: DateTime<Utc>,
}

/// Why a complaint cannot be filed now. Each is its own stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilingRefusal {
    /// 条例60: the subject needs a prior objection and there is none.
    NoPriorObjection,
    /// The objection is still inside its answer period: the tenderer has not had its say.
    ObjectionAwaitingAnswer { answer_due: DateTime<Utc> },
    /// More than 10 counted days since the complainant knew.
    TooLate { cutoff: DateTime<Utc> },
}

impl FilingRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            FilingRefusal::NoPriorObjection => "complaint_needs_objection",
            FilingRefusal::ObjectionAwaitingAnswer { .. } => "objection_awaiting_answer",
            FilingRefusal::TooLate { .. } => "complaint_too_late",
        }
    }
}

impl fmt::Display for FilingRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilingRefusal::NoPriorObjection => write!(
                f,
                "a complaint about the documents, the opening or the evaluation result needs an \
                 objection to the tenderer first (招标投标法实施条例第60条)"
            ),
            FilingRefusal::ObjectionAwaitingAnswer { answer_due } => write!(
                f,
                "the objection on this matter may still be answered until {answer_due}; complain \
                 after the answer or once that time has passed"
            ),
            FilingRefusal::TooLate { cutoff } => write!(
                f,
                "complaints must be filed within 10 days of knowing (招标投标法实施条例第60条); \
                 this one closed at {cutoff}"
            ),
        }
    }
}

/// The dates an objection's answer period covers: from the day it was raised through the day it
/// was answered (or its period ended). Generous to the complainant at both ends: the law does
/// not say whether the first and last days count, and a day too many only gives it more time.
fn answer_period(o: &PriorObjection) -> (NaiveDate, NaiveDate) {
    let end = match o.answered_at {
        Some(a) => legal_date(a),
        // Unanswered: the period ran to its last day.
        None => legal_date(o.answer_due - TimeDelta::seconds(1)),
    };
    (legal_date(o.raised_at), end)
}

/// The first instant too late to complain about something known at `known_at` (条例60), the
/// objection's answer period not counted.
pub fn filing_cutoff(known_at: DateTime<Utc>, objection: Option<&PriorObjection>) -> DateTime<Utc> {
    let skip = objection.map(answer_period);
    let mut day = legal_date(known_at);
    let mut counted = 0;
    while counted < FILING_DAYS {
        day += TimeDelta::days(1);
        if !skip.is_some_and(|(a, b)| a <= day && day <= b) {
            counted += 1;
        }
    }
    start_of_legal_day(day + TimeDelta::days(1))
}

/// May a complaint on `subject`, known at `known_at`, be filed at `now`?
pub fn check_filing(
    subject: Subject,
    known_at: DateTime<Utc>,
    objection: Option<&PriorObjection>,
    now: DateTime<Utc>,
) -> Result<(), FilingRefusal> {
    if subject.needs_prior_objection() {
        match objection {
            None => return Err(FilingRefusal::NoPriorObjection),
            Some(o) if o.answered_at.is_none() && now < o.answer_due => {
                return Err(FilingRefusal::ObjectionAwaitingAnswer {
                    answer_due: o.answer_due,
                })
            }
            Some(_) => {}
        }
    }
    let objection = objection.filter(|_| subject.needs_prior_objection());
    let cutoff = filing_cutoff(known_at, objection);
    if now >= cutoff {
        return Err(FilingRefusal::TooLate { cutoff });
    }
    Ok(())
}

/// 条例61: the first instant too late to accept or refuse a complaint received at `received_at`.
pub fn acceptance_due(
    cal: &WorkCalendar,
    received_at: DateTime<Utc>,
) -> Result<DateTime<Utc>, NotCovered> {
    cal.within_working_days(received_at, ACCEPTANCE_WORKING_DAYS)
}

/// A stretch of testing, inspection or expert review (条例61: not counted), by Shanghai dates,
/// inclusive; `to` None while it lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ComplaintPause)]
pub struct Pause {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// 条例61: the first instant too late to decide a complaint accepted at `accepted_at`, the
/// working days inside `pauses` not counted. None while a pause lasts: the clock stands still.
pub fn decision_due(
    cal: &WorkCalendar,
    accepted_at: DateTime<Utc>,
    pauses: &[Pause],
) -> Result<Option<DateTime<Utc>>, NotCovered> {
    if pauses.iter().any(|p| p.to.is_none()) {
        return Ok(None);
    }
    let paused = |d: NaiveDate| {
        pauses
            .iter()
            .any(|p| p.from <= d && p.to.is_some_and(|t| d <= t))
    };
    let mut counted = 0;
    for day in cal.working_days_after(legal_date(accepted_at)) {
        let day = day?;
        if paused(day) {
            continue;
        }
        counted += 1;
        if counted == DECISION_WORKING_DAYS {
            return Ok(Some(start_of_legal_day(day + TimeDelta::days(1))));
        }
    }
    unreachable!("working_days_after ends only with an error")
}

/// Where a complaint stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ComplaintState)]
pub enum State {
    /// Received; the department has 3 working days to accept or refuse.
    Filed,
    /// Accepted; being investigated (30 working days).
    Accepted,
    /// Waiting for testing, inspection or expert review: the decision clock stands still.
    Paused,
    /// Refused at acceptance (with a reason). Final.
    Refused,
    /// Decided in writing: dismissed or upheld. Final.
    Decided,
    /// Withdrawn by the complainant before the decision (the department may still act on its
    /// own motion). Final.
    Withdrawn,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Filed => "filed",
            State::Accepted => "accepted",
            State::Paused => "paused",
            State::Refused => "refused",
            State::Decided => "decided",
            State::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        [
            State::Filed,
            State::Accepted,
            State::Paused,
            State::Refused,
            State::Decided,
            State::Withdrawn,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(self, State::Refused | State::Decided | State::Withdrawn)
    }
}

/// What happens to a complaint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Accept,
    Refuse,
    Pause,
    Resume,
    Decide,
    Withdraw,
}

/// The complaint's state machine: the one place that says which step may follow which.
pub fn advance(state: State, event: Event) -> Option<State> {
    use Event as E;
    use State as S;
    match (state, event) {
        (S::Filed, E::Accept) => Some(S::Accepted),
        (S::Filed, E::Refuse) => Some(S::Refused),
        (S::Accepted, E::Pause) => Some(S::Paused),
        (S::Paused, E::Resume) => Some(S::Accepted),
        (S::Accepted, E::Decide) => Some(S::Decided),
        (S::Filed | S::Accepted | S::Paused, E::Withdraw) => Some(S::Withdrawn),
        _ => None,
    }
}

/// Why a department refuses to accept (《工程建设项目招标投标活动投诉处理办法》第12条 grounds, as
/// the platform can name them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefusalGround {
    /// The complainant is not a bidder or other interested party of the matter.
    NotInterestedParty,
    /// No clear request, or no facts and evidence for it.
    NoClearClaim,
    /// The same matter was already decided, or is before a court or another review.
    AlreadyHandled,
    /// The matter is not this department's (the complainant is told whose it is).
    NotCompetent,
}

/// The written decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[schema(as = ComplaintOutcome)]
pub enum Outcome {
    /// Unfounded: the procedure goes on as it was.
    Dismissed,
    /// Founded: the tender goes back to the step the decision names.
    Upheld { redo: Redo },
}

/// The step an upheld complaint sends the tender back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Redo {
    /// The documents are amended (and the deadline moved as 条例21 requires).
    AmendDocuments,
    /// The original committee evaluates again (条例54/71 grounds).
    Reevaluation,
    /// A new award round by the award committee (评定分离).
    NewAwardRound,
    /// The result stands void and the tender starts again (重新招标).
    Retender,
    /// Founded, but nothing to redo (the flaw did not affect the result); recorded.
    NoRedo,
}

impl Subject {
    pub fn parse(s: &str) -> Option<Subject> {
        Subject::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl RefusalGround {
    pub const ALL: [RefusalGround; 4] = [
        RefusalGround::NotInterestedParty,
        RefusalGround::NoClearClaim,
        RefusalGround::AlreadyHandled,
        RefusalGround::NotCompetent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefusalGround::NotInterestedParty => "not_interested_party",
            RefusalGround::NoClearClaim => "no_clear_claim",
            RefusalGround::AlreadyHandled => "already_handled",
            RefusalGround::NotCompetent => "not_competent",
        }
    }

    pub fn parse(s: &str) -> Option<RefusalGround> {
        RefusalGround::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl Redo {
    pub const ALL: [Redo; 5] = [
        Redo::AmendDocuments,
        Redo::Reevaluation,
        Redo::NewAwardRound,
        Redo::Retender,
        Redo::NoRedo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Redo::AmendDocuments => "amend_documents",
            Redo::Reevaluation => "reevaluation",
            Redo::NewAwardRound => "new_award_round",
            Redo::Retender => "retender",
            Redo::NoRedo => "no_redo",
        }
    }

    pub fn parse(s: &str) -> Option<Redo> {
        Redo::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl Outcome {
    /// `dismissed`, or `upheld:<redo>` (what the decision statement and the log carry).
    pub fn code(self) -> String {
        match self {
            Outcome::Dismissed => "dismissed".into(),
            Outcome::Upheld { redo } => format!("upheld:{}", redo.as_str()),
        }
    }

    pub fn parse_code(s: &str) -> Option<Outcome> {
        match s.split_once(':') {
            None if s == "dismissed" => Some(Outcome::Dismissed),
            Some(("upheld", r)) => Redo::parse(r).map(|redo| Outcome::Upheld { redo }),
            _ => None,
        }
    }
}

/// Hex SHA-256 of a complaint's or a decision's text (what the statements and the log carry).
pub fn content_digest(text: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()))
}

/// The bytes a complainant signs with its organisation certificate: `label ‖ tender ‖ 0x0a ‖
/// section (empty for the whole tender) ‖ 0x0a ‖ subject ‖ 0x0a ‖ objection id (or empty) ‖ 0x0a
/// ‖ USCC ‖ 0x0a ‖ hex SHA-256 of the text`.
pub fn statement(
    tender: &str,
    section: Option<&str>,
    subject: Subject,
    objection: Option<&str>,
    uscc: &str,
    text_sha256: &str,
) -> Vec<u8> {
    let msg = format!(
        "{tender}\n{}\n{}\n{}\n{uscc}\n{text_sha256}",
        section.unwrap_or(""),
        subject.as_str(),
        objection.unwrap_or("")
    );
    crate::domain::signed::labelled(crate::domain::signed::COMPLAINT, msg.as_bytes())
}

/// The bytes the deciding officer signs with its personal certificate: `label ‖ complaint id ‖
/// 0x0a ‖ outcome code (`dismissed`, `upheld:<redo>`) ‖ 0x0a ‖ hex SHA-256 of the decision text`.
pub fn decision_statement(complaint: &str, outcome: Outcome, text_sha256: &str) -> Vec<u8> {
    let msg = format!("{complaint}\n{}\n{text_sha256}", outcome.code());
    crate::domain::signed::labelled(crate::domain::signed::COMPLAINT_DECISION, msg.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::shipped()
    }

    /// Candidates publicised at 10:00 Shanghai on Monday 2 March 2026.
    const KNOWN: &str = "2026-03-02T02:00:00Z";

    #[test]
    fn ten_days_from_knowing() {
        // Known 2 March → the 10th day is 12 March; the 13th at 00:00 Shanghai is too late.
        let cutoff = filing_cutoff(t(KNOWN), None);
        assert_eq!(cutoff, t("2026-03-12T16:00:00Z"));
        let s = Subject::Other;
        assert_eq!(
            check_filing(s, t(KNOWN), None, cutoff - TimeDelta::seconds(1)),
            Ok(())
        );
        assert_eq!(
            check_filing(s, t(KNOWN), None, cutoff),
            Err(FilingRefusal::TooLate { cutoff })
        );
    }

    #[test]
    fn the_objection_answer_period_does_not_count() {
        // Objection raised 4 March, answered 6 March: 4, 5 and 6 March are not counted, so the
        // 10th counted day is 15 March.
        let o = PriorObjection {
            raised_at: t("2026-03-04T01:00:00Z"),
            answered_at: Some(t("2026-03-06T09:00:00Z")),
            answer_due: t("2026-03-07T16:00:00Z"),
        };
        let cutoff = filing_cutoff(t(KNOWN), Some(&o));
        assert_eq!(cutoff, t("2026-03-15T16:00:00Z"));
        let s = Subject::EvaluationResult;
        let before = cutoff - TimeDelta::seconds(1);
        assert_eq!(check_filing(s, t(KNOWN), Some(&o), before), Ok(()));
        assert_eq!(
            check_filing(s, t(KNOWN), Some(&o), cutoff)
                .unwrap_err()
                .code(),
            "complaint_too_late"
        );
    }

    #[test]
    fn a_prior_objection_is_needed_and_must_have_had_its_answer_period() {
        let now = t("2026-03-05T02:00:00Z");
        for s in [
            Subject::Documents,
            Subject::Opening,
            Subject::EvaluationResult,
        ] {
            assert_eq!(
                check_filing(s, t(KNOWN), None, now),
                Err(FilingRefusal::NoPriorObjection)
            );
        }
        assert_eq!(check_filing(Subject::Other, t(KNOWN), None, now), Ok(()));
        // Raised 3 March, not answered, its period ends 00:00 on 7 March.
        let due = t("2026-03-06T16:00:00Z");
        let o = PriorObjection {
            raised_at: t("2026-03-03T02:00:00Z"),
            answered_at: None,
            answer_due: due,
        };
        let s = Subject::EvaluationResult;
        let before = due - TimeDelta::seconds(1);
        assert_eq!(
            check_filing(s, t(KNOWN), Some(&o), before)
                .unwrap_err()
                .code(),
            "objection_awaiting_answer"
        );
        // Unanswered past its period: the complaint may come, 3–6 March not counted.
        assert_eq!(check_filing(s, t(KNOWN), Some(&o), due), Ok(()));
        assert_eq!(filing_cutoff(t(KNOWN), Some(&o)), t("2026-03-16T16:00:00Z"));
    }

    #[test]
    fn acceptance_within_three_working_days_across_the_spring_festival() {
        // Received Friday 13 February 2026 at 15:00: Saturday 14 is worked, 15–23 off, so the
        // department decides by the end of Wednesday 25 February.
        let due = acceptance_due(&cal(), t("2026-02-13T07:00:00Z")).unwrap();
        assert_eq!(due, t("2026-02-25T16:00:00Z"));
    }

    #[test]
    fn thirty_working_days_with_expert_review_not_counted() {
        let c = cal();
        // Accepted Monday 14 September 2026: due by the end of Friday 30 October (National Day,
        // 中秋 and the worked weekend days on the way; docs/SUPERVISION.md §1).
        let accepted = t("2026-09-14T02:00:00Z");
        let due = decision_due(&c, accepted, &[]).unwrap().unwrap();
        assert_eq!(due, t("2026-10-30T16:00:00Z"));
        // Expert review from Monday 19 October to Wednesday 21 October: three working days
        // more, so Wednesday 4 November.
        let review = Pause {
            from: "2026-10-19".parse().unwrap(),
            to: Some("2026-10-21".parse().unwrap()),
        };
        let due = decision_due(&c, accepted, &[review]).unwrap().unwrap();
        assert_eq!(due, t("2026-11-04T16:00:00Z"));
        // While a review lasts there is no due date.
        let open = Pause {
            from: "2026-10-19".parse().unwrap(),
            to: None,
        };
        assert_eq!(decision_due(&c, accepted, &[open]).unwrap(), None);
        // Accepted in December 2026: 30 working days reach 2027, whose notice is not shipped.
        let late = decision_due(&c, t("2026-12-10T02:00:00Z"), &[]);
        assert_eq!(late, Err(NotCovered { year: 2027 }));
    }

    #[test]
    fn codes_round_trip() {
        for r in Redo::ALL {
            let o = Outcome::Upheld { redo: r };
            assert_eq!(Outcome::parse_code(&o.code()), Some(o));
        }
        assert_eq!(Outcome::parse_code("dismissed"), Some(Outcome::Dismissed));
        assert_eq!(Outcome::parse_code("upheld:"), None);
        for g in RefusalGround::ALL {
            assert_eq!(RefusalGround::parse(g.as_str()), Some(g));
        }
        for s in Subject::ALL {
            assert_eq!(Subject::parse(s.as_str()), Some(s));
        }
        // A statement names its purpose, and each field is delimited.
        let a = statement("t", Some("1"), Subject::Other, None, "u", "d");
        assert!(a.starts_with(b"etender-complaint/v1\0"));
        assert_ne!(a, statement("t", None, Subject::Other, Some("1"), "u", "d"));
        let d = decision_statement("c", Outcome::Dismissed, "d");
        assert!(d.starts_with(b"etender-complaint-decision/v1\0"));
    }

    #[test]
    fn the_state_machine() {
        use Event as E;
        use State as S;
        let walk = |events: &[Event]| events.iter().try_fold(S::Filed, |s, e| advance(s, *e));
        assert_eq!(
            walk(&[E::Accept, E::Pause, E::Resume, E::Decide]),
            Some(S::Decided)
        );
        assert_eq!(walk(&[E::Refuse]), Some(S::Refused));
        assert_eq!(
            walk(&[E::Accept, E::Pause, E::Withdraw]),
            Some(S::Withdrawn)
        );
        // No decision before acceptance, none while paused, nothing after a final state.
        assert_eq!(walk(&[E::Decide]), None);
        assert_eq!(walk(&[E::Accept, E::Pause, E::Decide]), None);
        assert_eq!(walk(&[E::Refuse, E::Accept]), None);
        assert_eq!(walk(&[E::Accept, E::Decide, E::Withdraw]), None);
        assert_eq!(walk(&[E::Accept, E::Accept]), None);
        for s in [S::Refused, S::Decided, S::Withdrawn] {
            assert!(s.is_final());
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
    }
}
