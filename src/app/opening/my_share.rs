//! A custodian fetches the bids still sealed in a section, whose manifests carry its wrapped
//! remedy shares (recovery phase only).

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::domain::bidding::OpeningPhase;
use crate::error::AppResult;
use crate::wire::opening::*;

pub async fn my_shares(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<MyShares> {
    let (a, t, s) = (actor.clone(), tender.to_string(), section.to_string());
    ctx.db
        .read_primary(move |c| {
            let (index, threshold) = own_index(c, &a, &t, &s)?;
            let o = find_opening(c, &t, &s)?;
            // Shares are asked for only when they are needed, after the bidders had their
            // window: a custodian's tool releases nothing before that.
            if phase_of(&o)? != OpeningPhase::Recovering {
                return Err(wrong_phase(&o, "recovery"));
            }
            let mut bids = Vec::new();
            for b in repo::bids_of_section(c, &t, &s, &[BidState::Submitted])? {
                let released = repo::releases_of_bid(c, &b.id)?
                    .iter()
                    .any(|r| r.share_index == i32::from(index));
                bids.push(SealedBidShare {
                    manifest: parse_json(&b.manifest, "manifest")?,
                    bid_id: b.id,
                    manifest_sha256: b.manifest_sha256,
                    released,
                });
            }
            Ok(MyShares {
                share_index: u32::from(index),
                threshold: u32::from(threshold),
                bids,
            })
        })
        .await
}
