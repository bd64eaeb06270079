//! The public credit list (条例78; 行政处罚法48): every penalty decision once served on its
//! party — who, which penalties, the decision's number and date, the deciding department.

use super::*;
use crate::app::support::credit::credit_entry;
use crate::app::support::pages;
use crate::app::AppContext;
use crate::domain::uscc::Uscc;
use crate::wire::cases::CreditEntry;
use crate::wire::Page;

/// A page of served decisions, in case order; `uscc` only those served on that organisation.
pub async fn credit_list(
    ctx: &AppContext,
    uscc: Option<String>,
    after: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<CreditEntry>> {
    let page = pages::parse::<String>(after.as_deref(), limit, pages::LISTS)?;
    let uscc = uscc
        .map(|u| {
            Uscc::parse(u.trim()).map_err(|_| {
                AppError::field(
                    "uscc",
                    "uscc_invalid",
                    "not a valid unified social credit code",
                )
            })
        })
        .transpose()?;
    ctx.db
        .read(move |c| {
            let rows = repo::served_page(c, uscc.as_ref().map(Uscc::as_str), &page)?;
            let (rows, next) = pages::cut(&page, rows, |r| r.id.clone());
            let items = rows
                .into_iter()
                .map(credit_entry)
                .collect::<AppResult<Vec<_>>>()?;
            Ok(pages::to_page(items, next))
        })
        .await
}
