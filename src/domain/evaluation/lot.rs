//! Every chance decision of an evaluation goes through the platform's verifiable draw
//! ([`crate::domain::draw`], docs/DRAWS.md): the coefficient K of the price formula, drawn at the
//! opening, and the lot that orders bids still tied after every tie-break. Each is a
//! [`Purpose::Lottery`] frame of one group whose candidates are the choices, so the commitment,
//! the regulator's contribution, the reveal and `etender draw verify` work unchanged; the frame's
//! `rules` text says what is drawn, so a K draw never replays as a tie lot or for another
//! section.
//!
//! * K: the candidates are the configured values as canonical decimal strings (`0.02`, sorted
//!   byte-wise), count 1. K is the one drawn: the value whose rank key SHA-256(seed, group,
//!   value) is smallest.
//! * A tie lot: the candidates are the tied bids' ids, count = all of them; the draw order is
//!   the order the tie is broken in (first drawn ranks first).

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::domain::draw::{self, Frame, Group, Purpose, LEN};

/// The group code of every evaluation frame.
pub const GROUP: &str = "lot";

fn frame(draw_id: &str, rules: String, candidates: BTreeSet<String>, count: usize) -> Frame {
    Frame {
        purpose: Purpose::Lottery,
        draw_id: draw_id.to_string(),
        rules,
        groups: vec![Group {
            code: GROUP.to_string(),
            count: u32::try_from(count).unwrap_or(u32::MAX),
            reserves: 0,
            candidates: candidates.into_iter().collect(),
        }],
    }
}

/// The canonical text of a K value: normalised (`0.020` → `0.02`).
pub fn k_text(k: Decimal) -> String {
    k.normalize().to_string()
}

/// The frame that draws K for `section` from `k_values` (the tender's configured set). `None`
/// when the set is empty (K = 0, nothing to draw).
pub fn k_frame(
    draw_id: &str,
    tender_id: &str,
    section: &str,
    k_values: &[Decimal],
) -> Option<Frame> {
    let candidates: BTreeSet<String> = k_values.iter().map(|k| k_text(*k)).collect();
    if candidates.is_empty() {
        return None;
    }
    let listed: Vec<&str> = candidates.iter().map(String::as_str).collect();
    let rules = format!(
        "{{\"draw\":\"price_coefficient_k\",\"tender\":{},\"section\":{},\"k_values\":{}}}",
        serde_json::Value::from(tender_id),
        serde_json::Value::from(section),
        serde_json::Value::from(listed),
    );
    Some(frame(draw_id, rules, candidates, 1))
}

/// K as the seed draws it from a [`k_frame`]: the first (only) drawn candidate, parsed back.
pub fn k_from_seed(frame: &Frame, seed: &[u8; LEN]) -> Option<Decimal> {
    let drawn = draw::select(frame, seed);
    let first = drawn.first()?.drawn.first()?;
    first.parse().ok()
}

/// The frame of a tie lot among `bids` of `section` (their order does not matter).
pub fn tie_frame(draw_id: &str, tender_id: &str, section: &str, bids: &[String]) -> Frame {
    let candidates: BTreeSet<String> = bids.iter().cloned().collect();
    let n = candidates.len();
    let rules = format!(
        "{{\"draw\":\"evaluation_tie\",\"tender\":{},\"section\":{}}}",
        serde_json::Value::from(tender_id),
        serde_json::Value::from(section),
    );
    frame(draw_id, rules, candidates, n)
}

/// The order a seed puts the tied bids of a [`tie_frame`] in.
pub fn tie_order(frame: &Frame, seed: &[u8; LEN]) -> Vec<String> {
    draw::select(frame, seed)
        .into_iter()
        .flat_map(|g| g.drawn)
        .collect()
}

/// The outcome of a tie lot: the tied bids in the order the draw put them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LotResult {
    pub order: Vec<String>,
}

impl LotResult {
    /// Whether this lot was drawn among exactly `bids`.
    pub fn covers(&self, bids: &BTreeSet<&str>) -> bool {
        self.order.len() == bids.len() && self.order.iter().all(|b| bids.contains(b.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn k_is_one_of_the_set_and_replays() {
        let set = [dec!(0.03), dec!(0.010), dec!(0.02)];
        let f = k_frame("d1", "t1", "BD01", &set).unwrap();
        f.check().unwrap();
        assert_eq!(f.groups[0].candidates, vec!["0.01", "0.02", "0.03"]);
        assert!(f
            .rules
            .contains("\"k_values\":[\"0.01\",\"0.02\",\"0.03\"]"));
        let mut seen = BTreeSet::new();
        for i in 0..64u8 {
            let seed = draw::seed(&f.digest(), &[i; LEN], &[]);
            let k = k_from_seed(&f, &seed).unwrap();
            assert!(set.iter().any(|s| s.normalize() == k), "{k}");
            assert_eq!(k_from_seed(&f, &seed), Some(k));
            seen.insert(k);
        }
        assert_eq!(seen.len(), 3, "64 seeds reach every value");
        assert!(k_frame("d1", "t1", "BD01", &[]).is_none());
        // A K frame and a tie frame of the same draw id never share a digest.
        let t = tie_frame(
            "d1",
            "t1",
            "BD01",
            &["0.01".into(), "0.02".into(), "0.03".into()],
        );
        assert_ne!(t.digest(), f.digest());
    }

    #[test]
    fn a_tie_lot_orders_every_tied_bid_whatever_their_listing() {
        let a = tie_frame("d2", "t1", "BD01", &["b3".into(), "b1".into(), "b2".into()]);
        let b = tie_frame("d2", "t1", "BD01", &["b1".into(), "b2".into(), "b3".into()]);
        assert_eq!(a, b);
        let seed = draw::seed(&a.digest(), &[9; LEN], &[]);
        let order = tie_order(&a, &seed);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, vec!["b1", "b2", "b3"]);
        let lot = LotResult { order };
        assert!(lot.covers(&["b1", "b2", "b3"].into_iter().collect()));
        assert!(!lot.covers(&["b1", "b2"].into_iter().collect()));
    }
}
