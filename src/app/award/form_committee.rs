//! `POST …/sections/{section}/award/committee`: the tenderer or its agent forms the section's
//! award committee (定标委员会) at the award stage `committee`: the award draw's checked-in
//! members (as many as the tender's composition draws) and the members of its pool it
//! appoints, each with a signed statement for this round and no declared conflict, one of them
//! the chair. An odd number, at least 5, exactly the tender's composition — refused with
//! `committee_composition_invalid`, each broken rule in `errors[].code`; a member of the
//! section's evaluation committee is refused with `evaluator_on_award_committee` (评定分离: who
//! evaluates does not decide). The committee decides
//! once a supervising regulator has witnessed it (`witness_committee`).

use super::*;
use crate::app::support::award as award_support;
use crate::app::support::publicity::{self, Change};
use crate::app::support::tender::load_as_party;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::draws as drepo;
use crate::db::repo::experts as xrepo;
use crate::db::types::to_db;
use crate::domain::award::committee::{
    check_composition, roster_digest, Appointment, MemberRole, RosterEntry,
};
use crate::domain::draw::{DrawState, Purpose, Seat};
use crate::domain::experts::Library;
use crate::error::FieldError;
use serde_json::json;

/// A member about to be seated.
struct Seated {
    person: String,
    member: String,
    how: Appointment,
    draw: Option<(String, i32)>,
    statement_sha256: String,
    signature: String,
    signature_algorithm: String,
    signer: String,
    certificate: String,
}

pub async fn form_committee(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: FormAwardCommitteeRequest,
) -> AppResult<AwardCommittee> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let t = load_as_party(c, &actor, &tender)?;
            let award = award_support::load(c, &t.id, &section)?;
            require_stage(award.stage, AwardStage::Committee, "forming the committee")?;
            let round = award.row.award_round;
            if acrepo::committee_of(c, &t.id, &section, round)?.is_some() {
                return Err(AppError::conflict(
                    "this award round's committee is formed already",
                ));
            }
            let rule = award.section.award_committee_rule();
            let (draw_id, drawn) = if rule.drawn() > 0 {
                drawn_members(c, &t.id, &section, round)?
            } else {
                (None, Vec::new())
            };
            refuse_evaluators(c, &t.id, &section, &req.appointed)?;
            let appointed = appointed_members(c, &t, &section, round, &req.appointed, &drawn)?;
            check_composition(&rule, drawn.len(), appointed.len()).map_err(|rules| {
                let mut e = AppError::new(
                    ErrorCode::CommitteeCompositionInvalid,
                    "the award committee does not follow the tender's composition",
                );
                e.errors = rules
                    .into_iter()
                    .map(|r| FieldError::new("committee", r.code, r.message))
                    .collect();
                e
            })?;
            let seated: Vec<Seated> = drawn.into_iter().chain(appointed).collect();
            if !seated.iter().any(|s| s.person == req.chair) {
                return Err(AppError::field(
                    "chair",
                    "not_a_member",
                    "the chair is one of the committee's members",
                ));
            }
            let roster: Vec<RosterEntry> = seated
                .iter()
                .map(|s| RosterEntry {
                    person: s.person.clone(),
                    role: role_of(s, &req.chair),
                    how: s.how,
                    statement_sha256: s.statement_sha256.clone(),
                })
                .collect();
            let digest = roster_digest(&t.id, &section, round_u32(round)?, &roster);
            let row = acrepo::CommitteeRow {
                tender_id: t.id.clone(),
                section_code: section.clone(),
                award_round: round,
                draw_id,
                size: i32::from(rule.size),
                drawn: i32::from(rule.drawn()),
                formed_by: actor.id.clone(),
                formed_at: to_db(now),
                roster_sha256: hex::encode(digest),
                witness_id: None,
                witness_signature: None,
                witness_algorithm: None,
                witness_fingerprint: None,
                witness_certificate: None,
                witnessed_at: None,
            };
            acrepo::insert_committee(c, &row).map_err(|e| {
                if idrepo::is_unique_violation(&e) {
                    AppError::conflict("this award round's committee is formed already")
                } else {
                    e.into()
                }
            })?;
            for s in &seated {
                acrepo::insert_member(c, &record_of(s, &row, &req.chair, now))?;
            }
            let listed: Vec<serde_json::Value> = seated
                .iter()
                .map(|s| {
                    json!({"person": s.person, "member": s.member, "how": s.how,
                        "role": role_of(s, &req.chair), "draw_rank": s.draw.as_ref().map(|d| d.1),
                        "statement_sha256": s.statement_sha256, "signature": s.signature,
                        "signature_algorithm": s.signature_algorithm,
                        "certificate": s.certificate})
                })
                .collect();
            let pool = Library::AwardPool {
                tenderer: t.tenderer_id.clone(),
            }
            .key();
            let body = json!({"tender": t.id, "section": section, "award_round": round,
                "size": rule.size, "drawn": rule.drawn(), "draw": row.draw_id, "pool": pool,
                "roster_sha256": row.roster_sha256, "chair": req.chair, "members": listed});
            let change = Change::new(actor.audit_ref(), EventType::AwardCommitteeFormed, body)
                .in_section(&section);
            publicity::event(c, now, &t.id, change)?;
            committee_dto(c, &row, rule)
        })
        .await
}

fn role_of(s: &Seated, chair: &str) -> MemberRole {
    if s.person == chair {
        MemberRole::Chair
    } else {
        MemberRole::Member
    }
}

