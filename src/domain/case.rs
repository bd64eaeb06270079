//! Administrative-penalty cases (行政处罚, 行政处罚法 2021; docs/SUPERVISION.md "Cases"): the
//! one state machine saying which step follows which, the penalties a case may impose and which
//! of them give the party a hearing (63), the rule that a decision may not be heavier than the
//! penalty the party was told of (45: 不得因当事人陈述、申辩而给予更重的处罚), and the time
//! limits — calendar days (90 days to decide, 60; the 2-year limitation, 36; 15 days to pay,
//! 67) and working days (5 to state a defence or ask for a hearing, 7 between the hearing
//! notice and the hearing, 64; 7 to serve the decision, 61; 行政处罚法85 makes "三日、五日、
//! 七日" working days). Pure: the use-cases give it the instants and the working-day calendar.

use chrono::{DateTime, Months, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::calendar::{NotCovered, WorkCalendar};
use crate::domain::schedule::{legal_date, start_of_day_offset, start_of_legal_day};

/// Where a case stands. The last four are side exits: the case ends there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = CaseState)]
pub enum State {
    /// 线索: a clue is on file, not yet a case.
    Clue,
    /// 立案: the case is filed and under investigation (调查取证).
    Registered,
    /// 审查 / 法制审核 done: the officers may tell the party the intended penalty.
    Reviewed,
    /// 告知: the party knows the intended penalty and its rights; its period runs.
    Notified,
    /// The party asked for a hearing (听证) in time.
    HearingRequested,
    /// The hearing is fixed and the party notified (≥ 7 working days ahead).
    HearingScheduled,
    /// The hearing was held (or the party did not come: a waiver).
    HearingHeld,
    /// 决定: the decision document is made.
    Decided,
    /// 送达: served on the party; it takes effect and bans are enforced.
    Served,
    /// 执行: performed.
    Executed,
    /// 结案.
    Closed,
    /// 不予立案.
    NotRegistered,
    /// 撤销立案 / 终止调查.
    Withdrawn,
    /// 不予处罚 (facts not established, minor and corrected, no fault: 33, 57).
    NoPenalty,
    /// 移送: to another authority, or to the judiciary for a crime (57).
    Transferred,
}

impl State {
    pub const ALL: [State; 15] = [
        State::Clue,
        State::Registered,
        State::Reviewed,
        State::Notified,
        State::HearingRequested,
        State::HearingScheduled,
        State::HearingHeld,
        State::Decided,
        State::Served,
        State::Executed,
        State::Closed,
        State::NotRegistered,
        State::Withdrawn,
        State::NoPenalty,
        State::Transferred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Clue => "clue",
            State::Registered => "registered",
            State::Reviewed => "reviewed",
            State::Notified => "notified",
            State::HearingRequested => "hearing_requested",
            State::HearingScheduled => "hearing_scheduled",
            State::HearingHeld => "hearing_held",
            State::Decided => "decided",
            State::Served => "served",
            State::Executed => "executed",
            State::Closed => "closed",
            State::NotRegistered => "not_registered",
            State::Withdrawn => "withdrawn",
            State::NoPenalty => "no_penalty",
            State::Transferred => "transferred",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Nothing follows: 结案 or a side exit.
    pub fn is_final(self) -> bool {
        advance_targets(self).is_empty()
    }

    /// Evidence is gathered while the case is under investigation (调查取证).
    pub fn takes_evidence(self) -> bool {
        self == State::Registered
    }

    /// The party may state its case and defend itself (陈述、申辩) from the notice until the
    /// decision (within its period, [`reply_due`]).
    pub fn takes_defence(self) -> bool {
        matches!(
            self,
            State::Notified | State::HearingRequested | State::HearingScheduled
        )
    }

    /// The decision's time limit may be extended (60) while no decision is made.
    pub fn takes_extension(self) -> bool {
        matches!(
            self,
            State::Registered
                | State::Reviewed
                | State::Notified
                | State::HearingRequested
                | State::HearingScheduled
                | State::HearingHeld
        )
    }
}

/// A step that moves a case. Each has one audit event type ([`Step::event`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Register,
    Decline,
    Review,
    Notify,
    RequestHearing,
    ScheduleHearing,
    HoldHearing,
    Decide,
    Serve,
    Execute,
    Close,
    Withdraw,
    NoPenalty,
    Transfer,
}

impl Step {
    pub const ALL: [Step; 14] = [
        Step::Register,
        Step::Decline,
        Step::Review,
        Step::Notify,
        Step::RequestHearing,
        Step::ScheduleHearing,
        Step::HoldHearing,
        Step::Decide,
        Step::Serve,
        Step::Execute,
        Step::Close,
        Step::Withdraw,
        Step::NoPenalty,
        Step::Transfer,
    ];

    /// The audit event type recording the step (the verifier replays them).
    pub fn event(self) -> &'static str {
        match self {
            Step::Register => "case_registered",
            Step::Decline => "case_declined",
            Step::Review => "case_reviewed",
            Step::Notify => "case_penalty_notified",
            Step::RequestHearing => "case_hearing_requested",
            Step::ScheduleHearing => "case_hearing_scheduled",
            Step::HoldHearing => "case_hearing_held",
            Step::Decide => "case_decided",
            Step::Serve => "case_served",
            Step::Execute => "case_executed",
            Step::Close => "case_closed",
            Step::Withdraw => "case_withdrawn",
            Step::NoPenalty => "case_no_penalty",
            Step::Transfer => "case_transferred",
        }
    }

    pub fn of_event(event: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.event() == event)
    }

    /// Taken by the party itself; every other step is an officer's.
    pub fn by_party(self) -> bool {
        self == Step::RequestHearing
    }
}

