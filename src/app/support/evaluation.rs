//! The committee's sheets as the stages share them (docs/EVALUATION.md §17): which stages a
//! section's method has, which bids each stage judges, when a stage is complete and its sheets
//! are revealed (with the 偏离度 flags of a scoring stage), and what a departing member's
//! sheets become. The opening record is the source of the bids: every opened bid, less the
//! automatic rejections of 条例51 (`rejection::automatic`, and the frozen licence verdicts not
//! met, `licence::rejections`), is reviewed in 初步评审; the bids
//! that pass the revealed 初步评审 are in play at the method's second stage.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::app::support::errors::{evaluation_error, internal};
use crate::app::support::json::parse_json;
use crate::app::support::tender::published_draft;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::bids as brepo;
use crate::db::repo::committees as crepo;
use crate::db::repo::sheets as srepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::evaluation::deviation::{self, DeviationPolicy};
use crate::domain::evaluation::preliminary::aggregate;
use crate::domain::evaluation::rejection::{automatic, OpenedBid, Rejection};
use crate::domain::evaluation::scoring::ScoreSheet;
use crate::domain::evaluation::sheet::{Sheet, Stage};
use crate::domain::licence::{self, FrozenBid};
use crate::domain::tender::{EvaluationMethod, ProcedureType, Section};
use crate::error::{AppError, AppResult, ErrorCode};

/// The method's second stage: `scoring` (综合评估法), `adjustments` (经评审的最低投标价法) or
/// `qualitative` (定性评审).
pub fn second_stage(method: &EvaluationMethod) -> Stage {
    match method {
        EvaluationMethod::ComprehensiveScoring { .. } => Stage::Scoring,
        EvaluationMethod::LowestEvaluatedPrice { .. } => Stage::Adjustments,
        EvaluationMethod::Qualitative => Stage::Qualitative,
    }
}

/// The method's stages in order: 初步评审 (every method's first), then the second.
pub fn stages(method: &EvaluationMethod) -> [Stage; 2] {
    [Stage::Preliminary, second_stage(method)]
}

/// A committee with what its sheets are judged against.
pub struct Frame {
    pub committee: crepo::CommitteeRow,
    pub members: Vec<crepo::MemberRow>,
    pub section: Section,
    /// The tender's procedure (its rules give the default candidate count).
    pub procedure: ProcedureType,
    /// Every opened bid of the section, as the opening record has it.
    pub opened: Vec<OpenedBid>,
    /// The automatic rejections of the opening record and of the frozen licence verdicts.
    pub rejected: Vec<Rejection>,
    /// The licence verdicts frozen when the review started (empty before, and without
    /// licence requirements).
    pub licences: Vec<FrozenBid>,
}

impl Frame {
    pub fn load(c: &mut AnyConnection, committee: crepo::CommitteeRow) -> AppResult<Frame> {
        let t = trepo::find_tender(c, &committee.tender_id)?
            .ok_or_else(|| internal(anyhow::anyhow!("committee without its tender")))?;
        let draft = published_draft(c, &t)?;
        let procedure = draft.procedure;
        let section = draft
            .sections
            .into_iter()
            .find(|s| s.code == committee.section_code)
            .ok_or_else(|| internal(anyhow::anyhow!("committee of an unknown section")))?;
        let opened = opened_bids(c, &committee.tender_id, &committee.section_code)?;
        let mut rejected = automatic(&opened, section.price_cap.map(|c| c.amount()), false);
        let licences = crate::app::support::licences::frozen(
            c,
            &committee.tender_id,
            &committee.section_code,
        )?;
        for r in licence::rejections(&licences, &opened) {
            if !rejected.iter().any(|x| x.bid == r.bid) {
                rejected.push(r);
            }
        }
        let members = crepo::members(c, &committee.id)?;
        Ok(Frame {
            committee,
            members,
            section,
            procedure,
            opened,
            rejected,
            licences,
        })
    }

    /// The principal ids of the active members: the `member` of their sheets.
    pub fn active(&self) -> Vec<String> {
        self.members
            .iter()
            .filter(|m| m.active)
            .map(|m| m.principal_id.clone())
            .collect()
    }

    /// The bids 初步评审 judges: every opened bid not rejected automatically, by id.
    pub fn under_review(&self) -> Vec<String> {
        let out: BTreeSet<&str> = self
            .opened
            .iter()
            .map(|b| b.bid.as_str())
            .filter(|b| !self.rejected.iter().any(|r| r.bid == *b))
            .collect();
        out.into_iter().map(str::to_string).collect()
    }

    /// A bid's price as the opening record states it (the first, if it states several).
    pub fn price(&self, bid: &str) -> Option<Decimal> {
        self.opened
            .iter()
            .find(|b| b.bid == bid)
            .and_then(|b| b.prices.first().copied())
    }
}

