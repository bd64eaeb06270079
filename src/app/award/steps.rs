//! `GET …/award/steps`: the deciding so far, for the tender's parties, the supervising
//! regulators and the award committee's members — and nobody sees an open step's ballots,
//! whoever asks: an open step shows only how many have cast (docs/AWARD.md §3.4).

use super::deciding::{deciding, member_of};
use super::steps_view::steps_view;
use crate::app::support::award as sa;
use crate::app::support::tender::is_party;
use crate::app::{Actor, AppContext};
use crate::db::repo::tenders as trepo;
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult};
use crate::wire::award_rounds::AwardSteps;

pub async fn award_steps(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<AwardSteps> {
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let hidden = || AppError::not_found("no award deciding for this section");
            let row = trepo::find_tender(c, &tender)?.ok_or_else(hidden)?;
            let award = sa::load(c, &tender, &section)?;
            let d = deciding(c, &award).map_err(|_| hidden())?;
            let allowed = actor.has(Role::Regulator)
                || is_party(c, &actor, &row)?
                || member_of(c, &d, &actor)?.is_some();
            if !allowed {
                return Err(hidden());
            }
            steps_view(c, &award)
        })
        .await
}
