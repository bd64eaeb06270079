//! Collusion signals across tenders (跨项目串标围标线索, domain-rules §6): what a regulator sees
//! only when it looks at many sections at once, which no single opening can show.
//!
//! - **The same machine for different bidders in different sections**: bids of two or more
//!   organisations prepared on one device — its MAC, CPU and disk fingerprints all equal — or with
//!   one pricing-software dongle (计价软件加密锁), across sections. Inside one section the opening
//!   already flags it; across sections it points to one preparer working for several bidders
//!   (条例40(二): 不同投标人的投标文件由同一单位或者个人编制).
//! - **Rotating winners (轮流坐庄)**: a ring of at least `min_ring` organisations that bid
//!   together in at least `min_sections` awarded sections, every one of which was won by one of
//!   them, with at least two different winners. A ring is reported at its largest: a smaller set
//!   whose qualifying sections are the same is not repeated.
//!
//! These are leads for an inspection or a case, not findings: each names the organisations, the
//! sections (in opening order) and the evidence. Every comparison is an equality of fingerprints
//! or a set inclusion, so the result depends only on the traces given, never on their order.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One bid as the analysis sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BidTrace {
    pub bid: String,
    pub uscc: String,
    /// MAC, CPU and disk fingerprints, when the bid's preparation record has all three.
    pub machine: Option<String>,
    pub pricing_dongle: Option<String>,
}

/// One opened section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionTrace {
    pub tender: String,
    pub section: String,
    /// When its opening record was published.
    pub opened_at: DateTime<Utc>,
    pub bids: Vec<BidTrace>,
    /// The awarded organisation's USCC, once there is one.
    pub winner: Option<String>,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CrossKind {
    SameMachineAcrossSections,
    SamePricingDongleAcrossSections,
    RotatingWinners,
}

impl CrossKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CrossKind::SameMachineAcrossSections => "same_machine_across_sections",
            CrossKind::SamePricingDongleAcrossSections => "same_pricing_dongle_across_sections",
            CrossKind::RotatingWinners => "rotating_winners",
        }
    }
}

/// A section a signal names.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
pub struct SectionRef {
    pub tender: String,
    pub section: String,
    pub opened_at: DateTime<Utc>,
    /// The winner's USCC (rotating winners), if awarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub winner: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CrossSignal {
    pub kind: CrossKind,
    /// The organisations' USCCs, sorted.
    pub organisations: Vec<String>,
    /// In opening order.
    pub sections: Vec<SectionRef>,
    pub evidence: String,
    pub basis: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Smallest ring of organisations (at least 2).
    pub min_ring: usize,
    /// Fewest awarded sections a ring must share (at least 2).
    pub min_sections: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_ring: 3,
            min_sections: 3,
        }
    }
}

fn section_ref(s: &SectionTrace, winner: bool) -> SectionRef {
    SectionRef {
        tender: s.tender.clone(),
        section: s.section.clone(),
        opened_at: s.opened_at,
        winner: if winner { s.winner.clone() } else { None },
    }
}

/// The signals among `sections`: machines, then dongles, then rings; each kind in a stable order.
pub fn across(sections: &[SectionTrace], t: Thresholds) -> Vec<CrossSignal> {
    let mut ordered: Vec<&SectionTrace> = sections.iter().collect();
    ordered.sort_by(|a, b| {
        (a.opened_at, &a.tender, &a.section).cmp(&(b.opened_at, &b.tender, &b.section))
    });
    let mut out = shared(&ordered, CrossKind::SameMachineAcrossSections, |b| {
        b.machine.as_deref()
    });
    out.extend(shared(
        &ordered,
        CrossKind::SamePricingDongleAcrossSections,
        |b| b.pricing_dongle.as_deref(),
    ));
    out.extend(rings(&ordered, t));
    out
}

