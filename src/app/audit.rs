//! Reading the audit log: checkpoints, entries, proofs, trails, export bundles and receipts.
//!
//! Who sees what: checkpoints, proofs and the public key are public (they hold hashes only).
//! Entries and bodies: regulators and administrators see everything; any principal sees the
//! entries whose subject or actor it is. A tender's trail is for regulators, administrators and
//! the tender's own parties (tenderer, agent, agent staff) — never for bidders, who must not learn
//! who else downloaded or asked (办法 第21条); `authorize` is the single place that decides.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Actor, AppContext};
use crate::audit::bundle::{
    Bundle, BundleEntry, BundleEvent, BundleScope, ConsistencyProof, BUNDLE_FORMAT,
};
use crate::audit::merkle::{self, EMPTY_ROOT};
use crate::audit::proof_text::TlogProof;
use crate::audit::sequencer::DbNodeReader;
use crate::db::repo::audit::AuditEventRow;
use crate::db::repo::audit_log::{self as repo, EntryRow, Scope};
use crate::db::AnyConnection;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult, ErrorCode};

/// Whole-log bundles above this size carry no per-entry proofs (the verifier recomputes the
/// root from the leaves instead), keeping the export linear.
const PROOFS_IN_FULL_BUNDLE_UP_TO: usize = 10_000;
/// Most entries in one trail page.
pub const MAX_TRAIL_PAGE: i64 = 1000;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicKey {
    pub origin: String,
    /// Go `sumdb/note` verifier key: `<origin>+<key id>+<base64(0x01 || Ed25519 key)>`.
    pub verifier_key: String,
    pub algorithm: String,
}

