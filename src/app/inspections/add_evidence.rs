//! A member of the task's team adds an evidence file (photos, records of the visit, copies of
//! documents) to the content-addressed store; its SHA-256 goes into the audit entry, so the
//! published results prove what they rest on. Evidence is added until the results are
//! published.

use super::*;
use crate::app::AppContext;
use crate::storage::Stored;

/// A stored evidence file and what it is.
pub struct NewInspectionEvidence {
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub stored: Stored,
}

/// May `actor` add evidence to task `id`? Checked before the file is stored (and again in the
/// transaction that records it).
pub async fn authorise_inspection_evidence(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
) -> AppResult<()> {
    let (actor, id) = (actor.clone(), id.to_string());
    ctx.db
        .read(move |c| {
            let (row, _, _) = load_task(c, &actor, &id, false, true)?;
            open_for_results(&row)
        })
        .await
}

/// The task takes results and evidence: assigned or recorded, not published.
pub(super) fn open_for_results(row: &repo::TaskRow) -> AppResult<()> {
    match task_state(row)? {
        TaskState::Assigned | TaskState::Recorded => Ok(()),
        TaskState::Published => Err(AppError::new(
            ErrorCode::InvalidStateTransition,
            "the results are published",
        )),
        TaskState::Unstaffed => Err(AppError::new(
            ErrorCode::InvalidStateTransition,
            "the task has no team",
        )),
    }
}

pub async fn add_inspection_evidence(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    new: NewInspectionEvidence,
) -> AppResult<InspectionTask> {
    let title = new.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::field("title", "length", "1 to 200 characters"));
    }
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    let (cal, days) = (
        ctx.calendar.clone(),
        ctx.settings.inspections.publish_within_working_days,
    );
    ctx.db
        .write(move |c| {
            let (row, plan, _) = load_task(c, &actor, &id, true, true)?;
            open_for_results(&row)?;
            let ev = repo::EvidenceRow {
                id: uuid::Uuid::now_v7().to_string(),
                task_id: row.id.clone(),
                title,
                file_name: new.file_name,
                content_type: new.content_type,
                storage_key: new.stored.key,
                sha256: new.stored.sha256,
                size: i64::try_from(new.stored.size).unwrap_or(i64::MAX),
                added_by: actor.id.clone(),
                added_at: to_db(now),
            };
            repo::insert_evidence(c, &ev)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::InspectionEvidenceAdded,
                    tender_id: None,
                    section_id: None,
                    actor: actor.audit_as(Role::Regulator),
                    subject: row.id.clone(),
                    body: json!({"task": row.id, "round": row.round_id, "evidence": ev.id,
                        "title": ev.title, "sha256": ev.sha256, "size": ev.size}),
                },
            )?;
            task_view(c, &row, &plan.code, &cal, days, now)
        })
        .await
}