/// Groups by a fingerprint: two or more organisations, in two or more sections.
fn shared<'a>(
    sections: &[&'a SectionTrace],
    kind: CrossKind,
    key: impl Fn(&'a BidTrace) -> Option<&'a str>,
) -> Vec<CrossSignal> {
    let mut groups: BTreeMap<&str, Vec<(usize, &BidTrace)>> = BTreeMap::new();
    for (i, s) in sections.iter().enumerate() {
        for b in &s.bids {
            if let Some(k) = key(b) {
                groups.entry(k).or_default().push((i, b));
            }
        }
    }
    let mut out = Vec::new();
    for (fingerprint, members) in groups {
        let orgs: BTreeSet<&str> = members.iter().map(|(_, b)| b.uscc.as_str()).collect();
        let secs: BTreeSet<usize> = members.iter().map(|(i, _)| *i).collect();
        if orgs.len() < 2 || secs.len() < 2 {
            continue;
        }
        let what = match kind {
            CrossKind::SameMachineAcrossSections => "prepared on one machine (MAC, CPU and disk)",
            _ => "priced with one pricing-software dongle",
        };
        out.push(CrossSignal {
            kind,
            organisations: orgs.iter().map(|s| s.to_string()).collect(),
            sections: secs
                .iter()
                .map(|i| section_ref(sections[*i], false))
                .collect(),
            evidence: format!(
                "{} bids of {} organisations in {} sections {what} (fingerprint {}…)",
                members.len(),
                orgs.len(),
                secs.len(),
                &fingerprint[..fingerprint.len().min(12)]
            ),
            basis: "招标投标法实施条例第40条(二)".into(),
        });
    }
    out
}

/// Rings of co-bidders that share their awarded sections' wins.
fn rings(sections: &[&SectionTrace], t: Thresholds) -> Vec<CrossSignal> {
    let (min_ring, min_sections) = (t.min_ring.max(2), t.min_sections.max(2));
    let awarded: Vec<(usize, BTreeSet<&str>, &str)> = sections
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let w = s.winner.as_deref()?;
            let bidders: BTreeSet<&str> = s.bids.iter().map(|b| b.uscc.as_str()).collect();
            bidders.contains(w).then_some((i, bidders, w))
        })
        .collect();
    // Candidate rings: what two awarded sections' bidders have in common.
    let mut candidates: BTreeSet<BTreeSet<&str>> = BTreeSet::new();
    for (a, (_, x, _)) in awarded.iter().enumerate() {
        for (_, y, _) in &awarded[a + 1..] {
            let common: BTreeSet<&str> = x.intersection(y).copied().collect();
            if common.len() >= min_ring {
                candidates.insert(common);
            }
        }
    }
    let mut found: Vec<(BTreeSet<&str>, Vec<usize>)> = Vec::new();
    for ring in candidates {
        let shared: Vec<usize> = awarded
            .iter()
            .filter(|(_, b, _)| ring.is_subset(b))
            .map(|(i, _, _)| *i)
            .collect();
        if shared.len() < min_sections {
            continue;
        }
        let winners: BTreeSet<&str> = shared
            .iter()
            .filter_map(|i| sections[*i].winner.as_deref())
            .collect();
        if winners.len() < 2 || !winners.is_subset(&ring) {
            continue;
        }
        found.push((ring, shared));
    }
    // At its largest: drop a ring whose sections a larger ring has too.
    let keep: Vec<bool> = found
        .iter()
        .map(|(r, secs)| {
            !found
                .iter()
                .any(|(r2, s2)| r2.len() > r.len() && r.is_subset(r2) && s2 == secs)
        })
        .collect();
    found
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|((ring, secs), _)| {
            let winners: Vec<&str> = secs
                .iter()
                .filter_map(|i| sections[*i].winner.as_deref())
                .collect();
            let distinct: BTreeSet<&str> = winners.iter().copied().collect();
            CrossSignal {
                kind: CrossKind::RotatingWinners,
                organisations: ring.iter().map(|s| s.to_string()).collect(),
                sections: secs
                    .iter()
                    .map(|i| section_ref(sections[*i], true))
                    .collect(),
                evidence: format!(
                    "{} organisations bid together in {} awarded sections, each won by one of \
                     them ({} different winners)",
                    ring.len(),
                    secs.len(),
                    distinct.len()
                ),
                basis: "招标投标法实施条例第39条、第40条；domain-rules §6（轮流坐庄）".into(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn bid(uscc: &str, machine: Option<&str>, dongle: Option<&str>) -> BidTrace {
        BidTrace {
            bid: format!("bid-{uscc}"),
            uscc: uscc.into(),
            machine: machine.map(str::to_string),
            pricing_dongle: dongle.map(str::to_string),
        }
    }

    fn section(n: u32, bids: Vec<BidTrace>, winner: Option<&str>) -> SectionTrace {
        SectionTrace {
            tender: format!("t{n}"),
            section: "BD01".into(),
            opened_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
                + chrono::Duration::days(i64::from(n)),
            bids,
            winner: winner.map(str::to_string),
        }
    }

    #[test]
    fn one_machine_for_two_bidders_in_two_sections_is_a_signal_in_one_section_not() {
        let within = vec![section(
            1,
            vec![bid("A", Some("m1"), None), bid("B", Some("m1"), None)],
            None,
        )];
        assert!(across(&within, Thresholds::default()).is_empty());
        let spread = vec![
            section(
                1,
                vec![bid("A", Some("m1"), None), bid("C", None, None)],
                None,
            ),
            section(
                2,
                vec![bid("B", Some("m1"), Some("d9")), bid("C", None, Some("d9"))],
                None,
            ),
            // The same organisation on its own machine twice is nothing.
            section(3, vec![bid("D", Some("m2"), None)], None),
            section(4, vec![bid("D", Some("m2"), None)], None),
        ];
        let s = across(&spread, Thresholds::default());
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].kind, CrossKind::SameMachineAcrossSections);
        assert_eq!(s[0].organisations, ["A", "B"]);
        assert_eq!(s[0].sections.len(), 2);
        // The dongle shared by B and C inside section 2 only is the opening's signal.
    }

    #[test]
    fn a_ring_that_takes_turns_is_found_at_its_largest_and_an_honest_market_is_not() {
        let ring = |w: &str, n: u32| {
            section(
                n,
                vec![
                    bid("A", None, None),
                    bid("B", None, None),
                    bid("C", None, None),
                    bid("D", None, None),
                ],
                Some(w),
            )
        };
        let s = across(
            &[ring("A", 1), ring("B", 2), ring("C", 3)],
            Thresholds::default(),
        );
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].kind, CrossKind::RotatingWinners);
        assert_eq!(s[0].organisations, ["A", "B", "C", "D"]);
        assert_eq!(
            s[0].sections
                .iter()
                .map(|x| x.winner.clone().unwrap())
                .collect::<Vec<_>>(),
            ["A", "B", "C"]
        );
        // One winner every time is not a rotation; two sections are not enough.
        assert!(across(
            &[ring("A", 1), ring("A", 2), ring("A", 3)],
            Thresholds::default()
        )
        .is_empty());
        assert!(across(&[ring("A", 1), ring("B", 2)], Thresholds::default()).is_empty());
        // A winner from outside the ring breaks it.
        let mut outsider = ring("E", 3);
        outsider.bids.push(bid("E", None, None));
        assert!(across(
            &[ring("A", 1), ring("B", 2), outsider],
            Thresholds::default()
        )
        .is_empty());
    }

    proptest! {
        /// The signals depend on the sections given, not on the order they come in.
        #[test]
        fn order_does_not_matter(
            seed in proptest::collection::vec((0u8..5, 0u8..3, 0u8..2, 0u8..4), 4..30),
            rot in 0usize..30,
        ) {
            let orgs = ["A", "B", "C", "D", "E"];
            let mut sections: Vec<SectionTrace> = Vec::new();
            for (n, (o, m, d, w)) in seed.iter().enumerate() {
                let n = u32::try_from(n).unwrap();
                let bids: Vec<BidTrace> = (0..3)
                    .map(|k| {
                        let org = orgs[(usize::from(*o) + k) % orgs.len()];
                        let k32 = u32::try_from(k).unwrap();
                        let machine = format!("m{}", (u32::from(*m) + k32) % 4);
                        bid(org, Some(&machine), (*d == 1).then_some("d1"))
                    })
                    .collect();
                let winner = (*w < 3).then(|| bids[usize::from(*w)].uscc.clone());
                let mut s = section(n, bids, None);
                s.winner = winner;
                sections.push(s);
            }
            let a = across(&sections, Thresholds::default());
            let k = rot % sections.len();
            sections.rotate_left(k);
            sections.reverse();
            prop_assert_eq!(a, across(&sections, Thresholds::default()));
        }
    }
}
