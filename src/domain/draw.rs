//! The one verifiable random draw: expert committees, award committees, lotteries among
//! candidates and random inspections all pick people (or bids, or firms) through this module.
//!
//! Why a mechanism of our own: the law says the draw is random and supervised (条例46–48), and
//! platforms ask users to trust the operator's random number generator. Here nobody has to.
//! The algorithm is specified in docs/DRAWS.md with known-answer vectors, re-derived by a second
//! implementation (tests/support/draw_vectors.py); in short:
//!
//! 1. The inputs are frozen into a [`Frame`]: what the draw is for, its rules as text, and per
//!    group (a specialty, say) the count wanted, the reserves, and the eligible candidates
//!    sorted. Its digest goes into the audit log first.
//! 2. The server draws a 32-byte secret and logs only its [`commitment`], bound to the frame.
//! 3. At least one party other than the operator (the supervising regulator) contributes its own
//!    32 random bytes, signed, after the commitment is public; the operator can no longer choose
//!    a secret that suits the contribution, and the contributor cannot predict the secret.
//! 4. The [`seed`] is SHA-256 over the frame digest, the secret and every contribution in the
//!    order recorded; every candidate of a group gets the rank key SHA-256(seed, group,
//!    candidate), and the group's draw order is its candidates by ascending key — a uniformly
//!    random permutation as long as SHA-256 behaves as a random function. The first `count` are
//!    drawn, the next `reserves` are the reserves in the order they are called in.
//! 5. When the names may be known, the secret is revealed, and anyone holding the audit export
//!    replays the draw with [`verify`].
//!
//! Ranking by a keyed hash rather than shuffling with a seeded generator keeps a second
//! implementation to a dozen lines, makes the order independent of how the candidates were
//! listed, and lets a reserve be called later by the same recorded order. A candidate eligible in
//! two groups is placed at most once: groups are drawn in the order of their codes and a
//! candidate placed in an earlier group (drawn or reserve) is skipped in later ones. Whether a
//! pool is large enough is decided before the draw and does not depend on the seed
//! ([`Frame::shortfalls`]), so a draw never fails after the commitment.

use std::collections::BTreeSet;
use std::fmt;

use ring::digest;

use crate::seal::encoding::Enc;

/// Bytes of the server's secret, of a contribution, of every digest here.
pub const LEN: usize = 32;

/// Most candidates in one frame (a 100,000-expert library, every expert in three
/// specialties, fits well within this).
pub const MAX_CANDIDATES: usize = 1_000_000;

/// What a draw decides; part of every digest, so a draw made for one purpose never replays as
/// another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(utoipa::ToSchema)]
pub enum Purpose {
    /// 评标专家: the evaluation committee's experts.
    EvaluationExperts,
    /// 定标委员: the award committee.
    AwardCommittee,
    /// 抽签: a lot among tied or short-listed candidates.
    Lottery,
    /// 双随机: inspectors and inspected.
    Inspection,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [
        Purpose::EvaluationExperts,
        Purpose::AwardCommittee,
        Purpose::Lottery,
        Purpose::Inspection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::EvaluationExperts => "evaluation_experts",
            Purpose::AwardCommittee => "award_committee",
            Purpose::Lottery => "lottery",
            Purpose::Inspection => "inspection",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// One group of a frame: a specialty, a kind of inspector, the candidates of a lot.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    pub code: String,
    /// How many are drawn.
    pub count: u32,
    /// How many more are ranked after them, called in order when one of them drops out.
    pub reserves: u32,
    /// Every eligible candidate's id, strictly ascending (byte order).
    pub candidates: Vec<String>,
}

impl Group {
    fn needed(&self) -> u64 {
        u64::from(self.count) + u64::from(self.reserves)
    }
}

/// A group of a frame without its candidates, only their number: what a draw's views show
/// (the frame itself is kept once, in the audit entry that commits to it).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupOutline {
    pub code: String,
    pub count: u32,
    pub reserves: u32,
    pub candidates: u32,
}

/// The frozen inputs of a draw.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Frame {
    pub purpose: Purpose,
    /// The draw's own id: a frame never serves two draws.
    pub draw_id: String,
    /// The rules the candidates were filtered by, as the requester and the platform stated them
    /// (canonical JSON, part of the digest so the filters cannot change unnoticed).
    pub rules: String,
    /// Strictly ascending by code.
    pub groups: Vec<Group>,
}

