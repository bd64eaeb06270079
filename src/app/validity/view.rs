//! `GET …/sections/{section}/bid-validity`: how long the section's bids are valid and every
//! extension, for the tender's side and the supervising regulators; a bidder with an opened
//! bid in the section reads the extensions that asked it, with its own answer only. Others
//! learn nothing (`not_found`).

use super::*;
use crate::app::support::departments::require_supervisor;
use crate::app::support::tender::{is_party, published_draft};
use crate::app::support::validity as sv;
use crate::app::{Actor, AppContext};
use crate::db::repo::bids as brepo;
use crate::db::repo::tenders as trepo;
use crate::domain::authz::Permission;
use crate::domain::bidding::BidState;
use crate::domain::identity::{PrincipalKind, Role};

pub async fn bid_validity(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<wire::SectionValidity> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .read(move |c| {
            let not_found = || AppError::not_found("no bid validity of yours to read here");
            let trow = trepo::find_tender(c, &tender)?
                .filter(|t| t.version > 0)
                .ok_or_else(|| AppError::not_found("no such tender"))?;
            let draft = published_draft(c, &trow)?;
            require_section(&draft, &section)?;
            let all = if actor.has(Role::Regulator) {
                require_supervisor(c, &actor, &tender)?;
                true
            } else {
                actor.require(Permission::ManageTenders).is_ok() && is_party(c, &actor, &trow)?
            };
            let own = if all {
                None
            } else if actor.kind == PrincipalKind::Organisation && actor.has(Role::Bidder) {
                let opened = brepo::bids_of_section(c, &tender, &section, &[BidState::Opened])?;
                if !opened.iter().any(|b| b.organisation_id == actor.id) {
                    return Err(not_found());
                }
                Some(actor.id.clone())
            } else {
                return Err(not_found());
            };
            let v = sv::of_section(c, &draft, &tender, &section)?;
            section_dto(&v, (&tender, &section), own.as_deref(), now)
        })
        .await
}