/// Every opened bid of the section with its bidder and price, from the published opening
/// record.
pub fn opened_bids(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<Vec<OpenedBid>> {
    let Some(record) = brepo::find_opening(c, tender, section)?.and_then(|o| o.record) else {
        return Ok(Vec::new());
    };
    let record: Value = parse_json(&record, "opening record")?;
    let mut out = Vec::new();
    for e in record["bids"].as_array().into_iter().flatten() {
        if e["status"] != "opened" {
            continue;
        }
        let s = &e["summary"]["summary"];
        let s = if s.is_object() { s } else { &e["summary"] };
        let prices = s["price"]
            .as_str()
            .and_then(|p| p.parse::<Decimal>().ok())
            .into_iter()
            .collect();
        out.push(OpenedBid {
            bid: e["bid"].as_str().unwrap_or_default().to_string(),
            bidder: e["bidder_uscc"].as_str().unwrap_or_default().to_string(),
            prices,
        });
    }
    Ok(out)
}

/// The sheets of `stage` that count, one per active member, when every active member's is in.
fn complete(frame: &Frame, sheets: &[srepo::SheetRow]) -> bool {
    frame
        .members
        .iter()
        .filter(|m| m.active)
        .all(|m| sheets.iter().any(|s| s.member_id == m.id))
}

/// The bids in play at the method's second stage: those passing the revealed 初步评审 sheets
/// of the active members by majority (`preliminary::aggregate`), less the automatic
/// rejections and the bids rejected by a carried motion, by id. `stage_not_open` while an
/// active member's 初步评审 sheet is missing (before the first reveal, or until a
/// replacement's is in).
pub fn bids_in_play(conn: &mut AnyConnection, committee: &str) -> AppResult<Vec<String>> {
    let row =
        crepo::find(conn, committee)?.ok_or_else(|| AppError::not_found("no such committee"))?;
    let frame = Frame::load(conn, row)?;
    in_play(conn, &frame)
}

/// [`bids_in_play`] for a loaded frame.
pub fn in_play(conn: &mut AnyConnection, frame: &Frame) -> AppResult<Vec<String>> {
    let sheets = srepo::counting(conn, &frame.committee.id, Stage::Preliminary)?;
    if !complete(frame, &sheets) || sheets.iter().any(|s| s.revealed_at.is_none()) {
        return Err(AppError::new(
            ErrorCode::StageNotOpen,
            "初步评审 is not complete: every active member's preliminary sheet must be in first",
        ));
    }
    let mut verdicts = Vec::new();
    for s in &sheets {
        match parse_json::<Sheet>(&s.body, "sheet")? {
            Sheet::Preliminary { verdicts: v } => verdicts.extend(v),
            _ => {
                return Err(internal(anyhow::anyhow!(
                    "sheet {} is not preliminary",
                    s.id
                )))
            }
        }
    }
    let outcomes = aggregate(
        &frame.active(),
        &frame.under_review(),
        &frame.section.review_requirements(),
        &verdicts,
    )
    .map_err(evaluation_error)?;
    let carried = crate::db::repo::motions::carried_bids(conn, &frame.committee.id)?;
    Ok(outcomes
        .into_iter()
        .filter(|o| o.passed && !carried.contains(&o.bid))
        .map(|o| o.bid)
        .collect())
}

/// The audit body of one sheet as it is published at the reveal.
pub fn published(s: &srepo::SheetRow) -> AppResult<Value> {
    let body: Value = parse_json(&s.body, "sheet")?;
    Ok(
        json!({"sheet": s.id, "member": s.member_id, "person": s.principal_id,
        "stage": s.stage, "body": body, "commitment": s.statement_sha256,
        "signature": s.signature, "signature_algorithm": s.signature_algorithm,
        "signer": s.signer_fingerprint, "certificate": s.certificate}),
    )
}

/// When every active member's sheet of `stage` is in and some are not yet revealed, reveals
/// them all (`evaluation_sheets_revealed`, every counting sheet of the stage with its
/// signature; `again` when the stage was revealed before and a replacement's sheet completes
/// it anew) and, for a scoring stage, raises the 偏离度 flags not raised yet
/// (`deviation_flagged`). Returns whether it revealed.
pub fn reveal_if_complete(
    c: &mut AnyConnection,
    frame: &Frame,
    stage: Stage,
    policy: DeviationPolicy,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let id = frame.committee.id.clone();
    let sheets = srepo::counting(c, &id, stage)?;
    if sheets.is_empty()
        || !complete(frame, &sheets)
        || sheets.iter().all(|s| s.revealed_at.is_some())
    {
        return Ok(false);
    }
    let again = sheets.iter().any(|s| s.revealed_at.is_some());
    srepo::reveal(c, &id, stage, to_db(now))?;
    let void: Vec<String> = srepo::all(c, &id)?
        .into_iter()
        .filter(|s| s.stage == stage.as_str() && s.void)
        .map(|s| s.member_id)
        .collect();
    let published = sheets
        .iter()
        .map(published)
        .collect::<AppResult<Vec<_>>>()?;
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::EvaluationSheetsRevealed,
            tender_id: Some(frame.committee.tender_id.clone()),
            section_id: Some(frame.committee.section_code.clone()),
            actor: ActorRef::system(),
            subject: id.clone(),
            body: json!({"committee": id, "stage": stage, "again": again,
                "sheets": published, "void": void}),
        },
    )?;
    if stage == Stage::Scoring {
        flag_deviations(c, frame, &sheets, policy, now)?;
    }
    Ok(true)
}

