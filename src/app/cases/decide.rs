//! 决定 (行政处罚法57–62): the decision document, with every field 59 names — the platform adds
//! the party, the evidence (with its digests), the remedies and their limits and the authority.
//! Refused before the party's period is over (unless it asked for a hearing, which is then
//! held), after the 90 days (60) unless extended, and if heavier than the notice (45).

use serde_json::json;

use super::*;
use crate::app::support::errors::text;
use crate::app::support::json::{parse_json, to_json};
use crate::app::AppContext;
use crate::db::repo::experts as departments;
use crate::db::types::to_db;
use crate::domain::case::{not_heavier, serve_due, LITIGATION_MONTHS, PAYMENT_DAYS, REVIEW_DAYS};
use crate::wire::cases::{
    CaseAuthority, CaseDecision, CaseRemedies, CitedEvidence, DecisionRequest, PenaltyNotice,
};

/// Decide; audited `case_decided` with the penalties, the document's digest and the limit to
/// serve it.
pub async fn decide(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    req: DecisionRequest,
) -> AppResult<Case> {
    let decision_no = text("decision_no", &req.decision_no, 64)?;
    let facts = text("facts", &req.facts, LONG_TEXT)?;
    let legal_basis = text("legal_basis", &req.legal_basis, SHORT_TEXT)?;
    let performance = text("performance", &req.performance, LONG_TEXT)?;
    let now = ctx.clock.now();
    let serve_by = serve_due(&ctx.calendar, now)?;
    let (actor, id) = (actor.clone(), id.to_string());
    ctx.db
        .write(move |c| {
            let (_, mut row) = load_for_officer(c, &actor, &id)?;
            let from = row.state().map_err(AppError::internal)?;
            take(&mut row, Step::Decide)?;
            super::notify::checked_penalties(row.party_kind()?, &req.penalties)?;
            in_time(&row, from, now)?;
            let notice: PenaltyNotice =
                parse_json(row.notice.as_deref().unwrap_or(""), "case notice")?;
            if !not_heavier(&req.penalties, &notice.penalties) {
                return Err(AppError::rule(
                    "penalties",
                    "heavier_than_notified",
                    "the decision may not be heavier than the penalty the party was told of \
                     (行政处罚法45)",
                ));
            }
            if repo::decision_no_taken(c, &decision_no)? {
                return Err(AppError::field(
                    "decision_no",
                    "taken",
                    "the number is in use",
                ));
            }
            let department = departments::find_department(c, &row.department_code)?
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("case without department")))?;
            let evidence = repo::evidence_of(c, &row.id)?
                .into_iter()
                .map(|e| {
                    Ok(CitedEvidence {
                        kind: serde_json::from_value(serde_json::Value::String(e.kind))
                            .map_err(AppError::internal)?,
                        id: e.id,
                        title: e.title,
                        sha256: e.sha256,
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            let decision = CaseDecision {
                decision_no: decision_no.clone(),
                party: row.party()?,
                facts,
                evidence,
                legal_basis,
                penalties: req.penalties.clone(),
                performance,
                payment_days: PAYMENT_DAYS as u32,
                remedies: CaseRemedies {
                    review_days: REVIEW_DAYS,
                    litigation_months: LITIGATION_MONTHS,
                    execution_suspended: false,
                },
                authority: CaseAuthority {
                    code: department.code,
                    name: department.name,
                },
                decided_on: legal_date(now),
            };
            let document = to_json(&decision)?;
            let digest = crate::audit::sha256_hex(
                crate::audit::canonical_json(
                    &serde_json::to_value(&decision).map_err(AppError::internal)?,
                )
                .as_bytes(),
            );
            row.decision = Some(document);
            row.decision_no = Some(decision_no.clone());
            row.decided_at = Some(to_db(now));
            row.serve_due = Some(to_db(serve_by));
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"decision_no": decision_no, "penalties": req.penalties,
                "decision_sha256": digest, "decision_due": row.decision_due.map(from_db),
                "serve_due": serve_by});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseDecided,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}

/// Within the 90 days (60), and — without a hearing — after the party's 5 working days.
fn in_time(row: &repo::CaseRow, from: State, now: DateTime<Utc>) -> AppResult<()> {
    if row.decision_due.is_none_or(|d| now >= from_db(d)) {
        return Err(AppError::new(
            ErrorCode::DeadlinePassed,
            "the 90 days to decide (行政处罚法60) are over and were not extended",
        ));
    }
    if from == State::Notified && row.reply_due.is_none_or(|d| now < from_db(d)) {
        return Err(AppError::new(
            ErrorCode::DeadlineNotReached,
            "the party's 5 working days to defend itself or ask for a hearing are not over",
        ));
    }
    Ok(())
}
