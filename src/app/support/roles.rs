//! Granting a person role, audited: administrators grant roles directly, and admission to the
//! expert library or an award-committee pool brings the role its members act in.

use crate::audit;
use crate::audit::ActorRef;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::identity as repo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::identity::Role;
use crate::error::AppResult;
use chrono::DateTime;
use chrono::Utc;
use serde_json::json;

/// Grants `role` to `person` unless held; records `role_granted` when it was not. Returns
/// whether it was added.
pub fn grant(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    person: &str,
    role: Role,
    by: &ActorRef,
) -> AppResult<bool> {
    let added = repo::grant_role(
        c,
        &repo::RoleGrantRow {
            principal_id: person.into(),
            role: role.as_str().into(),
            granted_by: Some(by.id.clone()),
            granted_at: to_db(now),
        },
    )?;
    if added {
        audit::record(
            c,
            now,
            Event {
                event_type: EventType::RoleGranted,
                tender_id: None,
                section_id: None,
                actor: by.clone(),
                subject: person.into(),
                body: json!({"person": person, "role": role.as_str()}),
            },
        )?;
    }
    Ok(added)
}
