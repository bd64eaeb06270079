//! `GET …/sections/{section}/committee`: the section's committee — members, kinds, who is
//! active, who left and who replaced them, the leader and the votes — for the tender's parties,
//! the committee's members (present and past) and regulators. Nobody else learns it exists.

use super::*;
use crate::app::support::tender::is_party;
use crate::app::{Actor, AppContext};
use crate::db::repo::tenders as trepo;
use crate::domain::identity::Role;

pub async fn committee(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<EvaluationCommittee> {
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let t = trepo::find_tender(c, &tender)?.ok_or_else(no_committee)?;
            let row = crepo::of_section(c, &t.id, &section)?.ok_or_else(no_committee)?;
            let members = crepo::members(c, &row.id)?;
            let sees = actor.has(Role::Regulator)
                || members.iter().any(|m| m.principal_id == actor.id)
                || is_party(c, &actor, &t)?;
            if !sees {
                return Err(no_committee());
            }
            committee_dto(c, &row, &members)
        })
        .await
}
