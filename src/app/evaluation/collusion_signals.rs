//! `GET …/sections/{section}/collusion-signals`: the section's 串标围标 signals, computed when
//! its opening record was published (`app::opening`, docs/EVALUATION.md §9), for those who weigh
//! them — the active members of the section's committee while it evaluates — and regulators at
//! any time. The tenderer, bidders, other experts and the public see nothing (`forbidden`): a
//! signal names bids and what they share, and is evidence only until the committee decides.

use super::read_bid_part::evaluating_member;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::collusion as repo;
use crate::db::types::from_db;
use crate::domain::authz::Permission;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::collusion::*;

pub async fn collusion_signals(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<CollusionSignals> {
    let regulator = actor.require(Permission::ReadOpenedBids);
    let (t, s, reader) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            if let Err(refused) = regulator {
                if !evaluating_member(c, &t, &s, &reader.id)? {
                    return Err(refused);
                }
            }
            let run = repo::find_run(c, &t, &s)?.ok_or_else(|| {
                AppError::not_found(
                    "no signals for this section: they are computed when its opening record is \
                     published",
                )
            })?;
            let signals = repo::signals_of(c, &t, &s)?
                .into_iter()
                .map(|r| {
                    Ok(CollusionSignal {
                        seq: u32::try_from(r.seq).map_err(AppError::internal)?,
                        bids: serde_json::from_str(&r.members).map_err(AppError::internal)?,
                        kind: r.kind()?,
                        strength: r.strength()?,
                        evidence: r.evidence,
                        basis: r.basis,
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok(CollusionSignals {
                tender_id: run.tender_id,
                section: run.section_code,
                computed_at: from_db(run.computed_at),
                bids_compared: u32::try_from(run.bids).unwrap_or(0),
                signals_sha256: run.digest,
                signals,
            })
        })
        .await
}
