//! What the report's verbs share: the report as its viewers see it, completing it when every
//! member's position is in (the committee's work is done; the tender moves on once every opened
//! section has its report), and voiding it when a member leaves while it is signed.

use super::*;
use crate::app::support::tender::{published_draft, rules_for, set_state, state_of};
use crate::db::repo::bids as brepo;
use crate::db::repo::reports as rrepo;
use crate::db::repo::tenders as trepo;
use crate::domain::bidding::{BidState, OpeningPhase};
use crate::domain::evaluation::report::{AssentKind, ReportOutcome, ReportState};
use crate::domain::lifecycle::{transition, Event as TenderEvent, StateKind};
use crate::domain::refund::InterestRule;
use crate::domain::tender::ProcedureRulesTable;

pub(super) fn report_dto(
    row: &rrepo::ReportRow,
    positions: &[rrepo::SignatureRow],
) -> AppResult<EvaluationReport> {
    Ok(EvaluationReport {
        id: row.id.clone(),
        committee_id: row.committee_id.clone(),
        tender_id: row.tender_id.clone(),
        section: row.section_code.clone(),
        state: row.state().map_err(internal)?,
        outcome: row.outcome().map_err(internal)?,
        digest: row.digest.clone(),
        generated_at: from_db(row.generated_at),
        sign_until: from_db(row.sign_until),
        completed_at: row.completed_at.map(from_db),
        document: serde_json::from_str(&row.document).map_err(internal)?,
        positions: positions
            .iter()
            .map(|p| {
                Ok(ReportPosition {
                    member: p.member.clone(),
                    assent: p.assent().map_err(internal)?,
                    reason: p.reason.clone(),
                    signed_at: from_db(p.signed_at),
                })
            })
            .collect::<AppResult<_>>()?,
    })
}

/// The principals whose position the report needs: the members it lists.
pub(super) fn report_members(row: &rrepo::ReportRow) -> AppResult<Vec<String>> {
    let doc: crate::domain::evaluation::report::Document =
        serde_json::from_str(&row.document).map_err(internal)?;
    Ok(doc.member_ids())
}

/// When every listed member's position is recorded: the report is complete, the committee's
/// work is done, a report that recommends nobody fails its section (流标: its bonds are due
/// back), and the tender moves on if this was its last section to report.
pub(super) fn complete_if_all_in(
    c: &mut AnyConnection,
    (rules, refund): (&ProcedureRulesTable, InterestRule),
    report: &mut rrepo::ReportRow,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let members = report_members(report)?;
    let positions = rrepo::signatures(c, &report.id)?;
    let recorded = positions.iter().map(|p| p.member.as_str());
    if !crate::domain::evaluation::report::all_recorded(&members, recorded) {
        return Ok(false);
    }
    report.set_state(ReportState::Complete);
    report.completed_at = Some(to_db(now));
    rrepo::update(c, report)?;
    if let Some(mut committee) = crepo::lock_of_section(c, &report.tender_id, &report.section_code)?
    {
        committee.set_state(CommitteeState::Reported);
        crepo::update(c, &committee)?;
    }
    let count = |k: AssentKind| {
        positions
            .iter()
            .filter(|p| p.assent().is_ok_and(|a| a == k))
            .count()
    };
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::EvaluationReportCompleted,
            tender_id: Some(report.tender_id.clone()),
            section_id: Some(report.section_code.clone()),
            actor: ActorRef::system(),
            subject: report.id.clone(),
            body: json!({"report": report.id, "committee": report.committee_id,
                "digest": report.digest, "outcome": report.outcome,
                "agreed": count(AssentKind::Agreed),
                "dissented": count(AssentKind::Dissented),
                "deemed_agreed": count(AssentKind::DeemedAgreed)}),
        },
    )?;
    if report.outcome().map_err(internal)? == ReportOutcome::SectionFails {
        let Some(row) = trepo::find_tender(c, &report.tender_id)? else {
            return Err(internal(anyhow::anyhow!("report of no tender")));
        };
        let draft = published_draft(c, &row)?;
        let at = (report.tender_id.as_str(), report.section_code.as_str());
        crate::app::support::refunds::section_failed(c, now, refund, &draft, at)?;
    }
    finish_tender_when_all_reported(c, rules, &report.tender_id, now)?;
    Ok(true)
}

/// The tender leaves `evaluating` when every section whose opening closed with opened bids has
/// a complete report: to `evaluated` if any recommends candidates, else it fails (流标).
fn finish_tender_when_all_reported(
    c: &mut AnyConnection,
    rules: &ProcedureRulesTable,
    tender: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(mut row) = trepo::lock_tender(c, tender)? else {
        return Ok(());
    };
    let state = state_of(&row)?;
    if state.kind() != StateKind::Evaluating {
        return Ok(());
    }
    let reports = rrepo::complete_of_tender(c, tender)?;
    let mut any_candidates = false;
    for o in brepo::openings_of(c, tender)? {
        if o.phase().map_err(internal)? != OpeningPhase::Closed {
            continue;
        }
        let opened = brepo::bids_of_section(c, tender, &o.section_code, &[BidState::Opened])?;
        if opened.is_empty() {
            continue;
        }
        let Some(r) = reports.iter().find(|r| r.section_code == o.section_code) else {
            return Ok(());
        };
        any_candidates |= r.outcome().map_err(internal)? != ReportOutcome::SectionFails;
    }
    let draft = published_draft(c, &row)?;
    let next = transition(
        &state,
        &TenderEvent::FinishEvaluation { any_candidates },
        now,
        &draft.schedule,
        &rules_for(rules, &draft),
    )
    .map_err(|e| internal(anyhow::anyhow!("finish evaluation: {e:?}")))?;
    set_state(&mut row, &next, now)?;
    trepo::update_tender(c, &row)?;
    crate::app::support::publicity::event(
        c,
        now,
        &row.id,
        crate::app::support::publicity::Change::new(
            ActorRef::system(),
            EventType::TenderEvaluationFinished,
            json!({"tender": row.id, "state": next.kind().as_str(),
                "reports": reports.iter().map(|r| json!({"section": r.section_code,
                    "report": r.id, "digest": r.digest, "outcome": r.outcome}))
                    .collect::<Vec<_>>()}),
        ),
    )?;
    if next.kind() == StateKind::Evaluated {
        crate::app::support::award::begin(c, now, &row.id)?;
    }
    Ok(())
}

/// A member left while the report was being signed: the report is void (its replacement
/// evaluates afresh, 条例48) and the committee evaluates again.
pub(super) fn void_report_of(
    c: &mut AnyConnection,
    committee: &mut crepo::CommitteeRow,
    why: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(mut report) = rrepo::current(c, &committee.id)? else {
        return Ok(());
    };
    if report.state().map_err(internal)? != ReportState::Signing {
        return Ok(());
    }
    report.set_state(ReportState::Void);
    rrepo::update(c, &report)?;
    if committee.state().map_err(internal)? == CommitteeState::Reporting {
        committee.set_state(CommitteeState::Evaluating);
        crepo::update(c, committee)?;
    }
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
                "digest": report.digest, "why": why}),
        },
    )?;
    Ok(())
}
