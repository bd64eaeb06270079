//! `POST …/committee/deviation-flags/{flag}/reason`: the flagged member gives its written
//! reason for a 偏离度 flag, signed over `deviation::reason_statement` with its personal
//! certificate (`deviation_reason_filed`). One reason per flag; the score itself stands.

use super::*;
use crate::app::support::signing::{require_person, verify_statement, Signed, Signing};
use crate::app::{Actor, AppContext};
use crate::db::repo::sheets as srepo;
use crate::domain::evaluation::deviation::{reason_statement, DeviationFlag as Flag};
use crate::domain::evaluation::sheet::SheetOf;
use crate::error::ErrorCode;

/// Longest reason, in characters.
const REASON_MAX: usize = 2000;

pub async fn file_deviation_reason(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    flag: &str,
    reason: String,
    signed: Signed,
) -> AppResult<DeviationFlag> {
    if reason.trim().is_empty() || reason.chars().count() > REASON_MAX {
        return Err(AppError::field(
            "reason",
            "length",
            format!("say why in 1–{REASON_MAX} characters"),
        ));
    }
    let (tender, section, flag, actor, now) = (
        tender.to_string(),
        section.to_string(),
        flag.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let signing = Signing::of(ctx);
    ctx.db
        .write(move |c| {
            let row = crepo::lock_of_section(c, &tender, &section)?.ok_or_else(no_committee)?;
            let members = crepo::members(c, &row.id)?;
            let Some(me) = active_member_of(&members, &actor.id).cloned() else {
                return Err(no_committee());
            };
            let f = srepo::find_flag(c, &flag)?
                .filter(|f| f.committee_id == row.id)
                .ok_or_else(|| AppError::not_found("no such flag"))?;
            if f.member_id != me.id {
                return Err(AppError::forbidden(
                    "only the flagged member gives the reason",
                ));
            }
            let known = srepo::flags_with_reasons(c, &row.id)?;
            let Some((_, filed)) = known.iter().find(|(k, _)| k.id == f.id) else {
                return Err(AppError::not_found("no such flag"));
            };
            if filed.is_some() {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "the reason for this flag is filed already",
                ));
            }
            let domain_flag = Flag {
                member: actor.id.clone(),
                bid: f.bid_id.clone(),
                criterion: f.criterion.clone(),
                score: f.score.parse().map_err(internal)?,
                others_mean: f.others_mean.parse().map_err(internal)?,
            };
            let of = SheetOf {
                committee: &row.id,
                tender: &row.tender_id,
                section: &row.section_code,
                member: &actor.id,
            };
            let statement = reason_statement(&of, &domain_flag, &reason);
            let person = idrepo::find_person(c, &actor.id)?
                .ok_or_else(|| AppError::forbidden("members sign in person"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statement,
                &signed.signature,
                "deviation reason",
            )?;
            let b64 = &base64::engine::general_purpose::STANDARD;
            let r = srepo::ReasonRow {
                flag_id: f.id.clone(),
                committee_id: row.id.clone(),
                member_id: me.id.clone(),
                bid_id: f.bid_id.clone(),
                criterion: f.criterion.clone(),
                reason: reason.clone(),
                signature: base64::Engine::encode(b64, &signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().into(),
                signer_fingerprint: cert.fingerprint_sha256.clone(),
                filed_at: to_db(now),
            };
            srepo::insert_reason(c, &r)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::DeviationReasonFiled,
                    tender_id: Some(row.tender_id.clone()),
                    section_id: Some(row.section_code.clone()),
                    actor: crate::audit::ActorRef {
                        role: "committee_member".into(),
                        id: actor.id.clone(),
                    },
                    subject: row.id.clone(),
                    body: json!({"committee": row.id, "flag": f.id, "member": me.id,
                        "person": actor.id, "bid": f.bid_id, "criterion": f.criterion,
                        "score": f.score, "reason": reason, "signature": r.signature,
                        "signature_algorithm": r.signature_algorithm,
                        "signer": r.signer_fingerprint}),
                },
            )?;
            super::deviation_flags::flag_dto(&members, &f, Some(&r))
        })
        .await
}