/// The one place saying which step may follow which: the state `step` leads to from `from`,
/// or `None` if it may not be taken there.
pub fn advance(from: State, step: Step) -> Option<State> {
    use State as S;
    use Step as T;
    Some(match (from, step) {
        (S::Clue, T::Register) => S::Registered,
        (S::Clue, T::Decline) => S::NotRegistered,
        (S::Registered, T::Review) => S::Reviewed,
        (S::Registered | S::Reviewed, T::Withdraw) => S::Withdrawn,
        (S::Registered | S::Reviewed, T::Transfer) => S::Transferred,
        // A defence or the hearing may show the facts are not established (57).
        (S::Reviewed | S::Notified | S::HearingHeld, T::NoPenalty) => S::NoPenalty,
        (S::Reviewed, T::Notify) => S::Notified,
        (S::Notified, T::RequestHearing) => S::HearingRequested,
        (S::HearingRequested, T::ScheduleHearing) => S::HearingScheduled,
        (S::HearingScheduled, T::HoldHearing) => S::HearingHeld,
        (S::Notified | S::HearingHeld, T::Decide) => S::Decided,
        (S::Decided, T::Serve) => S::Served,
        (S::Served, T::Execute) => S::Executed,
        (S::Executed, T::Close) => S::Closed,
        _ => return None,
    })
}

fn advance_targets(from: State) -> Vec<State> {
    Step::ALL
        .into_iter()
        .filter_map(|s| advance(from, s))
        .collect()
}

/// Who a case is against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A tenderer, agency or bidder, by its unified social credit code.
    Organisation,
    /// An evaluation expert (条例71, 72), by its principal on the platform.
    Expert,
}

