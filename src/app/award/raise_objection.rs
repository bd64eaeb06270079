//! `POST …/sections/{section}/award/objections`: a bidder of the section objects to the result
//! during its publicity (条例54) — from its first instant, up to but excluding its end — signed
//! with its organisation certificate over `objection_statement`. The award is suspended: the
//! section's `open_objections` counts it until the tenderer answers, within 3 days. The
//! tenderer's side is mailed; the audit entry (`award_objection_raised`) carries the signature,
//! the certificate and the text's digest (not the text), so the verifier checks it offline.

use base64::Engine;
use chrono::SubsecRound;
use serde_json::json;

use super::publicity_common::*;
use crate::app::support::award as sa;
use crate::app::support::publicity::{record, Change, Env, Mail, Publicity, Recipients};
use crate::app::support::signing::{require_organisation, verify_statement, Signed, Signing};
use crate::app::support::tender::{load_public, rules_for};
use crate::app::{Actor, AppContext};
use crate::audit::EventType;
use crate::db::repo::award_publicity as prepo;
use crate::db::types::{from_db, to_db};
use crate::domain::award::publicity::{
    answer_due, objection_allowed, objection_statement, text_digest,
};
use crate::domain::award::stage::AwardStage;
use crate::domain::identity::{PrincipalKind, Role};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award_publicity::AwardObjection;

/// Longest objection, in characters.
const TEXT_MAX: usize = 20_000;

pub async fn raise_objection(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    text: String,
    signed: Signed,
) -> AppResult<AwardObjection> {
    let forbidden = || AppError::forbidden("only the section's bidders object to its result");
    if actor.kind != PrincipalKind::Organisation || !actor.has(Role::Bidder) {
        return Err(forbidden());
    }
    let len = text.trim().chars().count();
    if len == 0 || len > TEXT_MAX {
        return Err(AppError::field(
            "text",
            "length",
            format!("the objection is 1 to {TEXT_MAX} characters"),
        ));
    }
    let (tender, section, actor, env) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        Env::of(ctx),
    );
    let now = ctx.clock.now().trunc_subsecs(6);
    let signing = Signing::of(ctx);
    let out = ctx
        .db
        .write(move |c| {
            let row = load_public(c, &tender)?;
            let bid = section_bidders(c, &tender, &section)?
                .into_iter()
                .find(|b| b.organisation_id == actor.id)
                .ok_or_else(forbidden)?;
            let mut award = sa::load(c, &tender, &section)?;
            let (Some(from), Some(until)) = (award.row.publicity_from, award.row.publicity_until)
            else {
                return Err(not_open("the result is not in publicity"));
            };
            if award.stage != AwardStage::Publicity {
                return Err(not_open("the result is not in publicity"));
            }
            objection_allowed(from_db(from), from_db(until), now)
                .map_err(|e| not_open(&e.to_string()))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_organisation(&cert, &bid.bidder_uscc)?;
            let round = award.row.award_round;
            let digest = text_digest(&text);
            let statement =
                objection_statement(&tender, &section, round, &bid.bidder_uscc, &digest);
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statement,
                &signed.signature,
                "objection",
            )?;
            let rules = rules_for(&env.rules, &award.draft);
            let due = answer_due(now, &publicity_rules(&rules));
            let b64 = &base64::engine::general_purpose::STANDARD;
            let o = prepo::ObjectionRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: tender.clone(),
                section_code: section.clone(),
                award_round: round,
                raised_by: actor.id.clone(),
                objector_uscc: bid.bidder_uscc.clone(),
                body: text.clone(),
                signature: b64.encode(&signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().into(),
                certificate: b64.encode(
                    signed
                        .certificate_chain
                        .first()
                        .cloned()
                        .unwrap_or_default(),
                ),
                raised_at: to_db(now),
                answer_due: to_db(due),
                outcome: None,
                send_back: None,
                answer: None,
                answered_by: None,
                answered_at: None,
                answered_late: None,
            };
            prepo::insert_objection(c, &o)?;
            award.row.open_objections += 1;
            sa::save(c, now, &mut award)?;
            let body = json!({"tender": tender, "section": section, "round": round,
                "objection": o.id, "objector_uscc": o.objector_uscc, "text_sha256": digest,
                "signature": o.signature, "signature_algorithm": o.signature_algorithm,
                "certificate": o.certificate, "certificate_sha256": cert.fingerprint_sha256,
                "answer_due": due, "open_objections": award.row.open_objections});
            let text = format!(
                "《{}》标段{}的公示收到一项异议，请于{}前答复（招标投标法实施条例第五十四条：\
                 作出答复前，应当暂停招标投标活动）。",
                row.title,
                section,
                due.to_rfc3339()
            );
            let subject = format!("异议：{}（{}）", row.title, section);
            let publicity = Publicity {
                release: None,
                announcement: None,
                mail: Some(Mail {
                    kind: "award_objection",
                    subject,
                    body: text,
                    to: Recipients::PartiesAnd(&[]),
                }),
            };
            let change = Change::new(
                actor.audit_as(Role::Bidder),
                EventType::AwardObjectionRaised,
                body,
            )
            .in_section(&section);
            record(c, &env, now, &row, change, Some(publicity))?;
            objection_dto(&o, now)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}

fn not_open(why: &str) -> AppError {
    AppError::new(ErrorCode::PublicityNotOpen, why.to_string())
}
