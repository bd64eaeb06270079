//! 定标 under 评定分离 as a pure, replayable engine: given the tender's 定标方法, the candidates
//! and the committee's size, [`replay`] walks the recorded steps — ballot rounds, lots,
//! deliberations — checks that each is the step the method called for at that point, and says
//! what comes next or who won. The award workflow asks it what to run next; the report prints
//! its round-by-round summary; the offline verifier replays the same steps from the log and must
//! reach the same winner. No I/O, no clock, no randomness: every lot is a draw of the platform's
//! one verifiable mechanism (`domain::draw`, `evaluation::lot`), recorded here only by its
//! outcome.
//!
//! The six methods (domain-rules §3.3, each as the tender configures it):
//!
//! * **票决 (direct vote)**: one ballot each for one candidate. The most votes wins (with
//!   `absolute_majority`, more than half of the whole committee). A tie at the top is re-voted
//!   among the tied; a leader short of the majority goes to a run-off with those next to it.
//! * **逐轮票决 (elimination)**: each round the fewest-votes candidate drops out, until one
//!   remains or one has more than half; a tie for last is re-voted among the tied (members vote
//!   for the one to keep; the fewest is out).
//! * **对比胜出 (pairwise)**: a lot orders the candidates; the first two are compared, the winner
//!   meets the next, and so on; the last winner wins.
//! * **票决抽签**: each member votes for `shortlist` candidates; the most-voted make the
//!   shortlist (a tie at the cut is re-voted for the places left); a public lot among the
//!   shortlist decides.
//! * **集体议事**: every member's written, reasoned opinion; the chair decides and says why.
//! * **价格竞争**: the lowest price wins (or the price closest to a benchmark); a tie goes to lot.
//! * **抽签**: a lot among all candidates.
//!
//! A tie is re-voted among the tied; when it has been re-voted `max_revotes` times and is still
//! the same tie, it is decided by lot (a persistent tie). A lot's `order`
//! is the draw order (`evaluation::lot::tie_order`): the first drawn wins, keeps its place or is
//! kept; for an elimination by lot the last drawn drops out.
//!
//! Ballots here are anonymous lists of choices: whose ballot is whose is the workflow's (signed,
//! secret until counted); the count and the rule are the engine's. An empty ballot is a missing
//! one (a member who did not vote within the round's time): it names nobody, but the member
//! still counts towards the committee, so an absolute majority is of the whole committee.

pub mod clearing;
pub mod committee;

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::evaluation::majority;

pub mod ballot;
pub mod lot;
pub mod report;
use crate::domain::tender::AwardMethod;

/// Stalled re-votes before a tie is decided by lot, unless the tender says otherwise.
pub const DEFAULT_MAX_REVOTES: u32 = 2;

/// What the award starts from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    pub method: AwardMethod,
    /// The 定标候选人 (bid ids), each once.
    pub candidates: Vec<String>,
    /// Members of the award committee; every ballot round has one ballot from each.
    pub members: usize,
    /// Each candidate's bid price (价格竞争 only).
    #[serde(default)]
    pub prices: BTreeMap<String, Decimal>,
    /// 价格竞争: the closest price to this wins instead of the lowest.
    #[serde(default)]
    pub benchmark: Option<Decimal>,
    #[serde(default = "default_max_revotes")]
    pub max_revotes: u32,
}

fn default_max_revotes() -> u32 {
    DEFAULT_MAX_REVOTES
}

/// The kind of a step of the deciding, as it is stored, logged and shown.
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
#[schema(as = AwardStepKind)]
pub enum StepKind {
    /// A ballot round.
    Vote,
    /// A lot (the platform's verifiable lottery).
    Lot,
    /// 集体议事: written opinions, then the chair's decision.
    Deliberation,
}

/// What a member's cast in a step is; `missing` is a ballot not cast within the round's time.
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
#[schema(as = AwardCastKind)]
pub enum CastKind {
    Ballot,
    Opinion,
    Decision,
    Missing,
}

