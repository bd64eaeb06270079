//! The deadline tick of the deciding (`worker::deadline_tick`): a ballot round whose time is
//! over closes with its missing ballots recorded, a lot whose lottery the draws tick has made
//! (the regulator's value or the fallback) is recorded, and the next step opens; a 定标报告
//! whose signing time is over records its silent members as deemed to agree and completes
//! (`sign_award_report::close_due_report`), opening the result's publicity.

use std::collections::BTreeSet;

use super::deciding::{proceed, Timing};
use super::sign_award_report::close_due_report;
use crate::app::support::award as sa;
use crate::app::support::publicity::Env;
use crate::app::AppContext;
use crate::db::repo::award_rounds as repo;
use crate::db::types::{from_db, to_db};
use crate::domain::award::stage::AwardStage;
use crate::domain::award::StepKind;
use crate::error::AppResult;

/// Moves every deciding with an open step that may close, and closes every 定标报告 whose
/// signing time is over; how many sections and reports it looked at.
pub async fn tick(ctx: &AppContext) -> AppResult<usize> {
    let now = ctx.clock.now();
    let timing = Timing::of(ctx);
    let open = ctx.db.read(|c| Ok(repo::open_steps(c)?)).await?;
    let mut sections: BTreeSet<(String, String)> = BTreeSet::new();
    for s in open {
        let due = match s.kind()? {
            StepKind::Vote => s.closes_at.is_some_and(|t| now >= from_db(t)),
            StepKind::Lot => true,
            // A deliberation closes on the chair's decision, never by time.
            StepKind::Deliberation => false,
        };
        if due {
            sections.insert((s.tender_id, s.section_code));
        }
    }
    let n = sections.len();
    for (tender, section) in sections {
        ctx.db
            .write(move |c| {
                let mut award = sa::load(c, &tender, &section)?;
                if award.stage == AwardStage::Deciding {
                    proceed(c, now, &mut award, timing)?;
                }
                Ok(())
            })
            .await?;
    }
    let rules = Env::of(ctx).rules;
    let due = ctx
        .db
        .read(move |c| Ok(repo::reports_signing_due(c, to_db(now))?))
        .await?;
    let reports = due.len();
    for report in due {
        let rules = rules.clone();
        ctx.db
            .write(move |c| close_due_report(c, &rules, now, &report.id))
            .await?;
    }
    Ok(n + reports)
}
