//! The calling bidder's recorded bonds.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::error::AppResult;
use crate::wire::bids::*;

pub async fn my_bonds(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<Vec<BidBond>> {
    let org = actor.bidder_org()?;
    let (tender, section) = (tender.to_string(), section.to_string());
    ctx.db
        .read(move |c| {
            load_section(c, &tender, &section)?;
            Ok(repo::bonds_of(c, &tender, &section, &org)?
                .iter()
                .map(bond_dto)
                .collect::<AppResult<_>>()?)
        })
        .await
}
