//! Reading refunds: a section's (its tender's side, the supervising regulators, the trading
//! centre), a bidder's own, and every open one (regulators and the trading centre, overdue
//! first by due date).

use super::*;
use crate::app::support::departments::require_supervisor;
use crate::app::support::tender::is_party;
use crate::app::{Actor, AppContext};
use crate::db::repo::tenders as trepo;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::error::AppError;

pub async fn section_refunds(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<Vec<BondRefund>> {
    let (actor, tender, section, now) = (
        actor.clone(),
        tender.to_string(),
        section.to_string(),
        ctx.clock.now(),
    );
    ctx.db
        .read(move |c| {
            let trow = trepo::find_tender(c, &tender)?
                .ok_or_else(|| AppError::not_found("no such tender"))?;
            let party =
                actor.require(Permission::ManageTenders).is_ok() && is_party(c, &actor, &trow)?;
            if !party {
                if actor.has(Role::Regulator) {
                    require_supervisor(c, &actor, &tender)?;
                } else {
                    actor.require(Permission::RecordBondRefunds)?;
                }
            }
            repo::refunds_of_section(c, &tender, &section)?
                .iter()
                .map(|r| refund_dto(r, now))
                .collect()
        })
        .await
}

pub async fn my_refunds(ctx: &AppContext, actor: &Actor) -> AppResult<Vec<BondRefund>> {
    let org = actor.bidder_org()?;
    let now = ctx.clock.now();
    ctx.db
        .read(move |c| {
            repo::refunds_of_organisation(c, &org)?
                .iter()
                .map(|r| refund_dto(r, now))
                .collect()
        })
        .await
}

pub async fn open_refunds(ctx: &AppContext, actor: &Actor) -> AppResult<Vec<BondRefund>> {
    if !actor.has(Role::Regulator) {
        actor.require(Permission::RecordBondRefunds)?;
    }
    let now = ctx.clock.now();
    ctx.db
        .read(move |c| {
            repo::open_refunds(c, 1000)?
                .iter()
                .map(|r| refund_dto(r, now))
                .collect()
        })
        .await
}
