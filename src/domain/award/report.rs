//! The 定标报告 as a document: the committee, the method, every step with its ballots (member,
//! choices, reason, or missing), opinions and the chair's decision, the lot evidence, the
//! round-by-round results of [`super::replay`], and the winner and why. It is stored and logged
//! as the exact canonical-JSON bytes whose SHA-256 every member and the chair sign
//! ([`super::ballot::report_statement`]); [`check`] replays the steps as the offline verifier
//! does and must reach the rounds and the winner the document states.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{replay, CastKind, Decision, Next, Opinion, Reason, Round, Setup, Step, StepKind};
use crate::seal::encoding::sha256;

/// The document's version; a new one gets a new number and the verifier keeps reading both.
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub person: String,
    pub chair: bool,
}

/// One member's ballot, opinion or decision as counted (revealed at the round's close).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cast {
    pub member: String,
    /// `missing`: did not vote within the round's time.
    pub kind: CastKind,
    pub choices: Vec<String>,
    pub reason: Option<String>,
    /// SHA-256 of the signed statement (hex); empty for a missing ballot.
    pub statement_sha256: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
}

/// A lot's evidence: the draw a regulator replays (`etender draw verify`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub draw: String,
    pub frame_digest: String,
    pub commitment: String,
    pub seed: String,
    pub order: Vec<String>,
}

/// One recorded step of the award.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub id: String,
    pub seq: u32,
    pub kind: StepKind,
    pub among: Vec<String>,
    pub picks: usize,
    /// Ballots in the order of the committee's members (votes); opinions then the decision.
    pub casts: Vec<Cast>,
    pub lot: Option<Lot>,
}

impl StepRecord {
    /// The engine's step for this record, with ballots in `members` order; `None` when the
    /// record is not a whole step (a lot without its order, a deliberation without decision).
    pub fn step(&self, members: &[Member]) -> Option<Step> {
        match self.kind {
            StepKind::Vote => Some(Step::Vote {
                among: self.among.clone(),
                picks: self.picks,
                ballots: members
                    .iter()
                    .map(|m| {
                        self.casts
                            .iter()
                            .find(|c| c.member == m.person && c.kind == CastKind::Ballot)
                            .map(|c| c.choices.clone())
                            .unwrap_or_default()
                    })
                    .collect(),
            }),
            StepKind::Lot => self.lot.as_ref().map(|l| Step::Lot {
                among: self.among.clone(),
                count: self.picks,
                order: l.order.clone(),
            }),
            StepKind::Deliberation => {
                let first = |c: &Cast| c.choices.first().cloned().unwrap_or_default();
                let decision = self.casts.iter().find(|c| c.kind == CastKind::Decision)?;
                Some(Step::Deliberation {
                    opinions: self
                        .casts
                        .iter()
                        .filter(|c| c.kind == CastKind::Opinion)
                        .map(|c| Opinion {
                            member: c.member.clone(),
                            candidate: first(c),
                            reason: c.reason.clone().unwrap_or_default(),
                        })
                        .collect(),
                    decision: Decision {
                        candidate: first(decision),
                        reason: decision.reason.clone().unwrap_or_default(),
                    },
                })
            }
        }
    }
}

/// The 定标报告.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub version: u32,
    pub tender: String,
    pub section: String,
    pub award_round: u32,
    /// The method's legal name (e.g. 票决定标法).
    pub method_name: String,
    pub setup: Setup,
    pub members: Vec<Member>,
    pub steps: Vec<StepRecord>,
    /// What [`replay`] made of the steps, round by round.
    pub rounds: Vec<Round>,
    pub winner: String,
    pub reason: Reason,
    /// Why, in words: the engine's reason, and the chair's where the chair decided.
    pub why: String,
    pub decided_at: chrono::DateTime<chrono::Utc>,
}

/// The bytes stored, logged and signed (by digest): canonical JSON, keys sorted.
pub fn bytes(doc: &Document) -> Vec<u8> {
    let value = serde_json::to_value(doc).unwrap_or(serde_json::Value::Null);
    crate::audit::canonical_json(&value).into_bytes()
}

/// SHA-256 of the stored bytes: what every signature binds.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    sha256(bytes)
}

/// The engine's steps of `records`, in order.
pub fn steps(members: &[Member], records: &[StepRecord]) -> Option<Vec<Step>> {
    records.iter().map(|r| r.step(members)).collect()
}

