//! `GET …/committee/my-sheets`: the caller's own sheets, every stage, at any time — a member
//! that left sees its void ones too.

use super::*;
use crate::app::support::evaluation::{stages, Frame};
use crate::app::{Actor, AppContext};
use crate::db::repo::sheets as srepo;

pub async fn my_sheets(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<MySheets> {
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let row = crepo::of_section(c, &tender, &section)?.ok_or_else(no_committee)?;
            let me = crepo::members(c, &row.id)?
                .into_iter()
                .find(|m| m.principal_id == actor.id)
                .ok_or_else(no_committee)?;
            let frame = Frame::load(c, row.clone())?;
            let sheets = srepo::all(c, &row.id)?
                .iter()
                .filter(|s| s.member_id == me.id)
                .map(sheet_dto)
                .collect::<AppResult<Vec<_>>>()?;
            Ok(MySheets {
                committee_id: row.id.clone(),
                stages: stages(&frame.section.evaluation).to_vec(),
                sheets,
            })
        })
        .await
}
