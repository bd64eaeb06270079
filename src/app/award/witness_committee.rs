//! `POST …/sections/{section}/award/committee/witness`: a supervising regulator witnesses the
//! formed award committee (监督): it signs the committee's roster, and the award moves on to
//! the committee's decision (`committee` → `deciding`).
//!
//! Why a signed step of its own: a drawn committee already carries the regulator's signed
//! contribution to its draw, but an appointed member is named by the tenderer, and nothing
//! else records that the supervisor saw who sits. Trading platforms have the supervising
//! department confirm the 定标委员会 before the 定标会 (监督确认); signing the roster digest —
//! every member, its role, how it came and the digest of its statement — makes that
//! confirmation checkable: a roster changed afterwards no longer matches what was witnessed.
//! A member who leaves before the deciding (`member_leaves`) sends the committee back here: its
//! replacement joins and the regulator witnesses the roster that results.

use super::*;
use crate::app::support::award as award_support;
use crate::app::support::publicity::{self, Change};
use crate::app::support::signing::{verify_statement, Signed, Signing};
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::types::to_db;
use crate::domain::award::committee::witness_statement;
use crate::domain::award::stage::StageEvent;
use serde_json::json;

/// A regulator signs `committee::witness_statement` over the formed committee's roster digest
/// with its certificate. Refused: not a regulator (403), the award not at `committee` (409
/// `award_stage`), no committee formed (409 `invalid_state_transition`), a bad signature (422
/// `statement_signature_invalid`).
pub async fn witness_committee(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    signed: Signed,
) -> AppResult<AwardCommittee> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden(
            "a supervising regulator witnesses the award committee",
        ));
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
            crate::app::support::departments::require_supervisor(c, &actor, &tender)?;
            let mut award = award_support::load(c, &tender, &section)?;
            require_stage(
                award.stage,
                AwardStage::Committee,
                "witnessing the committee",
            )?;
            let round = award.row.award_round;
            let mut row = acrepo::committee_of(c, &tender, &section, round)?.ok_or_else(|| {
                AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the award committee is not formed yet",
                )
            })?;
            // A member who left before the deciding leaves its seat empty until its
            // replacement joins: the witness covers the whole roster that decides.
            let active = acrepo::members_of(c, &tender, &section, round)?.len();
            if i32::try_from(active).ok() != Some(row.size) {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    format!(
                        "{active} of the committee's {} seats are filled: a replacement has \
                         not joined yet",
                        row.size
                    ),
                ));
            }
            let digest = crate::app::support::lottery::hex32(&row.roster_sha256)?;
            let bytes = witness_statement(&tender, &section, round_u32(round)?, &digest, &actor.id);
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &bytes,
                &signed.signature,
                "witness statement",
            )?;
            row.witness_id = Some(actor.id.clone());
            row.witness_signature = Some(b64(&signed.signature));
            row.witness_algorithm = Some(signed.signature_algorithm.as_str().into());
            row.witness_fingerprint = Some(cert.fingerprint_sha256.clone());
            row.witness_certificate =
                Some(b64(signed.certificate_chain.first().map_or(&[][..], |v| v)));
            row.witnessed_at = Some(to_db(now));
            acrepo::update_committee(c, &row)?;
            let stage = award_support::advance(c, now, &mut award, &StageEvent::FormCommittee)?;
            let body = json!({"tender": tender, "section": section, "award_round": round,
                "roster_sha256": row.roster_sha256, "witness": actor.id,
                "signature": row.witness_signature, "signature_algorithm": row.witness_algorithm,
                "signer": row.witness_fingerprint, "certificate": row.witness_certificate,
                "stage": stage});
            let change = Change::new(
                actor.audit_as(Role::Regulator),
                EventType::AwardCommitteeWitnessed,
                body,
            )
            .in_section(&section);
            publicity::event(c, now, &tender, change)?;
            committee_dto(c, &row, award.section.award_committee_rule())
        })
        .await
}
