//! Grant (or with `revoke`, take away) a person role. Administrators only.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::identity as repo;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::identity::*;
use serde_json::json;

/// Grant (or with `revoke`, take away) a person role. Administrators only.
pub async fn set_person_role(
    ctx: &AppContext,
    actor: &Actor,
    person: &str,
    role: Role,
    revoke: bool,
) -> AppResult<Person> {
    actor.require(Permission::ManageRoles)?;
    if !role.is_grantable_to_person() {
        return Err(AppError::field(
            "role",
            "not_grantable",
            format!("{role} cannot be granted to a person"),
        ));
    }
    if revoke && role == Role::Administrator && person == actor.id {
        return Err(AppError::conflict(
            "administrators cannot remove their own administrator role",
        ));
    }
    let now = ctx.clock.now();
    let by = actor.audit_as(Role::Administrator);
    let person = person.to_string();
    ctx.db
        .write(move |c| {
            let row = repo::find_person(c, &person)?
                .ok_or_else(|| AppError::not_found("no such person"))?;
            if revoke {
                if repo::revoke_role(c, &person, role.as_str())? {
                    audit::record(
                        c,
                        now,
                        Event {
                            event_type: EventType::RoleRevoked,
                            tender_id: None,
                            section_id: None,
                            actor: by.clone(),
                            subject: person.clone(),
                            body: json!({"person": person, "role": role.as_str()}),
                        },
                    )?;
                }
            } else {
                grant(c, now, &person, role, &by)?;
            }
            let roles = parse_roles(repo::roles_of(c, &person)?);
            Ok(person_view(row, roles))
        })
        .await
}
