use proptest::prelude::*;
use rust_decimal::dec;

use super::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn setup(method: AwardMethod, candidates: &[&str], members: usize) -> Setup {
    Setup {
        method,
        candidates: s(candidates),
        members,
        prices: BTreeMap::new(),
        benchmark: None,
        max_revotes: DEFAULT_MAX_REVOTES,
    }
}

/// A ballot round among `among` with ballots given as (candidate(s), how many members).
fn round(among: &[&str], picks: usize, ballots: &[(&[&str], usize)]) -> Step {
    Step::Vote {
        among: s(among),
        picks,
        ballots: ballots
            .iter()
            .flat_map(|(c, n)| std::iter::repeat_n(s(c), *n))
            .collect(),
    }
}

fn single(among: &[&str], ballots: &[(&str, usize)]) -> Step {
    let b: Vec<(Vec<&str>, usize)> = ballots.iter().map(|(c, n)| (vec![*c], *n)).collect();
    let b: Vec<(&[&str], usize)> = b.iter().map(|(c, n)| (c.as_slice(), *n)).collect();
    round(among, 1, &b)
}

fn drawn(among: &[&str], count: usize, order: &[&str]) -> Step {
    Step::Lot {
        among: s(among),
        count,
        order: s(order),
    }
}

fn winner(r: &Replay) -> (&str, Reason) {
    match &r.next {
        Next::Decided { winner, reason } => (winner.as_str(), *reason),
        other => panic!("not decided: {other:?}"),
    }
}

#[test]
fn direct_vote_by_plurality_and_by_majority() {
    let plurality = setup(
        AwardMethod::DirectVote {
            absolute_majority: false,
        },
        &["A", "B", "C", "D"],
        7,
    );
    let r = replay(
        &plurality,
        &[single(
            &["A", "B", "C", "D"],
            &[("A", 3), ("B", 2), ("C", 1), ("D", 1)],
        )],
    )
    .unwrap();
    assert_eq!(winner(&r), ("A", Reason::MostVotes));
    assert_eq!(
        r.rounds[0].tally,
        vec![
            ("A".to_string(), 3),
            ("B".to_string(), 2),
            ("C".to_string(), 1),
            ("D".to_string(), 1)
        ]
    );
    // With an absolute majority required, 3 of 7 is not enough: a run-off with the next.
    let majority = Setup {
        method: AwardMethod::DirectVote {
            absolute_majority: true,
        },
        ..plurality
    };
    let first = single(
        &["A", "B", "C", "D"],
        &[("A", 3), ("B", 2), ("C", 1), ("D", 1)],
    );
    let r = replay(&majority, std::slice::from_ref(&first)).unwrap();
    assert_eq!(
        r.next,
        Next::Vote {
            among: s(&["A", "B"]),
            picks: 1,
            reason: Reason::RunOff
        }
    );
    let r = replay(
        &majority,
        &[first, single(&["A", "B"], &[("A", 3), ("B", 4)])],
    )
    .unwrap();
    assert_eq!(winner(&r), ("B", Reason::Majority));
}

#[test]
fn a_tie_at_the_top_is_revoted_and_a_persistent_tie_drawn() {
    let st = setup(
        AwardMethod::DirectVote {
            absolute_majority: false,
        },
        &["A", "B", "C"],
        4,
    );
    let first = single(&["A", "B", "C"], &[("A", 2), ("B", 2)]);
    let tie = single(&["A", "B"], &[("A", 2), ("B", 2)]);
    let r = replay(&st, std::slice::from_ref(&first)).unwrap();
    assert_eq!(
        r.next,
        Next::Vote {
            among: s(&["A", "B"]),
            picks: 1,
            reason: Reason::Revote
        }
    );
    // Re-voted twice (the default), still the same tie: a lot.
    let r = replay(&st, &[first.clone(), tie.clone(), tie.clone()]).unwrap();
    assert_eq!(
        r.next,
        Next::Lot {
            among: s(&["A", "B"]),
            count: 1,
            reason: Reason::PersistentTie
        }
    );
    let r = replay(
        &st,
        &[first, tie.clone(), tie, drawn(&["A", "B"], 1, &["B"])],
    )
    .unwrap();
    assert_eq!(winner(&r), ("B", Reason::Lot));
}