impl PartyKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            PartyKind::Organisation => "organisation",
            PartyKind::Expert => "expert",
        }
    }

    pub fn parse(s: &str) -> Option<PartyKind> {
        [PartyKind::Organisation, PartyKind::Expert]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What a case starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A complaint (投诉) the department handled.
    Complaint,
    /// An inspection's finding (双随机 or special inspection).
    Inspection,
    /// A collusion signal computed at an opening (`{tender}/{section}/{seq}`).
    CollusionSignal,
    /// A flagged score deviation of an evaluator (its flag id).
    DeviationAlert,
    /// An expert's misconduct (the member of the expert library).
    ExpertMisconduct,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Complaint => "complaint",
            SourceKind::Inspection => "inspection",
            SourceKind::CollusionSignal => "collusion_signal",
            SourceKind::DeviationAlert => "deviation_alert",
            SourceKind::ExpertMisconduct => "expert_misconduct",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        [
            SourceKind::Complaint,
            SourceKind::Inspection,
            SourceKind::CollusionSignal,
            SourceKind::DeviationAlert,
            SourceKind::ExpertMisconduct,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The eight kinds of evidence (46).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Document,
    Physical,
    AudioVisual,
    ElectronicData,
    WitnessStatement,
    PartyStatement,
    ExpertOpinion,
    InspectionRecord,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Document => "document",
            EvidenceKind::Physical => "physical",
            EvidenceKind::AudioVisual => "audio_visual",
            EvidenceKind::ElectronicData => "electronic_data",
            EvidenceKind::WitnessStatement => "witness_statement",
            EvidenceKind::PartyStatement => "party_statement",
            EvidenceKind::ExpertOpinion => "expert_opinion",
            EvidenceKind::InspectionRecord => "inspection_record",
        }
    }
}

/// One penalty (处罚种类, 行政处罚法9, as the tendering law applies it: §2.6 of the rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Penalty {
    /// 警告.
    Warning,
    /// 罚款, in yuan.
    Fine {
        #[schema(value_type = String)]
        amount: Decimal,
    },
    /// 没收违法所得, in yuan.
    Confiscation {
        #[schema(value_type = String)]
        amount: Decimal,
    },
    /// 取消投标资格 for 1–3 years (条例67, 68): the platform refuses the USCC's bids.
    BiddingBan { years: u32 },
    /// 禁止在一定期限内参加依法必须进行招标的项目的评标 (条例71): not drawn for 1–36 months.
    ExpertSuspension { months: u32 },
    /// 取消担任评标委员会成员的资格 (条例71, 72): never drawn again.
    ExpertDisqualification,
}

/// The longest evaluation ban, in months (the 条例 says "一定期限"; three years, as the bidding
/// ban's longest term, is the platform's cap).
pub const MAX_SUSPENSION_MONTHS: u32 = 36;

/// 较大数额 (63): the fine or confiscation from which the party may ask for a hearing. The law
/// leaves the amounts to the provinces; these are Hubei's usual figures (organisations
/// ¥100,000, individuals ¥10,000), platform constants until a department's differ.
pub const LARGE_AMOUNT_ORGANISATION: Decimal = yuan(100_000);
pub const LARGE_AMOUNT_PERSON: Decimal = yuan(10_000);

const fn yuan(n: i64) -> Decimal {
    Decimal::from_parts(n as u32, 0, 0, false, 0)
}

/// Why a penalty cannot be imposed on this party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PenaltyError {
    pub index: usize,
    pub message: &'static str,
}

impl Penalty {
    fn same_kind(&self, other: &Penalty) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    /// Whether `self` is no heavier than `other` of the same kind (a lower amount or term).
    fn within(&self, other: &Penalty) -> bool {
        match (self, other) {
            (Penalty::Warning, Penalty::Warning) => true,
            (Penalty::Fine { amount: a }, Penalty::Fine { amount: b })
            | (Penalty::Confiscation { amount: a }, Penalty::Confiscation { amount: b }) => a <= b,
            (Penalty::BiddingBan { years: a }, Penalty::BiddingBan { years: b }) => a <= b,
            (Penalty::ExpertSuspension { months: a }, Penalty::ExpertSuspension { months: b }) => {
                a <= b
            }
            (Penalty::ExpertDisqualification, Penalty::ExpertDisqualification) => true,
            _ => false,
        }
    }
}