/// One log entry with its event.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub index: u64,
    /// Exact entry bytes, base64.
    pub leaf: String,
    /// RFC 6962 leaf hash, base64.
    pub leaf_hash: String,
    pub event_id: String,
    pub event_type: String,
    pub tender_id: Option<String>,
    pub section_id: Option<String>,
    pub actor_role: String,
    pub actor_id: String,
    pub subject: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub prev_tender_index: Option<u64>,
    /// The canonical event body.
    pub body: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Trail {
    pub items: Vec<AuditEntry>,
    /// Pass as `after` for the next page.
    pub next: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InclusionProof {
    pub index: u64,
    pub tree_size: u64,
    /// Leaf hash, base64.
    pub leaf_hash: String,
    /// Base64 hashes, leaf sibling first.
    pub hashes: Vec<String>,
}

fn internal<E: Into<anyhow::Error>>(e: E) -> AppError {
    AppError::internal(e)
}

fn is_overseer(actor: &Actor) -> bool {
    actor.has(Role::Regulator) || actor.has(Role::Administrator)
}

/// Who may read a scope, and whether the caller reads as a party of the tender in scope (a
/// tender's parties — tenderer, its agent, the agent's staff — see every event of their own
/// tender, downloads included: they are entitled to know who downloaded).
async fn authorize(ctx: &AppContext, actor: &Actor, scope: &Scope) -> AppResult<bool> {
    let (ok, party) = match scope {
        Scope::All => (actor.require(Permission::ReadAuditLog).is_ok(), false),
        Scope::Tender(_) if is_overseer(actor) => (true, false),
        Scope::Tender(t) => {
            let p = crate::app::tenders::is_party_of(ctx, actor, t).await?;
            (p, p)
        }
        Scope::Principal(p) => (*p == actor.id || is_overseer(actor), false),
    };
    if ok {
        Ok(party)
    } else {
        Err(AppError::forbidden(
            "you may read your own trail, or your own tender's",
        ))
    }
}

/// Whether `actor` may see this event (actor or subject of it, or an overseer).
fn may_see(actor: &Actor, ev: &AuditEventRow) -> bool {
    if is_sealed(ev) {
        return ev.actor_id == actor.id;
    }
    is_overseer(actor) || ev.subject == actor.id || ev.actor_id == actor.id
}

/// Bid events: only the bidder reads their bodies (they name the tender; counted, they would
/// tell how many bids it has). The opening event lists every bid in the tender's own chain.
fn is_sealed(ev: &AuditEventRow) -> bool {
    crate::audit::EventType::parse(&ev.event_type).is_some_and(|t| t.is_sealed())
}

pub fn public_key(ctx: &AppContext) -> PublicKey {
    PublicKey {
        origin: ctx.audit_log.origin().to_owned(),
        verifier_key: ctx.audit_log.verifier().to_vkey_string(),
        algorithm: "ed25519".into(),
    }
}

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

fn entry_dto(e: &EntryRow, ev: Option<&AuditEventRow>, with_body: bool) -> AppResult<AuditEntry> {
    let leaf = crate::audit::leaf::LeafEntry::from_bytes(&e.leaf).map_err(|err| {
        internal(anyhow::anyhow!(
            "stored entry {} is corrupt: {err}",
            e.log_index
        ))
    })?;
    let occurred_at = crate::audit::leaf::parse_time(&leaf.occurred_at)
        .ok_or_else(|| internal(anyhow::anyhow!("entry {} has a bad time", e.log_index)))?;
    Ok(AuditEntry {
        index: e.log_index as u64,
        leaf: B64.encode(&e.leaf),
        leaf_hash: B64.encode(&e.leaf_hash),
        event_id: leaf.event_id,
        event_type: leaf.event_type,
        tender_id: leaf.tender_id,
        section_id: leaf.section_id,
        actor_role: leaf.actor_role,
        actor_id: leaf.actor_id,
        subject: leaf.subject,
        occurred_at,
        prev_tender_index: leaf.prev_tender_index,
        body: ev
            .filter(|_| with_body)
            .and_then(|ev| serde_json::from_str(&ev.body).ok()),
    })
}

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

fn checkpoint_size(c: &mut AnyConnection) -> AppResult<u64> {
    Ok(repo::latest_checkpoint(c)
        .map_err(internal)?
        .map_or(0, |r| r.tree_size as u64))
}

fn b64_all(hashes: &[merkle::Hash]) -> Vec<String> {
    hashes.iter().map(|h| B64.encode(h)).collect()
}

fn inclusion_in(c: &mut AnyConnection, index: u64, size: u64) -> AppResult<Vec<merkle::Hash>> {
    merkle::inclusion_proof(index, size, &DbNodeReader::new(c))
        .map_err(|e| internal(anyhow::anyhow!("inclusion proof: {e}")))
}

/// Inclusion proof of entry `index` in the tree of `tree_size` (default: the latest checkpoint).
pub async fn inclusion(
    ctx: &AppContext,
    index: u64,
    tree_size: Option<u64>,
) -> AppResult<InclusionProof> {
    ctx.db
        .read_primary(move |c| {
            let signed = checkpoint_size(c)?;
            let size = tree_size.unwrap_or(signed);
            if size > signed {
                return Err(AppError::field(
                    "tree_size",
                    "beyond_checkpoint",
                    format!("tree_size {size} is beyond the latest checkpoint ({signed})"),
                ));
            }
            if index >= size {
                return Err(AppError::field(
                    "index",
                    "out_of_range",
                    format!("index {index} is not below tree_size {size}"),
                ));
            }
            let hashes = inclusion_in(c, index, size)?;
            let leaf_hash = repo::read_nodes(c, &[(0, index as i64)])
                .map_err(internal)?
                .first()
                .map(|n| B64.encode(&n.hash))
                .unwrap_or_default();
            Ok(InclusionProof {
                index,
                tree_size: size,
                leaf_hash,
                hashes: b64_all(&hashes),
            })
        })
        .await
}

/// Consistency proof between two tree sizes (both at most the latest checkpoint).
pub async fn consistency(
    ctx: &AppContext,
    old_size: u64,
    new_size: u64,
) -> AppResult<ConsistencyProof> {
    ctx.db
        .read_primary(move |c| {
            let signed = checkpoint_size(c)?;
            if new_size > signed {
                return Err(AppError::field(
                    "new_size",
                    "beyond_checkpoint",
                    format!("new_size {new_size} is beyond the latest checkpoint ({signed})"),
                ));
            }
            if old_size > new_size {
                return Err(AppError::field(
                    "old_size",
                    "out_of_range",
                    format!("old_size {old_size} is larger than new_size {new_size}"),
                ));
            }
            let hashes = merkle::consistency_proof(old_size, new_size, &DbNodeReader::new(c))
                .map_err(|e| internal(anyhow::anyhow!("consistency proof: {e}")))?;
            Ok(ConsistencyProof {
                old_size,
                new_size,
                hashes: b64_all(&hashes),
            })
        })
        .await
}

/// The scope a query names: a tender, a principal, or (neither) the whole log.
pub fn scope_of(tender_id: Option<String>, subject: Option<String>) -> AppResult<Scope> {
    match (tender_id, subject) {
        (Some(_), Some(_)) => Err(AppError::field(
            "subject",
            "exclusive",
            "give tender_id or subject, not both",
        )),
        (Some(t), None) => Ok(Scope::Tender(t)),
        (None, Some(s)) => Ok(Scope::Principal(s)),
        (None, None) => Ok(Scope::All),
    }
}

/// A page of the trail in `scope`, entries after index `after`.
pub async fn trail(
    ctx: &AppContext,
    actor: &Actor,
    scope: Scope,
    after: Option<u64>,
    limit: i64,
) -> AppResult<Trail> {
    let party = authorize(ctx, actor, &scope).await?;
    let limit = limit.clamp(1, MAX_TRAIL_PAGE);
    let from = after.map_or(0, |a| a as i64 + 1);
    let rows = ctx
        .db
        .read_primary(move |c| repo::entries(c, &scope, from, i64::MAX, limit).map_err(internal))
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for (e, ev) in &rows {
        let visible = party || ev.as_ref().is_some_and(|ev| may_see(actor, ev));
        items.push(entry_dto(e, ev.as_ref(), visible)?);
    }
    let next = if rows.len() as i64 == limit {
        items.last().map(|e| e.index)
    } else {
        None
    };
    Ok(Trail { items, next })
}

/// The export bundle for `scope` at the latest checkpoint, with a consistency proof from
/// `since_size` when asked.
pub async fn export(
    ctx: &AppContext,
    actor: &Actor,
    scope: Scope,
    since_size: Option<u64>,
) -> AppResult<Bundle> {
    let party = authorize(ctx, actor, &scope).await?;
    let actor = actor.clone();
    let public_key = ctx.audit_log.verifier().to_vkey_string();
    let origin = ctx.audit_log.origin().to_owned();
    let empty = ctx.audit_log.sign(0, EMPTY_ROOT)?;
    ctx.db
        .read_primary(move |c| {
            // Entries, proofs and checkpoint must agree: read them in one snapshot.
            crate::db::repo::begin_read_snapshot(c).map_err(internal)?;
            let result = (|| {
                let cp = repo::latest_checkpoint(c).map_err(internal)?;
                let (size, checkpoint) =
                    cp.map_or((0, empty), |r| (r.tree_size as u64, r.signed_note));
                let pending = repo::pending_count(c).map_err(internal)? as u64;
                // Up to the head, not the checkpoint: an entry no checkpoint covers is exactly
                // what a verifier must see and reject.
                let rows = repo::entries(c, &scope, 0, i64::MAX, i64::MAX).map_err(internal)?;
                let with_proofs = scope != Scope::All || rows.len() <= PROOFS_IN_FULL_BUNDLE_UP_TO;
                let mut entries = Vec::with_capacity(rows.len());
                for (e, ev) in rows {
                    let index = e.log_index as u64;
                    let inclusion_proof = if with_proofs && index < size {
                        Some(b64_all(&inclusion_in(c, index, size)?))
                    } else {
                        None
                    };
                    let event =
                        ev.filter(|ev| party || may_see(&actor, ev))
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
                Ok(Bundle {
                    format: BUNDLE_FORMAT.into(),
                    origin,
                    public_key,
                    checkpoint,
                    scope: match scope {
                        Scope::All => BundleScope::All,
                        Scope::Tender(t) => BundleScope::Tender(t),
                        Scope::Principal(p) => BundleScope::Principal(p),
                    },
                    entries,
                    consistency,
                    pending,
                })
            })();
            crate::db::repo::end_read_snapshot(c).map_err(internal)?;
            result
        })
        .await
}

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
            let cp = repo::latest_checkpoint(c)
                .map_err(internal)?
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
                signed_checkpoint: cp.signed_note,
            }
            .to_text())
        })
        .await
}
