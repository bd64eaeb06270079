//! Detach a person from an organisation (or withdraw a pending invitation): the organisation
//! itself, an administrator, or the person. From the commit on the person acts for it no more.

use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::identity as repo;
use crate::db::repo::parties as prepo;
use crate::domain::identity::PrincipalKind;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::identity::*;
use serde_json::json;

/// Detach `person` from `org`. Idempotent: when they are neither staff nor invited, nothing
/// changes and nothing is recorded.
pub async fn detach_staff(
    ctx: &AppContext,
    actor: &Actor,
    org: &str,
    person: &str,
) -> AppResult<Person> {
    let is_person = actor.kind == PrincipalKind::Person && actor.id == person;
    if !is_person {
        super::attach_staff::require_org_manager(actor, org)?;
    }
    let now = ctx.clock.now();
    let by = actor.audit_ref();
    let (org, person) = (org.to_string(), person.to_string());
    ctx.db
        .write(move |c| {
            let mut row = repo::find_person(c, &person)?
                .ok_or_else(|| AppError::not_found("no such person"))?;
            let member = row.organisation_id.as_deref() == Some(org.as_str());
            if member {
                repo::set_person_organisation(c, &person, None)?;
                row.organisation_id = None;
            }
            let invited = prepo::remove_invitation(c, &person, &org)?;
            if !member && !invited {
                return super::attach_staff::staff_view(c, row);
            }
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::StaffDetached,
                    tender_id: None,
                    section_id: None,
                    actor: by,
                    subject: person.clone(),
                    body: json!({"person": person, "organisation": org, "was_member": member}),
                },
            )?;
            super::attach_staff::staff_view(c, row)
        })
        .await
}
