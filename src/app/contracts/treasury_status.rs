//! `GET /api/v1/treasury/status`: the treasury link as the operator (and regulators) see it —
//! configured or not, each contract's last pull and how it ended, failing links first, and the
//! latest pulls that imported, met a record they would not import, or failed.

use super::payments::link_dto;
use super::pull_payments::pull_dto;
use super::*;
use crate::db::repo::treasury as pay_repo;
use crate::wire::treasury::{ContractLink, TreasuryStatus};

pub async fn treasury_status(ctx: &AppContext, actor: &Actor) -> AppResult<TreasuryStatus> {
    actor.require(Permission::ListRegistry)?;
    let configured = ctx.treasury.configured();
    let endpoint = ctx.treasury.endpoint().to_string();
    let poll = ctx.settings.treasury.poll_interval_secs;
    ctx.db
        .read(move |c| {
            let links = pay_repo::links(c, 500)?
                .iter()
                .map(|l| {
                    Ok(ContractLink {
                        contract: l.contract_id.clone(),
                        link: link_dto(l)?,
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            let recent_pulls = pay_repo::recent_pulls(c, None, 50)?
                .iter()
                .map(pull_dto)
                .collect::<AppResult<Vec<_>>>()?;
            Ok(TreasuryStatus {
                configured,
                endpoint,
                poll_interval_secs: poll,
                links,
                recent_pulls,
            })
        })
        .await
}
