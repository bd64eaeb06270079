//! Loading and locking a tender, deciding who runs it, and reading or moving its lifecycle
//! state — the one copy every stage uses.

use crate::app::support::json::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::identity as idrepo;
use crate::db::repo::parties as prepo;
use crate::db::repo::tenders as repo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::authz::Permission;
use crate::domain::identity::PrincipalKind;
use crate::domain::identity::Role;
use crate::domain::lifecycle::{State, StateKind};
use crate::domain::tender::ProcedureRules;
use crate::domain::tender::ProcedureRulesTable;
use crate::domain::tender::TenderDraft;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::tenders::*;
use chrono::DateTime;
use chrono::Utc;

pub fn rules_for(table: &ProcedureRulesTable, draft: &TenderDraft) -> ProcedureRules {
    table.get(draft.procedure).clone()
}

/// Whether `actor` runs this tender: its tenderer; its agent, or the agent's staff, while the
/// tenderer's entrustment for it stands (a revoked one stops them at once).
pub fn is_party(c: &mut AnyConnection, actor: &Actor, row: &repo::TenderRow) -> AppResult<bool> {
    let org = actor.organisation_id.as_deref();
    let acting_org = match actor.kind {
        PrincipalKind::Organisation => org,
        PrincipalKind::Person if actor.has(Role::AgentStaff) => org,
        PrincipalKind::Person => None,
    };
    let Some(o) = acting_org else {
        return Ok(false);
    };
    if o == row.tenderer_id {
        return Ok(true);
    }
    if Some(o) == row.agent_id.as_deref() {
        return agent_entrusted(c, row);
    }
    Ok(false)
}

/// Whether the tender's agent holds a live entrustment for it.
pub fn agent_entrusted(c: &mut AnyConnection, row: &repo::TenderRow) -> AppResult<bool> {
    let Some(agent) = row.agent_id.as_deref() else {
        return Ok(false);
    };
    Ok(prepo::entrustment_of_tender(c, &row.id)?
        .is_some_and(|e| e.agent_id == agent && e.revoked_at.is_none()))
}

/// The tender's own tenderer and agent never bid on it (nor, as organisations act through
/// them, their staff): refused with `conflict_of_interest` at bid start and at submission.
pub fn require_not_party(row: &repo::TenderRow, bidder_org: &str) -> AppResult<()> {
    if bidder_org == row.tenderer_id || Some(bidder_org) == row.agent_id.as_deref() {
        return Err(AppError::new(
            ErrorCode::ConflictOfInterest,
            "the tender's own tenderer and agent may not bid on it",
        ));
    }
    Ok(())
}

/// Whether `actor` runs this tender (its tenderer, its agent, or the agent's staff).
pub async fn is_party_of(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<bool> {
    if actor.require(Permission::ManageTenders).is_err() {
        return Ok(false);
    }
    let (id, actor) = (id.to_string(), actor.clone());
    ctx.db
        .read_primary(move |c| match repo::find_tender(c, &id)? {
            Some(r) => is_party(c, &actor, &r),
            None => Ok(false),
        })
        .await
}

/// Load a tender the caller runs; others learn nothing (404), not even that it exists.
pub fn load_as_party(c: &mut AnyConnection, actor: &Actor, id: &str) -> AppResult<repo::TenderRow> {
    actor.require(Permission::ManageTenders).map_err(|_| {
        AppError::forbidden("only the tenderer, its agent and the agent's staff run a tender")
    })?;
    let row = repo::lock_tender(c, id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
    if !is_party(c, actor, &row)? {
        return Err(AppError::not_found("no such tender"));
    }
    Ok(row)
}

/// Load a public (ever published) tender.
pub fn load_public(c: &mut AnyConnection, id: &str) -> AppResult<repo::TenderRow> {
    match repo::lock_tender(c, id)? {
        Some(row) if row.version > 0 => Ok(row),
        _ => Err(AppError::not_found("no such tender")),
    }
}

pub fn party_of(c: &mut AnyConnection, org: &str) -> AppResult<Party> {
    let o = idrepo::find_organisation(c, org)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("organisation {org} vanished")))?;
    Ok(Party {
        id: o.id,
        name: o.name,
        uscc: o.uscc,
    })
}

pub fn state_of(row: &repo::TenderRow) -> AppResult<State> {
    parse_json(&row.state_detail, "state")
}

pub fn set_state(row: &mut repo::TenderRow, state: &State, now: DateTime<Utc>) -> AppResult<()> {
    row.state = state.kind().as_str().to_string();
    row.state_detail = to_json(state)?;
    row.updated_at = to_db(now);
    Ok(())
}

pub fn published_draft(c: &mut AnyConnection, row: &repo::TenderRow) -> AppResult<TenderDraft> {
    let v = repo::latest_version(c, &row.id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("published tender without version")))?;
    parse_json(&v.published_draft, "published draft")
}

/// A tender as `actor` (anonymous: `None`) may see it, and whether the caller runs it: drafts
/// exist only for their parties (others get 404, so a draft's existence is not revealed).
pub fn load_visible(
    c: &mut AnyConnection,
    actor: Option<&Actor>,
    id: &str,
) -> AppResult<(repo::TenderRow, bool)> {
    let row = repo::find_tender(c, id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
    let party = match actor {
        Some(a) if a.require(Permission::ManageTenders).is_ok() => is_party(c, a, &row)?,
        _ => false,
    };
    if row.version == 0 && !party {
        return Err(AppError::not_found("no such tender"));
    }
    Ok((row, party))
}

/// Refuse unless the tender's working copy and documents may still change (draft, published,
/// suspended); `what` completes "a closed tender … " in the refusal.
pub fn require_editable(row: &repo::TenderRow, what: &str) -> AppResult<()> {
    let kind = state_of(row)?.kind();
    if matches!(
        kind,
        StateKind::Draft | StateKind::Published | StateKind::Suspended
    ) {
        return Ok(());
    }
    Err(AppError::new(
        ErrorCode::InvalidStateTransition,
        format!("{what} a {} tender", kind.as_str()),
    ))
}
