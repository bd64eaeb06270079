//! The award (定标) as every award use-case meets it: each section in the award has a row in
//! `section_awards` whose stage follows `domain::award::stage`; this module starts it from the
//! evaluation's complete reports, loads it for a step, runs the stage machine and keeps the
//! tender's lifecycle state at its least advanced section (docs/AWARD.md §3) — and at
//! `contracted` once every awarded section's contract is signed (docs/CONTRACTS.md §2).
//!
//! The evaluation stage calls [`begin`] when its reports are complete; the award stage's
//! use-cases call [`load`] and [`advance`] and write their own audit entries. Neither imports
//! the other: they meet here.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::app::support::errors::{internal, transition_error};
use crate::app::support::json::parse_json;
use crate::app::support::publicity::{self, Change};
use crate::app::support::tender::{published_draft, set_state, state_of};
use crate::audit::{ActorRef, EventType};
use crate::db::repo::awards::{self as repo, AwardRow};
use crate::db::repo::contracts as crepo;
use crate::db::repo::reports as rrepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::award::stage::{self, AwardStage, StageEvent};
use crate::domain::contract::ContractState;
use crate::domain::evaluation::candidates::Candidates;
use crate::domain::evaluation::report::Document;
use crate::domain::lifecycle::{transition, Event, StateKind};
use crate::domain::tender::{AwardMode, Section, TenderDraft};
use crate::error::{AppError, AppResult, ErrorCode};

/// A section's award, loaded for a step.
#[derive(Clone, Debug)]
pub struct Award {
    pub row: AwardRow,
    pub mode: AwardMode,
    pub stage: AwardStage,
    /// Bid ids, in the report's order (rank order when traditional).
    pub candidates: Vec<String>,
    /// The section as published.
    pub section: Section,
    pub draft: TenderDraft,
}

impl Award {
    pub fn separated(&self) -> bool {
        stage::separated(&self.mode)
    }

    /// The candidates the current award round's deciding was convened on (those whose bid
    /// was still valid then), or `None` before its 定标会议 is convened.
    pub fn convened_among(&self) -> AppResult<Option<Vec<String>>> {
        match (&self.row.convened_among, self.row.convened_round) {
            (Some(among), Some(round)) if round == self.row.award_round => {
                parse_json(among, "convened candidates").map(Some)
            }
            _ => Ok(None),
        }
    }
}

fn mode_text(mode: &AwardMode) -> &'static str {
    if stage::separated(mode) {
        "separated"
    } else {
        "traditional"
    }
}

/// The stage of a stored row.
pub fn stage_of(row: &AwardRow) -> AppResult<AwardStage> {
    AwardStage::parse(&row.stage).ok_or_else(|| {
        internal(anyhow::anyhow!(
            "award {}/{}: unknown stage {:?}",
            row.tender_id,
            row.section_code,
            row.stage
        ))
    })
}

/// The candidates of a stored row.
pub fn candidates_of(row: &AwardRow) -> AppResult<Vec<String>> {
    parse_json(&row.candidates, "award candidates")
}

/// Starts the award of every section of `tender` whose newest complete report recommends
/// candidates and which is not in the award yet — or was sent back for re-evaluation and now
/// has a newer report (a new award round from that report). Then moves the tender to the
/// state of its least advanced section.
pub fn begin(c: &mut AnyConnection, now: DateTime<Utc>, tender: &str) -> AppResult<()> {
    let mut reports = rrepo::complete_of_tender(c, tender)?;
    reports
        .sort_by(|a, b| (&a.section_code, a.generated_at).cmp(&(&b.section_code, b.generated_at)));
    let mut newest: Vec<rrepo::ReportRow> = Vec::new();
    for r in reports {
        match newest.last_mut() {
            Some(last) if last.section_code == r.section_code => *last = r,
            _ => newest.push(r),
        }
    }
    for r in newest {
        let existing = repo::lock(c, tender, &r.section_code)?;
        if let Some(row) = &existing {
            if stage_of(row)? != AwardStage::Reevaluation || row.report_id == r.id {
                continue;
            }
        }
        let doc: Document = parse_json(&r.document, "evaluation report")?;
        let bids = match doc.derivation.candidates {
            Candidates::Ranked { bids } | Candidates::Unranked { bids } => bids,
            Candidates::SectionFails { .. } => continue,
        };
        if bids.is_empty() {
            continue;
        }
        let mode = doc.section.award.clone();
        let first = stage::begin(&mode);
        let row = AwardRow {
            tender_id: tender.to_string(),
            section_code: r.section_code.clone(),
            mode: mode_text(&mode).to_string(),
            stage: first.as_str().to_string(),
            candidates: serde_json::to_string(&bids).map_err(internal)?,
            report_id: r.id.clone(),
            report_digest: r.digest.clone(),
            winner_bid_id: None,
            winner_reason: None,
            decided_at: None,
            publicity_from: None,
            publicity_until: None,
            open_objections: 0,
            award_round: existing.as_ref().map_or(1, |e| e.award_round + 1),
            version: existing.as_ref().map_or(1, |e| e.version + 1),
            created_at: existing.as_ref().map_or(to_db(now), |e| e.created_at),
            updated_at: to_db(now),
            convened_among: None,
            convened_round: None,
        };
        if existing.is_some() {
            repo::update(c, &row)?;
        } else {
            repo::insert(c, &row)?;
        }
        publicity::event(
            c,
            now,
            tender,
            Change::new(
                ActorRef::system(),
                EventType::AwardBegun,
                json!({"tender": tender, "section": r.section_code, "mode": row.mode,
                    "stage": first, "candidates": bids, "report": r.id,
                    "report_digest": r.digest, "award_round": row.award_round}),
            )
            .in_section(&r.section_code),
        )?;
    }
    sync_tender(c, now, tender)
}

