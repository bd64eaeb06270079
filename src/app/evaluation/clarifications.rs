//! `GET …/sections/{section}/clarifications`: the committee's active members and regulators
//! read every clarification of the section's committee; the bidding organisation asked reads
//! its own (its open questions are those with `open`); other bidders, the tender's parties and
//! the public learn nothing (`not_found`).

use super::sitting::*;
use super::*;
use crate::app::{Actor, AppContext};
use crate::db::repo::bids as brepo;
use crate::db::repo::clarifications as qrepo;
use crate::wire::clarifications::*;

pub async fn clarifications(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<Clarifications> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .read(move |c| {
            let sitting = Sitting::read(c, &tender, &section)?;
            let all = sitting.reads_all(&actor);
            let org = bidder_principal(&actor);
            if !all && org.is_none() {
                return Err(no_committee());
            }
            let mut items = Vec::new();
            let mut asked_any = false;
            for row in qrepo::of_committee(c, &sitting.row.id)? {
                let Some(bid) = brepo::find_bid(c, &row.bid_id)? else {
                    continue;
                };
                let own = org.as_deref() == Some(bid.organisation_id.as_str());
                asked_any |= own;
                if all || own {
                    items.push(clarification_dto(
                        &row,
                        &sitting.row,
                        &bid.bidder_uscc,
                        now,
                    )?);
                }
            }
            if !all && !asked_any {
                // A bidder never asked learns nothing, not even that a committee sits.
                let opened = opened_bids(c, &sitting.tender.id, &section)?;
                if !opened
                    .iter()
                    .any(|b| Some(&b.row.organisation_id) == org.as_ref())
                {
                    return Err(no_committee());
                }
            }
            Ok(Clarifications { items })
        })
        .await
}
