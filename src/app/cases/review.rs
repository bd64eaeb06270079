//! 审查 / 法制审核 (行政处罚法57, 58): the investigation is over and reviewed; the officers may
//! now tell the party the intended penalty. Only a case whose evidence is all confirmed by a
//! second officer, and that has some, is reviewed.

use serde_json::json;

use super::*;
use crate::app::support::errors::text;
use crate::app::AppContext;
use crate::db::types::to_db;

/// Review the case; audited `case_reviewed` with the opinion and whether it was 法制审核.
pub async fn review(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    opinion: &str,
    legal_review: bool,
) -> AppResult<Case> {
    let opinion = text("opinion", opinion, LONG_TEXT)?;
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let (_, mut row) = load_for_officer(c, &actor, &id)?;
            take(&mut row, Step::Review)?;
            let evidence = repo::evidence_of(c, &row.id)?;
            if evidence.is_empty() {
                return Err(AppError::rule(
                    "evidence",
                    "no_evidence",
                    "a case is reviewed on its evidence: add some first",
                ));
            }
            if let Some(e) = evidence.iter().find(|e| e.confirmed_at.is_none()) {
                return Err(AppError::rule(
                    "evidence",
                    "evidence_unconfirmed",
                    format!("evidence {} awaits its second officer", e.id),
                ));
            }
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let ids: Vec<&str> = evidence.iter().map(|e| e.id.as_str()).collect();
            let body = json!({"opinion": opinion, "legal_review": legal_review,
                "evidence": ids});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseReviewed,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}
