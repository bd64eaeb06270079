//! Attach a registered person as staff of an organisation (an agent's staff then act for it). The
//! organisation itself or an administrator may do this; attaching a member again is a no-op.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::identity as repo;
use crate::domain::authz::Permission;
use crate::domain::identity::effective_person_roles;
use crate::domain::identity::PrincipalKind;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::identity::*;
use serde_json::json;

/// Attach a registered person as staff of an organisation (an agent's staff then act for it).
/// The organisation itself or an administrator may do this.
pub async fn attach_staff(
    ctx: &AppContext,
    actor: &Actor,
    org: &str,
    person: &str,
) -> AppResult<Person> {
    actor.require(Permission::ManageStaff)?;
    let is_admin = actor.has(Role::Administrator);
    let is_self = actor.kind == PrincipalKind::Organisation && actor.id == org;
    if !is_admin && !is_self {
        return Err(AppError::forbidden(
            "only the organisation itself or an administrator may manage its staff",
        ));
    }
    let now = ctx.clock.now();
    let by = actor.audit_ref();
    let (org, person) = (org.to_string(), person.to_string());
    ctx.db
        .write(move |c| {
            repo::find_organisation(c, &org)?
                .ok_or_else(|| AppError::not_found("no such organisation"))?;
            let mut row = repo::find_person(c, &person)?
                .ok_or_else(|| AppError::not_found("no such person"))?;
            match row.organisation_id.as_deref() {
                Some(existing) if existing != org => {
                    return Err(AppError::conflict(
                        "this person is staff of another organisation",
                    ));
                }
                // Idempotent, like granting a role: attaching again changes nothing and is
                // not recorded again.
                Some(_) => {}
                None => {
                    repo::set_person_organisation(c, &person, Some(&org))?;
                    row.organisation_id = Some(org.clone());
                    audit::record(
                        c,
                        now,
                        Event {
                            event_type: EventType::StaffAttached,
                            tender_id: None,
                            section_id: None,
                            actor: by,
                            subject: person.clone(),
                            body: json!({"person": person, "organisation": org}),
                        },
                    )?;
                }
            }
            let roles = parse_roles(repo::roles_of(c, &person)?);
            let employer = parse_roles(repo::roles_of(c, &org)?);
            Ok(person_view(
                row,
                effective_person_roles(&roles, Some(&employer)),
            ))
        })
        .await
}
