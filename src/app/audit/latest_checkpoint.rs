//! The latest signed checkpoint, with its witnesses' cosignatures. Before the first entry this is
//! a freshly signed checkpoint of the empty tree (consistent with every later one).

use crate::app::support::errors::*;
use crate::app::AppContext;
use crate::audit::merkle::EMPTY_ROOT;
use crate::db::repo::audit_log as repo;
use crate::error::AppResult;

/// The latest signed checkpoint. Before the first entry this is a freshly signed checkpoint of
/// the empty tree (consistent with every later one).
pub async fn latest_checkpoint(ctx: &AppContext) -> AppResult<String> {
    let note = ctx
        .db
        .read_primary(|c| match repo::latest_checkpoint(c).map_err(internal)? {
            Some(r) => super::with_cosignatures(c, r.tree_size, r.signed_note).map(Some),
            None => Ok(None),
        })
        .await?;
    match note {
        Some(n) => Ok(n),
        None => ctx.audit_log.sign(0, EMPTY_ROOT),
    }
}
