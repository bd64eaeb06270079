//! The export bundle for `scope` at the latest checkpoint, with a consistency proof from
//! `since_size` when asked.

use super::*;
use crate::app::support::errors::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::bid_states::Snapshot;
use crate::audit::bundle::Bundle;
use crate::audit::bundle::BundleEntry;
use crate::audit::bundle::BundleEvent;
use crate::audit::bundle::BundleScope;
use crate::audit::bundle::ConsistencyProof;
use crate::audit::bundle::BUNDLE_FORMAT;
use crate::audit::merkle;
use crate::audit::merkle::EMPTY_ROOT;
use crate::audit::sequencer::DbNodeReader;
use crate::audit::EventType;
use crate::db::repo::audit_log as repo;
use crate::db::repo::audit_log::Scope;
use crate::error::AppError;
use crate::error::AppResult;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

/// The export bundle for `scope` at the latest checkpoint — or, with `min_cosignatures`, at the
/// latest one that many registered witnesses cosigned — with its cosignatures, a consistency
/// proof from `since_size` when asked, and the signed state of every bid in the bundle.
pub async fn export(
    ctx: &AppContext,
    actor: &Actor,
    scope: Scope,
    since_size: Option<u64>,
    min_cosignatures: Option<u32>,
) -> AppResult<Bundle> {
    let party = authorize(ctx, actor, &scope).await?;
    let scope = as_read_by(actor, scope);
    let actor = actor.clone();
    let public_key = ctx.audit_log.verifier().to_vkey_string();
    let origin = ctx.audit_log.origin().to_owned();
    let empty = ctx.audit_log.sign(0, EMPTY_ROOT)?;
    let log = ctx.audit_log.clone();
    ctx.db
        .read_primary(move |c| {
            // Entries, proofs and checkpoint must agree: read them in one snapshot.
            crate::db::repo::begin_read_snapshot(c).map_err(internal)?;
            let result = (|| {
                let cp = match min_cosignatures {
                    None => repo::latest_checkpoint(c).map_err(internal)?,
                    Some(k) => Some(
                        crate::db::repo::witnesses::latest_cosigned(c, i64::from(k.max(1)), 0)
                            .map_err(internal)?
                            .ok_or_else(|| {
                                AppError::conflict(format!(
                                    "no checkpoint is cosigned by {k} witnesses yet"
                                ))
                            })?,
                    ),
                };
                let (size, checkpoint) = match cp {
                    None => (0, empty),
                    Some(r) => (
                        r.tree_size as u64,
                        with_cosignatures(c, r.tree_size, r.signed_note)?,
                    ),
                };
                let pending = repo::pending_count(c).map_err(internal)? as u64;
                // Up to the head, not the checkpoint: an entry no checkpoint covers is exactly
                // what a verifier must see and reject.
                // At a cosigned checkpoint older than the head, its own entries only.
                let to = if min_cosignatures.is_some() {
                    size as i64
                } else {
                    i64::MAX
                };
                let view = party_view(c, &scope, party)?;
                let rows = repo::entries(c, &scope, 0, to, i64::MAX).map_err(internal)?;
                let submitted: Vec<String> = rows
                    .iter()
                    .filter_map(|(_, ev)| ev.as_ref())
                    .filter(|ev| ev.event_type == EventType::BidSubmitted.as_str())
                    .map(|ev| ev.subject.clone())
                    .collect();
                let with_proofs = scope != Scope::All || rows.len() <= PROOFS_IN_FULL_BUNDLE_UP_TO;
                let mut entries = Vec::with_capacity(rows.len());
                for (e, ev) in rows {
                    let index = e.log_index as u64;
                    let inclusion_proof = if with_proofs && index < size {
                        Some(b64_all(&inclusion_in(c, index, size)?))
                    } else {
                        None
                    };
                    let event = ev
                        .filter(|ev| view.is_some_and(|v| v.sees(ev)) || may_see(&actor, ev))
                        .map(|ev| BundleEvent {
                            id: ev.id,
                            body: ev.body,
                        });
                    entries.push(BundleEntry {
                        index,
                        leaf: B64.encode(&e.leaf),
                        inclusion_proof,
                        event,
                    });
                }
                let consistency = match since_size {
                    Some(old) if old <= size => Some(ConsistencyProof {
                        old_size: old,
                        new_size: size,
                        hashes: b64_all(
                            &merkle::consistency_proof(old, size, &DbNodeReader::new(c))
                                .map_err(|e| internal(anyhow::anyhow!("consistency: {e}")))?,
                        ),
                    }),
                    Some(old) => {
                        return Err(AppError::field(
                            "since_size",
                            "beyond_checkpoint",
                            format!("since_size {old} is beyond the latest checkpoint ({size})"),
                        ))
                    }
                    None => None,
                };
                let bid_states = if submitted.is_empty() {
                    None
                } else {
                    let states = repo::bid_states(c, &submitted).map_err(internal)?;
                    Some(
                        Snapshot {
                            origin: origin.clone(),
                            tree_size: size,
                            states: states.into_iter().collect(),
                        }
                        .sign_with(&log)?,
                    )
                };
                Ok(Bundle {
                    format: BUNDLE_FORMAT.into(),
                    origin,
                    public_key,
                    checkpoint,
                    scope: match scope {
                        Scope::All => BundleScope::All,
                        Scope::Tender(t) => BundleScope::Tender(t),
                        Scope::Principal(p) | Scope::PrincipalWithout(p, _) => {
                            BundleScope::Principal(p)
                        }
                    },
                    entries,
                    consistency,
                    pending,
                    bid_states,
                })
            })();
            crate::db::repo::end_read_snapshot(c).map_err(internal)?;
            result
        })
        .await
}
