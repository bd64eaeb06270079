//! Reading the audit log: checkpoints, entries, proofs, trails, export bundles and receipts.
//!
//! Who sees what: checkpoints, proofs and the public key are public (they hold hashes only).
//! Entries and bodies: regulators and administrators see everything but sealed events; any
//! principal sees the entries whose subject or actor it is. Sealed events
//! (`audit::EventType::is_sealed`: bid and bond events, a drawn expert's seat and answer) are
//! read only by their actor or subject, regulators included, since counted per tender they
//! would tell who bids and how many before the opening (whose own event lists every bid in the
//! tender's chain): their leaves name no tender and no party (`EventType::leaf_parties`), their
//! bodies are withheld, and an overseer reading someone else's trail or export gets it without
//! them (`as_read_by`). A tender's trail is for regulators,
//! administrators and the tender's own parties (tenderer, agent, agent staff) — never for
//! bidders, who must not learn who else downloaded or asked (办法 第21条); `authorize` is the
//! single place that decides. While the tender is evaluating, its parties read it without the
//! bodies of the committee's deliberation (`EventType::is_in_camera`, 招标投标法44).

mod consistency;
mod entry;
mod export;
mod inclusion;
mod latest_checkpoint;
mod public_key;
mod receipt;
mod trail;
mod witnesses;

use crate::app::support::errors::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::merkle;
use crate::audit::sequencer::DbNodeReader;
use crate::db::repo::audit::AuditEventRow;
use crate::db::repo::audit_log as repo;
use crate::db::repo::audit_log::EntryRow;
use crate::db::repo::audit_log::Scope;
use crate::db::AnyConnection;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::audit::*;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
pub use consistency::*;
pub use entry::*;
pub use export::*;
pub use inclusion::*;
pub use latest_checkpoint::*;
pub use public_key::*;
pub use receipt::*;
pub use trail::*;
pub use witnesses::*;

/// Whole-log bundles above this size carry no per-entry proofs (the verifier recomputes the
/// root from the leaves instead), keeping the export linear.
const PROOFS_IN_FULL_BUNDLE_UP_TO: usize = 10_000;

/// Most entries in one trail page.
pub const MAX_TRAIL_PAGE: i64 = 1000;

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
            let p = crate::app::support::tender::is_party_of(ctx, actor, t).await?;
            (p, p)
        }
        Scope::Principal(p) | Scope::PrincipalWithout(p, _) => {
            (*p == actor.id || is_overseer(actor), false)
        }
    };
    if ok {
        Ok(party)
    } else {
        Err(AppError::forbidden(
            "you may read your own trail, or your own tender's",
        ))
    }
}

/// The scope `actor` actually reads: someone else's trail comes without sealed events, which
/// would tell an overseer who bids (or was drawn), when — even with their bodies withheld and
/// their leaves naming nobody.
fn as_read_by(actor: &Actor, scope: Scope) -> Scope {
    match scope {
        Scope::Principal(p) if p != actor.id => {
            Scope::PrincipalWithout(p, crate::audit::EventType::sealed_names())
        }
        other => other,
    }
}

/// How a tender's own party reads its tender's chain: every body (downloads included: they are
/// entitled to know who downloaded), except — while the tender is being evaluated — the
/// bodies of the committee's deliberation (`EventType::is_in_camera`). `None`: not a party.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PartyView {
    Everything,
    OutsideTheEvaluation,
}

impl PartyView {
    fn sees(self, ev: &AuditEventRow) -> bool {
        match self {
            PartyView::Everything => true,
            PartyView::OutsideTheEvaluation => {
                !crate::audit::EventType::parse(&ev.event_type).is_some_and(|t| t.is_in_camera())
            }
        }
    }
}

/// The party view of `scope` for a caller `authorize` found to be a party.
fn party_view(c: &mut AnyConnection, scope: &Scope, party: bool) -> AppResult<Option<PartyView>> {
    use crate::domain::lifecycle::{State, StateKind};
    let (true, Scope::Tender(t)) = (party, scope) else {
        return Ok(None);
    };
    let Some(row) = crate::db::repo::tenders::find_tender(c, t)? else {
        return Ok(None);
    };
    let state = crate::app::support::tender::state_of(&row)?;
    let evaluating = match state {
        State::Evaluating => true,
        State::Suspended { resume_to, .. } => resume_to == StateKind::Evaluating,
        _ => false,
    };
    Ok(Some(if evaluating {
        PartyView::OutsideTheEvaluation
    } else {
        PartyView::Everything
    }))
}

/// Whether `actor` may see this event (actor or subject of it, or an overseer).
fn may_see(actor: &Actor, ev: &AuditEventRow) -> bool {
    if is_sealed(ev) {
        return ev.actor_id == actor.id || ev.subject == actor.id;
    }
    is_overseer(actor) || ev.subject == actor.id || ev.actor_id == actor.id
}

/// Bid events: only the bidder reads their bodies (they name the tender; counted, they would
/// tell how many bids it has). The opening event lists every bid in the tender's own chain.
fn is_sealed(ev: &AuditEventRow) -> bool {
    crate::audit::EventType::parse(&ev.event_type).is_some_and(|t| t.is_sealed())
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
