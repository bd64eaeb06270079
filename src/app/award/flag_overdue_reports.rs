//! The deadline watch's part of the award: a written report (书面报告, 招标投标法47) still not
//! filed when its 15 days are over is flagged to regulators once — an audit entry
//! `award_written_report_overdue` in the tender's chain, and the report is marked flagged (it
//! stays on regulators' overdue list until it is filed). Idempotent: a flagged report is not
//! flagged again.

use chrono::SubsecRound;
use serde_json::json;

use crate::app::support::publicity::{self, Change};
use crate::app::AppContext;
use crate::audit::{ActorRef, EventType};
use crate::db::repo::award_notices as nrepo;
use crate::db::types::{from_db, to_db};
use crate::error::AppResult;

/// Flags every overdue written report not flagged yet; returns how many.
pub async fn flag_overdue_reports(ctx: &AppContext) -> AppResult<usize> {
    let now = ctx.clock.now().trunc_subsecs(6);
    ctx.db
        .write(move |c| {
            let mut flagged = 0;
            for mut r in nrepo::overdue(c, to_db(now))? {
                if r.overdue_flagged_at.is_some() {
                    continue;
                }
                r.overdue_flagged_at = Some(to_db(now));
                nrepo::update_report(c, &r)?;
                publicity::event(
                    c,
                    now,
                    &r.tender_id,
                    Change::new(
                        ActorRef::system(),
                        EventType::AwardWrittenReportOverdue,
                        json!({"tender": r.tender_id, "section": r.section_code,
                            "award_round": r.award_round,
                            "notified_at": from_db(r.notified_at),
                            "due_at": from_db(r.due_at)}),
                    )
                    .in_section(&r.section_code),
                )?;
                flagged += 1;
            }
            Ok(flagged)
        })
        .await
}
