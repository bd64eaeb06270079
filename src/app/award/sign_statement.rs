//! `POST …/sections/{section}/award/statements`: a member of the tenderer's 定标委员库 signs its
//! statement (承诺书: no conflict of interest, confidentiality) for a section's award round
//! while its committee is being formed, so that the tenderer may appoint it. Drawn members sign
//! the same pledge at their draw check-in instead.

use super::*;
use crate::app::support::award as award_support;
use crate::app::support::signing::{require_person, verify_statement, Signed, Signing};
use crate::app::AppContext;
use crate::audit::{self, Event, EventType};
use crate::db::repo::experts as xrepo;
use crate::db::types::to_db;
use crate::domain::authz::Permission;
use crate::domain::award::committee::statement;
use crate::domain::experts::{drawable, Library, MemberStatus};
use serde_json::json;

/// The caller — a person in the tender's tenderer's pool, in good standing — signs
/// `committee::statement` with its own personal certificate, once per award round. A declared
/// conflict is recorded; such a member is not appointed. Refused: not a pool member (403), the
/// award not at `committee` (409 `award_stage`), signed already (409 `conflict`), another's
/// certificate (403 `certificate_subject_mismatch`), other bytes (422
/// `statement_signature_invalid`).
pub async fn sign_statement(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    conflict: Option<Conflict>,
    signed: Signed,
) -> AppResult<AwardStatement> {
    actor.require(Permission::SitOnAwardCommittee)?;
    if let Some(e) = conflict.as_ref().and_then(|c| c.check().err()) {
        return Err(AppError::field(e.field, e.code, e.message));
    }
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let signing = Signing::of(ctx);
    ctx.db
        .write(move |c| {
            let t = trepo::find_tender(c, &tender)?
                .ok_or_else(|| AppError::not_found("no such tender"))?;
            let library = Library::AwardPool {
                tenderer: t.tenderer_id.clone(),
            };
            let member = xrepo::find_in(c, &library.key(), &actor.id)?.ok_or_else(|| {
                AppError::forbidden("only members of the tenderer's award pool sign here")
            })?;
            let status: MemberStatus = member.status()?;
            if !drawable(status, member.status_until.map(from_db), now) {
                return Err(AppError::forbidden(format!(
                    "your pool membership is {}",
                    status.as_str()
                )));
            }
            let award = award_support::load(c, &t.id, &section)?;
            require_stage(award.stage, AwardStage::Committee, "signing the statement")?;
            let round = award.row.award_round;
            if acrepo::statements(c, &t.id, &section, round)?
                .iter()
                .any(|s| s.person_id == actor.id)
            {
                return Err(AppError::conflict(
                    "your statement for this award round is signed already",
                ));
            }
            let bytes = statement(
                &t.id,
                &section,
                round_u32(round)?,
                &member.id,
                &actor.id,
                conflict.as_ref(),
            );
            let person = idrepo::find_person(c, &actor.id)?
                .ok_or_else(|| AppError::forbidden("members sign in person"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &bytes,
                &signed.signature,
                "award statement",
            )?;
            let row = acrepo::StatementRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: t.id.clone(),
                section_code: section.clone(),
                award_round: round,
                person_id: actor.id.clone(),
                member_id: member.id.clone(),
                conflict_party: conflict.as_ref().map(|c| c.party.clone()),
                conflict_reason: conflict.as_ref().map(|c| c.reason.clone()),
                statement_sha256: sha256_hex(&bytes),
                signature: b64(&signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().into(),
                signer_fingerprint: cert.fingerprint_sha256.clone(),
                certificate: b64(signed.certificate_chain.first().map_or(&[][..], |v| v)),
                signed_at: to_db(now),
            };
            acrepo::insert_statement(c, &row)?;
            record(c, now, &actor, &row, &conflict)?;
            Ok(AwardStatement {
                tender_id: row.tender_id,
                section: row.section_code,
                award_round: round_u32(round)?,
                person_id: row.person_id,
                member_id: row.member_id,
                conflict,
                statement_sha256: row.statement_sha256,
                signed_at: now,
            })
        })
        .await
}

/// Sealed like a draw check-in: until the award is published the names are the member's own
/// and the parties' (through the committee), never the tender chain's leaves.
fn record(
    c: &mut AnyConnection,
    now: chrono::DateTime<chrono::Utc>,
    actor: &Actor,
    row: &acrepo::StatementRow,
    conflict: &Option<Conflict>,
) -> AppResult<()> {
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::AwardStatementSigned,
            tender_id: None,
            section_id: None,
            actor: actor.audit_as(Role::AwardCommittee),
            subject: actor.id.clone(),
            body: json!({"tender": row.tender_id, "section": row.section_code,
                "award_round": row.award_round, "member": row.member_id,
                "person": row.person_id, "conflict": conflict,
                "statement_sha256": row.statement_sha256, "signature": row.signature,
                "signature_algorithm": row.signature_algorithm,
                "signer": row.signer_fingerprint, "certificate": row.certificate}),
        },
    )?;
    Ok(())
}