/// Check a list of penalties for a party: not empty, each once at most, amounts positive
/// with at most two decimals, terms in range, bans of the right kind of party.
pub fn check_penalties(party: PartyKind, ps: &[Penalty]) -> Result<(), PenaltyError> {
    let err = |index, message| Err(PenaltyError { index, message });
    if ps.is_empty() {
        return err(0, "at least one penalty");
    }
    for (i, p) in ps.iter().enumerate() {
        if ps[..i].iter().any(|q| q.same_kind(p)) {
            return err(i, "each kind of penalty once");
        }
        match (p, party) {
            (Penalty::Fine { amount } | Penalty::Confiscation { amount }, _)
                if *amount <= Decimal::ZERO || amount.scale() > 2 =>
            {
                return err(i, "a positive amount in yuan, to the fen");
            }
            (Penalty::BiddingBan { years }, PartyKind::Organisation)
                if !crate::domain::penalty::BAN_YEARS.contains(years) =>
            {
                return err(i, "a bidding ban is 1 to 3 years");
            }
            (Penalty::BiddingBan { .. }, PartyKind::Expert) => {
                return err(i, "a bidding ban is imposed on an organisation");
            }
            (Penalty::ExpertSuspension { months }, PartyKind::Expert)
                if !(1..=MAX_SUSPENSION_MONTHS).contains(months) =>
            {
                return err(i, "an evaluation ban is 1 to 36 months");
            }
            (
                Penalty::ExpertSuspension { .. } | Penalty::ExpertDisqualification,
                PartyKind::Organisation,
            ) => return err(i, "an evaluation ban is imposed on an expert"),
            _ => {}
        }
    }
    if ps
        .iter()
        .any(|p| matches!(p, Penalty::ExpertSuspension { .. }))
        && ps
            .iter()
            .any(|p| matches!(p, Penalty::ExpertDisqualification))
    {
        return err(0, "a suspension and a disqualification exclude each other");
    }
    Ok(())
}

/// 45: the decision may drop penalties or lower an amount or a term, never add a kind or raise
/// one; a warning, the lightest penalty, may replace any other.
pub fn not_heavier(decided: &[Penalty], notified: &[Penalty]) -> bool {
    decided.iter().all(|d| {
        notified.iter().any(|n| d.within(n)) || (*d == Penalty::Warning && !notified.is_empty())
    })
}

/// 63: the penalties for which the party may ask for a hearing — a large fine or confiscation,
/// a bidding ban (取消资格), an evaluation ban (限制从业).
pub fn gives_hearing(party: PartyKind, ps: &[Penalty]) -> bool {
    let large = match party {
        PartyKind::Organisation => LARGE_AMOUNT_ORGANISATION,
        PartyKind::Expert => LARGE_AMOUNT_PERSON,
    };
    ps.iter().any(|p| match p {
        Penalty::Warning => false,
        Penalty::Fine { amount } | Penalty::Confiscation { amount } => *amount >= large,
        Penalty::BiddingBan { .. }
        | Penalty::ExpertSuspension { .. }
        | Penalty::ExpertDisqualification => true,
    })
}

/// Working days for the party's statement, defence and hearing request after the notice (64).
pub const REPLY_WORKING_DAYS: u32 = 5;
/// Working days the hearing notice must precede the hearing (64).
pub const HEARING_NOTICE_WORKING_DAYS: u32 = 7;
/// Working days to serve a decision on a party not present at its announcement (61).
pub const SERVE_WORKING_DAYS: u32 = 7;
/// Calendar days from 立案 to the decision (60).
pub const DECISION_DAYS: i64 = 90;
/// Calendar days to pay a fine after service (67).
pub const PAYMENT_DAYS: i64 = 15;
/// The longest extension one approval grants, in calendar days (60 lets the agency head extend;
/// the amount is the platform's cap, each extension recorded with its reason).
pub const MAX_EXTENSION_DAYS: u32 = 90;
/// 行政复议法: 60 days from learning of the decision; 行政诉讼法46: six months.
pub const REVIEW_DAYS: u32 = 60;
pub const LITIGATION_MONTHS: u32 = 6;

/// The first instant too late to decide: 00:00 Shanghai after the 90th day from 立案 (the day
/// of 立案 not counted), plus the extensions granted.
pub fn decision_due(registered_at: DateTime<Utc>, extended_days: u32) -> DateTime<Utc> {
    start_of_day_offset(registered_at, DECISION_DAYS + 1 + i64::from(extended_days))
}