/// Why a frame cannot be drawn.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("a draw needs at least one group")]
    NoGroups,
    #[error("group codes must be non-empty and strictly ascending (at {0:?})")]
    GroupOrder(String),
    #[error("group {0:?} draws nobody (count is 0)")]
    ZeroCount(String),
    #[error("the candidates of group {0:?} must be non-empty ids in strictly ascending order")]
    CandidateOrder(String),
    #[error("more than {MAX_CANDIDATES} candidates")]
    TooLarge,
}

/// A group whose pool is too small: `needed` drawn and reserves, `available` the candidates
/// that are certain to remain for it whatever the seed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shortfall {
    pub group: String,
    pub needed: u64,
    pub available: u64,
}

impl Frame {
    /// Checks the frame's shape: groups and candidates sorted and unique, counts positive.
    pub fn check(&self) -> Result<(), FrameError> {
        if self.groups.is_empty() {
            return Err(FrameError::NoGroups);
        }
        let mut total = 0usize;
        let mut last: Option<&str> = None;
        for g in &self.groups {
            if g.code.is_empty() || last.is_some_and(|l| l >= g.code.as_str()) {
                return Err(FrameError::GroupOrder(g.code.clone()));
            }
            last = Some(&g.code);
            if g.count == 0 {
                return Err(FrameError::ZeroCount(g.code.clone()));
            }
            let sorted = g.candidates.windows(2).all(|w| w[0] < w[1]);
            if !sorted || g.candidates.iter().any(String::is_empty) {
                return Err(FrameError::CandidateOrder(g.code.clone()));
            }
            total += g.candidates.len();
            if total > MAX_CANDIDATES {
                return Err(FrameError::TooLarge);
            }
        }
        Ok(())
    }

    /// The groups whose pool may run short. Earlier groups place at most `count + reserves`
    /// candidates each, so a later group is certain to keep its pool minus, for every earlier
    /// group, the smaller of what that group places and how many candidates the two share. The
    /// bound does not depend on the seed, so a frame without shortfalls always draws in full.
    pub fn shortfalls(&self) -> Vec<Shortfall> {
        let mut out = Vec::new();
        for (i, g) in self.groups.iter().enumerate() {
            let taken: u64 = (0..i)
                .map(|h| {
                    let shared = shared(&self.groups[h].candidates, &g.candidates);
                    shared.min(self.groups[h].needed())
                })
                .sum();
            let available = (g.candidates.len() as u64).saturating_sub(taken);
            if available < g.needed() {
                out.push(Shortfall {
                    group: g.code.clone(),
                    needed: g.needed(),
                    available,
                });
            }
        }
        out
    }

    /// Each group's code, count, reserves and number of candidates.
    pub fn outline(&self) -> Vec<GroupOutline> {
        self.groups
            .iter()
            .map(|g| GroupOutline {
                code: g.code.clone(),
                count: g.count,
                reserves: g.reserves,
                candidates: len_u32(g.candidates.len()),
            })
            .collect()
    }

    /// SHA-256 of the frame's binary encoding (docs/DRAWS.md §2).
    pub fn digest(&self) -> [u8; LEN] {
        let mut e = Enc::with_label("etender-draw-frame/v1");
        e.str(self.purpose.as_str())
            .str(&self.draw_id)
            .str(&self.rules)
            .u32(len_u32(self.groups.len()));
        for g in &self.groups {
            e.str(&g.code)
                .u32(g.count)
                .u32(g.reserves)
                .u32(len_u32(g.candidates.len()));
            for c in &g.candidates {
                e.str(c);
            }
        }
        sha256(&e.into_bytes())
    }
}

fn len_u32(n: usize) -> u32 {
    // Frames are bounded by MAX_CANDIDATES, far below u32::MAX.
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn sha256(bytes: &[u8]) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    out.copy_from_slice(digest::digest(&digest::SHA256, bytes).as_ref());
    out
}

/// What the server logs before anyone contributes: it binds the secret to this frame.
pub fn commitment(frame_digest: &[u8; LEN], secret: &[u8; LEN]) -> [u8; LEN] {
    let mut e = Enc::with_label("etender-draw-commitment/v1");
    e.fixed(frame_digest).fixed(secret);
    sha256(&e.into_bytes())
}

/// A random value contributed by a party other than the operator (or, where the party never
/// answered, the documented fallback value), in the order the log recorded it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Contribution {
    /// Who contributed: a principal id, or `fallback:<source>`.
    pub contributor: String,
    #[serde(with = "hex32")]
    pub value: [u8; LEN],
}