#[test]
fn elimination_drops_the_fewest_and_revotes_a_tie_for_last() {
    let st = setup(
        AwardMethod::EliminationVote { pairwise: false },
        &["A", "B", "C", "D"],
        5,
    );
    let steps = [
        single(
            &["A", "B", "C", "D"],
            &[("A", 2), ("B", 1), ("C", 1), ("D", 1)],
        ),
        // B, C and D tie for last: members vote among them for the one to keep.
        single(&["B", "C", "D"], &[("B", 2), ("C", 2), ("D", 1)]),
        single(&["A", "B", "C"], &[("A", 2), ("B", 2), ("C", 1)]),
        single(&["A", "B"], &[("A", 3), ("B", 2)]),
    ];
    let r = replay(&st, &steps).unwrap();
    assert_eq!(winner(&r), ("A", Reason::Majority));
    let asked: Vec<Reason> = r
        .rounds
        .iter()
        .map(|x| match &x.asked {
            Next::Vote { reason, .. } => *reason,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        asked,
        [
            Reason::Ballot,
            Reason::TieForLast,
            Reason::Ballot,
            Reason::Ballot
        ]
    );
    // A majority in the first round ends it at once.
    let r = replay(&st, &[single(&["A", "B", "C", "D"], &[("C", 3), ("A", 2)])]).unwrap();
    assert_eq!(winner(&r), ("C", Reason::Majority));
}

#[test]
fn a_persistent_tie_for_last_is_eliminated_by_lot() {
    let st = Setup {
        max_revotes: 1,
        ..setup(
            AwardMethod::EliminationVote { pairwise: false },
            &["A", "B", "C"],
            4,
        )
    };
    let steps = [
        single(&["A", "B", "C"], &[("A", 2), ("B", 1), ("C", 1)]),
        single(&["B", "C"], &[("B", 2), ("C", 2)]),
    ];
    let r = replay(&st, &steps).unwrap();
    assert_eq!(
        r.next,
        Next::Lot {
            among: s(&["B", "C"]),
            count: 2,
            reason: Reason::PersistentTie
        }
    );
    let mut more = steps.to_vec();
    // The last drawn drops out: C.
    more.push(drawn(&["B", "C"], 2, &["B", "C"]));
    let r = replay(&st, &more).unwrap();
    assert_eq!(
        r.next,
        Next::Vote {
            among: s(&["A", "B"]),
            picks: 1,
            reason: Reason::Ballot
        }
    );
}

#[test]
fn pairwise_meets_in_drawn_order_and_the_last_pair_wins() {
    let st = setup(
        AwardMethod::EliminationVote { pairwise: true },
        &["A", "B", "C"],
        5,
    );
    let r = replay(&st, &[]).unwrap();
    assert_eq!(
        r.next,
        Next::Lot {
            among: s(&["A", "B", "C"]),
            count: 3,
            reason: Reason::PairOrder
        }
    );
    let steps = [
        drawn(&["A", "B", "C"], 3, &["C", "A", "B"]),
        single(&["A", "C"], &[("C", 3), ("A", 2)]),
        single(&["B", "C"], &[("B", 4), ("C", 1)]),
    ];
    let r = replay(&st, &steps).unwrap();
    assert_eq!(winner(&r), ("B", Reason::LastPair));
    // The order matters: the pair asked for is the first two drawn.
    let wrong = [
        drawn(&["A", "B", "C"], 3, &["C", "A", "B"]),
        single(&["A", "B"], &[("A", 3), ("B", 2)]),
    ];
    assert!(matches!(
        replay(&st, &wrong),
        Err(AwardError::UnexpectedStep { step: 2, .. })
    ));
}

#[test]
fn vote_then_lottery_shortlists_then_draws() {
    let st = setup(
        AwardMethod::VoteThenLottery { shortlist: 2 },
        &["A", "B", "C", "D"],
        5,
    );
    let ab: &[&str] = &["A", "B"];
    let ac: &[&str] = &["A", "C"];
    let ad: &[&str] = &["A", "D"];
    let steps = vec![
        // A 5, B 2, C 2, D 1: A is in, B and C tie for the last place.
        round(&["A", "B", "C", "D"], 2, &[(ab, 2), (ac, 2), (ad, 1)]),
        single(&["B", "C"], &[("B", 3), ("C", 2)]),
    ];
    let r = replay(&st, &steps).unwrap();
    assert_eq!(
        r.next,
        Next::Lot {
            among: s(&["A", "B"]),
            count: 1,
            reason: Reason::FinalLot
        }
    );
    let mut all = steps;
    all.push(drawn(&["A", "B"], 1, &["B"]));
    assert_eq!(winner(&replay(&st, &all).unwrap()), ("B", Reason::Lot));
    // No more candidates than the shortlist: straight to the lot.
    let few = setup(
        AwardMethod::VoteThenLottery { shortlist: 3 },
        &["A", "B"],
        5,
    );
    assert_eq!(
        replay(&few, &[]).unwrap().next,
        Next::Lot {
            among: s(&["A", "B"]),
            count: 1,
            reason: Reason::FinalLot
        }
    );
}

#[test]
fn collective_deliberation_needs_every_reasoned_opinion_and_the_chairs_reason() {
    let st = setup(AwardMethod::CollectiveDeliberation, &["A", "B"], 3);
    let opinion = |m: &str, c: &str, r: &str| Opinion {
        member: m.into(),
        candidate: c.into(),
        reason: r.into(),
    };
    let good = Step::Deliberation {
        opinions: vec![
            opinion("m1", "A", "best schedule"),
            opinion("m2", "B", "lower risk"),
            opinion("m3", "A", "better past performance"),
        ],
        decision: Decision {
            candidate: "A".into(),
            reason: "schedule and past performance outweigh the risk".into(),
        },
    };
    assert_eq!(
        winner(&replay(&st, std::slice::from_ref(&good)).unwrap()),
        ("A", Reason::ChairDecides)
    );
    let Step::Deliberation { opinions, decision } = good else {
        unreachable!()
    };
    let cases = [
        Step::Deliberation {
            opinions: opinions[..2].to_vec(),
            decision: decision.clone(),
        },
        Step::Deliberation {
            opinions: vec![
                opinions[0].clone(),
                opinions[1].clone(),
                opinion("m3", "A", " "),
            ],
            decision: decision.clone(),
        },
        Step::Deliberation {
            opinions: vec![
                opinions[0].clone(),
                opinions[0].clone(),
                opinions[2].clone(),
            ],
            decision: decision.clone(),
        },
        Step::Deliberation {
            opinions: opinions.clone(),
            decision: Decision {
                candidate: "A".into(),
                reason: String::new(),
            },
        },
        Step::Deliberation {
            opinions,
            decision: Decision {
                candidate: "Z".into(),
                reason: "not a candidate".into(),
            },
        },
    ];
    for c in cases {
        assert!(
            matches!(
                replay(&st, std::slice::from_ref(&c)),
                Err(AwardError::DeliberationInvalid { step: 1, .. })
            ),
            "{c:?}"
        );
    }
}

#[test]
fn price_competition_lowest_or_closest_and_ties_by_lot() {
    let mut st = setup(AwardMethod::PriceCompetition, &["A", "B", "C"], 5);
    st.prices = [
        ("A".to_string(), dec!(1000.00)),
        ("B".to_string(), dec!(980.50)),
        ("C".to_string(), dec!(1020.00)),
    ]
    .into();
    assert_eq!(
        winner(&replay(&st, &[]).unwrap()),
        ("B", Reason::LowestPrice)
    );
    st.benchmark = Some(dec!(1015));
    assert_eq!(
        winner(&replay(&st, &[]).unwrap()),
        ("C", Reason::ClosestPrice)
    );
    // 1010 is 10 from A and from C.
    st.benchmark = Some(dec!(1010));
    let r = replay(&st, &[]).unwrap();
    assert_eq!(
        r.next,
        Next::Lot {
            among: s(&["A", "C"]),
            count: 1,
            reason: Reason::PersistentTie
        }
    );
    assert_eq!(
        winner(&replay(&st, &[drawn(&["A", "C"], 1, &["C"])]).unwrap()),
        ("C", Reason::Lot)
    );
    st.prices.remove("C");
    assert!(matches!(replay(&st, &[]), Err(AwardError::Setup(_))));
}

#[test]
fn a_lottery_draws_one_among_all() {
    let st = setup(AwardMethod::Lottery, &["B", "A", "C"], 5);
    let r = replay(&st, &[drawn(&["A", "B", "C"], 1, &["C"])]).unwrap();
    assert_eq!(winner(&r), ("C", Reason::Lot));
}

#[test]
fn steps_the_method_did_not_call_for_are_refused() {
    let st = setup(
        AwardMethod::DirectVote {
            absolute_majority: false,
        },
        &["A", "B", "C"],
        5,
    );
    let abc = ["A", "B", "C"];
    let cases: Vec<(Step, &str)> = vec![
        (single(&["A", "B"], &[("A", 5)]), "award_step_unexpected"),
        (drawn(&abc, 1, &["A"]), "award_step_unexpected"),
        (single(&abc, &[("A", 4)]), "ballot_count_mismatch"),
        (single(&abc, &[("A", 4), ("Z", 1)]), "ballot_invalid"),
        (
            round(&abc, 1, &[(&["A", "B"], 1), (&["A"], 4)]),
            "ballot_invalid",
        ),
        (round(&abc, 2, &[(&["A", "B"], 5)]), "award_step_unexpected"),
    ];
    for (step, code) in cases {
        let err = replay(&st, std::slice::from_ref(&step)).unwrap_err();
        assert_eq!(err.code(), code, "{step:?}: {err}");
    }
    // A ballot naming one candidate twice, where two are picked.
    let two = setup(
        AwardMethod::VoteThenLottery { shortlist: 2 },
        &["A", "B", "C"],
        1,
    );
    let err = replay(&two, &[round(&abc, 2, &[(&["A", "A"], 1)])]).unwrap_err();
    assert_eq!(err.code(), "ballot_invalid");
    // A lot that draws someone it was not held among, or too many.
    let lottery = setup(AwardMethod::Lottery, &abc, 5);
    for bad in [drawn(&abc, 1, &["Z"]), drawn(&abc, 1, &["A", "B"])] {
        assert_eq!(
            replay(&lottery, std::slice::from_ref(&bad))
                .unwrap_err()
                .code(),
            "lot_invalid"
        );
    }
    // Nothing after the decision.
    let err = replay(&st, &[single(&abc, &[("A", 5)]), single(&abc, &[("A", 5)])]).unwrap_err();
    assert_eq!(err, AwardError::AfterDecision { step: 2 });
    // A setup without distinct candidates or members.
    assert_eq!(
        replay(&setup(AwardMethod::Lottery, &["A", "A"], 5), &[])
            .unwrap_err()
            .code(),
        "award_setup_invalid"
    );
    assert!(replay(&setup(AwardMethod::Lottery, &["A"], 0), &[]).is_err());
    assert_eq!(
        winner(&replay(&setup(AwardMethod::Lottery, &["A"], 5), &[]).unwrap()),
        ("A", Reason::SoleCandidate)
    );
}

#[test]
fn a_missing_ballot_names_nobody_but_the_member_still_counts() {
    let st = setup(
        AwardMethod::DirectVote {
            absolute_majority: true,
        },
        &["A", "B", "C"],
        5,
    );
    // 3 of 5 cast for A, 2 missing: 3 > 5/2, a majority of the whole committee.
    let mut ballots = vec![s(&["A"]), s(&["A"]), s(&["A"]), Vec::new(), Vec::new()];
    let step = |b: &Vec<Vec<String>>| Step::Vote {
        among: s(&["A", "B", "C"]),
        picks: 1,
        ballots: b.clone(),
    };
    let r = replay(&st, &[step(&ballots)]).unwrap();
    assert_eq!(winner(&r), ("A", Reason::Majority));
    assert_eq!(r.rounds[0].tally[0], ("A".to_string(), 3));
    // 2 for A, 1 for B, 2 missing: A leads but 2 of 5 is no majority, though it is 2 of the
    // 3 cast — the missing members are not taken out of the committee.
    ballots[2] = s(&["B"]);
    ballots[1] = Vec::new();
    ballots[3] = s(&["A"]);
    let r = replay(&st, &[step(&ballots)]).unwrap();
    assert_eq!(
        r.next,
        Next::Vote {
            among: s(&["A", "B"]),
            picks: 1,
            reason: Reason::RunOff
        }
    );
    // Every ballot missing: nobody leads, everybody is re-voted.
    let none = vec![Vec::new(); 5];
    let r = replay(&st, &[step(&none)]).unwrap();
    assert_eq!(
        r.next,
        Next::Vote {
            among: s(&["A", "B", "C"]),
            picks: 1,
            reason: Reason::Revote
        }
    );
    // A missing ballot is still one of the committee's ballots: fewer is refused.
    let four = vec![s(&["A"]); 4];
    assert_eq!(
        replay(&st, &[step(&four)]).unwrap_err().code(),
        "ballot_count_mismatch"
    );
    // Elimination: a missing ballot names nobody, so it saves nobody from dropping out.
    let el = setup(
        AwardMethod::EliminationVote { pairwise: false },
        &["A", "B", "C"],
        5,
    );
    let b = vec![s(&["A"]), s(&["A"]), s(&["B"]), Vec::new(), Vec::new()];
    let r = replay(&el, &[step(&b)]).unwrap();
    assert_eq!(
        r.next,
        Next::Vote {
            among: s(&["A", "B"]),
            picks: 1,
            reason: Reason::Ballot
        }
    );
}

fn methods() -> Vec<AwardMethod> {
    vec![
        AwardMethod::DirectVote {
            absolute_majority: false,
        },
        AwardMethod::DirectVote {
            absolute_majority: true,
        },
        AwardMethod::EliminationVote { pairwise: false },
        AwardMethod::EliminationVote { pairwise: true },
        AwardMethod::VoteThenLottery { shortlist: 2 },
        AwardMethod::VoteThenLottery { shortlist: 3 },
        AwardMethod::CollectiveDeliberation,
        AwardMethod::PriceCompetition,
        AwardMethod::Lottery,
    ]
}

/// xorshift64*: the test's own arbitrary choices, from proptest's seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }

    fn pick(&mut self, among: &[String], n: usize) -> Vec<String> {
        let mut pool = among.to_vec();
        (0..n)
            .map(|_| pool.remove(self.below(pool.len())))
            .collect()
    }
}