/// The first instant too late for the party's defence or hearing request.
pub fn reply_due(
    cal: &WorkCalendar,
    notified_at: DateTime<Utc>,
) -> Result<DateTime<Utc>, NotCovered> {
    cal.within_working_days(notified_at, REPLY_WORKING_DAYS)
}

/// The earliest instant a hearing noticed at `noticed_at` may be held: 00:00 Shanghai after the
/// 7th working day from the notice, so seven whole working days lie between.
pub fn earliest_hearing(
    cal: &WorkCalendar,
    noticed_at: DateTime<Utc>,
) -> Result<DateTime<Utc>, NotCovered> {
    cal.within_working_days(noticed_at, HEARING_NOTICE_WORKING_DAYS)
}

/// The first instant too late to serve a decision made at `decided_at`.
pub fn serve_due(
    cal: &WorkCalendar,
    decided_at: DateTime<Utc>,
) -> Result<DateTime<Utc>, NotCovered> {
    cal.within_working_days(decided_at, SERVE_WORKING_DAYS)
}

/// The last day to pay a fine served at `served_at` (15 days, the service day not counted).
pub fn payment_last_day(served_at: DateTime<Utc>) -> NaiveDate {
    legal_date(start_of_day_offset(served_at, PAYMENT_DAYS))
}

