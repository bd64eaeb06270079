//! A custodian fetches its encrypted share of a section opening key (recovery phase only).

use super::*;
use crate::app::support::errors::*;
use crate::app::support::keys::stored_public_key;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::db::types::unsigned;
use crate::domain::bidding::OpeningPhase;
use crate::error::AppResult;
use crate::wire::opening::*;

pub async fn my_share(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<MyShare> {
    let (a, t, s) = (actor.clone(), tender.to_string(), section.to_string());
    ctx.db
        .read_primary(move |c| {
            let share = own_share(c, &a, &t, &s)?;
            let o = find_opening(c, &t, &s)?;
            // Shares leave the server only when they are needed, so no custodian (or group of
            // them) can open anything before the bidders had their window.
            if phase_of(&o)? != OpeningPhase::Recovering {
                return Err(wrong_phase(&o, "recovery"));
            }
            let key = repo::opening_key(c, &t, &s)?
                .ok_or_else(|| internal(anyhow::anyhow!("opening key missing")))?;
            Ok(MyShare {
                encrypted_share: serde_json::from_str(&share.encrypted_share).map_err(internal)?,
                opening_public_key: stored_public_key(&key.public_key)?,
                threshold: unsigned(key.threshold),
            })
        })
        .await
}