impl StepKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            StepKind::Vote => "vote",
            StepKind::Lot => "lot",
            StepKind::Deliberation => "deliberation",
        }
    }

    pub fn parse(s: &str) -> Option<StepKind> {
        [StepKind::Vote, StepKind::Lot, StepKind::Deliberation]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl CastKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            CastKind::Ballot => "ballot",
            CastKind::Opinion => "opinion",
            CastKind::Decision => "decision",
            CastKind::Missing => "missing",
        }
    }

    pub fn parse(s: &str) -> Option<CastKind> {
        [
            CastKind::Ballot,
            CastKind::Opinion,
            CastKind::Decision,
            CastKind::Missing,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One recorded step of the award.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// A ballot round: one ballot per member, each naming exactly `picks` of `among`, or
    /// empty: a missing ballot (the member did not vote within the round's time). A missing
    /// ballot counts for no candidate, yet the member still counts in the committee, so an
    /// absolute majority is always of the whole committee.
    Vote {
        among: Vec<String>,
        picks: usize,
        ballots: Vec<Vec<String>>,
    },
    /// A lot among `among`: the first `count` drawn, in draw order.
    Lot {
        among: Vec<String>,
        count: usize,
        order: Vec<String>,
    },
    /// 集体议事: every member's opinion and the chair's decision.
    Deliberation {
        opinions: Vec<Opinion>,
        decision: Decision,
    },
}

/// A member's written opinion (集体议事).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opinion {
    pub member: String,
    pub candidate: String,
    pub reason: String,
}

/// The chair's decision (集体议事).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub candidate: String,
    pub reason: String,
}

/// Why the engine asks for a step, or why the award is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The first ballot, or the next elimination round.
    Ballot,
    /// A tie at the top, re-voted among the tied.
    Revote,
    /// The leader lacks the absolute majority: a run-off with those next to it.
    RunOff,
    /// A tie for last place (elimination), re-voted among the tied.
    TieForLast,
    /// The order in which candidates meet (对比胜出).
    PairOrder,
    /// One pair of 对比胜出.
    Pair,
    /// Voting the shortlist (票决抽签).
    Shortlist,
    /// A tie at the shortlist's cut, re-voted for the places left.
    ShortlistTie,
    /// A tie that re-votes did not break, decided by lot.
    PersistentTie,
    /// The lot among the shortlist, or among all candidates (抽签).
    FinalLot,
    /// 集体议事: opinions, then the chair.
    Deliberation,
    /// Decided: the only candidate.
    SoleCandidate,
    /// Decided: the most votes (a plurality).
    MostVotes,
    /// Decided: more than half of the committee.
    Majority,
    /// Decided: the last candidate not eliminated.
    LastStanding,
    /// Decided: the winner of the last pair.
    LastPair,
    /// Decided: the chair, with reasons.
    ChairDecides,
    /// Decided: the lowest price.
    LowestPrice,
    /// Decided: the price closest to the benchmark.
    ClosestPrice,
    /// Decided by lot.
    Lot,
}

/// What comes next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "next", rename_all = "snake_case")]
pub enum Next {
    Vote {
        among: Vec<String>,
        picks: usize,
        reason: Reason,
    },
    Lot {
        among: Vec<String>,
        count: usize,
        reason: Reason,
    },
    Deliberate {
        among: Vec<String>,
    },
    Decided {
        winner: String,
        reason: Reason,
    },
}

/// One step as the report shows it: its votes (for ballots) and what it led to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// What the engine had asked for.
    pub asked: Next,
    /// Votes per candidate of the round, by candidate id (ballot rounds).
    pub tally: Vec<(String, usize)>,
    /// What came of it.
    pub then: Next,
}

/// The award so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replay {
    pub rounds: Vec<Round>,
    pub next: Next,
}

/// Why a setup or a step is refused. [`AwardError::code`] is the stable wire code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AwardError {
    #[error("the award cannot start: {0}")]
    Setup(String),
    #[error("step {step}: the method called for {expected}")]
    UnexpectedStep { step: usize, expected: String },
    #[error("step {step}: {found} ballots where the committee has {expected} members")]
    BallotCount {
        step: usize,
        expected: usize,
        found: usize,
    },
    #[error("step {step}, ballot {ballot}: {detail}")]
    BallotInvalid {
        step: usize,
        ballot: usize,
        detail: String,
    },
    #[error("step {step}: {detail}")]
    LotInvalid { step: usize, detail: String },
    #[error("step {step}: {detail}")]
    DeliberationInvalid { step: usize, detail: String },
    #[error("step {step}: the award was decided before it")]
    AfterDecision { step: usize },
}

