//! What the publicity verbs share (docs/AWARD.md §6): the statutory numbers in force for a
//! tender, the section's bidders (who may object), the checks before an award or a notice, and
//! sending a section back when an objection is upheld or a candidate is re-checked.

use chrono::{DateTime, Utc};

use crate::app::support::award::Award;
pub(super) use crate::app::support::award_publicity::{publicity_rules, send_back};
use crate::app::support::errors::internal;
use crate::app::support::publicity::{record, Change, Env, Mail, Publicity, Recipients};
use crate::audit::{ActorRef, EventType};
use crate::db::repo::award_publicity as prepo;
use crate::db::repo::bids as brepo;
use crate::db::repo::tenders::TenderRow;
use crate::db::types::from_db;
use crate::db::AnyConnection;
use crate::domain::award::publicity::publicity_over;
use crate::domain::bidding::BidState;
use crate::domain::tender::AnnouncementKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award::SectionAward;
use crate::wire::award_publicity::{AwardObjection, Outcome};

/// The organisations that bid in the section and were at its opening: those who may object
/// (条例54: 投标人或者其他利害关系人; the platform knows its bidders).
pub(super) fn section_bidders(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<Vec<brepo::BidRow>> {
    let states = [
        BidState::Opened,
        BidState::Revoked,
        BidState::WithdrawnAtOpening,
    ];
    Ok(brepo::bids_of_section(c, tender, section, &states)?)
}

/// The award, or a notice, may go ahead: the publicity is over and no objection is open.
pub(super) fn require_publicity_passed(award: &Award, now: DateTime<Utc>) -> AppResult<()> {
    if award.row.open_objections > 0 {
        return Err(AppError::new(
            ErrorCode::ObjectionsPending,
            "an objection to the result is not answered yet (条例54: the award waits)",
        ));
    }
    let Some(until) = award.row.publicity_until.map(from_db) else {
        return Err(AppError::new(
            ErrorCode::PublicityNotOver,
            "the result has not been published",
        ));
    };
    publicity_over(until, now)
        .map_err(|e| AppError::new(ErrorCode::PublicityNotOver, e.to_string()))
}

/// The wire view of an objection; `overdue` when answered late, or open past its due time.
pub(super) fn objection_dto(
    o: &prepo::ObjectionRow,
    now: DateTime<Utc>,
) -> AppResult<AwardObjection> {
    let due = from_db(o.answer_due);
    let outcome = match o.outcome.as_deref() {
        None => None,
        Some(stored) => Some(
            Outcome::parse(stored, o.send_back.as_deref()).ok_or_else(|| {
                internal(anyhow::anyhow!(
                    "objection {}: outcome {stored:?}, send back {:?}",
                    o.id,
                    o.send_back
                ))
            })?,
        ),
    };
    let overdue = match o.answered_at {
        Some(_) => o.answered_late == Some(true),
        None => now >= due,
    };
    Ok(AwardObjection {
        id: o.id.clone(),
        tender: o.tender_id.clone(),
        section: o.section_code.clone(),
        award_round: o.award_round,
        objector_uscc: o.objector_uscc.clone(),
        text: o.body.clone(),
        raised_at: from_db(o.raised_at),
        answer_due: due,
        answer: o.answer.clone(),
        outcome,
        answered_at: o.answered_at.map(from_db),
        overdue,
    })
}

/// Records a change of the section's award with its announcement and mails to the section's
/// bidders and the tender's parties.
#[allow(clippy::too_many_arguments)]
pub(super) fn announce(
    c: &mut AnyConnection,
    env: &Env,
    now: DateTime<Utc>,
    tender: &TenderRow,
    award: &Award,
    actor: ActorRef,
    event: EventType,
    body: serde_json::Value,
    announcement: Option<(AnnouncementKind, String)>,
    mail_text: String,
) -> AppResult<()> {
    let section = award.row.section_code.clone();
    let bidders: Vec<String> = section_bidders(c, &tender.id, &section)?
        .into_iter()
        .map(|b| b.organisation_id)
        .collect();
    let subject = format!("{}：{}（{}）", event_subject(event), tender.title, section);
    let publicity = Publicity {
        release: None,
        announcement,
        mail: Some(Mail {
            kind: event.as_str(),
            subject,
            body: mail_text,
            to: Recipients::PartiesAnd(&bidders),
        }),
    };
    record(
        c,
        env,
        now,
        tender,
        Change::new(actor, event, body).in_section(&section),
        Some(publicity),
    )?;
    Ok(())
}

fn event_subject(e: EventType) -> &'static str {
    match e {
        EventType::AwardCandidatesPublished => "中标候选人公示",
        EventType::AwardObjectionRaised => "异议",
        EventType::AwardObjectionAnswered => "异议答复",
        EventType::AwardWinnerNamed => "确定中标人",
        EventType::AwardWinnerDroppedOut => "中标人变更",
        EventType::AwardSentBack => "退回复核",
        _ => "定标",
    }
}

/// The section's award as `GET …/award` shows it to the tender's side.
pub(super) fn section_award(award: &Award) -> AppResult<SectionAward> {
    let row = &award.row;
    Ok(SectionAward {
        tender_id: row.tender_id.clone(),
        section: row.section_code.clone(),
        mode: row.mode.clone(),
        stage: award.stage,
        candidates: award.candidates.clone(),
        report_id: row.report_id.clone(),
        report_digest: row.report_digest.clone(),
        winner: row.winner_bid_id.clone(),
        winner_reason: row.winner_reason.clone(),
        decided_at: row.decided_at.map(from_db),
        publicity_from: row.publicity_from.map(from_db),
        publicity_until: row.publicity_until.map(from_db),
        open_objections: u32::try_from(row.open_objections).unwrap_or(0),
        award_round: u32::try_from(row.award_round).unwrap_or(1),
        version: u32::try_from(row.version).unwrap_or(0),
    })
}