/// 36: an act (or the end of a continuing act) on `occurred_on` may not be punished when it was
/// discovered after two years — five where it endangered life, health or financial safety and
/// caused harm. The discovery instant `discovered_at` is within the limit when it is before
/// 00:00 Shanghai of the anniversary.
pub fn within_limitation(
    occurred_on: NaiveDate,
    grave: bool,
    discovered_at: DateTime<Utc>,
) -> bool {
    let years = if grave { 5 } else { 2 };
    match occurred_on.checked_add_months(Months::new(12 * years)) {
        Some(end) => discovered_at < start_of_legal_day(end + chrono::TimeDelta::days(1)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_main_path_and_its_exits() {
        use State as S;
        use Step as T;
        let path = [
            (T::Register, S::Registered),
            (T::Review, S::Reviewed),
            (T::Notify, S::Notified),
            (T::RequestHearing, S::HearingRequested),
            (T::ScheduleHearing, S::HearingScheduled),
            (T::HoldHearing, S::HearingHeld),
            (T::Decide, S::Decided),
            (T::Serve, S::Served),
            (T::Execute, S::Executed),
            (T::Close, S::Closed),
        ];
        let mut s = S::Clue;
        for (step, to) in path {
            s = advance(s, step).unwrap_or_else(|| panic!("{step:?} from {s:?}"));
            assert_eq!(s, to);
        }
        // Without a hearing: notified → decided.
        assert_eq!(advance(S::Notified, T::Decide), Some(S::Decided));
        // No decision without a notice (62), nor before the hearing asked for is held.
        for s in [
            S::Registered,
            S::Reviewed,
            S::HearingRequested,
            S::HearingScheduled,
        ] {
            assert_eq!(advance(s, T::Decide), None, "{s:?}");
        }
        assert_eq!(advance(S::Clue, T::Decline), Some(S::NotRegistered));
        assert_eq!(advance(S::Reviewed, T::Transfer), Some(S::Transferred));
        assert_eq!(advance(S::HearingHeld, T::NoPenalty), Some(S::NoPenalty));
        assert_eq!(advance(S::Decided, T::Withdraw), None);
        for s in [
            S::Closed,
            S::NotRegistered,
            S::Withdrawn,
            S::NoPenalty,
            S::Transferred,
        ] {
            assert!(s.is_final(), "{s:?}");
        }
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        for st in Step::ALL {
            assert_eq!(Step::of_event(st.event()), Some(st));
        }
    }

    fn reachable(from: State) -> Vec<State> {
        let mut seen = vec![from];
        let mut i = 0;
        while i < seen.len() {
            for step in Step::ALL {
                if let Some(next) = advance(seen[i], step) {
                    if !seen.contains(&next) {
                        seen.push(next);
                    }
                }
            }
            i += 1;
        }
        seen
    }

    #[test]
    fn every_state_is_reachable_and_every_case_can_end() {
        assert_eq!(reachable(State::Clue).len(), State::ALL.len());
        for s in State::ALL {
            assert!(
                reachable(s).iter().any(|x| x.is_final()),
                "{s:?} never ends"
            );
        }
        // Only the hearing request is the party's; a final state takes no step.
        assert_eq!(
            Step::ALL.iter().filter(|s| s.by_party()).count(),
            1,
            "party steps"
        );
    }

    proptest! {
        /// Whatever steps are tried, a case only moves forward along `advance`, and once final
        /// nothing moves it.
        #[test]
        fn random_steps_never_leave_a_final_state(
            steps in proptest::collection::vec(0usize..14, 0..40),
        ) {
            let mut s = State::Clue;
            for i in steps {
                let ended = s.is_final();
                if let Some(next) = advance(s, Step::ALL[i]) {
                    prop_assert!(!ended, "{:?} moved after ending", s);
                    s = next;
                }
            }
        }
    }

    fn fine(n: i64) -> Penalty {
        Penalty::Fine {
            amount: Decimal::from(n),
        }
    }

    #[test]
    fn penalties_fit_the_party() {
        use PartyKind::*;
        assert!(check_penalties(
            Organisation,
            &[fine(5000), Penalty::BiddingBan { years: 2 }]
        )
        .is_ok());
        assert!(check_penalties(Organisation, &[]).is_err());
        assert!(check_penalties(Organisation, &[fine(0)]).is_err());
        assert!(check_penalties(Organisation, &[fine(1), fine(2)]).is_err());
        let cents = Penalty::Fine {
            amount: Decimal::new(1001, 3),
        };
        assert!(check_penalties(Organisation, &[cents]).is_err());
        assert!(check_penalties(Organisation, &[Penalty::BiddingBan { years: 4 }]).is_err());
        assert!(check_penalties(Expert, &[Penalty::BiddingBan { years: 1 }]).is_err());
        assert!(check_penalties(Organisation, &[Penalty::ExpertDisqualification]).is_err());
        assert!(check_penalties(Expert, &[Penalty::ExpertSuspension { months: 37 }]).is_err());
        let both = [
            Penalty::ExpertSuspension { months: 6 },
            Penalty::ExpertDisqualification,
        ];
        assert!(check_penalties(Expert, &both).is_err());
        assert!(check_penalties(Expert, &[fine(3000), Penalty::ExpertDisqualification]).is_ok());
    }

    #[test]
    fn hearing_rights_follow_the_penalty() {
        use PartyKind::*;
        assert!(!gives_hearing(
            Organisation,
            &[Penalty::Warning, fine(99_999)]
        ));
        assert!(gives_hearing(Organisation, &[fine(100_000)]));
        assert!(gives_hearing(Expert, &[fine(10_000)]));
        assert!(!gives_hearing(Expert, &[fine(9_999)]));
        assert!(gives_hearing(
            Organisation,
            &[Penalty::BiddingBan { years: 1 }]
        ));
        assert!(gives_hearing(
            Expert,
            &[Penalty::ExpertSuspension { months: 1 }]
        ));
    }

    #[test]
    fn a_decision_is_never_heavier_than_the_notice() {
        let notified = [fine(50_000), Penalty::BiddingBan { years: 2 }];
        assert!(not_heavier(&[fine(50_000)], &notified));
        assert!(not_heavier(
            &[fine(20_000), Penalty::BiddingBan { years: 1 }],
            &notified
        ));
        assert!(not_heavier(&[Penalty::Warning], &notified));
        assert!(!not_heavier(&[fine(50_001)], &notified));
        assert!(!not_heavier(&[Penalty::BiddingBan { years: 3 }], &notified));
        assert!(!not_heavier(
            &[Penalty::Confiscation {
                amount: Decimal::ONE
            }],
            &notified
        ));
    }

    fn penalty() -> impl Strategy<Value = Penalty> {
        prop_oneof![
            Just(Penalty::Warning),
            (1i64..1_000_000).prop_map(fine),
            (1i64..1_000_000).prop_map(|n| Penalty::Confiscation {
                amount: Decimal::from(n)
            }),
            (1u32..=3).prop_map(|years| Penalty::BiddingBan { years }),
            (1u32..=36).prop_map(|months| Penalty::ExpertSuspension { months }),
            Just(Penalty::ExpertDisqualification),
        ]
    }

    /// A penalty that is `p` made heavier: a higher amount or term, or another kind.
    fn heavier(p: &Penalty, by: u32) -> Penalty {
        match p {
            Penalty::Fine { amount } => Penalty::Fine {
                amount: amount + Decimal::from(by),
            },
            Penalty::Confiscation { amount } => Penalty::Confiscation {
                amount: amount + Decimal::from(by),
            },
            Penalty::BiddingBan { years } => Penalty::BiddingBan { years: years + by },
            Penalty::ExpertSuspension { months } => Penalty::ExpertSuspension {
                months: months + by,
            },
            Penalty::Warning | Penalty::ExpertDisqualification => fine(i64::from(by)),
        }
    }

    proptest! {
        /// Every notice allows itself and any part of itself, lowered.
        #[test]
        fn the_notice_itself_or_less_is_allowed(
            ps in proptest::collection::vec(penalty(), 1..4),
            keep in proptest::collection::vec(any::<bool>(), 4),
        ) {
            prop_assert!(not_heavier(&ps, &ps));
            let part: Vec<Penalty> = ps
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(p, _)| p.clone())
                .collect();
            prop_assert!(not_heavier(&part, &ps));
        }

        /// Raising any one penalty of a notice whose kinds are distinct is refused.
        #[test]
        fn raising_one_penalty_is_refused(
            ps in proptest::collection::vec(penalty(), 1..4),
            which in 0usize..4,
            by in 1u32..5,
        ) {
            let distinct: Vec<Penalty> = ps
                .iter()
                .enumerate()
                .filter(|(i, p)| !ps[..*i].iter().any(|q| q.same_kind(p)))
                .map(|(_, p)| p.clone())
                .collect();
            let i = which % distinct.len();
            let raised = heavier(&distinct[i], by);
            prop_assume!(!distinct.iter().any(|q| raised.within(q)));
            let mut decided = distinct.clone();
            decided[i] = raised;
            prop_assert!(!not_heavier(&decided, &distinct));
        }
    }

    #[test]
    fn limits_at_their_boundaries() {
        let cal = WorkCalendar::shipped();
        // 立案 Mon 2026-12-07 10:00 Shanghai: the 90th day is Sun 2027-03-07.
        let reg = t("2026-12-07T02:00:00Z");
        assert_eq!(decision_due(reg, 0), t("2027-03-07T16:00:00Z"));
        assert_eq!(decision_due(reg, 10), t("2027-03-17T16:00:00Z"));
        // Notice Mon 2026-12-07: Tue 8 … Mon 14 is the 5th working day.
        assert_eq!(reply_due(&cal, reg).unwrap(), t("2026-12-14T16:00:00Z"));
        // Hearing noticed Mon 12-07: seven working days end Wed 12-16, so Thu 12-17 at the
        // earliest.
        assert_eq!(
            earliest_hearing(&cal, reg).unwrap(),
            t("2026-12-16T16:00:00Z")
        );
        assert_eq!(serve_due(&cal, reg).unwrap(), t("2026-12-16T16:00:00Z"));
        // Into 2027: never guessed.
        assert!(reply_due(&cal, t("2026-12-28T02:00:00Z")).is_err());
        assert_eq!(payment_last_day(reg), "2026-12-22".parse().unwrap());
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(within_limitation(
            d("2024-12-07"),
            false,
            t("2026-12-07T15:59:59Z")
        ));
        assert!(!within_limitation(
            d("2024-12-07"),
            false,
            t("2026-12-07T16:00:00Z")
        ));
        assert!(within_limitation(
            d("2021-12-08"),
            true,
            t("2026-12-07T02:00:00Z")
        ));
    }
}