/// The award of `section`, locked for a step. The tender must be in the award (or contracted:
/// the written report of 招标投标法47 may still be due) and not suspended or terminated: a
/// suspension (a complaint, a regulator's order) halts every step.
pub fn load(c: &mut AnyConnection, tender: &str, section: &str) -> AppResult<Award> {
    let trow =
        trepo::lock_tender(c, tender)?.ok_or_else(|| AppError::not_found("no such tender"))?;
    let state = state_of(&trow)?.kind();
    let row = repo::lock(c, tender, section)?
        .ok_or_else(|| AppError::not_found("this section is not in the award"))?;
    if !(state.in_award() || state == StateKind::Contracted) {
        return Err(AppError::new(
            ErrorCode::InvalidStateTransition,
            format!("the tender is {state}: the award waits"),
        ));
    }
    let draft = published_draft(c, &trow)?;
    let section = draft
        .sections
        .iter()
        .find(|s| s.code == row.section_code)
        .cloned()
        .ok_or_else(|| internal(anyhow::anyhow!("award of a section the tender lacks")))?;
    Ok(Award {
        mode: section.award.clone(),
        stage: stage_of(&row)?,
        candidates: candidates_of(&row)?,
        section,
        draft,
        row,
    })
}

/// Runs `event` on the award: the stage machine, then the row (version bumped) and the
/// tender's aggregate state. The caller has changed whatever else the step sets on the row
/// (winner, publicity) and writes the step's audit entry.
pub fn advance(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    award: &mut Award,
    event: &StageEvent,
) -> AppResult<AwardStage> {
    let next = stage::advance(&award.mode, award.stage, event)
        .map_err(|e| AppError::new(ErrorCode::AwardStage, e.to_string()))?;
    award.stage = next;
    award.row.stage = next.as_str().to_string();
    award.row.version += 1;
    award.row.updated_at = to_db(now);
    repo::update(c, &award.row)?;
    sync_tender(c, now, &award.row.tender_id)?;
    Ok(next)
}

/// Saves changes to the row that do not move the stage (an objection counted, a winner
/// recorded before the step that moves on).
pub fn save(c: &mut AnyConnection, now: DateTime<Utc>, award: &mut Award) -> AppResult<()> {
    award.row.version += 1;
    award.row.updated_at = to_db(now);
    repo::update(c, &award.row)?;
    Ok(())
}

/// Moves the tender to the state its sections hold it at, if that differs (an audited
/// `tender_award_progressed`), or from `awarded` to `contracted` once every awarded section's
/// contract is signed (an audited `tender_contracted`). A tender that is not in the award
/// (suspended, terminated, contracted) is left alone.
pub fn sync_tender(c: &mut AnyConnection, now: DateTime<Utc>, tender: &str) -> AppResult<()> {
    let Some(mut trow) = trepo::lock_tender(c, tender)? else {
        return Ok(());
    };
    let state = state_of(&trow)?;
    if !state.kind().in_award() {
        return Ok(());
    }
    let rows = repo::of_tender(c, tender)?;
    let mut stages = Vec::new();
    for r in &rows {
        stages.push(stage_of(r)?);
    }
    let mut to = stage::tender_state(&stages);
    let mut contracted = None;
    if to == StateKind::Awarded {
        contracted = signed_contracts(c, &rows, &stages)?;
        if contracted.is_some() {
            to = StateKind::Contracted;
        }
    }
    if to == state.kind() {
        return Ok(());
    }
    let draft = published_draft(c, &trow)?;
    let rules = crate::domain::tender::ProcedureRules::STATUTORY;
    let next = transition(
        &state,
        &Event::AwardProgressed { to },
        now,
        &draft.schedule,
        &rules,
    )
    .map_err(transition_error)?;
    set_state(&mut trow, &next, now)?;
    trepo::update_tender(c, &trow)?;
    let change = match contracted {
        Some(contracts) => Change::new(
            ActorRef::system(),
            EventType::TenderContracted,
            json!({"tender": tender, "from": state.kind(), "state": to,
                "contracts": contracts}),
        ),
        None => Change::new(
            ActorRef::system(),
            EventType::TenderAwardProgressed,
            json!({"tender": tender, "from": state.kind(), "state": to,
                "sections": stages}),
        ),
    };
    publicity::event(c, now, tender, change)?;
    Ok(())
}

/// Every awarded (`notified`) section's contract — the one that follows its standing award —
/// as `{section, contract}`, when each is signed (or, once signed, terminated); `None` while
/// any is not.
fn signed_contracts(
    c: &mut AnyConnection,
    rows: &[AwardRow],
    stages: &[AwardStage],
) -> AppResult<Option<Vec<serde_json::Value>>> {
    let mut out = Vec::new();
    for (r, s) in rows.iter().zip(stages) {
        if *s != AwardStage::Notified {
            continue;
        }
        let Some(k) = crepo::of_section(c, &r.tender_id, &r.section_code)? else {
            return Ok(None);
        };
        let follows =
            k.award_round == r.award_round && r.winner_bid_id.as_deref() == Some(k.bid_id.as_str());
        let state = ContractState::parse(&k.state)
            .ok_or_else(|| internal(anyhow::anyhow!("contract {}: state {}", k.id, k.state)))?;
        if !follows || state == ContractState::Draft {
            return Ok(None);
        }
        out.push(json!({"section": r.section_code, "contract": k.id}));
    }
    Ok((!out.is_empty()).then_some(out))
}

/// When the award's publicity runs: (from, until) of the row, if set.
pub fn publicity_window(row: &AwardRow) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    Some((from_db(row.publicity_from?), from_db(row.publicity_until?)))
}
