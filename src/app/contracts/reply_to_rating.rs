//! `POST …/contract/performance-ratings/{rating}/reply`: the rated winner answers a 履约评价
//! (申辩, docs/CONTRACTS.md §6) once, within 15 days of it, signed with its organisation
//! certificate over the reply's canonical document (the rating's id and digest, its USCC, the
//! text). Audited `contract_performance_replied`; the tenderer's side is mailed; the reply is
//! shown with the rating wherever it is read, the award dossier included.

use super::rate_performance::check_text;
use super::*;
use crate::app::support::credit::rating_dto;
use crate::db::repo::performance::{self as prepo, ReplyRow};
use crate::domain::performance::{self as perf};

pub async fn reply_to_rating(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    rating: &str,
    req: PerformanceReplyRequest,
) -> AppResult<PerformanceRating> {
    check_text("text", &req.text)?;
    let (actor, tender, section, rating) = (
        actor.clone(),
        tender.to_string(),
        section.to_string(),
        rating.to_string(),
    );
    let (signing, now) = contract_ctx(ctx);
    ctx.db
        .write(move |c| {
            let (row, viewer) = load(c, &actor, &tender, &section)?;
            // Two replies sent at once: the second waits, then sees the first.
            let row = repo::lock(c, &row.id)?.unwrap_or(row);
            let r = prepo::find(c, &rating)?
                .filter(|r| r.contract_id == row.id)
                .ok_or_else(|| {
                    AppError::not_found(format!("no rating {rating} of this contract"))
                })?;
            require_side(viewer, Side::Winner)?;
            let due = perf::reply_due(at(r.rated_at));
            if now >= due {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    format!("a reply to this rating was due before {due}"),
                ));
            }
            let document = canonical_json(&perf::reply_document(
                &r.id,
                &r.digest,
                &r.winner_uscc,
                &req.text,
            ));
            let digest = sha256_hex(document.as_bytes());
            let statement = perf::reply_statement(&digest_bytes(&digest)?);
            let sig = party_signature(
                c,
                &signing,
                &row,
                Side::Winner,
                &req.signature,
                &digest,
                &statement,
                &actor,
                now,
            )?;
            let kept = ReplyRow {
                rating_id: r.id.clone(),
                text: req.text.clone(),
                document: document.clone(),
                digest: digest.clone(),
                signature: to_json(&sig)?,
                replied_by: actor.id.clone(),
                replied_at: db_now(now),
            };
            if !prepo::insert_reply(c, &kept)? {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "the winner replied to this rating already",
                ));
            }
            record(
                c,
                now,
                EventType::ContractPerformanceReplied,
                &row,
                party_ref(&actor, Side::Winner),
                json!({"rating": r.id, "side": "winner", "document": document,
                    "digest": digest, "signature": sig.signature,
                    "signature_algorithm": sig.signature_algorithm,
                    "certificate": sig.certificate, "fingerprint": sig.signer_fingerprint}),
            )?;
            mail_party(
                c,
                now,
                &row,
                &row.tenderer_id,
                "performance_replied",
                format!("履约评价申辩：{} {}", row.tender_id, row.section_code),
                format!(
                    "中标人对合同 {} 的履约评价（{} 分）提出申辩：\n{}\n",
                    row.id, r.score, req.text
                ),
            )?;
            rating_dto(r, Some(kept))
        })
        .await
}
