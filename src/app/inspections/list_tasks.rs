//! A round's tasks in assignment order, keyset-paged by their number: one statement for the
//! page, one for the evidence of each task shown (a page is at most 200 tasks).

use super::*;
use crate::app::support::pages;
use crate::app::AppContext;
use crate::wire::Page;

pub async fn list_tasks(
    ctx: &AppContext,
    actor: &Actor,
    round: &str,
    after: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<InspectionTask>> {
    let page = pages::parse::<i64>(after.as_deref(), limit, pages::LISTS)?;
    let page = pages::keyset(
        page.after.map(|a| i32::try_from(a).unwrap_or(i32::MAX)),
        Some(page.limit),
        pages::LISTS,
    );
    let (actor, round, now) = (actor.clone(), round.to_string(), ctx.clock.now());
    let (cal, days) = (
        ctx.calendar.clone(),
        ctx.settings.inspections.publish_within_working_days,
    );
    ctx.db
        .read(move |c| {
            let row =
                repo::find_round(c, &round)?.ok_or_else(|| AppError::not_found("no such round"))?;
            let plan = load_plan(c, &row.plan_code)?;
            may_read(c, &actor, &plan)?;
            let rows = repo::tasks_of(c, &round, &page)?;
            let (rows, next) = pages::cut(&page, rows, |r| r.seq);
            let next = next.map(i64::from);
            let items = rows
                .iter()
                .map(|r| task_view(c, r, &plan.code, &cal, days, now))
                .collect::<AppResult<Vec<_>>>()?;
            Ok(pages::to_page(items, next))
        })
        .await
}