/// The bytes a contributor signs: its value for this frame after this commitment, so a
/// contribution can neither be moved to another draw nor made before the commitment was known.
pub fn contribution_message(
    frame_digest: &[u8; LEN],
    commitment: &[u8; LEN],
    contributor: &str,
    value: &[u8; LEN],
) -> Vec<u8> {
    let mut e = Enc::with_label("etender-draw-contribution/v1");
    e.fixed(frame_digest)
        .fixed(commitment)
        .str(contributor)
        .fixed(value);
    e.into_bytes()
}

/// The seed every rank key is derived from.
pub fn seed(
    frame_digest: &[u8; LEN],
    secret: &[u8; LEN],
    contributions: &[Contribution],
) -> [u8; LEN] {
    let mut e = Enc::with_label("etender-draw-seed/v1");
    e.fixed(frame_digest)
        .fixed(secret)
        .u32(len_u32(contributions.len()));
    for c in contributions {
        e.str(&c.contributor).fixed(&c.value);
    }
    sha256(&e.into_bytes())
}

/// One group's outcome: who is drawn, then the reserves in the order they are called.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Drawn {
    pub group: String,
    pub drawn: Vec<String>,
    pub reserves: Vec<String>,
}

/// The draw itself: deterministic in the frame and the seed. The frame must have passed
/// [`Frame::check`]; a group left short (only possible if [`Frame::shortfalls`] was ignored)
/// gets fewer reserves, then fewer drawn.
pub fn select(frame: &Frame, seed: &[u8; LEN]) -> Vec<Drawn> {
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::with_capacity(frame.groups.len());
    for g in &frame.groups {
        let mut prefix = Enc::with_label("etender-draw-rank/v1");
        prefix.fixed(seed).str(&g.code);
        let mut base = digest::Context::new(&digest::SHA256);
        base.update(&prefix.into_bytes());
        let mut keyed: Vec<([u8; LEN], &str)> = g
            .candidates
            .iter()
            .map(String::as_str)
            .filter(|c| !placed.contains(c))
            .map(|c| (rank_key(&base, c), c))
            .collect();
        let needed = usize::try_from(g.needed()).unwrap_or(usize::MAX);
        // Only the first `needed` in key order matter: partition, then sort those.
        if keyed.len() > needed && needed > 0 {
            keyed.select_nth_unstable(needed - 1);
            keyed.truncate(needed);
        }
        keyed.sort_unstable();
        keyed.truncate(needed);
        let order: Vec<&str> = keyed.into_iter().map(|(_, c)| c).collect();
        placed.extend(order.iter().copied());
        let split = order.len().min(g.count as usize);
        out.push(Drawn {
            group: g.code.clone(),
            drawn: order[..split].iter().map(|c| c.to_string()).collect(),
            reserves: order[split..].iter().map(|c| c.to_string()).collect(),
        });
    }
    out
}

/// SHA-256(label ‖ seed ‖ var(group) ‖ var(candidate)), continuing the group's prefix state.
fn rank_key(base: &digest::Context, candidate: &str) -> [u8; LEN] {
    let mut ctx = base.clone();
    ctx.update(&(candidate.len() as u64).to_be_bytes());
    ctx.update(candidate.as_bytes());
    let mut out = [0u8; LEN];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Everything a regulator needs to replay a draw, as the audit log holds it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    pub frame: Frame,
    #[serde(with = "hex32")]
    pub frame_digest: [u8; LEN],
    #[serde(with = "hex32")]
    pub commitment: [u8; LEN],
    pub contributions: Vec<Contribution>,
    #[serde(with = "hex32")]
    pub secret: [u8; LEN],
    pub result: Vec<Drawn>,
}

/// Why a recorded draw does not replay; each names the first thing that disagrees.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error("the frame is malformed: {0}")]
    Frame(FrameError),
    #[error("the frame does not hash to the digest logged before the draw")]
    FrameDigest,
    #[error("the revealed secret does not open the commitment logged before the contributions")]
    Commitment,
    #[error("group {group:?}: position {position} is {found:?}, the replay gives {expected:?}")]
    Result {
        group: String,
        position: usize,
        expected: Option<String>,
        found: Option<String>,
    },
    #[error("the recorded result has groups {found:?}, the frame {expected:?}")]
    Groups {
        expected: Vec<String>,
        found: Vec<String>,
    },
}

