//! Invite a registered person to be staff of an organisation (an agent's staff then act for
//! it). The organisation itself or an administrator invites; the person is attached only when
//! they accept (`accept_staff`). Inviting a member, or inviting again, changes nothing.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::identity as repo;
use crate::db::repo::parties as prepo;
use crate::domain::authz::Permission;
use crate::domain::identity::effective_person_roles;
use crate::domain::identity::PrincipalKind;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::identity::*;
use serde_json::json;

/// The organisation itself or an administrator; others are refused.
pub(super) fn require_org_manager(actor: &Actor, org: &str) -> AppResult<()> {
    actor.require(Permission::ManageStaff)?;
    let is_admin = actor.has(Role::Administrator);
    let is_self = actor.kind == PrincipalKind::Organisation && actor.id == org;
    if !is_admin && !is_self {
        return Err(AppError::forbidden(
            "only the organisation itself or an administrator may manage its staff",
        ));
    }
    Ok(())
}

/// Invite a registered person as staff of an organisation; returns the person as they are
/// (not yet attached).
pub async fn attach_staff(
    ctx: &AppContext,
    actor: &Actor,
    org: &str,
    person: &str,
) -> AppResult<Person> {
    require_org_manager(actor, org)?;
    let now = ctx.clock.now();
    let by = actor.audit_ref();
    let (org, person) = (org.to_string(), person.to_string());
    ctx.db
        .write(move |c| {
            repo::find_organisation(c, &org)?
                .ok_or_else(|| AppError::not_found("no such organisation"))?;
            let row = repo::find_person(c, &person)?
                .ok_or_else(|| AppError::not_found("no such person"))?;
            match row.organisation_id.as_deref() {
                Some(existing) if existing != org => {
                    return Err(AppError::conflict(
                        "this person is staff of another organisation",
                    ));
                }
                Some(_) => {}
                None => {
                    let invitation = prepo::StaffInvitationRow {
                        person_id: person.clone(),
                        organisation_id: org.clone(),
                        invited_by: by.id.clone(),
                        invited_at: to_db(now),
                    };
                    if prepo::insert_invitation(c, &invitation)? {
                        audit::record(
                            c,
                            now,
                            Event {
                                event_type: EventType::StaffInvited,
                                tender_id: None,
                                section_id: None,
                                actor: by,
                                subject: person.clone(),
                                body: json!({"person": person, "organisation": org}),
                            },
                        )?;
                    }
                }
            }
            staff_view(c, row)
        })
        .await
}

/// A person with their effective roles (their employer's, if any, decide `agent_staff`).
pub(super) fn staff_view(c: &mut AnyConnection, row: repo::PersonRow) -> AppResult<Person> {
    let roles = parse_roles(repo::roles_of(c, &row.id)?);
    let employer = match &row.organisation_id {
        Some(org) => Some(parse_roles(repo::roles_of(c, org)?)),
        None => None,
    };
    Ok(person_view(
        row,
        effective_person_roles(&roles, employer.as_ref()),
    ))
}