/// Words for why the engine decided.
pub fn why(reason: Reason, chair: Option<&str>) -> String {
    let text = match reason {
        Reason::SoleCandidate => "the only candidate",
        Reason::MostVotes => "the most votes",
        Reason::Majority => "more than half of the whole committee's votes",
        Reason::LastStanding => "the last candidate not eliminated",
        Reason::LastPair => "the winner of the last pair",
        Reason::ChairDecides => "the chair's decision after every member's written opinion",
        Reason::LowestPrice => "the lowest price",
        Reason::ClosestPrice => "the price closest to the benchmark",
        _ => "drawn by lot",
    };
    match chair {
        Some(r) => format!("{text}: {r}"),
        None => text.to_string(),
    }
}

/// Why a document does not follow from its own steps.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportMismatch {
    #[error("unknown report version {0}")]
    Version(u32),
    #[error("step {0} is not a whole step")]
    Incomplete(u32),
    #[error("a cast by {0}, who is not a member")]
    NotMember(String),
    #[error("the steps do not replay: {0}")]
    Replay(String),
    #[error("the rounds stated are not those the steps give")]
    Rounds,
    #[error("the steps give {found:?}, the report states {stated}")]
    Winner { found: Next, stated: String },
}

/// Replays the document's steps from its setup: each cast is a member's, the rounds are those
/// stated, and the award is decided for the stated winner (a candidate) for the stated reason.
pub fn check(doc: &Document) -> Result<(), ReportMismatch> {
    if doc.version != VERSION {
        return Err(ReportMismatch::Version(doc.version));
    }
    let members: BTreeSet<&str> = doc.members.iter().map(|m| m.person.as_str()).collect();
    for s in &doc.steps {
        if let Some(c) = s
            .casts
            .iter()
            .find(|c| !members.contains(c.member.as_str()))
        {
            return Err(ReportMismatch::NotMember(c.member.clone()));
        }
    }
    let mut steps = Vec::new();
    for s in &doc.steps {
        steps.push(
            s.step(&doc.members)
                .ok_or(ReportMismatch::Incomplete(s.seq))?,
        );
    }
    let r = replay(&doc.setup, &steps).map_err(|e| ReportMismatch::Replay(e.to_string()))?;
    if r.rounds != doc.rounds {
        return Err(ReportMismatch::Rounds);
    }
    let decided = Next::Decided {
        winner: doc.winner.clone(),
        reason: doc.reason,
    };
    if r.next != decided || !doc.setup.candidates.contains(&doc.winner) {
        return Err(ReportMismatch::Winner {
            found: r.next,
            stated: doc.winner.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::tender::AwardMethod;

    fn cast(member: &str, choice: &str) -> Cast {
        Cast {
            member: member.into(),
            kind: CastKind::Ballot,
            choices: vec![choice.into()],
            reason: None,
            statement_sha256: "00".into(),
            signature: "s".into(),
            signature_algorithm: "ecdsa_p256_sha256".into(),
            signer_fingerprint: "f".into(),
        }
    }

    fn doc() -> Document {
        let setup = Setup {
            method: AwardMethod::DirectVote {
                absolute_majority: false,
            },
            candidates: vec!["A".into(), "B".into()],
            members: 3,
            prices: BTreeMap::new(),
            benchmark: None,
            max_revotes: 2,
        };
        let members: Vec<Member> = ["P1", "P2", "P3"]
            .iter()
            .map(|p| Member {
                person: p.to_string(),
                chair: *p == "P1",
            })
            .collect();
        let steps = vec![StepRecord {
            id: "S1".into(),
            seq: 1,
            kind: StepKind::Vote,
            among: vec!["A".into(), "B".into()],
            picks: 1,
            // P3 did not vote.
            casts: vec![cast("P1", "A"), cast("P2", "A")],
            lot: None,
        }];
        let r = replay(&setup, &super::steps(&members, &steps).unwrap()).unwrap();
        Document {
            version: VERSION,
            tender: "T1".into(),
            section: "BD01".into(),
            award_round: 1,
            method_name: setup.method.legal_name().into(),
            setup,
            members,
            steps,
            rounds: r.rounds,
            winner: "A".into(),
            reason: Reason::Majority,
            why: why(Reason::Majority, None),
            decided_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_document_checks_and_any_change_to_its_steps_shows() {
        let d = doc();
        check(&d).unwrap();
        assert_eq!(digest(&bytes(&d)), digest(&bytes(&d.clone())));
        let mut flipped = d.clone();
        flipped.steps[0].casts[1].choices = vec!["B".into()];
        assert!(check(&flipped).is_err());
        let mut winner = d.clone();
        winner.winner = "B".into();
        assert!(matches!(check(&winner), Err(ReportMismatch::Winner { .. })));
        let mut outsider = d;
        outsider.steps[0].casts[0].member = "P9".into();
        assert_eq!(
            check(&outsider),
            Err(ReportMismatch::NotMember("P9".into()))
        );
    }
}
