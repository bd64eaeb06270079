//! Published tenders in publication order. The cursor is the publication position, handed out in
//! commit order, so a tender published late never lands behind a reader's cursor. A page is two
//! queries whatever its size: the tenders joined with their parties and current version, then
//! the page's remedy custodians.

use super::*;
use crate::app::support::pages;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::error::AppResult;
use crate::wire::tenders::*;
use crate::wire::Page;

/// Published tenders in publication order. The cursor is the publication position, handed out
/// in commit order, so a tender published late never lands behind a reader's cursor.
pub async fn list_public(
    ctx: &AppContext,
    after: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<Tender>> {
    let page = pages::parse::<i64>(after.as_deref(), limit, pages::LISTS)?;
    ctx.db
        .read_primary(move |c| {
            let rows = repo::public_tender_page(c, &page)?;
            let (rows, next) = pages::cut(&page, rows, |r| r.tender.public_seq.unwrap_or(0));
            let ids: Vec<String> = rows.iter().map(|r| r.tender.id.clone()).collect();
            let mut keys = crate::app::support::keys::section_remedies_of_all(c, &ids)?;
            let items = rows
                .into_iter()
                .map(|r| {
                    let remedy = keys.remove(&r.tender.id).unwrap_or_default();
                    public_body(r, remedy)
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok(pages::to_page(items, next))
        })
        .await
}

fn public_body(
    r: repo::PublicTenderRow,
    remedy: Vec<crate::wire::bids::SectionRemedy>,
) -> AppResult<Tender> {
    let party = |p: repo::PartyRow| Party {
        id: p.id,
        name: p.name,
        uscc: p.uscc,
    };
    let t = r.tender;
    tender_body(TenderParts {
        id: t.id,
        title: t.title,
        description: t.description,
        version: t.version,
        tenderer: party(r.tenderer),
        agent: r.agent.map(party),
        published_at: t.published_at,
        published_draft: r.published_draft,
        working_copy: None,
        reconfirm_from_version: t.reconfirm_from_version,
        state_detail: &t.state_detail,
        remedy,
    })
}