impl AwardError {
    pub fn code(&self) -> &'static str {
        match self {
            AwardError::Setup(_) => "award_setup_invalid",
            AwardError::UnexpectedStep { .. } => "award_step_unexpected",
            AwardError::BallotCount { .. } => "ballot_count_mismatch",
            AwardError::BallotInvalid { .. } => "ballot_invalid",
            AwardError::LotInvalid { .. } => "lot_invalid",
            AwardError::DeliberationInvalid { .. } => "deliberation_invalid",
            AwardError::AfterDecision { .. } => "award_decided",
        }
    }
}

/// The method's own state between steps.
enum Data {
    Plain,
    Direct {
        stalls: u32,
    },
    Elimination {
        remaining: Vec<String>,
        stalls: u32,
    },
    Pairwise {
        champion: String,
        rest: Vec<String>,
        stalls: u32,
    },
    Shortlist {
        chosen: Vec<String>,
        stalls: u32,
    },
}

struct Engine<'a> {
    setup: &'a Setup,
    next: Next,
    data: Data,
}

/// Replays `steps` from `setup`: each step must be the one the method called for.
pub fn replay(setup: &Setup, steps: &[Step]) -> Result<Replay, AwardError> {
    let mut engine = Engine::start(setup)?;
    let mut rounds = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let asked = engine.next.clone();
        let tally = engine.apply(i + 1, step)?;
        rounds.push(Round {
            asked,
            tally,
            then: engine.next.clone(),
        });
    }
    Ok(Replay {
        rounds,
        next: engine.next,
    })
}

fn sorted(v: impl IntoIterator<Item = String>) -> Vec<String> {
    let set: BTreeSet<String> = v.into_iter().collect();
    set.into_iter().collect()
}

fn vote(among: Vec<String>, picks: usize, reason: Reason) -> Next {
    Next::Vote {
        among: sorted(among),
        picks,
        reason,
    }
}

fn lot(among: Vec<String>, count: usize, reason: Reason) -> Next {
    Next::Lot {
        among: sorted(among),
        count,
        reason,
    }
}

fn decided(winner: &str, reason: Reason) -> Next {
    Next::Decided {
        winner: winner.to_string(),
        reason,
    }
}

/// Votes per candidate of `among`, by candidate id.
fn count(among: &[String], ballots: &[Vec<String>]) -> BTreeMap<String, usize> {
    let mut t: BTreeMap<String, usize> = among.iter().map(|c| (c.clone(), 0)).collect();
    for b in ballots {
        for c in b {
            *t.entry(c.clone()).or_default() += 1;
        }
    }
    t
}

/// Candidates with exactly `n` votes.
fn with(t: &BTreeMap<String, usize>, n: usize) -> Vec<String> {
    t.iter()
        .filter(|(_, v)| **v == n)
        .map(|(c, _)| c.clone())
        .collect()
}

