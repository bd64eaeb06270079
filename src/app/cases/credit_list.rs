//! The public credit list (条例78; 行政处罚法48): every penalty decision once served on its
//! party — who, which penalties, the decision's number and date, the deciding department.

use super::*;
use crate::app::support::pages;
use crate::app::AppContext;
use crate::wire::cases::{CaseDecision, CreditEntry};
use crate::wire::Page;

/// A page of served decisions, in case order.
pub async fn credit_list(
    ctx: &AppContext,
    after: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<CreditEntry>> {
    let page = pages::parse::<String>(after.as_deref(), limit, pages::LISTS)?;
    ctx.db
        .read(move |c| {
            let rows = repo::served_page(c, &page)?;
            let (rows, next) = pages::cut(&page, rows, |r| r.id.clone());
            let items = rows
                .into_iter()
                .map(|r| {
                    let d: CaseDecision =
                        parse_json(r.decision.as_deref().unwrap_or(""), "case decision")?;
                    Ok(CreditEntry {
                        case_id: r.id,
                        party_kind: d.party.kind,
                        name: d.party.name,
                        uscc: d.party.uscc,
                        penalties: d.penalties,
                        decision_no: d.decision_no,
                        decided_on: d.decided_on,
                        department: r.department_code,
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok(pages::to_page(items, next))
        })
        .await
}
