//! `POST …/contract/performance-ratings`: the tenderer's side rates how the winner performs the
//! contract (履约评价, docs/CONTRACTS.md §6) — interim ratings while it runs, one final rating
//! at completion or after a termination — and signs the rating with the tenderer's
//! organisation certificate. Audited `contract_performance_rated` with the document and the
//! signature, so the offline verifier checks both; the winner is told by mail. Later award
//! committees see the rating in their dossiers (`support::credit::ratings_of`).
//! `GET` the same path: the contract's ratings, for its parties and regulators.

use super::*;
use crate::app::support::credit::{rating_dto, ratings_dto};
use crate::db::repo::performance::{self as prepo, RatingRow};
use crate::domain::performance::{self as perf, Phase, Refusal};

/// The reasons as given: kept and signed exactly, so no surrounding blanks, no control
/// characters but line breaks, 1–2,000 characters.
pub(super) fn check_remarks(remarks: &str) -> AppResult<()> {
    check_text("remarks", remarks)
}

/// [`check_remarks`] for any field kept and signed as given.
pub(super) fn check_text(field: &str, remarks: &str) -> AppResult<()> {
    let ok = !remarks.trim().is_empty()
        && remarks.trim() == remarks
        && remarks.chars().count() <= perf::REMARKS_MAX
        && !remarks.chars().any(|ch| ch.is_control() && ch != '\n');
    if ok {
        return Ok(());
    }
    Err(AppError::field(
        field,
        "invalid",
        "1 to 2,000 characters, no surrounding blanks, no control characters but line breaks",
    ))
}

pub async fn rate_performance(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: PerformanceRatingRequest,
) -> AppResult<PerformanceRating> {
    perf::check_score(req.score).map_err(|_| {
        AppError::field(
            "score",
            "out_of_range",
            "0 to 100, at most one decimal place",
        )
    })?;
    check_remarks(&req.remarks)?;
    let (actor, tender, section) = (actor.clone(), tender.to_string(), section.to_string());
    let (signing, now) = contract_ctx(ctx);
    ctx.db
        .write(move |c| {
            let (row, viewer) = load(c, &actor, &tender, &section)?;
            require_side(viewer, Side::Tenderer)?;
            // Two final ratings sent at once: the second waits, then sees the first.
            let row = repo::lock(c, &row.id)?.unwrap_or(row);
            let before: Vec<Phase> = prepo::of_contract(c, &row.id)?
                .iter()
                .filter_map(RatingRow::phase)
                .collect();
            perf::check(state_of(&row)?, &before, req.phase).map_err(|why| match why {
                Refusal::Final => AppError::new(
                    ErrorCode::Conflict,
                    "the contract's final rating was given: no rating follows it",
                ),
                Refusal::State | Refusal::Score => AppError::new(
                    ErrorCode::InvalidStateTransition,
                    format!(
                        "a {} contract takes no {} rating: interim ratings while it is signed, \
                         the final one while signed or once terminated or completed",
                        row.state,
                        req.phase.as_str()
                    ),
                ),
            })?;
            let (t, w) = (party_of(c, &row.tenderer_id)?, party_of(c, &row.winner_id)?);
            let rating = perf::Rating {
                contract: &row.id,
                contract_digest: &row.digest,
                tender: &row.tender_id,
                section: &row.section_code,
                tenderer_uscc: &t.uscc,
                winner_uscc: &w.uscc,
                phase: req.phase,
                score: req.score,
                remarks: &req.remarks,
            };
            let grade = perf::Grade::of(req.score)
                .ok_or_else(|| internal(anyhow::anyhow!("a checked score has no grade")))?;
            let document = perf::document(&rating)
                .map(|d| canonical_json(&d))
                .ok_or_else(|| internal(anyhow::anyhow!("a checked score has no document")))?;
            let digest = sha256_hex(document.as_bytes());
            let statement = perf::rating_statement(&digest_bytes(&digest)?);
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
            let kept = RatingRow {
                id: uuid::Uuid::now_v7().to_string(),
                contract_id: row.id.clone(),
                tender_id: row.tender_id.clone(),
                section_code: row.section_code.clone(),
                winner_uscc: w.uscc.clone(),
                phase: req.phase.as_str().into(),
                score: req.score.normalize().to_string(),
                grade: grade.as_str().into(),
                remarks: req.remarks.clone(),
                document: document.clone(),
                digest: digest.clone(),
                signature: to_json(&sig)?,
                rated_by: actor.id.clone(),
                rated_at: db_now(now),
            };
            prepo::insert(c, &kept)?;
            record(
                c,
                now,
                EventType::ContractPerformanceRated,
                &row,
                party_ref(&actor, Side::Tenderer),
                json!({"rating": kept.id, "side": "tenderer", "document": document,
                    "digest": digest, "phase": req.phase.as_str(), "score": kept.score,
                    "grade": grade.as_str(), "signature": sig.signature,
                    "signature_algorithm": sig.signature_algorithm,
                    "certificate": sig.certificate, "fingerprint": sig.signer_fingerprint}),
            )?;
            mail_party(
                c,
                now,
                &row,
                &row.winner_id,
                "performance_rated",
                format!("履约评价：{} {}", row.tender_id, row.section_code),
                format!(
                    "招标人对合同 {} 作出{}：{} 分（{}）。\n理由：{}\n",
                    row.id,
                    match req.phase {
                        Phase::Interim => "过程评价",
                        Phase::Completion => "竣工评价",
                    },
                    kept.score,
                    grade.as_str(),
                    req.remarks
                ),
            )?;
            rating_dto(kept, None)
        })
        .await
}

/// The contract's ratings, oldest first: its parties and the supervising regulators.
pub async fn performance_ratings(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<Vec<PerformanceRating>> {
    let (actor, tender, section) = (actor.clone(), tender.to_string(), section.to_string());
    ctx.db
        .read(move |c| {
            let (row, _) = load(c, &actor, &tender, &section)?;
            let rows = prepo::of_contract(c, &row.id)?;
            ratings_dto(c, rows)
        })
        .await
}
