//! Check-in at the evaluation (签到): each seated expert signs the commitment (承诺书) with its
//! recusal self-declaration (回避声明, 条例46 / 《评标专家和评标专家库管理办法》) over
//! [`statement`], within a window around the evaluation time. An expert who declares a
//! conflict, or never checks in, is replaced by the next reserve of its specialty in the
//! recorded draw order; [`replacements_follow_order`] is the rule the offline verifier
//! applies to the logged replacements.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::draw::Purpose;
use crate::seal::encoding::Enc;

/// The commitment every expert signs at check-in, version 1. Part of the signed bytes, so a
/// changed text is a new version.
pub const PLEDGE_V1: &str = "评标专家承诺书 v1：本人承诺客观、公正、诚实、廉洁地履行评标职责，\
遵守评标纪律，不私下接触投标人，不收受投标人或其他利害关系人的财物或其他好处，不透露对投标文件的\
评审和比较、中标候选人的推荐情况以及与评标有关的其他情况；与投标人有利害关系的，主动回避。";

/// Most characters of a declared party or reason.
pub const MAX_PARTY: usize = 200;
pub const MAX_REASON: usize = 1000;

/// A conflict of interest the expert declares (回避事由): with which party, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Conflict {
    /// The party: a bidder's name or USCC, the tenderer, the agent.
    pub party: String,
    pub reason: String,
}

/// Why a declaration is refused (the field and a code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclarationError {
    pub field: &'static str,
    pub code: &'static str,
    pub message: &'static str,
}

impl Conflict {
    /// Both texts present, trimmed, without control characters, within their lengths.
    pub fn check(&self) -> Result<(), DeclarationError> {
        let bad = |s: &str, max: usize| {
            s.trim() != s
                || s.is_empty()
                || s.chars().count() > max
                || s.chars().any(|c| c.is_control() && c != '\n')
        };
        if bad(&self.party, MAX_PARTY) {
            return Err(DeclarationError {
                field: "conflict.party",
                code: "invalid",
                message: "1 to 200 characters, no surrounding spaces or control characters",
            });
        }
        if bad(&self.reason, MAX_REASON) {
            return Err(DeclarationError {
                field: "conflict.reason",
                code: "invalid",
                message: "1 to 1000 characters, no surrounding spaces or control characters",
            });
        }
        Ok(())
    }
}

/// The bytes an expert signs at check-in:
///
/// ```text
/// label("etender-draw-checkin/v1") ‖ var(draw_id) ‖ frame_digest(32) ‖ var(member)
///   ‖ var(person) ‖ var(pledge) ‖ u8(0 | 1 conflict) ‖ [var(party) ‖ var(reason)]
/// ```
///
/// Bound to the draw's frame digest, so a check-in never moves to another draw; `person` is
/// the expert's principal id, `member` its library record.
pub fn statement(
    draw_id: &str,
    frame_digest: &[u8; 32],
    member: &str,
    person: &str,
    conflict: Option<&Conflict>,
) -> Vec<u8> {
    statement_for(
        Purpose::EvaluationExperts,
        draw_id,
        frame_digest,
        member,
        person,
        conflict,
    )
}

/// The pledge a member of a draw of `purpose` signs at check-in: the evaluation experts'
/// [`PLEDGE_V1`], or the award committee's (`domain::award::committee::PLEDGE_V1`: no conflict
/// of interest, and confidentiality until the award is published).
pub fn pledge(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::AwardCommittee => crate::domain::award::committee::PLEDGE_V1,
        _ => PLEDGE_V1,
    }
}

/// [`statement`] for a draw of `purpose`: the same bytes with that purpose's [`pledge`] (the
/// frame digest already binds the purpose; the pledge is what the member promises).
pub fn statement_for(
    purpose: Purpose,
    draw_id: &str,
    frame_digest: &[u8; 32],
    member: &str,
    person: &str,
    conflict: Option<&Conflict>,
) -> Vec<u8> {
    let mut e = Enc::with_label("etender-draw-checkin/v1");
    e.str(draw_id)
        .fixed(frame_digest)
        .str(member)
        .str(person)
        .str(pledge(purpose));
    match conflict {
        None => {
            e.u8(0);
        }
        Some(c) => {
            e.u8(1).str(&c.party).str(&c.reason);
        }
    }
    e.into_bytes()
}

/// When check-in opens: `open_minutes` before the evaluation.
pub fn opens(evaluation_at: DateTime<Utc>, open_minutes: u32) -> DateTime<Utc> {
    evaluation_at - Duration::minutes(i64::from(open_minutes))
}

/// By when a member called at `called_at` must check in: `close_minutes` after the
/// evaluation, or, for a reserve called once check-in is open, `close_minutes` after its call
/// (it is on its way).
pub fn due(
    evaluation_at: DateTime<Utc>,
    called_at: DateTime<Utc>,
    open_minutes: u32,
    close_minutes: u32,
) -> DateTime<Utc> {
    let close = Duration::minutes(i64::from(close_minutes));
    if called_at >= opens(evaluation_at, open_minutes) {
        (evaluation_at + close).max(called_at + close)
    } else {
        evaluation_at + close
    }
}

/// Where `now` stands against a seat's check-in window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    NotYetOpen,
    Open,
    Closed,
}