fn flag_deviations(
    c: &mut AnyConnection,
    frame: &Frame,
    sheets: &[srepo::SheetRow],
    policy: DeviationPolicy,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(plan) = frame.section.evaluation.scoring_plan() else {
        return Ok(());
    };
    let mut scored = Vec::with_capacity(sheets.len());
    for s in sheets {
        match parse_json::<Sheet>(&s.body, "sheet")? {
            Sheet::Scoring { scores } => scored.push(ScoreSheet {
                member: s.principal_id.clone(),
                scores,
            }),
            _ => return Err(internal(anyhow::anyhow!("sheet {} is not scoring", s.id))),
        }
    }
    let id = &frame.committee.id;
    let known = srepo::flags_with_reasons(c, id)?;
    let mut raised = Vec::new();
    for f in deviation::flags(&plan, &scored, policy) {
        let Some(sheet) = sheets.iter().find(|s| s.principal_id == f.member) else {
            continue;
        };
        let seen = known.iter().any(|(k, _)| {
            k.member_id == sheet.member_id && k.bid_id == f.bid && k.criterion == f.criterion
        });
        if seen {
            continue;
        }
        let row = srepo::FlagRow {
            id: uuid::Uuid::now_v7().to_string(),
            committee_id: id.clone(),
            sheet_id: sheet.id.clone(),
            member_id: sheet.member_id.clone(),
            bid_id: f.bid.clone(),
            criterion: f.criterion.clone(),
            score: f.score.to_string(),
            others_mean: f.others_mean.to_string(),
            flagged_at: to_db(now),
        };
        srepo::insert_flag(c, &row)?;
        raised.push(
            json!({"flag": row.id, "member": row.member_id, "person": f.member,
            "bid": f.bid, "criterion": f.criterion, "score": f.score,
            "others_mean": f.others_mean}),
        );
    }
    if raised.is_empty() {
        return Ok(());
    }
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::DeviationFlagged,
            tender_id: Some(frame.committee.tender_id.clone()),
            section_id: Some(frame.committee.section_code.clone()),
            actor: ActorRef::system(),
            subject: id.clone(),
            body: json!({"committee": id, "policy": {"per_criterion": policy.per_criterion,
                "total": policy.total}, "flags": raised}),
        },
    )?;
    Ok(())
}

/// A member has left (条例48): its sheets are void — kept, counting for nothing. Returns how
/// many. The departure is recorded next, then [`reveal_completed`].
pub fn void_sheets(
    c: &mut AnyConnection,
    committee: &crepo::CommitteeRow,
    member: &str,
) -> AppResult<usize> {
    Ok(srepo::void_member(c, &committee.id, member)?)
}

/// After a departure: a stage it completes is revealed among the members who remain. The
/// replacement, when it joins, owes a sheet of every stage; a stage revealed before is complete
/// again (and revealed again) when the replacement's sheet is in.
pub fn reveal_completed(
    c: &mut AnyConnection,
    committee: &crepo::CommitteeRow,
    policy: DeviationPolicy,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let frame = Frame::load(c, committee.clone())?;
    for stage in stages(&frame.section.evaluation) {
        reveal_if_complete(c, &frame, stage, policy, now)?;
    }
    Ok(())
}

/// The award sends a section back to its original committee (条例56: a candidate's situation
/// changed; or an upheld objection to the result): the committee's complete report is void and
/// the committee evaluates again — its members re-check (a rejection motion, 条例51, for a
/// candidate that no longer qualifies) and the leader generates a new report, which completes
/// as any report does and restarts the award. Sheets already revealed stay: they are signed and
/// never edited. `why` goes into the audit entry (`evaluation_report_voided`). Refused with
/// `invalid_state_transition` when the section has no committee whose report is complete.
pub fn reopen_for_recheck(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    why: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use crate::db::repo::reports as rrepo;
    use crate::domain::evaluation::committee::CommitteeState;
    use crate::domain::evaluation::report::ReportState;
    let refused = || {
        AppError::new(
            ErrorCode::InvalidStateTransition,
            "the section's committee has no complete report to re-check",
        )
    };
    let mut committee = crepo::lock_of_section(c, tender, section)?.ok_or_else(refused)?;
    if committee.state().map_err(internal)? != CommitteeState::Reported {
        return Err(refused());
    }
    let mut report = rrepo::current(c, &committee.id)?.ok_or_else(refused)?;
    if report.state().map_err(internal)? != ReportState::Complete {
        return Err(refused());
    }
    report.set_state(ReportState::Void);
    rrepo::update(c, &report)?;
    committee.set_state(CommitteeState::Evaluating);
    crepo::update(c, &committee)?;
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::EvaluationReportVoided,
            tender_id: Some(report.tender_id.clone()),
            section_id: Some(report.section_code.clone()),
            actor: ActorRef::system(),
            subject: report.id.clone(),
            body: json!({"report": report.id, "committee": committee.id,
                "digest": report.digest, "why": why, "reopened": true}),
        },
    )?;
    Ok(())
}
