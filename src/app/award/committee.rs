//! `GET …/sections/{section}/award/committee`: the section's award committee of the current
//! award round, for the tender's parties, regulators and the committee's own members. Its
//! names are secret from bidders and the public until the award is published.

use super::*;
use crate::app::AppContext;

/// The committee of the section's current award round; 404 when none is formed or the caller
/// may not see it (so that its existence is not revealed either).
pub async fn committee(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<AwardCommittee> {
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let none = || AppError::not_found("no award committee for this section");
            let t = trepo::find_tender(c, &tender)?.ok_or_else(none)?;
            let award = crate::db::repo::awards::get(c, &tender, &section)?.ok_or_else(none)?;
            let round = award.award_round;
            if !may_read(c, &actor, &t, &section, round)? {
                return Err(none());
            }
            let row = acrepo::committee_of(c, &tender, &section, round)?.ok_or_else(none)?;
            let draft = crate::app::support::tender::published_draft(c, &t)?;
            let rule = draft
                .sections
                .iter()
                .find(|s| s.code == section)
                .map(|s| s.award_committee_rule())
                .unwrap_or_default();
            committee_dto(c, &row, rule)
        })
        .await
}
