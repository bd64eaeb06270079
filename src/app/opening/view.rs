//! One section's opening as everyone sees it (开标 is public).

use super::*;
use crate::app::support::json::*;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::types::from_db;
use crate::db::types::unsigned;
use crate::error::AppResult;
use crate::wire::opening::*;

pub async fn view(ctx: &AppContext, tender: &str, section: &str) -> AppResult<Opening> {
    let (t, s) = (tender.to_string(), section.to_string());
    ctx.db
        .read_primary(move |c| {
            let o = find_opening(c, &t, &s)?;
            let custodians = repo::remedy_custodians_of(c, &t, &s)?;
            let releases = repo::releases_of_section(c, &t, &s)?;
            let mut bids = Vec::new();
            for b in ceremony_bids(c, &t, &s)? {
                let name = idrepo::find_organisation(c, &b.organisation_id)?
                    .map(|o| o.name)
                    .unwrap_or_default();
                bids.push(OpeningBid {
                    bid_id: b.id.clone(),
                    bidder_name: name,
                    bidder_uscc: b.bidder_uscc.clone(),
                    version: unsigned(b.version),
                    received_at: from_db(b.received_at),
                    status: status_of(&b)?,
                    attempts: repo::attempts_of(c, &b.id)?
                        .iter()
                        .map(attempt_dto)
                        .collect::<AppResult<_>>()?,
                    valid_shares: releases
                        .iter()
                        .filter(|r| r.bid_id == b.id && r.valid)
                        .count() as u32,
                    rejected_shares: releases
                        .iter()
                        .filter(|r| r.bid_id == b.id && !r.valid)
                        .map(|r| RejectedShare {
                            share_index: unsigned(r.share_index),
                            custodian_id: r.custodian_id.clone(),
                            released_at: from_db(r.released_at),
                        })
                        .collect(),
                });
            }
            let mut responses = Vec::new();
            for r in repo::responses_of(c, &t, &s)? {
                let uscc = idrepo::find_organisation(c, &r.organisation_id)?
                    .map(|o| o.uscc)
                    .unwrap_or_default();
                responses.push(response_dto(&r, uscc)?);
            }
            Ok(Opening {
                tender_id: o.tender_id.clone(),
                section: o.section_code.clone(),
                state: o.phase()?,
                started_at: from_db(o.started_at),
                decryption_until: from_db(o.decryption_until),
                recovery_until: o.recovery_until.map(from_db),
                objections_until: o.objections_until.map(from_db),
                threshold: custodians.first().map_or(0, |k| unsigned(k.threshold)),
                shares_submitted: releases.len() as u32,
                bids,
                record: match &o.record {
                    Some(r) => Some(parse_json(r, "record")?),
                    None => None,
                },
                responses,
            })
        })
        .await
}
