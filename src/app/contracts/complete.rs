//! `POST …/contract/completion`: the tenderer's side records that the winner performed the
//! contract — the works completed and accepted (竣工验收) on a date — and signs the record with
//! the tenderer's organisation certificate (docs/CONTRACTS.md §3). The contract moves from
//! `signed` to `completed`: no change or termination follows, the final rating (竣工评价) and
//! the treasury's last payments still may. Audited `contract_completed` with the document and
//! the signature, so the offline verifier checks both; the contract's OCDS release says it is
//! no longer in force; the winner is told by mail.

use super::release::{publish, Tag};
use super::*;
use crate::app::support::publicity::Env;
use crate::domain::schedule::legal_date;

pub async fn complete_contract(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: ContractCompletionRequest,
) -> AppResult<Contract> {
    super::rate_performance::check_text("remarks", &req.remarks)?;
    let (actor, tender, section) = (actor.clone(), tender.to_string(), section.to_string());
    let (signing, now) = contract_ctx(ctx);
    let env = Env::of(ctx);
    ctx.db
        .write(move |c| {
            let (row, viewer) = load(c, &actor, &tender, &section)?;
            require_side(viewer, Side::Tenderer)?;
            // Two completions sent at once: the second waits, then sees the first.
            let mut row = repo::lock(c, &row.id)?.unwrap_or(row);
            if state_of(&row)? == ContractState::Completed {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "the contract's completion was recorded already",
                ));
            }
            require_state(&row, ContractState::Signed)?;
            let signed_on = row.signed_at.map(|s| legal_date(at(s)));
            let today = legal_date(now);
            if signed_on.is_some_and(|s| req.completed_on < s) || req.completed_on > today {
                return Err(AppError::field(
                    "completed_on",
                    "out_of_range",
                    format!(
                        "the acceptance date lies between the signing ({}) and today ({today})",
                        signed_on.map(|d| d.to_string()).unwrap_or_default()
                    ),
                ));
            }
            let (t, w) = (party_of(c, &row.tenderer_id)?, party_of(c, &row.winner_id)?);
            let document = canonical_json(&rules::completion_document(&rules::Completion {
                contract: &row.id,
                contract_digest: &row.digest,
                tender: &row.tender_id,
                section: &row.section_code,
                tenderer_uscc: &t.uscc,
                winner_uscc: &w.uscc,
                completed_on: req.completed_on,
                remarks: &req.remarks,
            }));
            let digest = sha256_hex(document.as_bytes());
            let statement = rules::completion_statement(&digest_bytes(&digest)?);
            let sig = party_signature(
                c,
                &signing,
                &row,
                Side::Tenderer,
                &req.signature,
                &digest,
                &statement,
                &actor,
                now,
            )?;
            let kept = repo::CompletionRow {
                contract_id: row.id.clone(),
                completed_on: req.completed_on.format("%Y-%m-%d").to_string(),
                remarks: req.remarks.clone(),
                document: document.clone(),
                digest: digest.clone(),
                signature: to_json(&sig)?,
                recorded_by: actor.id.clone(),
                recorded_at: db_now(now),
            };
            repo::insert_completion(c, &kept)?;
            row.state = ContractState::Completed.as_str().into();
            row.updated_at = db_now(now);
            let event = record(
                c,
                now,
                EventType::ContractCompleted,
                &row,
                party_ref(&actor, Side::Tenderer),
                json!({"side": "tenderer", "document": document, "digest": digest,
                    "completed_on": kept.completed_on, "signature": sig.signature,
                    "signature_algorithm": sig.signature_algorithm,
                    "certificate": sig.certificate, "fingerprint": sig.signer_fingerprint}),
            )?;
            publish(c, &env, now, &row, Tag::Termination, &event)?;
            repo::update(c, &row)?;
            mail_party(
                c,
                now,
                &row,
                &row.winner_id,
                "contract_completed",
                format!("合同履约完成：{} {}", row.tender_id, row.section_code),
                format!(
                    "招标人确认合同 {} 已履约完成，竣工验收日期 {}。\n说明：{}\n",
                    row.id, kept.completed_on, req.remarks
                ),
            )?;
            contract_dto(c, &row, now)
        })
        .await
}
