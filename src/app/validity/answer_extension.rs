//! `POST …/bid-validity/extensions/{extension}/answer`: a bidder the extension asked — its
//! organisation principal — agrees or declines, once, before the answers are due, signed with
//! its organisation certificate over `etender-validity-answer/v1\0` ‖ the SHA-256 of the
//! answer's canonical document (`domain::validity::answer_document`). Audited
//! `bid_validity_answered` with the document, signature and certificate, so the offline
//! verifier checks it without the database. Declining makes the bid lapse at once (投标失效)
//! and its bond due back (`validity_declined`).

use chrono::SubsecRound;
use serde_json::json;

use super::*;
use crate::app::support::refunds::{self, interest_rule, Scope};
use crate::app::support::signing::{require_organisation, verify_statement, Signed, Signing};
use crate::app::support::tender::{load_public, published_draft};
use crate::app::support::validity as sv;
use crate::app::{Actor, AppContext};
use crate::audit::{self, canonical_json, sha256_hex, Event, EventType};
use crate::db::repo::validity::{self as repo, AnswerRow};
use crate::db::types::to_db;
use crate::domain::identity::{PrincipalKind, Role};
use crate::domain::refund::Ground;
use crate::error::ErrorCode;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub async fn answer_extension(
    ctx: &AppContext,
    actor: &Actor,
    (tender, section, extension): (&str, &str, &str),
    agree: bool,
    signed: Signed,
) -> AppResult<wire::SectionValidity> {
    let (tender, section, extension, actor, now) = (
        tender.to_string(),
        section.to_string(),
        extension.to_string(),
        actor.clone(),
        ctx.clock.now().trunc_subsecs(6),
    );
    let (signing, rule) = (Signing::of(ctx), interest_rule(ctx));
    ctx.db
        .write(move |c| {
            let not_found = || AppError::not_found("no such extension asked of you");
            if actor.kind != PrincipalKind::Organisation || !actor.has(Role::Bidder) {
                return Err(not_found());
            }
            let trow = load_public(c, &tender)?;
            let draft = published_draft(c, &trow)?;
            require_section(&draft, &section)?;
            let v = sv::of_section(c, &draft, &tender, &section)?;
            let ext = v
                .extensions
                .iter()
                .find(|e| e.id == extension)
                .ok_or_else(not_found)?;
            let asked = sv::asked_of(ext)?
                .into_iter()
                .find(|a| a.organisation == actor.id)
                .ok_or_else(not_found)?;
            if v.answer(&ext.id, &asked.bid).is_some() {
                return Err(AppError::conflict(
                    "your bid answered this extension already",
                ));
            }
            let due = from_db(ext.answer_due);
            if ext.closed_at.is_some() || now >= due {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    format!(
                        "the answers were due before {}: an unanswered request is declined",
                        due.to_rfc3339()
                    ),
                ));
            }
            let document = canonical_json(&rules::answer_document(
                &ext.id,
                &tender,
                &section,
                &asked.bid,
                &asked.bidder_uscc,
                from_db(ext.previous_end),
                from_db(ext.new_end),
                agree,
            ));
            let digest = sha256_hex(document.as_bytes());
            let raw: [u8; 32] = hex::decode(&digest)
                .ok()
                .and_then(|d| d.try_into().ok())
                .ok_or_else(|| internal(anyhow::anyhow!("digest {digest}")))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_organisation(&cert, &asked.bidder_uscc)?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &rules::answer_statement(&raw),
                &signed.signature,
                "validity answer",
            )?;
            let stored = StoredSignature {
                signature: base64::Engine::encode(&B64, &signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().to_string(),
                certificate: base64::Engine::encode(
                    &B64,
                    signed
                        .certificate_chain
                        .first()
                        .cloned()
                        .unwrap_or_default(),
                ),
                fingerprint: cert.fingerprint_sha256.clone(),
            };
            let row = AnswerRow {
                extension_id: ext.id.clone(),
                bid_id: asked.bid.clone(),
                organisation_id: actor.id.clone(),
                agree,
                document: document.clone(),
                digest: digest.clone(),
                signature: serde_json::to_string(&stored).map_err(internal)?,
                answered_by: actor.id.clone(),
                answered_at: to_db(now),
            };
            if !repo::insert_answer(c, &row)? {
                return Err(AppError::conflict(
                    "your bid answered this extension already",
                ));
            }
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::BidValidityAnswered,
                    tender_id: Some(tender.clone()),
                    section_id: Some(section.clone()),
                    actor: actor.audit_as(Role::Bidder),
                    subject: ext.id.clone(),
                    body: json!({"extension": ext.id, "bid": asked.bid,
                        "bidder_uscc": asked.bidder_uscc, "agree": agree,
                        "document": document, "digest": digest,
                        "signature": stored.signature,
                        "signature_algorithm": stored.signature_algorithm,
                        "certificate": stored.certificate,
                        "certificate_sha256": stored.fingerprint}),
                },
            )?;
            if !agree {
                refunds::open(
                    c,
                    now,
                    rule,
                    Ground::ValidityDeclined,
                    Scope::Lapsed {
                        tender: &tender,
                        section: &section,
                        organisation: &actor.id,
                    },
                    crate::audit::ActorRef::system(),
                )?;
            }
            let v = sv::of_section(c, &draft, &tender, &section)?;
            section_dto(&v, (&tender, &section), Some(&actor.id), now)
        })
        .await
}
