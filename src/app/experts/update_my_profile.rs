//! A member keeps its own contact data and 回避单位 up to date, in every library it belongs to.

use super::*;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::types::to_db;
use serde_json::json;

/// A member replaces its contact data and avoidance list, in every library it belongs to. The
/// avoidance list goes into the audit log (it decides who a draw may pick); contact data does
/// not.
pub async fn update_my_profile(
    ctx: &AppContext,
    actor: &Actor,
    profile: MemberProfile,
) -> AppResult<Vec<Member>> {
    let mut errors = Vec::new();
    check_contact(&profile.phone, &profile.email, &mut errors);
    let avoid = check_avoid_units(&profile.avoid_units, "", &mut errors);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let (actor, now) = (actor.clone(), ctx.clock.now());
    let members = ctx
        .db
        .write(move |c| {
            let rows = repo::of_principal(c, &actor.id)?;
            if rows.is_empty() {
                return Err(AppError::not_found(
                    "you are not a member of the expert library or of an award pool",
                ));
            }
            for mut row in rows.clone() {
                let contact_changed = row.phone != profile.phone || row.email != profile.email;
                row.phone = profile.phone.clone();
                row.email = profile.email.clone();
                row.updated_at = to_db(now);
                repo::update(c, &row)?;
                let mine: Vec<repo::AvoidUnitRow> = avoid
                    .iter()
                    .cloned()
                    .map(|mut a| {
                        a.expert_id = row.id.clone();
                        a
                    })
                    .collect();
                repo::put_avoid_units(c, &row.id, &mine)?;
                let units: Vec<_> = mine
                    .iter()
                    .map(|a| json!({"uscc": a.uscc, "is_working": a.is_working}))
                    .collect();
                audit::record(
                    c,
                    now,
                    Event {
                        event_type: EventType::ExpertProfileUpdated,
                        tender_id: None,
                        section_id: None,
                        actor: actor.audit_ref(),
                        subject: actor.id.clone(),
                        body: json!({"member": row.id, "library": row.library,
                            "avoid_units": units, "contact_changed": contact_changed}),
                    },
                )?;
            }
            let rows = repo::of_principal(c, &actor.id)?;
            Ok(repo::members(c, rows)?)
        })
        .await?;
    members.into_iter().map(member_dto).collect()
}
