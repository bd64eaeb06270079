//! The trading centre decides an organisation's roles: an administrator grants a role (requested
//! at registration or not) after review, or refuses a request / revokes a grant. Audited either
//! way; until granted, the organisation acts in no such role.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::identity as repo;
use crate::db::repo::parties as prepo;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::identity::*;
use serde_json::json;

/// Grant (`revoke == false`) or refuse/revoke an organisation role. Administrators only.
pub async fn set_organisation_role(
    ctx: &AppContext,
    actor: &Actor,
    org: &str,
    role: Role,
    revoke: bool,
) -> AppResult<Organisation> {
    actor.require(Permission::ManageRoles)?;
    if !role.is_organisation_role() {
        return Err(AppError::field(
            "role",
            "not_an_organisation_role",
            format!("{role} is not an organisation role"),
        ));
    }
    let now = ctx.clock.now();
    let by = actor.audit_as(Role::Administrator);
    let org = org.to_string();
    ctx.db
        .write(move |c| {
            let row = repo::find_organisation(c, &org)?
                .ok_or_else(|| AppError::not_found("no such organisation"))?;
            let was_requested = prepo::remove_role_request(c, &org, role.as_str())?;
            let changed = if revoke {
                repo::revoke_role(c, &org, role.as_str())? || was_requested
            } else {
                repo::grant_role(
                    c,
                    &repo::RoleGrantRow {
                        principal_id: org.clone(),
                        role: role.as_str().into(),
                        granted_by: Some(by.id.clone()),
                        granted_at: to_db(now),
                    },
                )?
            };
            if changed {
                let event_type = if revoke {
                    EventType::RoleRevoked
                } else {
                    EventType::RoleGranted
                };
                let body = json!({"organisation": org, "role": role.as_str(),
                    "requested": was_requested});
                audit::record(
                    c,
                    now,
                    Event {
                        event_type,
                        tender_id: None,
                        section_id: None,
                        actor: by.clone(),
                        subject: org.clone(),
                        body,
                    },
                )?;
            }
            let roles = parse_roles(repo::roles_of(c, &org)?);
            let requested = parse_roles(prepo::requested_roles_of(c, &org)?);
            Ok(organisation_view(row, roles, requested))
        })
        .await
}