/// Replays a recorded draw: the frame matches its digest, the secret opens the commitment, and
/// the seed from the secret and the contributions selects exactly the recorded people in the
/// recorded order. Signatures on the contributions are checked by the caller, which knows the
/// certificates.
pub fn verify(r: &Record) -> Result<(), Mismatch> {
    r.frame.check().map_err(Mismatch::Frame)?;
    let digest = r.frame.digest();
    if digest != r.frame_digest {
        return Err(Mismatch::FrameDigest);
    }
    if commitment(&digest, &r.secret) != r.commitment {
        return Err(Mismatch::Commitment);
    }
    let replay = select(&r.frame, &seed(&digest, &r.secret, &r.contributions));
    let codes = |d: &[Drawn]| d.iter().map(|g| g.group.clone()).collect::<Vec<_>>();
    if codes(&replay) != codes(&r.result) {
        return Err(Mismatch::Groups {
            expected: codes(&replay),
            found: codes(&r.result),
        });
    }
    for (want, got) in replay.iter().zip(&r.result) {
        let want_all = want.drawn.iter().chain(&want.reserves).collect::<Vec<_>>();
        let got_all = got.drawn.iter().chain(&got.reserves).collect::<Vec<_>>();
        let n = want_all.len().max(got_all.len());
        let first_bad = (0..n).find(|&i| want_all.get(i) != got_all.get(i));
        let split_bad = want.drawn.len() != got.drawn.len();
        if let Some(position) = first_bad.or(split_bad.then_some(want.drawn.len())) {
            return Err(Mismatch::Result {
                group: want.group.clone(),
                position,
                expected: want_all.get(position).map(|s| s.to_string()),
                found: got_all.get(position).map(|s| s.to_string()),
            });
        }
    }
    Ok(())
}

/// Where a draw stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(utoipa::ToSchema)]
pub enum DrawState {
    /// Frame and commitment logged; waiting for the contribution.
    Committed,
    /// Drawn; members are answering. Names known only to the system and each member.
    Drawn,
    /// The evaluation started: secret, result and every answer are in the log.
    Revealed,
}

/// What became of one drawn or reserve member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(utoipa::ToSchema)]
pub enum Seat {
    /// A reserve not (yet) called.
    Waiting,
    /// Told; the answer is due.
    Notified,
    Confirmed,
    Declined,
    /// No answer by the time allowed.
    Lapsed,
    /// Declared a conflict at check-in (回避).
    Recused,
    /// Checked in and signed the 承诺书.
    CheckedIn,
    /// Did not check in within its window.
    Absent,
    /// Checked in, then left the formed committee (fell ill or left, 条例48); a member that
    /// must recuse after its check-in is `recused`.
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
    DrawState { Committed => "committed", Drawn => "drawn", Revealed => "revealed" }
    Seat {
        Waiting => "waiting",
        Notified => "notified",
        Confirmed => "confirmed",
        Declined => "declined",
        Lapsed => "lapsed",
        Recused => "recused",
        CheckedIn => "checked_in",
        Absent => "absent",
        Left => "left",
    }
}

impl Seat {
    /// Holds (or is being offered) a seat on the committee.
    pub fn is_seated(self) -> bool {
        matches!(self, Seat::Notified | Seat::Confirmed | Seat::CheckedIn)
    }

    /// Gave the seat up, for good.
    pub fn is_out(self) -> bool {
        matches!(
            self,
            Seat::Declined | Seat::Lapsed | Seat::Recused | Seat::Absent | Seat::Left
        )
    }
}

/// The reserve to call when a seated member of a group drops out: the first one still waiting,
/// in the recorded draw order (`seats` in rank order). `None`: the reserves are used up and a
/// supplementary draw is needed.
pub fn next_reserve(seats: &[Seat]) -> Option<usize> {
    seats.iter().position(|s| *s == Seat::Waiting)
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many ids two ascending lists share (a merge: a frame's candidate lists are sorted, and a
/// library-sized draw compares thousands of them).
fn shared(a: &[String], b: &[String]) -> u64 {
    let (mut i, mut j, mut n) = (0, 0, 0u64);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// 32-byte values as lowercase hex in JSON, as the audit log and docs/DRAWS.md show them.
mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let bytes = hex::decode(&s).map_err(serde::de::Error::custom)?;
        bytes
            .try_into()
            .map_err(|_| serde::de::Error::custom("expected 32 bytes as 64 hex digits"))
    }
}

pub mod checkin;

#[cfg(test)]
mod tests;
