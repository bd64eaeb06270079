//! `POST …/committee/representatives`: the tenderer or its agent names a person of the
//! tenderer's staff in the place of a representative who left (条例48 replaces members; an
//! expert's seat goes to the draw's reserves, a representative's is the tenderer's to fill). The
//! new member joins at once (`committee_member_joined` with `replaces`) and evaluates afresh:
//! every stage waits for its sheets, as for a reserve expert.

use super::*;
use crate::app::support::tender::load_as_party;
use crate::app::{Actor, AppContext};
use crate::db::repo::draws as drepo;
use crate::domain::evaluation::committee::MemberKind;
use crate::error::ErrorCode;

pub async fn replace_representative(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: ReplaceRepresentativeRequest,
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
            let row = crepo::lock_of_section(c, &t.id, &section)?.ok_or_else(no_committee)?;
            if !matches!(
                row.state().map_err(internal)?,
                CommitteeState::Forming | CommitteeState::Evaluating
            ) {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "members are replaced while the committee evaluates, not once it reports",
                ));
            }
            let members = crepo::members(c, &row.id)?;
            let Some(mut gone) = members.iter().find(|m| m.id == req.replaces).cloned() else {
                return Err(AppError::field(
                    "replaces",
                    "not_a_member",
                    "no such member of this committee",
                ));
            };
            if gone.active
                || gone.replaced_by.is_some()
                || gone.kind().map_err(internal)? != MemberKind::Representative
            {
                return Err(AppError::field(
                    "replaces",
                    "not_replaceable",
                    "only a representative who left, and has no successor, is replaced",
                ));
            }
            let staff = idrepo::find_person(c, &req.person_id)?
                .is_some_and(|p| p.organisation_id.as_deref() == Some(&t.tenderer_id));
            if !staff {
                return Err(AppError::field(
                    "person_id",
                    "not_tenderer_staff",
                    "not a person on the tenderer's staff",
                ));
            }
            let drawn = drepo::seats(c, &row.draw_id)?
                .iter()
                .any(|s| s.principal_id == req.person_id);
            if drawn || members.iter().any(|m| m.principal_id == req.person_id) {
                return Err(AppError::field(
                    "person_id",
                    "already_involved",
                    "a drawn expert or a present or past member cannot represent the tenderer",
                ));
            }
            let id = uuid::Uuid::now_v7().to_string();
            crepo::insert_member(
                c,
                &crepo::MemberRow {
                    id: id.clone(),
                    committee_id: row.id.clone(),
                    principal_id: req.person_id.clone(),
                    kind: MemberKind::Representative.as_str().into(),
                    expert_id: None,
                    specialty: None,
                    active: true,
                    joined_at: to_db(now),
                    left_at: None,
                    left_reason: None,
                    left_note: None,
                    replaced_by: None,
                    leader_vote: None,
                },
            )?;
            gone.replaced_by = Some(id.clone());
            crepo::update_member(c, &gone)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::CommitteeMemberJoined,
                    tender_id: Some(row.tender_id.clone()),
                    section_id: Some(row.section_code.clone()),
                    actor: actor.audit_ref(),
                    subject: row.id.clone(),
                    body: json!({"committee": row.id, "member": id, "person": req.person_id,
                        "kind": MemberKind::Representative.as_str(), "replaces": gone.id}),
                },
            )?;
            let members = crepo::members(c, &row.id)?;
            committee_dto(c, &row, &members)
        })
        .await
}
