//! `GET …/sections/{section}/motions`: the committee's rejection motions with every vote and
//! reason (open among the members, 条例51's majority decision with reasons), for its active
//! members and regulators; nobody else learns of them (`not_found`).

use super::sitting::*;
use super::*;
use crate::app::{Actor, AppContext};
use crate::db::repo::motions as mrepo;
use crate::wire::clarifications::*;

pub async fn motions(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<RejectionMotions> {
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let sitting = Sitting::read(c, &tender, &section)?;
            if !sitting.reads_all(&actor) {
                return Err(no_committee());
            }
            let mut items = Vec::new();
            for row in mrepo::of_committee(c, &sitting.row.id)? {
                items.push(motion_dto(c, &row, &sitting.members)?);
            }
            Ok(RejectionMotions { items })
        })
        .await
}
