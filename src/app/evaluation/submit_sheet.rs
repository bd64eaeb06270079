//! `POST …/committee/sheets`: an active member of an evaluating committee submits its signed
//! sheet of a stage (docs/EVALUATION.md §17). The stages go in order — 初步评审 over the opened
//! bids not rejected automatically, then the method's second stage over the bids that pass the
//! revealed 初步评审 (`support::evaluation::bids_in_play`). The sheet is checked against the
//! method before anything is kept, signed over `sheet::statement` with the member's personal
//! certificate, and never edited. While others' are missing the log carries only the
//! commitment (`evaluation_sheet_submitted`); the last active member's sheet reveals the stage.

use super::*;
use crate::app::support::errors::evaluation_error;
use crate::app::support::evaluation::{self as support, Frame};
use crate::app::support::json::to_json;
use crate::app::support::signing::{require_person, verify_statement, Signed, Signing};
use crate::app::{Actor, AppContext};
use crate::db::repo::sheets as srepo;
use crate::domain::evaluation::lowest_price::evaluated_prices;
use crate::domain::evaluation::preliminary::aggregate;
use crate::domain::evaluation::qualitative::{check_remarks, RemarkKind};
use crate::domain::evaluation::scoring::ScoreSheet;
use crate::domain::evaluation::sheet::{self, SheetOf, Stage};
use crate::domain::evaluation::EvaluationError;
use crate::domain::tender::EvaluationMethod;
use crate::error::ErrorCode;

pub async fn submit_sheet(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    sheet: Sheet,
    signed: Signed,
) -> AppResult<EvaluationSheet> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let signing = Signing::of(ctx);
    let policy = ctx.settings.evaluation.policy();
    let rules = ctx.settings.tenders.rules.clone();
    ctx.db
        .write(move |c| {
            let row = crepo::lock_of_section(c, &tender, &section)?.ok_or_else(no_committee)?;
            let members = crepo::members(c, &row.id)?;
            let Some(me) = active_member_of(&members, &actor.id).cloned() else {
                if members.iter().any(|m| m.principal_id == actor.id) {
                    return Err(AppError::forbidden(
                        "a member that left submits nothing: its conclusions are void",
                    ));
                }
                return Err(no_committee());
            };
            if row.state().map_err(internal)? != CommitteeState::Evaluating {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the committee is not evaluating (its leader is not elected)",
                ));
            }
            let frame = Frame::load(c, row.clone())?;
            let stage = sheet.stage();
            let second = support::second_stage(&frame.section.evaluation);
            if stage != Stage::Preliminary && stage != second {
                return Err(AppError::field(
                    "sheet.stage",
                    "not_this_method",
                    format!(
                        "this section's stages are {} and {second}",
                        Stage::Preliminary
                    ),
                ));
            }
            if srepo::counting(c, &row.id, stage)?
                .iter()
                .any(|s| s.member_id == me.id)
            {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("your {stage} sheet is in already; a sheet is never edited"),
                ));
            }
            let bids = if stage == Stage::Preliminary {
                frame.under_review()
            } else {
                support::in_play(c, &frame)?
            };
            if let Sheet::Preliminary { verdicts } = &sheet {
                licence_rejected(&frame, verdicts)?;
            }
            let canonical = sheet.canonical(&actor.id).map_err(evaluation_error)?;
            let wanted = usize::from(
                frame
                    .section
                    .award
                    .candidate_count(rules.get(frame.procedure)),
            );
            check(&frame, &actor.id, &bids, wanted, &canonical).map_err(evaluation_error)?;
            let of = SheetOf {
                committee: &row.id,
                tender: &row.tender_id,
                section: &row.section_code,
                member: &actor.id,
            };
            let statement = sheet::statement(&of, &canonical).map_err(evaluation_error)?;
            let person = idrepo::find_person(c, &actor.id)?
                .ok_or_else(|| AppError::forbidden("members sign their sheets in person"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statement,
                &signed.signature,
                "sheet statement",
            )?;
            let b64 = &base64::engine::general_purpose::STANDARD;
            let commitment = hex::encode(sheet::commitment(&statement));
            let sheet_row = srepo::SheetRow {
                id: uuid::Uuid::now_v7().to_string(),
                committee_id: row.id.clone(),
                member_id: me.id.clone(),
                principal_id: actor.id.clone(),
                stage: stage.as_str().to_string(),
                body: to_json(&canonical)?,
                statement_sha256: commitment.clone(),
                signature: base64::Engine::encode(b64, &signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().into(),
                signer_fingerprint: cert.fingerprint_sha256.clone(),
                certificate: base64::Engine::encode(
                    b64,
                    signed
                        .certificate_chain
                        .first()
                        .cloned()
                        .unwrap_or_default(),
                ),
                submitted_at: to_db(now),
                revealed_at: None,
                void: false,
            };
            srepo::insert(c, &sheet_row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::EvaluationSheetSubmitted,
                    tender_id: Some(row.tender_id.clone()),
                    section_id: Some(row.section_code.clone()),
                    actor: crate::audit::ActorRef {
                        role: "committee_member".into(),
                        id: actor.id.clone(),
                    },
                    subject: row.id.clone(),
                    body: json!({"committee": row.id, "sheet": sheet_row.id, "member": me.id,
                        "person": actor.id, "stage": stage, "commitment": commitment}),
                },
            )?;
            support::reveal_if_complete(c, &frame, stage, policy, now)?;
            let stored = srepo::counting(c, &row.id, stage)?
                .into_iter()
                .find(|s| s.id == sheet_row.id)
                .ok_or_else(no_committee)?;
            sheet_dto(&stored)
        })
        .await
}