fn record_of(
    s: &Seated,
    row: &acrepo::CommitteeRow,
    chair: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> acrepo::MemberRecord {
    acrepo::MemberRecord {
        id: uuid::Uuid::now_v7().to_string(),
        tender_id: row.tender_id.clone(),
        section_code: row.section_code.clone(),
        award_round: row.award_round,
        person_id: s.person.clone(),
        member_id: s.member.clone(),
        role: role_of(s, chair).as_str().into(),
        how: s.how.as_str().into(),
        draw_id: s.draw.as_ref().map(|d| d.0.clone()),
        draw_rank: s.draw.as_ref().map(|d| d.1),
        statement_sha256: s.statement_sha256.clone(),
        signature: s.signature.clone(),
        signature_algorithm: s.signature_algorithm.clone(),
        signer_fingerprint: s.signer.clone(),
        active: true,
        joined_at: to_db(now),
        left_at: None,
        left_reason: None,
        replaced_by: None,
    }
}

/// The members the tender's award draw seated and who checked in, signing the award pledge:
/// the section's newest award draw must be made and every drawn seat checked in.
fn drawn_members(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    round: i32,
) -> AppResult<(Option<String>, Vec<Seated>)> {
    let not_yet = || {
        AppError::new(
            ErrorCode::InvalidStateTransition,
            "the award committee's drawn members are not drawn and checked in yet",
        )
    };
    let draw = drepo::of_section(c, tender, section, Purpose::AwardCommittee.as_str())?
        .into_iter()
        .next_back()
        .ok_or_else(not_yet)?;
    if !matches!(
        draw.state().map_err(internal)?,
        DrawState::Drawn | DrawState::Revealed
    ) {
        return Err(not_yet());
    }
    let seats = drepo::seats(c, &draw.id)?;
    if !crate::app::support::seats::complete(&draw, &seats)? {
        return Err(AppError::new(
            ErrorCode::InvalidStateTransition,
            "not every drawn member has checked in yet (reserves may still be coming)",
        ));
    }
    let statements = acrepo::statements(c, tender, section, round)?;
    let mut out = Vec::new();
    for seat in seats {
        if seat.seat().map_err(internal)? != Seat::CheckedIn {
            continue;
        }
        // Its check-in signed the award pledge, kept with the round's statements.
        let k = statements
            .iter()
            .find(|s| s.person_id == seat.principal_id && s.member_id == seat.expert_id)
            .ok_or_else(not_yet)?;
        out.push(Seated {
            person: seat.principal_id.clone(),
            member: seat.expert_id.clone(),
            how: Appointment::Drawn,
            draw: Some((draw.id.clone(), seat.rank)),
            statement_sha256: k.statement_sha256.clone(),
            signature: k.signature.clone(),
            signature_algorithm: k.signature_algorithm.clone(),
            signer: k.signer_fingerprint.clone(),
            certificate: k.certificate.clone(),
        });
    }
    Ok((Some(draw.id), out))
}

/// 评定分离: a member of the section's evaluation committee is never appointed to its award
/// committee (`evaluator_on_award_committee`, naming each in `errors[]`). The award draw
/// leaves them out of its eligible list already.
pub(super) fn refuse_evaluators(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    named: &[String],
) -> AppResult<()> {
    let evaluators = crate::app::support::award_committee::evaluators(c, tender, section)?;
    let errors: Vec<FieldError> = named
        .iter()
        .enumerate()
        .filter(|(_, p)| evaluators.contains(*p))
        .map(|(i, _)| {
            FieldError::new(
                &format!("appointed[{i}]"),
                "evaluator",
                "sits on this section's evaluation committee".to_string(),
            )
        })
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    let mut e = AppError::new(
        ErrorCode::EvaluatorOnAwardCommittee,
        "a member of the section's evaluation committee does not sit on its award committee \
         (评定分离)",
    );
    e.errors = errors;
    Err(e)
}

/// The persons the tenderer appoints, each checked: named once, in its pool, with a signed
/// statement for this round declaring no conflict, not drawn already.
fn appointed_members(
    c: &mut AnyConnection,
    t: &trepo::TenderRow,
    section: &str,
    round: i32,
    named: &[String],
    drawn: &[Seated],
) -> AppResult<Vec<Seated>> {
    let library = Library::AwardPool {
        tenderer: t.tenderer_id.clone(),
    }
    .key();
    let statements = acrepo::statements(c, &t.id, section, round)?;
    let mut problems = Vec::new();
    let mut out: Vec<Seated> = Vec::new();
    for (i, p) in named.iter().enumerate() {
        let field = format!("appointed[{i}]");
        let mut refuse = |code: &str, message: &str| {
            problems.push(FieldError::new(&field, code, message.to_string()));
        };
        if out.iter().any(|s| &s.person == p) {
            refuse("duplicate", "named twice");
            continue;
        }
        if drawn.iter().any(|s| &s.person == p) {
            refuse("drawn_member", "drawn already; a member sits once");
            continue;
        }
        if xrepo::find_in(c, &library, p)?.is_none() {
            refuse("not_in_pool", "not a member of the tenderer's award pool");
            continue;
        }
        let Some(s) = statements.iter().find(|s| &s.person_id == p) else {
            refuse(
                "no_statement",
                "has not signed its statement (承诺书) for this award round",
            );
            continue;
        };
        if s.conflict_party.is_some() {
            refuse("conflict_declared", "declared a conflict of interest");
            continue;
        }
        out.push(Seated {
            person: p.clone(),
            member: s.member_id.clone(),
            how: Appointment::Appointed,
            draw: None,
            statement_sha256: s.statement_sha256.clone(),
            signature: s.signature.clone(),
            signature_algorithm: s.signature_algorithm.clone(),
            signer: s.signer_fingerprint.clone(),
            certificate: s.certificate.clone(),
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(AppError::validation(problems))
    }
}
