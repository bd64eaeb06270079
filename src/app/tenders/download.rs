//! Record a download and return the document and its storage key. Anyone may download a published
//! document without registering (办法 第20条); who did is revealed only to the tender's parties (第21条),
//! and logged-in downloaders are notified of changes. Anonymous downloads are only counted, per
//! document and day (issue 11).

use super::*;
use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::ActorRef;
use crate::audit::EventType;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as repo;
use crate::db::types::to_db;
use crate::domain::authz::Permission;
use crate::domain::identity::PrincipalKind;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::tenders::*;
use serde_json::json;

/// Record a download and return the document and its storage key. Anyone may download a
/// published document without registering (办法 第20条); who did is revealed only to the
/// tender's parties (第21条), and logged-in downloaders are notified of changes.
pub async fn download(
    ctx: &AppContext,
    actor: Option<&Actor>,
    id: &str,
    doc: &str,
) -> AppResult<(Document, String)> {
    let (id, doc, actor, now, env) = (
        id.to_string(),
        doc.to_string(),
        actor.cloned(),
        ctx.clock.now(),
        Env::of(ctx),
    );
    ctx.db
        .write(move |c| {
            let row =
                repo::find_tender(c, &id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
            let d = repo::find_document(c, &doc)?
                .filter(|d| d.tender_id == row.id)
                .ok_or_else(|| AppError::not_found("no such document"))?;
            let party = match &actor {
                Some(a) if a.require(Permission::ManageTenders).is_ok() => is_party(c, a, &row)?,
                _ => false,
            };
            if d.published_version.is_none() && !party {
                return Err(AppError::not_found("no such document"));
            }
            let (principal, org, email) = match &actor {
                Some(a) => {
                    let email = match a.kind {
                        PrincipalKind::Organisation => {
                            idrepo::find_organisation(c, &a.id)?.map(|o| o.contact_email)
                        }
                        PrincipalKind::Person => {
                            idrepo::find_person(c, &a.id)?.map(|p| p.contact_email)
                        }
                    };
                    (Some(a.id.clone()), a.organisation_id.clone(), email)
                }
                None => (None, None, None),
            };
            if actor.is_none() {
                // Nobody to notify or name (第21条 asks for who obtained the documents): counted
                // per document and day rather than a row and an audit entry per request, which
                // would let anyone grow the log at will.
                let day = now.format("%Y-%m-%d").to_string();
                crate::db::repo::uploads::count_anonymous_download(c, &d.id, &day)?;
            } else if !party {
                repo::insert_download(
                    c,
                    &repo::DownloadRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        document_id: d.id.clone(),
                        tender_id: row.id.clone(),
                        principal_id: principal.clone(),
                        organisation_id: org,
                        contact_email: email,
                        downloaded_at: to_db(now),
                    },
                )?;
                let who = actor.as_ref().map(|a| a.audit_ref()).unwrap_or(ActorRef {
                    role: "public".into(),
                    id: "anonymous".into(),
                });
                record(
                    c,
                    &env,
                    now,
                    &row,
                    Change::new(
                        who,
                        EventType::DocumentDownloaded,
                        json!({"tender": row.id, "document": d.id}),
                    ),
                    None,
                )?;
            }
            let key = d.storage_key.clone();
            Ok((document_view(d), key))
        })
        .await
}
