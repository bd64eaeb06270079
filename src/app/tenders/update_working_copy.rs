//! Replace the working copy (drafts; or, after publication, the next amendment's content).

use super::*;
use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::sha256_hex;
use crate::audit::EventType;
use crate::db::repo::tenders as repo;
use crate::db::types::to_db;
use crate::domain::tender::TenderDraft;
use crate::error::AppResult;
use crate::wire::tenders::*;
use serde_json::json;

/// Replace the working copy (drafts; or, after publication, the next amendment's content).
pub async fn update_working_copy(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    title: Option<String>,
    description: Option<String>,
    draft: TenderDraft,
) -> AppResult<Tender> {
    let (id, actor, now, env) = (id.to_string(), actor.clone(), ctx.clock.now(), Env::of(ctx));
    ctx.db
        .write(move |c| {
            let mut row = load_as_party(c, &actor, &id)?;
            require_editable(&row, "edits are refused for")?;
            crate::app::support::departments::check_supervising(c, &draft)?;
            if let Some(t) = title.filter(|_| row.version == 0) {
                let t = text("title", &t, 200)?;
                row.title = t;
            }
            if let Some(d) = description.filter(|_| row.version == 0) {
                row.description = d.trim().to_string();
            }
            row.draft = to_json(&draft)?;
            if row.version == 0 {
                row.bid_deadline = to_db(draft.schedule.bid_deadline);
            }
            row.updated_at = to_db(now);
            repo::update_tender(c, &row)?;
            record(
                c,
                &env,
                now,
                &row,
                Change::new(
                    actor.audit_ref(),
                    EventType::TenderDraftUpdated,
                    json!({"tender": row.id, "draft_digest": sha256_hex(row.draft.as_bytes())}),
                ),
                None,
            )?;
            view(c, &row, true)
        })
        .await
}