/// A valid step for whatever `next` asks.
fn play(next: &Next, members: usize, rng: &mut Rng) -> Step {
    match next {
        // About one ballot in four is missing (the member did not vote in time).
        Next::Vote { among, picks, .. } => Step::Vote {
            among: among.clone(),
            picks: *picks,
            ballots: (0..members)
                .map(|_| match rng.below(4) {
                    0 => Vec::new(),
                    _ => rng.pick(among, *picks),
                })
                .collect(),
        },
        Next::Lot { among, count, .. } => Step::Lot {
            among: among.clone(),
            count: *count,
            order: rng.pick(among, *count),
        },
        Next::Deliberate { among } => Step::Deliberation {
            opinions: (0..members)
                .map(|m| Opinion {
                    member: format!("m{m}"),
                    candidate: rng.pick(among, 1).remove(0),
                    reason: "reasons".into(),
                })
                .collect(),
            decision: Decision {
                candidate: rng.pick(among, 1).remove(0),
                reason: "reasons".into(),
            },
        },
        Next::Decided { .. } => unreachable!(),
    }
}

proptest! {
    /// Whatever the ballots (some of them missing) and lots, every method decides, for a
    /// candidate, in a bounded number of steps, and replaying the recorded steps reaches the
    /// same winner.
    #[test]
    fn every_method_always_decides_and_replays(
        seed in 1u64..,
        n in 1usize..7,
        members in prop::sample::select(vec![3usize, 4, 5, 7, 9]),
        m in 0usize..9,
    ) {
        let mut rng = Rng(seed);
        let candidates: Vec<String> = (0..n).map(|i| format!("bid-{i}")).collect();
        let mut st = Setup {
            method: methods()[m].clone(),
            candidates: candidates.clone(),
            members,
            prices: candidates
                .iter()
                .map(|c| (c.clone(), Decimal::from(100 + rng.below(3) as i64)))
                .collect(),
            benchmark: None,
            max_revotes: 1,
        };
        if rng.below(2) == 0 {
            st.benchmark = Some(Decimal::from(101));
        }
        let mut steps = Vec::new();
        let mut next = replay(&st, &steps).unwrap().next;
        while !matches!(next, Next::Decided { .. }) {
            prop_assert!(steps.len() < 400, "no decision after 400 steps: {next:?}");
            let step = play(&next, members, &mut rng);
            steps.push(step);
            next = replay(&st, &steps).unwrap().next;
        }
        let Next::Decided { winner, reason } = &next else { unreachable!() };
        prop_assert!(candidates.contains(winner));
        // A majority is of the whole committee, missing ballots included.
        if *reason == Reason::Majority {
            let r = replay(&st, &steps).unwrap();
            let last = &r.rounds.last().unwrap().tally;
            let won = last.iter().find(|(c, _)| c == winner).map_or(0, |(_, n)| *n);
            prop_assert!(won * 2 > members, "{won} of {members} is no majority");
        }
        prop_assert_eq!(replay(&st, &steps).unwrap().next, next.clone());
        // Any one recorded step changed is refused or leads elsewhere; dropping the last one
        // leaves the award undecided.
        if !steps.is_empty() {
            let shorter = replay(&st, &steps[..steps.len() - 1]).unwrap();
            let decided = matches!(shorter.next, Next::Decided { .. });
            prop_assert!(!decided, "decided before its last step");
        }
    }
}

#[test]
fn a_traditional_award_has_no_method_to_run() {
    // The rank decides a traditional award: an award method given with it is refused when the
    // tender is read, so no committee method can run for it.
    let traditional = serde_json::json!({"kind": "traditional", "method": {"kind": "lottery"}});
    assert!(serde_json::from_value::<crate::domain::tender::AwardMode>(traditional).is_err());
    let separated = serde_json::json!({"kind": "separated", "method": {"kind": "lottery"}});
    assert!(serde_json::from_value::<crate::domain::tender::AwardMode>(separated).is_ok());
}

#[test]
fn step_and_cast_kinds_read_back_from_their_stored_codes_and_nothing_else_does() {
    for k in [StepKind::Vote, StepKind::Lot, StepKind::Deliberation] {
        assert_eq!(StepKind::parse(k.as_str()), Some(k));
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
    for k in [
        CastKind::Ballot,
        CastKind::Opinion,
        CastKind::Decision,
        CastKind::Missing,
    ] {
        assert_eq!(CastKind::parse(k.as_str()), Some(k));
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
    assert_eq!(StepKind::parse("ballot"), None);
    assert_eq!(CastKind::parse("vote"), None);
    assert_eq!(CastKind::parse("Ballot"), None);
}
