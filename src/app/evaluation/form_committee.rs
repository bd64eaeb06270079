//! `POST …/sections/{section}/committee`: the tenderer or its agent forms the section's
//! evaluation committee once the tender is evaluating (after the opening) and the section's
//! drawn experts are revealed and all checked in: every checked-in expert, plus the tenderer's
//! representatives it names (persons on the tenderer's own staff). 招标投标法37: at least 5
//! (or the section's larger minimum), an odd number, experts at least two thirds — refused
//! with `committee_composition_invalid`, each broken rule in `errors[].code`.

use super::*;
use crate::app::support::seats;
use crate::app::support::tender::{load_as_party, state_of};
use crate::app::{Actor, AppContext};
use crate::db::repo::draws as drepo;
use crate::domain::draw::{DrawState, Purpose, Seat};
use crate::domain::evaluation::committee::{MemberKind, MIN_MEMBERS};
use crate::domain::lifecycle::StateKind;
use crate::error::{ErrorCode, FieldError};

pub async fn form_committee(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: FormCommitteeRequest,
) -> AppResult<EvaluationCommittee> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let t = load_as_party(c, &actor, &tender)?;
            if state_of(&t)?.kind() != StateKind::Evaluating {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the committee is formed after the opening, while the tender is evaluating",
                ));
            }
            let draw = drepo::of_section(c, &t.id, &section, Purpose::EvaluationExperts.as_str())?
                .into_iter()
                .rev()
                .find(|d| d.state == DrawState::Revealed.as_str())
                .ok_or_else(|| {
                    AppError::new(
                        ErrorCode::InvalidStateTransition,
                        "the section's experts are not drawn and revealed yet",
                    )
                })?;
            let seat_rows = drepo::seats(c, &draw.id)?;
            if !seats::complete(&draw, &seat_rows)? {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "not every drawn seat is checked in yet (reserves may still be coming)",
                ));
            }
            if crepo::lock_of_section(c, &t.id, &section)?.is_some() {
                return Err(AppError::conflict(
                    "this section's committee is formed already",
                ));
            }
            let mut problems = Vec::new();
            let mut representatives: Vec<String> = Vec::new();
            for (i, p) in req.representatives.iter().enumerate() {
                let field = format!("representatives[{i}]");
                if representatives.contains(p) {
                    problems.push(FieldError::new(&field, "duplicate", "named twice"));
                    continue;
                }
                let staff = idrepo::find_person(c, p)?.is_some_and(|person| {
                    person.organisation_id.as_deref() == Some(&t.tenderer_id)
                });
                if !staff {
                    problems.push(FieldError::new(
                        &field,
                        "not_tenderer_staff",
                        "not a person on the tenderer's staff",
                    ));
                    continue;
                }
                if seat_rows.iter().any(|s| &s.principal_id == p) {
                    problems.push(FieldError::new(
                        &field,
                        "drawn_expert",
                        "a drawn expert cannot also represent the tenderer",
                    ));
                    continue;
                }
                representatives.push(p.clone());
            }
            if !problems.is_empty() {
                return Err(AppError::validation(problems));
            }
            let mut experts = Vec::new();
            for s in &seat_rows {
                if s.seat().map_err(internal)? == Seat::CheckedIn {
                    experts.push(s);
                }
            }
            let min = MIN_MEMBERS;
            rules::check_composition(experts.len(), representatives.len(), min)
                .map_err(crate::app::support::errors::evaluation_error)?;
            let mut row = crepo::CommitteeRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: t.id.clone(),
                section_code: section.clone(),
                draw_id: draw.id.clone(),
                state: String::new(),
                leader_member_id: None,
                formed_by: actor.id.clone(),
                formed_at: to_db(now),
                min_members: i32::try_from(min).unwrap_or(i32::MAX),
                extension_required_at: None,
                extended_until: None,
            };
            row.set_state(CommitteeState::Forming);
            crepo::insert(c, &row).map_err(|e| {
                if idrepo::is_unique_violation(&e) {
                    AppError::conflict("this section's committee is formed already")
                } else {
                    e.into()
                }
            })?;
            let member = |principal: &str, kind: MemberKind, seat: Option<&drepo::SeatRow>| {
                crepo::MemberRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    committee_id: row.id.clone(),
                    principal_id: principal.to_string(),
                    kind: kind.as_str().into(),
                    expert_id: seat.map(|s| s.expert_id.clone()),
                    specialty: seat.map(|s| s.group_code.clone()),
                    active: true,
                    joined_at: to_db(now),
                    left_at: None,
                    left_reason: None,
                    left_note: None,
                    replaced_by: None,
                    leader_vote: None,
                }
            };
            let mut members = Vec::new();
            for s in &experts {
                members.push(member(&s.principal_id, MemberKind::Expert, Some(s)));
            }
            for p in &representatives {
                members.push(member(p, MemberKind::Representative, None));
            }
            for m in &members {
                crepo::insert_member(c, m)?;
            }
            let listed: Vec<serde_json::Value> = members
                .iter()
                .map(|m| {
                    json!({"member": m.id, "person": m.principal_id, "kind": m.kind,
                        "expert": m.expert_id, "specialty": m.specialty})
                })
                .collect();
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::CommitteeFormed,
                    tender_id: Some(t.id.clone()),
                    section_id: Some(section.clone()),
                    actor: actor.audit_ref(),
                    subject: row.id.clone(),
                    body: json!({"committee": row.id, "draw": draw.id,
                        "min_members": min, "experts": experts.len(),
                        "representatives": representatives.len(), "members": listed}),
                },
            )?;
            let members = crepo::members(c, &row.id)?;
            committee_dto(c, &row, &members)
        })
        .await
}
