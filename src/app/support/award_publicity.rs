//! The award's publicity window as every award stage opens it (条例54; docs/AWARD.md §6): the
//! traditional candidates' publication and the 评定分离 result's (when its 定标报告 is signed)
//! both set the section's `publicity_from`/`publicity_until` here and record the publication,
//! so objections (`app::award::raise_objection`) and the notices read one window.

use chrono::{DateTime, SubsecRound, Utc};

use crate::app::support::award::{self as sa, Award};
use crate::app::support::evaluation::reopen_for_recheck;
use crate::app::support::tender::rules_for;
use crate::db::repo::award_publicity as prepo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::award::publicity::SendBack;
use crate::domain::award::publicity::{window, PublicityRules};
use crate::domain::award::stage::{Back, StageEvent};
use crate::domain::tender::{ProcedureRules, ProcedureRulesTable};
use crate::error::{AppError, AppResult};

/// 条例54's numbers as a tender's procedure rules set them.
pub fn publicity_rules(rules: &ProcedureRules) -> PublicityRules {
    PublicityRules {
        publish_within_days: rules.award_publish_within_days,
        min_days: rules.min_publicity_days,
        answer_days: rules.award_objection_answer_days,
    }
}

/// Opens the section's publicity at `now` for its award terms' days (else the platform
/// default) and records the publication (`due`: by when it had to be published, if the law
/// sets a time; `late` if after it). Sets the window on `award.row`; the caller saves the row
/// (`support::award::advance` or `save`) and writes the step's audit entry with the window.
/// Returns (from, until, days, late).
pub fn open_publicity(
    c: &mut AnyConnection,
    table: &ProcedureRulesTable,
    now: DateTime<Utc>,
    award: &mut Award,
    by: &str,
    due: Option<DateTime<Utc>>,
) -> AppResult<(DateTime<Utc>, DateTime<Utc>, u32, bool)> {
    let now = now.trunc_subsecs(6);
    let rules = rules_for(table, &award.draft);
    let days = award.section.award_terms.publicity_days(&rules);
    let (from, until) = window(now, days, &publicity_rules(&rules))
        .map_err(|e| AppError::field("award_terms.publicity_days", "too_short", e.to_string()))?;
    let late = due.is_some_and(|d| now > d);
    award.row.publicity_from = Some(to_db(from));
    award.row.publicity_until = Some(to_db(until));
    prepo::insert_publication(
        c,
        &prepo::PublicationRow {
            tender_id: award.row.tender_id.clone(),
            section_code: award.row.section_code.clone(),
            award_round: award.row.award_round,
            published_by: by.to_string(),
            published_at: to_db(now),
            due_at: due.map(to_db),
            late,
            days: i32::try_from(days).unwrap_or(i32::MAX),
            publicity_from: to_db(from),
            publicity_until: to_db(until),
        },
    )?;
    Ok((from, until, days, late))
}

pub fn back_of(b: SendBack) -> Back {
    match b {
        SendBack::Reevaluation => Back::Reevaluation,
        SendBack::NewRound => Back::NewRound,
        SendBack::Retender => Back::Retender,
    }
}

/// Sends the section back to `back`: the award machine moves it (a new round is 评定分离 only,
/// `award_stage` otherwise), the publicity window closes, and for a re-evaluation the original
/// committee is reopened. The caller records its own audit event.
pub fn send_back(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    award: &mut Award,
    back: SendBack,
    why: &str,
) -> AppResult<()> {
    sa::advance(c, now, award, &StageEvent::SendBack { to: back_of(back) })?;
    award.row.publicity_from = None;
    award.row.publicity_until = None;
    award.row.winner_bid_id = None;
    award.row.winner_reason = None;
    award.row.decided_at = None;
    if back == SendBack::NewRound {
        award.row.award_round += 1;
    }
    sa::save(c, now, award)?;
    if back == SendBack::Reevaluation {
        reopen_for_recheck(c, &award.row.tender_id, &award.row.section_code, why, now)?;
    }
    Ok(())
}