impl<'a> Engine<'a> {
    fn start(setup: &'a Setup) -> Result<Engine<'a>, AwardError> {
        let all = sorted(setup.candidates.iter().cloned());
        if all.is_empty() || all.len() != setup.candidates.len() {
            return Err(AwardError::Setup(
                "the candidates must be one or more distinct bids".into(),
            ));
        }
        if setup.members == 0 {
            return Err(AwardError::Setup("the committee has no members".into()));
        }
        let mut data = Data::Plain;
        let next = if all.len() == 1 {
            decided(&all[0], Reason::SoleCandidate)
        } else {
            match &setup.method {
                AwardMethod::DirectVote { .. } => {
                    data = Data::Direct { stalls: 0 };
                    vote(all, 1, Reason::Ballot)
                }
                AwardMethod::EliminationVote { pairwise: false } => {
                    data = Data::Elimination {
                        remaining: all.clone(),
                        stalls: 0,
                    };
                    vote(all, 1, Reason::Ballot)
                }
                AwardMethod::EliminationVote { pairwise: true } => {
                    let n = all.len();
                    lot(all, n, Reason::PairOrder)
                }
                AwardMethod::VoteThenLottery { shortlist } => {
                    let k = usize::from(*shortlist);
                    if k == 0 {
                        return Err(AwardError::Setup("a shortlist of none".into()));
                    }
                    data = Data::Shortlist {
                        chosen: Vec::new(),
                        stalls: 0,
                    };
                    if all.len() <= k {
                        lot(all, 1, Reason::FinalLot)
                    } else {
                        vote(all, k, Reason::Shortlist)
                    }
                }
                AwardMethod::CollectiveDeliberation => Next::Deliberate { among: all },
                AwardMethod::PriceCompetition => price_competition(setup, &all)?,
                AwardMethod::Lottery => lot(all, 1, Reason::FinalLot),
            }
        };
        Ok(Engine { setup, next, data })
    }

    /// Applies step number `n` (1-based); the round's tally for ballots.
    fn apply(&mut self, n: usize, step: &Step) -> Result<Vec<(String, usize)>, AwardError> {
        let unexpected = |expected: &Next| AwardError::UnexpectedStep {
            step: n,
            expected: describe(expected),
        };
        match (&self.next, step) {
            (Next::Decided { .. }, _) => Err(AwardError::AfterDecision { step: n }),
            (
                Next::Vote {
                    among,
                    picks,
                    reason,
                },
                Step::Vote {
                    among: a,
                    picks: p,
                    ballots,
                },
            ) => {
                if a != among || p != picks {
                    return Err(unexpected(&self.next));
                }
                self.check_ballots(n, among, *picks, ballots)?;
                let t = count(among, ballots);
                let (among, reason) = (among.clone(), *reason);
                self.next = self.after_vote(&among, reason, &t);
                Ok(t.into_iter().collect())
            }
            (
                Next::Lot {
                    among,
                    count,
                    reason,
                },
                Step::Lot {
                    among: a,
                    count: c,
                    order,
                },
            ) => {
                if a != among || c != count {
                    return Err(unexpected(&self.next));
                }
                let distinct: BTreeSet<&String> = order.iter().collect();
                if order.len() != *count
                    || distinct.len() != order.len()
                    || order.iter().any(|o| !among.contains(o))
                {
                    return Err(AwardError::LotInvalid {
                        step: n,
                        detail: format!("the lot must draw {count} distinct of {among:?}"),
                    });
                }
                let reason = *reason;
                self.next = self.after_lot(reason, order);
                Ok(Vec::new())
            }
            (Next::Deliberate { among }, Step::Deliberation { opinions, decision }) => {
                let among = among.clone();
                self.check_deliberation(n, &among, opinions, decision)?;
                self.next = decided(&decision.candidate, Reason::ChairDecides);
                Ok(Vec::new())
            }
            (expected, _) => Err(unexpected(expected)),
        }
    }

    fn check_ballots(
        &self,
        n: usize,
        among: &[String],
        picks: usize,
        ballots: &[Vec<String>],
    ) -> Result<(), AwardError> {
        if ballots.len() != self.setup.members {
            return Err(AwardError::BallotCount {
                step: n,
                expected: self.setup.members,
                found: ballots.len(),
            });
        }
        for (i, b) in ballots.iter().enumerate() {
            if b.is_empty() {
                // Not cast: recorded as missing, counted for nobody.
                continue;
            }
            let distinct: BTreeSet<&String> = b.iter().collect();
            let detail = if b.len() != picks {
                Some(format!("names {} where each ballot names {picks}", b.len()))
            } else if distinct.len() != b.len() {
                Some("names a candidate twice".to_string())
            } else {
                b.iter()
                    .find(|c| !among.contains(c))
                    .map(|c| format!("{c} is not among {among:?}"))
            };
            if let Some(detail) = detail {
                return Err(AwardError::BallotInvalid {
                    step: n,
                    ballot: i + 1,
                    detail,
                });
            }
        }
        Ok(())
    }

    fn check_deliberation(
        &self,
        n: usize,
        among: &[String],
        opinions: &[Opinion],
        decision: &Decision,
    ) -> Result<(), AwardError> {
        let bad = |detail: String| AwardError::DeliberationInvalid { step: n, detail };
        let members: BTreeSet<&str> = opinions.iter().map(|o| o.member.as_str()).collect();
        if opinions.len() != self.setup.members || members.len() != opinions.len() {
            return Err(bad(format!(
                "one written opinion from each of the {} members",
                self.setup.members
            )));
        }
        for o in opinions {
            if !among.contains(&o.candidate) {
                return Err(bad(format!("{} is not a candidate", o.candidate)));
            }
            if o.reason.trim().is_empty() {
                return Err(bad(format!("the opinion of {} gives no reason", o.member)));
            }
        }
        if !among.contains(&decision.candidate) || decision.reason.trim().is_empty() {
            return Err(bad(
                "the chair decides for a candidate and says why".to_string()
            ));
        }
        Ok(())
    }

    fn after_vote(
        &mut self,
        among: &[String],
        reason: Reason,
        t: &BTreeMap<String, usize>,
    ) -> Next {
        let members = self.setup.members;
        let max_revotes = self.setup.max_revotes;
        let top = t.values().copied().max().unwrap_or(0);
        let leaders = with(t, top);
        match (&self.setup.method, &mut self.data) {
            (AwardMethod::DirectVote { absolute_majority }, Data::Direct { stalls }) => {
                if leaders.len() == 1 && (!absolute_majority || majority(top, members)) {
                    let why = if majority(top, members) {
                        Reason::Majority
                    } else {
                        Reason::MostVotes
                    };
                    return decided(&leaders[0], why);
                }
                let (next, why) = if leaders.len() > 1 {
                    (leaders, Reason::Revote)
                } else {
                    let second = t.values().copied().filter(|v| *v < top).max().unwrap_or(0);
                    let mut run_off = leaders;
                    run_off.extend(with(t, second));
                    (run_off, Reason::RunOff)
                };
                stall(stalls, &next, among, max_revotes, 1, why)
            }
            (AwardMethod::EliminationVote { .. }, Data::Elimination { remaining, stalls }) => {
                if reason == Reason::Ballot && majority(top, members) {
                    return decided(&leaders[0], Reason::Majority);
                }
                let low = t.values().copied().min().unwrap_or(0);
                let lasts = with(t, low);
                if lasts.len() == 1 {
                    remaining.retain(|c| *c != lasts[0]);
                    *stalls = 0;
                    return if remaining.len() == 1 {
                        decided(&remaining[0], Reason::LastStanding)
                    } else {
                        vote(remaining.clone(), 1, Reason::Ballot)
                    };
                }
                // Every one of `among` tied for last: nobody can drop out by this vote.
                let why = if reason == Reason::Ballot && lasts.len() == among.len() {
                    Reason::Ballot
                } else {
                    Reason::TieForLast
                };
                match stall(stalls, &lasts, among, max_revotes, 1, why) {
                    Next::Lot { among, .. } => {
                        let n = among.len();
                        lot(among, n, Reason::PersistentTie)
                    }
                    other => other,
                }
            }
            (
                AwardMethod::EliminationVote { pairwise: true },
                Data::Pairwise {
                    champion,
                    rest,
                    stalls,
                },
            ) => {
                if leaders.len() == 1 {
                    *stalls = 0;
                    next_pair(champion, rest, &leaders[0])
                } else {
                    stall(stalls, &leaders, among, max_revotes, 1, Reason::Revote)
                }
            }
            (AwardMethod::VoteThenLottery { shortlist }, Data::Shortlist { chosen, stalls }) => {
                let places = usize::from(*shortlist) - chosen.len();
                let mut by_votes: Vec<usize> = t.values().copied().collect();
                by_votes.sort_unstable_by(|a, b| b.cmp(a));
                let cut = by_votes[places - 1];
                let above: Vec<String> = t
                    .iter()
                    .filter(|(_, v)| **v > cut)
                    .map(|(c, _)| c.clone())
                    .collect();
                let at = with(t, cut);
                if above.len() + at.len() == places {
                    chosen.extend(above);
                    chosen.extend(at);
                    return lot(chosen.clone(), 1, Reason::FinalLot);
                }
                chosen.extend(above);
                let left = usize::from(*shortlist) - chosen.len();
                match stall(stalls, &at, among, max_revotes, left, Reason::ShortlistTie) {
                    Next::Lot { among, .. } => lot(among, left, Reason::PersistentTie),
                    other => other,
                }
            }
            // The engine only asks for votes in the states above.
            _ => unreachable_next(),
        }
    }

    fn after_lot(&mut self, reason: Reason, order: &[String]) -> Next {
        match (&mut self.data, reason) {
            (_, Reason::FinalLot) => decided(&order[0], Reason::Lot),
            (Data::Direct { .. }, _) => decided(&order[0], Reason::Lot),
            (Data::Plain, Reason::PairOrder) => {
                let champion = order[0].clone();
                let mut rest: Vec<String> = order[1..].iter().rev().cloned().collect();
                let challenger = rest.pop().unwrap_or_default();
                self.data = Data::Pairwise {
                    champion: champion.clone(),
                    rest,
                    stalls: 0,
                };
                vote(vec![champion, challenger], 1, Reason::Pair)
            }
            (Data::Plain, _) => decided(&order[0], Reason::Lot),
            (
                Data::Pairwise {
                    champion,
                    rest,
                    stalls,
                },
                _,
            ) => {
                *stalls = 0;
                next_pair(champion, rest, &order[0])
            }
            (Data::Elimination { remaining, stalls }, _) => {
                // The last drawn drops out.
                let out = order.last().cloned().unwrap_or_default();
                remaining.retain(|c| *c != out);
                *stalls = 0;
                if remaining.len() == 1 {
                    decided(&remaining[0], Reason::LastStanding)
                } else {
                    vote(remaining.clone(), 1, Reason::Ballot)
                }
            }
            (Data::Shortlist { chosen, stalls }, _) => {
                chosen.extend(order.iter().cloned());
                *stalls = 0;
                lot(chosen.clone(), 1, Reason::FinalLot)
            }
        }
    }
}

/// A re-vote among the tied `next` (for `count` places). `stalls` counts how often this same
/// tie has come out: once when it first appears, once more for each re-vote (held among
/// exactly `among`) that ended in it again; past `max` re-votes, a lot of `count` among them.
fn stall(
    stalls: &mut u32,
    next: &[String],
    among: &[String],
    max: u32,
    count: usize,
    why: Reason,
) -> Next {
    if sorted(next.iter().cloned()) == among {
        *stalls += 1;
    } else {
        *stalls = 1;
    }
    if *stalls > max {
        lot(next.to_vec(), count, Reason::PersistentTie)
    } else {
        vote(next.to_vec(), count, why)
    }
}

/// After a pair is decided for `winner`: the next pair, or the award.
fn next_pair(champion: &mut String, rest: &mut Vec<String>, winner: &str) -> Next {
    *champion = winner.to_string();
    match rest.pop() {
        Some(challenger) => vote(vec![champion.clone(), challenger], 1, Reason::Pair),
        None => decided(winner, Reason::LastPair),
    }
}

fn price_competition(setup: &Setup, all: &[String]) -> Result<Next, AwardError> {
    let mut keyed = Vec::new();
    for c in all {
        let p = setup
            .prices
            .get(c)
            .ok_or_else(|| AwardError::Setup(format!("no price for candidate {c}")))?;
        keyed.push((setup.benchmark.map_or(*p, |b| (*p - b).abs()), c.clone()));
    }
    let best = keyed.iter().map(|(k, _)| *k).min().unwrap_or_default();
    let tied: Vec<String> = keyed
        .into_iter()
        .filter(|(k, _)| *k == best)
        .map(|(_, c)| c)
        .collect();
    Ok(if tied.len() == 1 {
        let why = if setup.benchmark.is_some() {
            Reason::ClosestPrice
        } else {
            Reason::LowestPrice
        };
        decided(&tied[0], why)
    } else {
        lot(tied, 1, Reason::PersistentTie)
    })
}

fn unreachable_next() -> Next {
    // Only reachable through a bug in this file: keep the award stuck rather than invent an
    // outcome (every caller then sees an unexpected step).
    Next::Deliberate { among: Vec::new() }
}

fn describe(n: &Next) -> String {
    match n {
        Next::Vote { among, picks, .. } => format!("a ballot naming {picks} of {among:?}"),
        Next::Lot { among, count, .. } => format!("a lot of {count} among {among:?}"),
        Next::Deliberate { among } => format!("opinions and the chair's decision among {among:?}"),
        Next::Decided { winner, .. } => format!("nothing more: {winner} won"),
    }
}

pub mod publicity;
pub mod stage;

#[cfg(test)]
mod tests;
