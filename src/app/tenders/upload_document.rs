//! Check, before the bytes are streamed, that the caller may add documents to the tender.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::tenders as repo;
use crate::db::types::to_db;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::tenders::*;
use serde_json::json;

/// Metadata of an uploaded file (already in storage).
pub struct NewDocument {
    pub title: String,
    /// Id of the document (of the same tender) this one replaces.
    pub supersedes: Option<String>,
    pub file_name: String,
    pub content_type: String,
    pub stored: crate::storage::Stored,
}

/// Check, before the bytes are streamed, that the caller may add documents to the tender.
pub async fn authorise_upload(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    supersedes: Option<&str>,
) -> AppResult<()> {
    let (id, actor, supersedes) = (
        id.to_string(),
        actor.clone(),
        supersedes.map(str::to_string),
    );
    ctx.db
        .read_primary(move |c| {
            let row = load_as_party(c, &actor, &id)?;
            require_editable(&row, "documents cannot be added to")?;
            // Checked before any byte is stored, so a refused upload leaves no file behind.
            if let Some(prev) = &supersedes {
                if repo::find_document(c, prev)?
                    .filter(|p| p.tender_id == row.id)
                    .is_none()
                {
                    return Err(AppError::field(
                        "supersedes",
                        "unknown_document",
                        "no such document in this tender",
                    ));
                }
            }
            Ok(())
        })
        .await
}

/// Record an uploaded document; it becomes public with the next publication or amendment.
pub async fn add_document(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    doc: NewDocument,
) -> AppResult<Document> {
    let title = text("title", &doc.title, 200)?;
    let (id, actor, now, env) = (id.to_string(), actor.clone(), ctx.clock.now(), Env::of(ctx));
    ctx.db
        .write(move |c| {
            let row = load_as_party(c, &actor, &id)?;
            require_editable(&row, "documents cannot be added to")?;
            let d = repo::DocumentRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: row.id.clone(),
                title,
                file_name: doc.file_name,
                content_type: doc.content_type,
                size: doc.stored.size as i64,
                sha256: doc.stored.sha256,
                storage_key: doc.stored.key,
                supersedes: doc.supersedes.clone(),
                published_version: None,
                uploaded_by: actor.id.clone(),
                uploaded_at: to_db(now),
            };
            if let Some(prev) = &d.supersedes {
                if repo::find_document(c, prev)?
                    .filter(|p| p.tender_id == row.id)
                    .is_none()
                {
                    return Err(AppError::field(
                        "supersedes",
                        "unknown_document",
                        "no such document in this tender",
                    ));
                }
            }
            repo::insert_document(c, &d)?;
            record(
                c,
                &env,
                now,
                &row,
                Change::new(
                    actor.audit_ref(),
                    EventType::DocumentUploaded,
                    json!({"tender": row.id, "document": d.id, "sha256": d.sha256, "size": d.size}),
                ),
                None,
            )?;
            Ok(document_view(d))
        })
        .await
}
