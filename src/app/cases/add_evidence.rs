//! 调查取证: an officer adds a piece of evidence (a file in the content-addressed store) and
//! names the second officer who investigates with it (行政处罚法42: at least two officers); the
//! second confirms it with its own call (`confirm_evidence`). The file's SHA-256 is in the
//! audit entry, so the record proves what the evidence was (47).

use serde_json::json;

use super::*;
use crate::app::support::errors::text;
use crate::app::AppContext;
use crate::db::types::to_db;
use crate::domain::authz::Permission;
use crate::domain::case::EvidenceKind;
use crate::storage::Stored;

/// A stored evidence file and what it is.
pub struct NewEvidence {
    pub kind: EvidenceKind,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub second_officer: String,
    pub stored: Stored,
}

/// May `actor` add evidence to case `id` with `second` as the second officer? Checked before the
/// file is stored (and again in the transaction that records it).
pub async fn authorise_evidence(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    second: &str,
) -> AppResult<()> {
    actor.require(Permission::HandleCases)?;
    let (actor, id, second) = (actor.clone(), id.to_string(), second.to_string());
    ctx.db
        .read(move |c| check(c, &actor, &id, &second).map(|_| ()))
        .await
}

fn check(c: &mut AnyConnection, actor: &Actor, id: &str, second: &str) -> AppResult<repo::CaseRow> {
    let (o, row) = load_for_officer(c, actor, id)?;
    if !row.state().map_err(AppError::internal)?.takes_evidence() {
        return Err(wrong_state(&row, "evidence"));
    }
    let other = find_officer(c, second)?;
    if second == actor.id || other.is_none_or(|x| x.department_code != o.department_code) {
        return Err(AppError::field(
            "second_officer",
            "not_a_second_officer",
            "another officer of the case's department investigates with you",
        ));
    }
    Ok(row)
}

/// Record the stored file as evidence of the case; audited `case_evidence_added` with its
/// SHA-256 and both officers.
pub async fn add_evidence(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    new: NewEvidence,
) -> AppResult<Case> {
    actor.require(Permission::HandleCases)?;
    let title = text("title", &new.title, SHORT_TEXT)?;
    let file_name = text("file_name", &new.file_name, SHORT_TEXT)?;
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let mut row = check(c, &actor, &id, &new.second_officer)?;
            let e = repo::EvidenceRow {
                id: uuid::Uuid::now_v7().to_string(),
                case_id: row.id.clone(),
                kind: new.kind.as_str().into(),
                title,
                file_name,
                content_type: new.content_type.clone(),
                storage_key: new.stored.key.clone(),
                sha256: new.stored.sha256.clone(),
                size: i64::try_from(new.stored.size).unwrap_or(i64::MAX),
                added_by: actor.id.clone(),
                added_at: to_db(now),
                second_officer: new.second_officer.clone(),
                confirmed_at: None,
            };
            repo::insert_evidence(c, &e)?;
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"evidence": e.id, "kind": e.kind, "sha256": e.sha256,
                "size": e.size, "second_officer": e.second_officer});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseEvidenceAdded,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}
