//! The lots of the award (定标抽签: a persistent tie, the 票决抽签 final lot, 抽签定标, the order
//! of 对比胜出) are lotteries of the platform's one verifiable draw (docs/DRAWS.md), so the
//! commitment, the regulator's contribution (or the fallback), the reveal and `etender draw
//! verify` work unchanged. The frame's `rules` say `award_lot` with the tender, section, award
//! round and step, so a lot never replays for another step. The group draws *all* the
//! candidates asked about; the engine's `order` is the first `count` of the draw order.

use std::collections::BTreeSet;

use crate::domain::draw::{self, Frame, Group, Purpose, LEN};

/// The `draw` code of an award lot's frame.
pub const AWARD_LOT: &str = "award_lot";

/// The frame of the lot asked for at `step` among `among`.
pub fn frame(
    draw_id: &str,
    tender: &str,
    section: &str,
    award_round: u32,
    step: &str,
    among: &[String],
) -> Frame {
    let candidates: BTreeSet<String> = among.iter().cloned().collect();
    let rules = serde_json::json!({
        "draw": AWARD_LOT, "tender": tender, "section": section,
        "award_round": award_round, "step": step,
    });
    Frame {
        purpose: Purpose::Lottery,
        draw_id: draw_id.to_string(),
        rules: crate::audit::canonical_json(&rules),
        groups: vec![Group {
            code: "lot".to_string(),
            count: u32::try_from(candidates.len()).unwrap_or(u32::MAX),
            reserves: 0,
            candidates: candidates.into_iter().collect(),
        }],
    }
}

/// The first `count` of the draw order a seed gives a [`frame`].
pub fn order(frame: &Frame, seed: &[u8; LEN], count: usize) -> Vec<String> {
    draw::select(frame, seed)
        .into_iter()
        .flat_map(|g| g.drawn)
        .take(count)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_checks_and_the_order_replays() {
        let among = vec!["b2".to_string(), "b1".to_string(), "b3".to_string()];
        let f = frame("d1", "T1", "BD01", 1, "S1", &among);
        f.check().unwrap();
        let seed = [9u8; LEN];
        let all = order(&f, &seed, 3);
        assert_eq!(all.len(), 3);
        assert_eq!(order(&f, &seed, 1), all[..1].to_vec());
        assert_eq!(order(&f, &seed, 3), all);
        assert!(f.rules.contains("\"draw\":\"award_lot\""));
    }
}
