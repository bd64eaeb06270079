//! A member of the team records the visit's results: the day of the visit and a finding on
//! every item of the checklist (a note for each non-compliant one, evidence from the task's own
//! files). Results may be recorded again until published; doing so clears the signatures, since
//! each member signs the digest of exactly what is recorded.

use super::*;
use crate::app::AppContext;

pub async fn record_results(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    req: RecordResultsRequest,
) -> AppResult<InspectionTask> {
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    let (cal, days) = (
        ctx.calendar.clone(),
        ctx.settings.inspections.publish_within_working_days,
    );
    ctx.db
        .write(move |c| {
            let (mut row, plan, _) = load_task(c, &actor, &id, true, true)?;
            super::add_evidence::open_for_results(&row)?;
            let round = repo::find_round(c, &row.round_id)?
                .ok_or_else(|| internal(anyhow::anyhow!("task {id}: its round is gone")))?;
            let today = crate::domain::schedule::legal_date(now);
            let drawn_on = round
                .drawn_at
                .map(|d| crate::domain::schedule::legal_date(from_db(d)))
                .unwrap_or(today);
            if req.visited_on > today || req.visited_on < drawn_on {
                return Err(AppError::field(
                    "visited_on",
                    "out_of_range",
                    format!("between the draw ({drawn_on}) and today ({today})"),
                ));
            }
            let checklist: Vec<CheckItem> = parse_json(&row.checklist, "task checklist")?;
            let codes: Vec<String> = checklist.iter().map(|i| i.code.clone()).collect();
            let evidence: BTreeSet<String> = repo::evidence_of(c, &row.id)?
                .into_iter()
                .map(|e| e.sha256)
                .collect();
            let problems = insp::result_problems(&codes, &evidence, &req.results);
            if !problems.is_empty() {
                return Err(AppError::validation(
                    problems
                        .into_iter()
                        .map(|(field, code, message)| crate::error::FieldError {
                            field,
                            code: code.into(),
                            message,
                        })
                        .collect(),
                ));
            }
            let mut results: Vec<ItemResult> = req.results;
            results.sort_by_key(|r| codes.iter().position(|c| *c == r.check));
            let digest = insp::results_digest(req.visited_on, &results);
            let findings = results
                .iter()
                .filter(|r| r.outcome == insp::Outcome::NonCompliant)
                .count();
            row.visited_on = Some(req.visited_on.to_string());
            row.results = Some(to_json(&results)?);
            row.results_digest = Some(digest.clone());
            row.findings = i32::try_from(findings).unwrap_or(i32::MAX);
            row.signatures = "[]".into();
            row.state = TaskState::Recorded.as_str().into();
            row.recorded_at = Some(to_db(now));
            repo::update_task(c, &row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::InspectionResultsRecorded,
                    tender_id: None,
                    section_id: None,
                    actor: actor.audit_as(Role::Regulator),
                    subject: row.id.clone(),
                    body: json!({"task": row.id, "round": row.round_id,
                        "visited_on": req.visited_on, "results": results,
                        "results_digest": digest, "findings": findings}),
                },
            )?;
            task_view(c, &row, &plan.code, &cal, days, now)
        })
        .await
}
