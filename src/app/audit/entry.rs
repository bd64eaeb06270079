//! Entry `index`, if the caller may see it (404 otherwise, so existence is not revealed).

use super::*;
use crate::app::support::errors::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::audit_log as repo;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::audit::*;

/// Entry `index`, if the caller may see it (404 otherwise, so existence is not revealed).
pub async fn entry(ctx: &AppContext, actor: &Actor, index: u64) -> AppResult<AuditEntry> {
    let found = ctx
        .db
        .read_primary(move |c| repo::entry(c, index as i64).map_err(internal))
        .await?;
    match found {
        Some((e, ev)) if may_see(actor, &ev) => entry_dto(&e, Some(&ev), true),
        _ => Err(AppError::not_found(format!(
            "no visible audit entry {index}"
        ))),
    }
}
