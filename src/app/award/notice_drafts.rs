//! `GET …/sections/{section}/award/notices/draft`: the section's notices exactly as they would
//! be issued now — the 中标通知书 to the winner and a 中标结果通知书 to every other bidder —
//! for the tenderer or its agent to sign. Refused, as issuing is, before the section may be
//! notified.

use super::notice_facts::{bidders, draft_dto, drafts, facts, report_of, require_notifiable};
use crate::app::support::award;
use crate::app::support::tender::load_as_party;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::wire::award_notices::NoticeDrafts;

pub async fn notice_drafts(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<NoticeDrafts> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .read_primary(move |c| {
            let trow = load_as_party(c, &actor, &tender)?;
            let award = award::load(c, &tender, &section)?;
            let winner = require_notifiable(&award, now)?;
            let doc = report_of(c, &award)?;
            let all = bidders(c, &doc)?;
            let f = facts(c, &award, &trow, &winner, &all)?;
            Ok(NoticeDrafts {
                tender: trow.id.clone(),
                section: award.row.section_code.clone(),
                award_round: award.row.award_round,
                notices: drafts(&f)?
                    .iter()
                    .map(draft_dto)
                    .collect::<AppResult<_>>()?,
            })
        })
        .await
}
