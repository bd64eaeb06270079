//! The latest signed checkpoint. Before the first entry this is a freshly signed checkpoint of the
//! empty tree (consistent with every later one).

use crate::app::support::errors::*;
use crate::app::AppContext;
use crate::audit::merkle::EMPTY_ROOT;
use crate::db::repo::audit_log as repo;
use crate::error::AppResult;

/// The latest signed checkpoint. Before the first entry this is a freshly signed checkpoint of
/// the empty tree (consistent with every later one).
pub async fn latest_checkpoint(ctx: &AppContext) -> AppResult<String> {
    let row = ctx
        .db
        .read_primary(|c| repo::latest_checkpoint(c).map_err(internal))
        .await?;
    match row {
        Some(r) => Ok(r.signed_note),
        None => ctx.audit_log.sign(0, EMPTY_ROOT),
    }
}
