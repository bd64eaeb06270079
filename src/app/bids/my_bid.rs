//! The calling bidder's current bid in a section.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::error::AppResult;
use crate::wire::bids::*;

pub async fn my_bid(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<MyBid> {
    let org = actor.bidder_org()?;
    let (tender, section) = (tender.to_string(), section.to_string());
    ctx.db
        .read(move |c| {
            let (row, _, sec) = load_section(c, &tender, &section)?;
            let current = current_bid(c, &tender, &sec.code, &org)?;
            let next = repo::max_version(c, &tender, &sec.code, &org)? + 1;
            let upload =
                match repo::uploads_of(c, &tender, &sec.code, &org, UploadState::Open)?.pop() {
                    Some(u) => {
                        let parts = repo::upload_parts(c, &u.id)?;
                        Some(upload_view(&u, &parts)?)
                    }
                    None => None,
                };
            Ok(MyBid {
                current: current
                    .as_ref()
                    .map(|b| bid_view(b, row.reconfirm_from_version))
                    .transpose()?,
                next_version: next as u32,
                remedy: crate::app::support::keys::remedy_policy(c, &tender, &sec.code)?,
                upload,
            })
        })
        .await
}
