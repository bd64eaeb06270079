//! A `c2sp.org/tlog-proof@v1` receipt for an event: `extra` holds the entry bytes, so the holder
//! can recompute the leaf hash and verify offline with the log's public key. The checkpoint is
//! the latest one a witness cosigned that covers the event (with its cosignatures), else the
//! latest.

use super::*;
use crate::app::support::errors::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::proof_text::TlogProof;
use crate::db::repo::audit::AuditEventRow;
use crate::db::repo::audit_log as repo;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;

/// A `c2sp.org/tlog-proof@v1` receipt for an event: `extra` holds the entry bytes, so the
/// holder can recompute the leaf hash and verify offline with the log's public key.
pub async fn receipt(ctx: &AppContext, actor: &Actor, event_id: &str) -> AppResult<String> {
    let id = event_id.to_owned();
    let actor = actor.clone();
    ctx.db
        .read_primary(move |c| {
            let found = repo::entry_for_event(c, &id).map_err(internal)?;
            let visible = |ev: &AuditEventRow| {
                if is_sealed(ev) {
                    return ev.actor_id == actor.id;
                }
                actor.has(Role::Regulator) || ev.subject == actor.id || ev.actor_id == actor.id
            };
            let Some((e, _)) = found.filter(|(_, ev)| visible(ev)) else {
                // Pending events are told apart only for those who may see them.
                let pending = crate::db::repo::audit::find(c, &id)
                    .map_err(internal)?
                    .filter(|ev| visible(ev));
                return Err(match pending {
                    Some(_) => AppError::new(
                        ErrorCode::AuditEntryPending,
                        "the event is not in the log yet; retry in a second",
                    ),
                    None => AppError::not_found(format!("no visible audit event {id}")),
                });
            };
            // The latest checkpoint a witness cosigned, when it covers the event: the receipt
            // then proves the entry was in the log every witness saw.
            let cosigned = crate::db::repo::witnesses::latest_cosigned(c, 1, e.log_index + 1)
                .map_err(internal)?;
            let latest = match cosigned {
                Some(cp) => Some(cp),
                None => repo::latest_checkpoint(c).map_err(internal)?,
            };
            let cp = latest
                .filter(|cp| cp.tree_size > e.log_index)
                .ok_or_else(|| {
                    AppError::new(
                        ErrorCode::AuditEntryPending,
                        "no checkpoint covers the event yet; retry in a second",
                    )
                })?;
            let index = e.log_index as u64;
            let hashes = inclusion_in(c, index, cp.tree_size as u64)?;
            Ok(TlogProof {
                extra: Some(e.leaf),
                index,
                hashes,
                signed_checkpoint: with_cosignatures(c, cp.tree_size, cp.signed_note)?,
            }
            .to_text())
        })
        .await
}
