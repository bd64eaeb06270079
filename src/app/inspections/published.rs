//! What everyone reads (双随机一公开: 抽查结果公开): the published results, keyset-paged by task,
//! optionally of one plan — the object, the departments, the visit and the findings, never who
//! inspected. One statement a page.

use super::*;
use crate::app::support::pages;
use crate::app::AppContext;
use crate::wire::Page;

pub async fn published_results(
    ctx: &AppContext,
    plan: Option<String>,
    after: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<PublishedInspection>> {
    let page = pages::parse::<String>(after.as_deref(), limit, pages::LISTS)?;
    ctx.db
        .read(move |c| {
            let rows = repo::published(c, plan.as_deref(), &page)?;
            let (rows, next) = pages::cut(&page, rows, |(r, _)| r.id.clone());
            let items =
                rows.into_iter()
                    .map(|(r, plan)| {
                        let team: Vec<Member> = parse_json(&r.team, "task team")?;
                        let mut departments: Vec<String> =
                            team.into_iter().map(|m| m.department).collect();
                        departments.dedup();
                        Ok(PublishedInspection {
                            task: r.id,
                            plan,
                            round: r.round_id,
                            object_kind: ObjectKind::parse(&r.object_kind)
                                .ok_or_else(|| internal(anyhow::anyhow!("bad object kind")))?,
                            object_id: r.object_id,
                            departments,
                            visited_on: r.visited_on.and_then(|d| d.parse().ok()),
                            findings: u32::try_from(r.findings).unwrap_or(0),
                            results: r
                                .results
                                .as_deref()
                                .map(|x| parse_json(x, "task results"))
                                .transpose()?
                                .unwrap_or_default(),
                            published_at: r.published_at.map(from_db).ok_or_else(|| {
                                internal(anyhow::anyhow!("published without a time"))
                            })?,
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()?;
            Ok(pages::to_page(items, next))
        })
        .await
}
