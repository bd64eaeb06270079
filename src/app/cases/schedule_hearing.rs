//! 听证 is fixed (行政处罚法64): the party is told at least 7 working days before it, and an
//! officer who did not investigate the case chairs it.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::*;
use crate::app::support::errors::text;
use crate::app::support::json::{parse_json, to_json};
use crate::app::AppContext;
use crate::db::types::to_db;
use crate::domain::case::earliest_hearing;
use crate::wire::cases::CaseHearing;

/// Fix the hearing at `at`; audited `case_hearing_scheduled` with the chair and the earliest
/// instant the notice allowed.
pub async fn schedule_hearing(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    at: DateTime<Utc>,
    place: &str,
    chair: &str,
) -> AppResult<Case> {
    let place = text("place", place, SHORT_TEXT)?;
    let now = ctx.clock.now();
    let earliest = earliest_hearing(&ctx.calendar, now)?;
    if at < earliest {
        return Err(AppError::rule(
            "at",
            "hearing_notice_too_short",
            format!("the party is told 7 working days ahead: {earliest} at the earliest"),
        ));
    }
    let (actor, id, chair) = (actor.clone(), id.to_string(), chair.to_string());
    ctx.db
        .write(move |c| {
            let (o, mut row) = load_for_officer(c, &actor, &id)?;
            take(&mut row, Step::ScheduleHearing)?;
            let investigators = repo::evidence_of(c, &row.id)?;
            let investigated = investigators
                .iter()
                .any(|e| e.added_by == chair || e.second_officer == chair);
            let officer = find_officer(c, &chair)?;
            if investigated || officer.is_none_or(|x| x.department_code != o.department_code) {
                return Err(AppError::field(
                    "chair",
                    "not_a_chair",
                    "an officer of the department who did not investigate the case chairs",
                ));
            }
            let mut hearing: CaseHearing = match &row.hearing {
                Some(j) => parse_json(j, "case hearing")?,
                None => CaseHearing::default(),
            };
            hearing.noticed_at = Some(now);
            hearing.at = Some(at);
            hearing.place = Some(place);
            hearing.chair = Some(chair.clone());
            row.hearing = Some(to_json(&hearing)?);
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"at": at, "chair": chair, "earliest": earliest});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseHearingScheduled,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}
