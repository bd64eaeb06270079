//! `GET /api/v1/award/written-reports/overdue`: every written report (书面报告, 招标投标法47)
//! not filed within its 15 days, platform-wide, oldest due first — what regulators pull to
//! follow up. Regulators only.

use crate::app::{Actor, AppContext};
use crate::db::repo::award_notices as nrepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, to_db};
use crate::domain::authz::Permission;
use crate::error::{AppError, AppResult};
use crate::wire::award_notices::OverdueWrittenReport;

pub async fn overdue_written_reports(
    ctx: &AppContext,
    actor: &Actor,
) -> AppResult<Vec<OverdueWrittenReport>> {
    actor
        .require(Permission::SuperviseTenders)
        .map_err(|_| AppError::forbidden("regulators follow up overdue written reports"))?;
    let now = ctx.clock.now();
    ctx.db
        .read(move |c| {
            let mut out = Vec::new();
            for r in nrepo::overdue(c, to_db(now))? {
                let title = trepo::find_tender(c, &r.tender_id)?
                    .map(|t| t.title)
                    .unwrap_or_default();
                out.push(OverdueWrittenReport {
                    tender: r.tender_id,
                    tender_title: title,
                    section: r.section_code,
                    award_round: r.award_round,
                    notified_at: from_db(r.notified_at),
                    due_at: from_db(r.due_at),
                    overdue_flagged_at: r.overdue_flagged_at.map(from_db),
                });
            }
            Ok(out)
        })
        .await
}