/// Refuses a 初步评审 verdict on a bid its frozen licence verdicts failed: the registry's
/// record decided it (条例51(三)) and no member's pass can keep it in.
fn licence_rejected(
    frame: &Frame,
    verdicts: &[crate::domain::evaluation::preliminary::Verdict],
) -> AppResult<()> {
    for (i, v) in verdicts.iter().enumerate() {
        let Some(f) = frame.licences.iter().find(|f| f.bid == v.bid) else {
            continue;
        };
        if let Some(r) = f.rejection() {
            let mut e = AppError::new(
                ErrorCode::LicenceNotMet,
                format!(
                    "bid {} failed qualification on its licences when the review started and is \
                     not reviewed: {}",
                    v.bid, r.grounds
                ),
            );
            e.errors = vec![crate::error::FieldError::new(
                &format!("sheet.verdicts[{i}].bid"),
                "licence_not_met",
                r.grounds,
            )];
            return Err(e);
        }
    }
    Ok(())
}

/// The sheet against the method and the bids the stage judges (`wanted`: the candidates the
/// section names, for 定性评审).
fn check(
    frame: &Frame,
    member: &str,
    bids: &[String],
    wanted: usize,
    sheet: &Sheet,
) -> Result<(), EvaluationError> {
    let incomplete = |detail: String| EvaluationError::SheetIncomplete {
        member: member.to_string(),
        detail,
    };
    match (sheet, &frame.section.evaluation) {
        (Sheet::Preliminary { verdicts }, _) => {
            let checklist = frame.section.review_requirements();
            aggregate(&[member.to_string()], bids, &checklist, verdicts).map(|_| ())
        }
        (Sheet::Scoring { scores }, method) => {
            let plan = method
                .scoring_plan()
                .ok_or_else(|| incomplete("the method scores nothing".into()))?;
            ScoreSheet {
                member: member.to_string(),
                scores: scores.clone(),
            }
            .check(&plan, bids)
        }
        (
            Sheet::Adjustments { applied },
            EvaluationMethod::LowestEvaluatedPrice { adjustments },
        ) => {
            let priced: Vec<(String, rust_decimal::Decimal)> = bids
                .iter()
                .map(|b| (b.clone(), frame.price(b).unwrap_or_default()))
                .collect();
            evaluated_prices(adjustments, &priced, applied).map(|_| ())
        }
        (
            Sheet::Qualitative {
                remarks,
                recommended,
            },
            _,
        ) => {
            check_remarks(bids, remarks)?;
            if let Some(b) = recommended.iter().find(|b| !bids.contains(b)) {
                return Err(incomplete(format!("bid {b} is not qualified")));
            }
            // With more qualified bids than candidates each member recommends exactly that
            // many, each with its own 择优 remark (`qualitative::select` counts them).
            if bids.len() > wanted {
                if recommended.len() != wanted {
                    return Err(incomplete(format!("recommend exactly {wanted} bids")));
                }
                let merit = |b: &String| {
                    remarks
                        .iter()
                        .any(|r| r.bid == *b && r.kind == RemarkKind::Merit)
                };
                if let Some(b) = recommended.iter().find(|b| !merit(b)) {
                    return Err(EvaluationError::RemarkRequired {
                        member: member.to_string(),
                        bid: b.clone(),
                    });
                }
            }
            Ok(())
        }
        (Sheet::Adjustments { .. }, _) => Err(incomplete("the method has no adjustments".into())),
    }
}
