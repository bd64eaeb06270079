//! `GET /api/v1/supervision/deviation-alerts`: the 偏离度 flags raised in the evaluations of the
//! tenders the caller's department supervises, paged by flag id, each saying whether the flagged
//! member filed its written reason (issue 15 item 7). The reasons themselves stay on the
//! committee's own list (`GET …/committee/deviation-flags`). One statement a page (and the
//! officer's).

use super::supervised_tenders::department_of;
use crate::app::support::errors::internal;
use crate::app::support::pages;
use crate::app::{Actor, AppContext};
use crate::db::repo::oversight as repo;
use crate::db::types::from_db;
use crate::error::AppResult;
use crate::wire::oversight::DeviationAlert;
use crate::wire::Page;

pub async fn deviation_alerts(
    ctx: &AppContext,
    actor: &Actor,
    after: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<DeviationAlert>> {
    let page = pages::parse::<String>(after.as_deref(), limit, pages::LISTS)?;
    let actor = actor.clone();
    ctx.db
        .read(move |c| {
            let department = department_of(c, &actor)?;
            let rows = repo::department_alerts(c, &department, &page)?;
            let (rows, next) = pages::cut(&page, rows, |r| r.id.clone());
            let decimal = |s: &str| s.parse().map_err(internal);
            let items = rows
                .into_iter()
                .map(|r| {
                    Ok(DeviationAlert {
                        score: decimal(&r.score)?,
                        others_mean: decimal(&r.others_mean)?,
                        id: r.id,
                        tender: r.tender_id,
                        section: r.section_code,
                        committee_id: r.committee_id,
                        member_id: r.member_id,
                        bid_id: r.bid_id,
                        criterion: r.criterion,
                        flagged_at: from_db(r.flagged_at),
                        reason_filed: r.reason_filed_at.is_some(),
                        reason_filed_at: r.reason_filed_at.map(from_db),
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok(pages::to_page(items, next))
        })
        .await
}
