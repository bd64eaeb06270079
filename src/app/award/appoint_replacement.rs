//! `POST …/award/committee/members`: the tenderer or its agent fills an appointed seat that a
//! member left (`member_leaves`) with another member of its pool, who has signed its statement
//! (承诺书) for this award round with no conflict declared, is not on the section's evaluation
//! committee (`evaluator_on_award_committee`) and has not sat on this round's committee before.
//! The roster changes, so the supervising regulator witnesses it again before the committee
//! decides (`award_committee_member_joined`, then `witness_committee`). Drawn seats are filled
//! by the award draw's reserves, never here.

use super::form_committee::refuse_evaluators;
use super::replace_member::require_not_started;
use super::*;
use crate::app::support::award as award_support;
use crate::app::support::award_committee::{joined_event, roster_changed, Joined};
use crate::app::support::tender::load_as_party;
use crate::app::AppContext;
use crate::db::repo::experts as xrepo;
use crate::db::types::to_db;
use crate::domain::award::committee::{Appointment, MemberRole};
use crate::domain::experts::Library;

pub async fn appoint_replacement(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: AppointReplacement,
) -> AppResult<AwardCommittee> {
    let (tender, section, person, actor, now) = (
        tender.to_string(),
        section.to_string(),
        req.person.trim().to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let t = load_as_party(c, &actor, &tender)?;
            let award = award_support::load(c, &t.id, &section)?;
            let round = award.row.award_round;
            require_not_started(c, &award, round)?;
            let mut committee =
                acrepo::committee_of(c, &t.id, &section, round)?.ok_or_else(|| {
                    AppError::new(
                        ErrorCode::InvalidStateTransition,
                        "the award committee is not formed yet",
                    )
                })?;
            let records = acrepo::records(c, &t.id, &section, round)?;
            let Some(mut gone) = records
                .iter()
                .find(|m| {
                    !m.active && m.replaced_by.is_none() && m.how == Appointment::Appointed.as_str()
                })
                .cloned()
            else {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "no appointed seat is empty (a drawn seat is filled by the draw's reserves)",
                ));
            };
            refuse_evaluators(c, &t.id, &section, std::slice::from_ref(&person))?;
            let field = |code: &str, message: &str| AppError::field("person", code, message);
            if records.iter().any(|m| m.person_id == person) {
                return Err(field(
                    "sat_already",
                    "has sat on this round's committee already",
                ));
            }
            let library = Library::AwardPool {
                tenderer: t.tenderer_id.clone(),
            }
            .key();
            if xrepo::find_in(c, &library, &person)?.is_none() {
                return Err(field(
                    "not_in_pool",
                    "not a member of the tenderer's award pool",
                ));
            }
            let Some(k) = acrepo::statements(c, &t.id, &section, round)?
                .into_iter()
                .find(|s| s.person_id == person)
            else {
                return Err(field(
                    "no_statement",
                    "has not signed its statement (承诺书) for this award round",
                ));
            };
            if k.conflict_party.is_some() {
                return Err(field(
                    "conflict_declared",
                    "declared a conflict of interest",
                ));
            }
            let id = uuid::Uuid::now_v7().to_string();
            acrepo::insert_member(
                c,
                &acrepo::MemberRecord {
                    id: id.clone(),
                    tender_id: t.id.clone(),
                    section_code: section.clone(),
                    award_round: round,
                    person_id: person.clone(),
                    member_id: k.member_id.clone(),
                    role: MemberRole::Member.as_str().into(),
                    how: Appointment::Appointed.as_str().into(),
                    draw_id: None,
                    draw_rank: None,
                    statement_sha256: k.statement_sha256.clone(),
                    signature: k.signature.clone(),
                    signature_algorithm: k.signature_algorithm.clone(),
                    signer_fingerprint: k.signer_fingerprint.clone(),
                    active: true,
                    joined_at: to_db(now),
                    left_at: None,
                    left_reason: None,
                    replaced_by: None,
                },
            )?;
            gone.replaced_by = Some(id);
            acrepo::update_member(c, &gone)?;
            let roster = roster_changed(c, &mut committee)?;
            let joined = Joined {
                person: &person,
                member: &k.member_id,
                how: Appointment::Appointed,
                draw: None,
                replaces: &gone.person_id,
                statement: &k,
            };
            joined_event(c, now, actor.audit_ref(), &committee, &roster, &joined)?;
            committee_dto(c, &committee, award.section.award_committee_rule())
        })
        .await
}
