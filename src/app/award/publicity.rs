//! `GET …/sections/{section}/award/publicity`: a section's publications (each with when it was
//! due and whether it came late) and the objections to its result, for any logged-in caller
//! once published (the 公示 itself is in the public announcement feed). The tender's side and
//! regulators see every objection, an objector its own. A section not in the award, or nothing
//! published and the caller not the tender's side: 404.

use super::publicity_common::*;
use crate::app::support::tender::is_party;
use crate::app::{Actor, AppContext};
use crate::db::repo::award_publicity as prepo;
use crate::db::repo::awards as arepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::from_db;
use crate::domain::authz::Permission;
use crate::error::{AppError, AppResult};
use crate::wire::award_publicity::{AwardPublication, AwardPublicity};

pub async fn award_publicity(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<AwardPublicity> {
    let (t, s, actor) = (tender.to_string(), section.to_string(), actor.clone());
    let now = ctx.clock.now();
    ctx.db
        .read(move |c| {
            let missing = || AppError::not_found("this section is not in the award");
            let trow = trepo::find_tender(c, &t)?.ok_or_else(missing)?;
            arepo::get(c, &t, &s)?.ok_or_else(missing)?;
            let insider = actor.require(Permission::SuperviseTenders).is_ok()
                || (actor.require(Permission::ManageTenders).is_ok()
                    && is_party(c, &actor, &trow)?);
            let me = Some(actor.id.clone());
            let publications: Vec<AwardPublication> = prepo::publications(c, &t, &s)?
                .into_iter()
                .map(|p| AwardPublication {
                    award_round: p.award_round,
                    published_at: from_db(p.published_at),
                    due_at: p.due_at.map(from_db),
                    late: p.late,
                    days: p.days,
                    publicity_from: from_db(p.publicity_from),
                    publicity_until: from_db(p.publicity_until),
                })
                .collect();
            let objections = prepo::objections(c, &t, &s)?
                .iter()
                .filter(|o| insider || me.as_deref() == Some(o.raised_by.as_str()))
                .map(|o| objection_dto(o, now))
                .collect::<AppResult<Vec<_>>>()?;
            if publications.is_empty() && !insider {
                return Err(missing());
            }
            Ok(AwardPublicity {
                tender: t.clone(),
                section: s.clone(),
                publications,
                objections,
            })
        })
        .await
}