pub fn window(
    now: DateTime<Utc>,
    evaluation_at: DateTime<Utc>,
    open_minutes: u32,
    due: DateTime<Utc>,
) -> Window {
    if now < opens(evaluation_at, open_minutes) {
        Window::NotYetOpen
    } else if now < due {
        Window::Open
    } else {
        Window::Closed
    }
}

/// One logged replacement: in group `group`, the seat at `out_rank` left and the reserve at
/// `called_rank` was called (`None`: the reserves were used up).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replacement {
    pub group: String,
    pub out_rank: u32,
    pub called_rank: Option<u32>,
}

/// Checks logged replacements, in log order, against the recorded draw order: per group the
/// first `count` ranks are called at the draw, every replacement takes a seat that was called
/// and not yet out, and calls exactly the next rank not yet called (while `count + reserves`
/// lasts). `groups` maps each group to its (count, reserves). The first violation, described.
pub fn replacements_follow_order(
    groups: &BTreeMap<String, (u32, u32)>,
    replacements: &[Replacement],
) -> Result<(), String> {
    // Per group: ranks called so far (0..called) and the ranks that are out.
    let mut called: BTreeMap<&str, u32> = BTreeMap::new();
    let mut out: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (i, r) in replacements.iter().enumerate() {
        let Some(&(count, reserves)) = groups.get(&r.group) else {
            return Err(format!(
                "replacement {i}: no group {:?} in the frame",
                r.group
            ));
        };
        let next = called.entry(r.group.as_str()).or_insert(count);
        let gone = out.entry(r.group.as_str()).or_default();
        if r.out_rank >= *next || gone.contains(&r.out_rank) {
            return Err(format!(
                "replacement {i}: rank {} of {} did not hold a seat",
                r.out_rank, r.group
            ));
        }
        gone.push(r.out_rank);
        let expected = (*next < count + reserves).then_some(*next);
        if r.called_rank != expected {
            return Err(format!(
                "replacement {i}: {} called rank {:?}, the recorded order calls {:?}",
                r.group, r.called_rank, expected
            ));
        }
        if expected.is_some() {
            *next += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn conflict() -> Conflict {
        Conflict {
            party: "潜江市某建设有限公司".into(),
            reason: "近三年曾在该单位任职".into(),
        }
    }

    #[test]
    fn the_statement_binds_every_field() {
        let d = [1u8; 32];
        let base = statement("D1", &d, "m1", "p1", None);
        assert!(base.starts_with(b"etender-draw-checkin/v1\0"));
        let variants = [
            statement("D2", &d, "m1", "p1", None),
            statement("D1", &[2u8; 32], "m1", "p1", None),
            statement("D1", &d, "m2", "p1", None),
            statement("D1", &d, "m1", "p2", None),
            statement("D1", &d, "m1", "p1", Some(&conflict())),
        ];
        for v in &variants {
            assert_ne!(v, &base);
        }
        let mut other = conflict();
        other.reason.push('。');
        assert_ne!(statement("D1", &d, "m1", "p1", Some(&other)), variants[4]);
    }

    #[test]
    fn declarations_are_checked() {
        assert_eq!(conflict().check(), Ok(()));
        let mut c = conflict();
        c.party = " x".into();
        assert_eq!(c.check().unwrap_err().field, "conflict.party");
        let mut c = conflict();
        c.reason = String::new();
        assert_eq!(c.check().unwrap_err().field, "conflict.reason");
        let mut c = conflict();
        c.reason = "x".repeat(1001);
        assert_eq!(c.check().unwrap_err().field, "conflict.reason");
    }

    #[test]
    fn the_window_opens_before_and_follows_late_calls() {
        let eval = Utc.with_ymd_and_hms(2026, 12, 20, 9, 0, 0).unwrap();
        let early = eval - Duration::days(2);
        assert_eq!(due(eval, early, 60, 30), eval + Duration::minutes(30));
        let late = eval + Duration::minutes(20);
        assert_eq!(due(eval, late, 60, 30), late + Duration::minutes(30));
        let d = due(eval, early, 60, 30);
        let w = |m: i64| window(eval + Duration::minutes(m), eval, 60, d);
        assert_eq!(w(-61), Window::NotYetOpen);
        assert_eq!(w(-60), Window::Open);
        assert_eq!(w(29), Window::Open);
        assert_eq!(w(30), Window::Closed);
    }

    #[test]
    fn replacements_must_call_the_next_reserve() {
        let groups = BTreeMap::from([("A".to_string(), (3, 2)), ("B".to_string(), (1, 0))]);
        let r = |g: &str, out: u32, called: Option<u32>| Replacement {
            group: g.into(),
            out_rank: out,
            called_rank: called,
        };
        let ok = [
            r("A", 1, Some(3)),
            r("A", 3, Some(4)),
            r("A", 0, None),
            r("B", 0, None),
        ];
        assert_eq!(replacements_follow_order(&groups, &ok), Ok(()));
        // Skipping a reserve, calling one twice, replacing a seat never held or already out.
        for bad in [
            vec![r("A", 1, Some(4))],
            vec![r("A", 1, Some(3)), r("A", 2, Some(3))],
            vec![r("A", 4, Some(3))],
            vec![r("A", 1, Some(3)), r("A", 1, Some(4))],
            vec![r("A", 0, Some(3)), r("A", 1, Some(4)), r("A", 2, Some(5))],
            vec![r("C", 0, None)],
        ] {
            assert!(replacements_follow_order(&groups, &bad).is_err(), "{bad:?}");
        }
    }
}
