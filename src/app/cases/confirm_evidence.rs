//! The second officer confirms a piece of evidence another officer added (行政处罚法42): only the
//! officer named, once, while the case is under investigation.

use serde_json::json;

use super::*;
use crate::app::AppContext;
use crate::db::types::to_db;

/// Confirm evidence `evidence` of case `id`; audited `case_evidence_confirmed`.
pub async fn confirm_evidence(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    evidence: &str,
) -> AppResult<Case> {
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    let evidence = evidence.to_string();
    ctx.db
        .write(move |c| {
            let (_, mut row) = load_for_officer(c, &actor, &id)?;
            if !row.state().map_err(AppError::internal)?.takes_evidence() {
                return Err(wrong_state(&row, "evidence"));
            }
            let mut e = repo::evidence_of(c, &row.id)?
                .into_iter()
                .find(|e| e.id == evidence)
                .ok_or_else(|| {
                    AppError::field("evidence", "unknown", "no such evidence in the case")
                })?;
            if e.second_officer != actor.id {
                return Err(AppError::forbidden(
                    "only the second officer the evidence names confirms it",
                ));
            }
            if e.confirmed_at.is_some() {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the evidence is confirmed already",
                ));
            }
            e.confirmed_at = Some(to_db(now));
            repo::update_evidence(c, &e)?;
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"evidence": e.id, "sha256": e.sha256, "added_by": e.added_by});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseEvidenceConfirmed,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}
