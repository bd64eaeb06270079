//! `POST …/committee/report`: the committee's leader generates the 评标报告 once everything it
//! rests on is in — every stage's sheets revealed, K drawn, ties broken by lot — and the members
//! sign it. The candidates are never typed in: `domain::evaluation::candidates::derive` computes
//! them from the recorded inputs, and the document carries those inputs so anyone can compute
//! them again from the log (docs/EVALUATION.md §21).
//!
//! A tie that the tie-breaks leave where it matters commits a lot among the tied bids through the
//! platform's verifiable lottery (the supervising regulator contributes, or the fallback); the
//! leader generates again once it is made.

use super::reporting::report_dto;
use super::*;
use crate::app::support::lottery::{self, K};
use crate::app::support::tender::{published_draft, rules_for};
use crate::app::{Actor, AppContext};
use crate::db::repo::reports as rrepo;
use crate::db::repo::tenders as trepo;
use crate::domain::evaluation::candidates::derive;
use crate::domain::evaluation::committee::MemberKind;
use crate::domain::evaluation::report::{self as doc, Document, KDrawn, ReportState};
use crate::domain::evaluation::EvaluationError;
use crate::error::{ErrorCode, FieldError};
use chrono::SubsecRound;
use rust_decimal::Decimal;

pub async fn generate_report(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<EvaluationReport> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let rules = ctx.settings.tenders.rules.clone();
    let signing = ctx.settings.evaluation.report_signing_minutes;
    let lot_minutes = ctx.settings.experts.draws.contribution_minutes;
    let deviation = ctx.settings.evaluation.policy();
    ctx.db
        .write(move |c| {
            let mut row = crepo::lock_of_section(c, &tender, &section)?.ok_or_else(no_committee)?;
            let members = crepo::members(c, &row.id)?;
            let Some(me) = active_member_of(&members, &actor.id) else {
                return Err(AppError::forbidden(
                    "the committee's leader generates the report",
                ));
            };
            if row.leader_member_id.as_deref() != Some(me.id.as_str()) {
                return Err(AppError::forbidden(
                    "the committee's leader generates the report",
                ));
            }
            if row.state().map_err(internal)? != CommitteeState::Evaluating {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the report is generated once, while the committee evaluates",
                ));
            }
            // A member who left and whose replacement has not joined leaves the committee short.
            let kind_count = |k: MemberKind| {
                members
                    .iter()
                    .filter(|m| m.active && m.kind().is_ok_and(|x| x == k))
                    .count()
            };
            let (experts, reps) = (
                kind_count(MemberKind::Expert),
                kind_count(MemberKind::Representative),
            );
            let min = usize::try_from(row.min_members).unwrap_or(usize::MAX);
            if let Err(e) = rules::check_composition(experts, reps, min) {
                return Err(AppError::new(
                    ErrorCode::EvaluationIncomplete,
                    format!("the committee as it stands cannot report: {e}; a replacement is due"),
                ));
            }
            if row.extension_required_at.is_some() && row.extended_until.is_none() {
                return Err(AppError::new(
                    ErrorCode::EvaluationIncomplete,
                    "more than a third of the members asked for more time: the tenderer must \
                     extend the evaluation first (条例48)",
                ));
            }
            let t = trepo::find_tender(c, &row.tender_id)?.ok_or_else(no_committee)?;
            let draft = published_draft(c, &t)?;
            let sec = draft
                .sections
                .iter()
                .find(|s| s.code == row.section_code)
                .cloned()
                .ok_or_else(no_committee)?;
            let k = match lottery::k_of(c, &row.tender_id, &row.section_code)? {
                K::None => None,
                K::Pending { draw } => {
                    return Err(AppError::new(
                        ErrorCode::KNotDrawn,
                        format!(
                            "K is drawn by lottery {draw}, which waits for the supervising \
                             regulator's value (or the fallback)"
                        ),
                    ))
                }
                K::Drawn { draw, k } => Some(KDrawn { draw, k }),
            };
            let ties = lottery::ties_of(c, &row.tender_id, &row.section_code)?;
            if let Some(p) = ties.pending.first() {
                return Err(AppError::new(
                    ErrorCode::LotRequired,
                    format!("the tie lot {p} is not made yet"),
                ));
            }
            let active: Vec<&crepo::MemberRow> = members.iter().filter(|m| m.active).collect();
            let lots = ties.made.iter().map(|(_, l)| l.clone()).collect();
            let inputs = inputs::gather(
                c,
                &row,
                k.as_ref().map_or(Decimal::ZERO, |k| k.k),
                lots,
                deviation,
                now,
            )?;
            let section_rules = rules_for(&rules, &draft);
            let derivation = match derive(&sec, &section_rules, &inputs) {
                Ok(d) => d,
                Err(EvaluationError::LotRequired { bids }) => {
                    let draw = lottery::commit_tie(
                        c,
                        now,
                        &row.tender_id,
                        &row.section_code,
                        &bids,
                        lot_minutes,
                    )?;
                    let mut e = AppError::new(
                        ErrorCode::LotRequired,
                        format!(
                            "bids {} tie after every tie-break: lot {} is drawn among them; \
                             generate the report again once it is made",
                            bids.join(", "),
                            draw.id
                        ),
                    );
                    e.errors = vec![FieldError::new("lot", "draw", draw.id.clone())];
                    return Err(e);
                }
                Err(e) => return Err(AppError::new(e.code(), e.to_string())),
            };
            let leader = row.leader_member_id.clone();
            let document = Document {
                version: doc::VERSION,
                committee: row.id.clone(),
                tender: row.tender_id.clone(),
                section: sec,
                rules: section_rules,
                members: active
                    .iter()
                    .map(|m| {
                        Ok(doc::Member {
                            member: m.principal_id.clone(),
                            kind: m.kind().map_err(internal)?,
                            leader: leader.as_deref() == Some(m.id.as_str()),
                        })
                    })
                    .collect::<AppResult<_>>()?,
                void_members: members
                    .iter()
                    .filter(|m| !m.active)
                    .map(|m| m.principal_id.clone())
                    .collect(),
                k,
                lot_draws: ties.made.iter().map(|(id, _)| id.clone()).collect(),
                inputs,
                derivation,
                clarifications: inputs::clarifications(c, &row.id)?,
                signals: inputs::signals(c, &row.tender_id, &row.section_code)?,
                deviation_reasons: inputs::deviation_reasons(c, &row.id)?,
                generated_at: now,
            };
            let bytes = doc::bytes(&document);
            let digest = hex::encode(doc::digest(&bytes));
            let text = String::from_utf8(bytes).map_err(internal)?;
            let report = rrepo::ReportRow {
                id: uuid::Uuid::now_v7().to_string(),
                committee_id: row.id.clone(),
                tender_id: row.tender_id.clone(),
                section_code: row.section_code.clone(),
                state: ReportState::Signing.as_str().into(),
                outcome: document.outcome().as_str().into(),
                document: text,
                digest: digest.clone(),
                generated_by: actor.id.clone(),
                generated_at: to_db(now),
                // Whole microseconds: what every database keeps, so the logged time is the
                // stored one.
                sign_until: to_db(
                    (now + chrono::Duration::minutes(i64::from(signing))).trunc_subsecs(6),
                ),
                completed_at: None,
            };
            rrepo::insert(c, &report)?;
            row.set_state(CommitteeState::Reporting);
            crepo::update(c, &row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::EvaluationReportGenerated,
                    tender_id: Some(row.tender_id.clone()),
                    section_id: Some(row.section_code.clone()),
                    actor: actor.audit_ref(),
                    subject: report.id.clone(),
                    body: json!({"report": report.id, "committee": row.id,
                        "digest": digest, "sign_until": from_db(report.sign_until),
                        "document": serde_json::to_value(&document).map_err(internal)?}),
                },
            )?;
            report_dto(&report, &[])
        })
        .await
}
