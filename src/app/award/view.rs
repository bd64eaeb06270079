//! `GET …/sections/{section}/award`: where a section's award stands. The tenderer, its agent
//! and regulators see it from the start; the section's bidders once it is public (from its
//! publicity on); everyone else learns nothing (404). Nothing on it is secret once public:
//! ballots, the committee's names and the reports have their own reads.

use crate::app::support::award::{candidates_of, stage_of};
use crate::app::support::tender::is_party;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::awards as repo;
use crate::db::repo::bids as brepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::from_db;
use crate::domain::authz::Permission;
use crate::domain::award::stage::AwardStage;
use crate::domain::bidding::BidState;
use crate::error::{AppError, AppResult};
use crate::wire::award::SectionAward;

pub async fn award(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<SectionAward> {
    let (t, s, actor) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let missing = || AppError::not_found("this section is not in the award");
            let trow = trepo::find_tender(c, &t)?.ok_or_else(missing)?;
            let row = repo::get(c, &t, &s)?.ok_or_else(missing)?;
            let stage = stage_of(&row)?;
            let insider = actor.require(Permission::SuperviseTenders).is_ok()
                || (actor.require(Permission::ManageTenders).is_ok()
                    && is_party(c, &actor, &trow)?);
            if !insider {
                let public = !matches!(
                    stage,
                    AwardStage::Candidates
                        | AwardStage::Clearing
                        | AwardStage::Committee
                        | AwardStage::Deciding
                        | AwardStage::Reporting
                );
                let org = actor.organisation_id.clone().unwrap_or_default();
                let bidder = !org.is_empty()
                    && brepo::bids_of_section(c, &t, &s, &[BidState::Opened, BidState::Revoked])?
                        .iter()
                        .any(|b| b.organisation_id == org);
                if !(public && bidder) {
                    return Err(missing());
                }
            }
            Ok(SectionAward {
                tender_id: row.tender_id.clone(),
                section: row.section_code.clone(),
                mode: row.mode.clone(),
                stage,
                candidates: candidates_of(&row)?,
                report_id: row.report_id.clone(),
                report_digest: row.report_digest.clone(),
                winner: row.winner_bid_id.clone(),
                winner_reason: row.winner_reason.clone(),
                decided_at: row.decided_at.map(from_db),
                publicity_from: row.publicity_from.map(from_db),
                publicity_until: row.publicity_until.map(from_db),
                open_objections: u32::try_from(row.open_objections).unwrap_or(0),
                award_round: u32::try_from(row.award_round).unwrap_or(1),
                version: u32::try_from(row.version).unwrap_or(0),
            })
        })
        .await
}
