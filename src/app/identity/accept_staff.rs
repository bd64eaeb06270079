//! A person accepts an organisation's invitation and becomes its staff: nobody is made to act
//! for an organisation without their own consent.

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

/// Accept the pending invitation of `org` for the calling person `person`.
pub async fn accept_staff(
    ctx: &AppContext,
    actor: &Actor,
    org: &str,
    person: &str,
) -> AppResult<Person> {
    if actor.kind != PrincipalKind::Person || actor.id != person {
        return Err(AppError::forbidden("only the invited person may accept"));
    }
    let now = ctx.clock.now();
    let by = actor.audit_ref();
    let (org, person) = (org.to_string(), person.to_string());
    ctx.db
        .write(move |c| {
            let mut row = repo::find_person(c, &person)?
                .ok_or_else(|| AppError::not_found("no such person"))?;
            if prepo::find_invitation(c, &person, &org)?.is_none() {
                return Err(AppError::not_found("no such invitation"));
            }
            if row.organisation_id.is_some() {
                return Err(AppError::conflict(
                    "you are staff of an organisation already; leave it first",
                ));
            }
            prepo::remove_invitation(c, &person, &org)?;
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
            super::attach_staff::staff_view(c, row)
        })
        .await
}
