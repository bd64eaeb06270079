//! Reading complaints: the complainant its own, the department's officers theirs (with those of
//! tenders naming no department), the trading centre all. Nobody else: before the opening a
//! complaint would tell who took the documents, which 招标投标法22 keeps secret.

use super::complaint_common::*;
use crate::app::support::pages;
use crate::app::{Actor, AppContext};
use crate::db::repo::supervision::{self as repo, ComplaintScope};
use crate::domain::identity::{PrincipalKind, Role};
use crate::error::{AppError, AppResult};
use crate::wire::supervision::Complaint;
use crate::wire::Page;

/// A page of the complaints the caller may read, by id (filing order); one statement a page
/// besides the caller's officer record.
pub async fn complaints(
    ctx: &AppContext,
    actor: &Actor,
    tender: Option<String>,
    open_only: bool,
    after: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<Complaint>> {
    let page = pages::parse::<String>(after.as_deref(), limit, pages::LISTS)?;
    let (actor, now, cal) = (actor.clone(), ctx.clock.now(), ctx.calendar.clone());
    ctx.db
        .read(move |c| {
            let officer = repo::find_officer(c, &actor.id)?;
            let scope = if actor.has(Role::Administrator) {
                ComplaintScope::All
            } else if actor.has(Role::Regulator) {
                match &officer {
                    Some(o) => ComplaintScope::Department(&o.department_code),
                    None => ComplaintScope::Unassigned,
                }
            } else if actor.kind == PrincipalKind::Organisation {
                ComplaintScope::Complainant(&actor.id)
            } else {
                return Err(AppError::forbidden(
                    "complaints are read by their complainant and the department",
                ));
            };
            let rows = repo::complaints(c, scope, tender.as_deref(), open_only, &page)?;
            let (rows, next) = pages::cut(&page, rows, |r| r.id.clone());
            let items = rows
                .iter()
                .map(|r| dto(&cal, r, now))
                .collect::<AppResult<Vec<_>>>()?;
            Ok(pages::to_page(items, next))
        })
        .await
}

pub async fn complaint(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Complaint> {
    let (id, actor, now, cal) = (
        id.to_string(),
        actor.clone(),
        ctx.clock.now(),
        ctx.calendar.clone(),
    );
    ctx.db
        .read(move |c| {
            let row = repo::find_complaint(c, &id)?
                .ok_or_else(|| AppError::not_found("no such complaint"))?;
            let allowed = row.complainant_id == actor.id
                || actor.has(Role::Administrator)
                || (actor.has(Role::Regulator) && require_department(c, &actor, &row).is_ok());
            if !allowed {
                // Not found, not forbidden: a complaint's existence is not everyone's to know.
                return Err(AppError::not_found("no such complaint"));
            }
            dto(&cal, &row, now)
        })
        .await
}
