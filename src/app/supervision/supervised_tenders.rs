//! `GET /api/v1/supervision/tenders`: the live state of the tenders the caller's department
//! supervises (those whose latest published version names it), paged by tender id, optionally
//! only those in given lifecycle states — each with its sections' stages as they recorded them,
//! the next statutory deadline the platform knows and its open complaints and cases (issue 15
//! item 7).
//!
//! Eleven statements a page whatever its size, never one per tender: the officer, the page,
//! then over the page's ids the published drafts (for the sections), the openings, the
//! committees, the awards, the unanswered objections (award and documents), the open complaints
//! and the deviation flags, and the department's open cases
//! sourced from complaints, collusion signals or deviation alerts (its caseload, matched to the
//! page in memory).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::app::support::errors::internal;
use crate::app::support::pages;
use crate::app::{Actor, AppContext};
use crate::db::repo::oversight as repo;
use crate::db::repo::supervision::find_officer;
use crate::db::types::from_db;
use crate::domain::case::{SourceKind, State as CaseState};
use crate::domain::complaint::State as ComplaintState;
use crate::domain::identity::Role;
use crate::domain::lifecycle::StateKind;
use crate::domain::tender::TenderDraft;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::oversight::{
    AwardStage, CommitteeState, Deadline, DeadlineKind, OpeningPhase, SectionProgress,
    SectionStage, SupervisedTender, Tenderer,
};
use crate::wire::Page;

/// The caller as an officer of a department: its code (`other_department` for a regulator of
/// none, `forbidden` for anyone else).
pub(super) fn department_of(c: &mut crate::db::AnyConnection, actor: &Actor) -> AppResult<String> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden(
            "a department's officers read its supervision view",
        ));
    }
    find_officer(c, &actor.id)?
        .map(|o| o.department_code)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::OtherDepartment,
                "only an officer of a department (执法人员库) reads its supervision view",
            )
        })
}

pub async fn supervised_tenders(
    ctx: &AppContext,
    actor: &Actor,
    states: Vec<StateKind>,
    after: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<SupervisedTender>> {
    let page = pages::parse::<String>(after.as_deref(), limit, pages::LISTS)?;
    let (actor, now) = (actor.clone(), ctx.clock.now());
    ctx.db
        .read(move |c| {
            let department = department_of(c, &actor)?;
            let wanted: Vec<String> = states.iter().map(|s| s.as_str().to_string()).collect();
            let rows = repo::department_tenders(
                c,
                &department,
                (!wanted.is_empty()).then_some(wanted.as_slice()),
                &page,
            )?;
            let (rows, next) = pages::cut(&page, rows, |r| r.id.clone());
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let drafts: HashMap<String, String> =
                repo::published_drafts(c, &ids)?.into_iter().collect();
            let openings = repo::openings(c, &ids)?;
            let committees = repo::committees_of(c, &ids)?;
            let awards = repo::awards(c, &ids)?;
            let objections = repo::unanswered_objections(c, &ids)?;
            // Still being handled: not refused, decided or withdrawn.
            let open_complaint = [
                ComplaintState::Filed,
                ComplaintState::Accepted,
                ComplaintState::Paused,
            ]
            .map(ComplaintState::as_str);
            let complaints = repo::complaints_in(c, &ids, &open_complaint)?;
            let open_case: Vec<&str> = CaseState::ALL
                .into_iter()
                .filter(|s| !s.is_final())
                .map(CaseState::as_str)
                .collect();
            let flags = repo::flags_of(c, &ids)?;
            let kinds = [
                SourceKind::Complaint.as_str(),
                SourceKind::CollusionSignal.as_str(),
                SourceKind::DeviationAlert.as_str(),
            ];
            let cases = repo::case_sources(c, &department, &open_case, &kinds)?;
            let seen = Seen {
                openings: &openings,
                committees: &committees,
                awards: &awards,
                objections: &objections,
                complaints: &complaints,
                flags: &flags,
                cases: &cases,
            };
            let items = rows
                .into_iter()
                .map(|r| {
                    let draft = drafts
                        .get(&r.id)
                        .ok_or_else(|| internal(anyhow::anyhow!("tender {}: no version", r.id)))?;
                    let draft: TenderDraft = serde_json::from_str(draft).map_err(internal)?;
                    view(r, &draft, &seen, now)
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok(pages::to_page(items, next))
        })
        .await
}

/// What the page's other statements returned, for every tender of the page.
struct Seen<'a> {
    openings: &'a [repo::OpeningLine],
    committees: &'a [(String, String, String)],
    awards: &'a [repo::AwardLine],
    objections: &'a [repo::DueLine],
    complaints: &'a [(String, String)],
    flags: &'a [(String, String)],
    cases: &'a [(String, String)],
}

fn view(
    r: repo::TenderLine,
    draft: &TenderDraft,
    seen: &Seen<'_>,
    now: DateTime<Utc>,
) -> AppResult<SupervisedTender> {
    let state = StateKind::ALL
        .into_iter()
        .find(|k| k.as_str() == r.state)
        .ok_or_else(|| internal(anyhow::anyhow!("tender {}: state {:?}", r.id, r.state)))?;
    let bad = |what: &str, s: &str| internal(anyhow::anyhow!("tender {}: {what} {s:?}", r.id));
    let mut deadlines = Vec::new();
    if state == StateKind::Published {
        deadlines.push(Deadline {
            kind: DeadlineKind::BidDeadline,
            section: None,
            at: from_db(r.bid_deadline),
        });
    }
    let mut sections = Vec::new();
    for s in &draft.sections {
        let ours = |t: &str, sec: &str| t == r.id && sec == s.code;
        let opening = match seen.openings.iter().find(|o| ours(&o.0, &o.1)) {
            Some((_, _, phase, until)) => {
                let p = OpeningPhase::parse(phase).ok_or_else(|| bad("opening", phase))?;
                if let (OpeningPhase::RecordPublished, Some(u)) = (p, until) {
                    deadlines.push(Deadline {
                        kind: DeadlineKind::OpeningObjections,
                        section: Some(s.code.clone()),
                        at: from_db(*u),
                    });
                }
                Some(p)
            }
            None => None,
        };
        // The latest committee: a re-evaluation forms a new one.
        let committee = match seen.committees.iter().rev().find(|m| ours(&m.0, &m.1)) {
            Some((_, _, st)) => {
                Some(CommitteeState::parse(st).ok_or_else(|| bad("committee", st))?)
            }
            None => None,
        };
        let award = match seen.awards.iter().find(|a| ours(&a.0, &a.1)) {
            Some((_, _, stage, until)) => {
                let a = AwardStage::parse(stage).ok_or_else(|| bad("award", stage))?;
                if let (AwardStage::Publicity, Some(u)) = (a, until) {
                    deadlines.push(Deadline {
                        kind: DeadlineKind::AwardPublicity,
                        section: Some(s.code.clone()),
                        at: from_db(*u),
                    });
                }
                Some(a)
            }
            None => None,
        };
        sections.push(SectionProgress {
            code: s.code.clone(),
            stage: stage_of(opening, committee, award),
            opening,
            committee,
            award,
        });
    }
    for (_, section, due) in seen.objections.iter().filter(|o| o.0 == r.id) {
        deadlines.push(Deadline {
            kind: match section {
                Some(_) => DeadlineKind::AwardObjectionAnswer,
                None => DeadlineKind::DocumentsObjectionAnswer,
            },
            section: section.clone(),
            at: from_db(*due),
        });
    }
    let next_deadline = deadlines
        .into_iter()
        .filter(|d| d.at > now)
        .min_by_key(|d| d.at);
    let complaints: Vec<&str> = seen
        .complaints
        .iter()
        .filter(|(_, t)| *t == r.id)
        .map(|(id, _)| id.as_str())
        .collect();
    let signal_prefix = format!("{}/", r.id);
    let cases = seen
        .cases
        .iter()
        .filter(|(kind, source)| match SourceKind::parse(kind) {
            Some(SourceKind::Complaint) => complaints.contains(&source.as_str()),
            Some(SourceKind::CollusionSignal) => source.starts_with(&signal_prefix),
            Some(SourceKind::DeviationAlert) => seen
                .flags
                .iter()
                .any(|(flag, tender)| flag == source && *tender == r.id),
            _ => false,
        })
        .count();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(SupervisedTender {
        id: r.id,
        title: r.title,
        tenderer: Tenderer {
            uscc: r.tenderer_uscc,
            name: r.tenderer_name,
        },
        state,
        sections,
        next_deadline,
        open_complaints: count(complaints.len()),
        open_cases: count(cases),
    })
}

/// The most advanced stage a section's records show.
pub(crate) fn stage_of(
    opening: Option<OpeningPhase>,
    committee: Option<CommitteeState>,
    award: Option<AwardStage>,
) -> SectionStage {
    match (opening, committee, award) {
        (_, _, Some(AwardStage::Failed)) => SectionStage::Failed,
        (_, _, Some(AwardStage::Notified)) => SectionStage::Awarded,
        (_, _, Some(AwardStage::Reevaluation)) => SectionStage::Evaluation,
        (_, _, Some(_)) => SectionStage::Award,
        (_, Some(_), None) => SectionStage::Evaluation,
        (Some(OpeningPhase::Failed), None, None) => SectionStage::Failed,
        (Some(OpeningPhase::Closed), None, None) => SectionStage::Evaluation,
        (Some(_), None, None) => SectionStage::Opening,
        (None, None, None) => SectionStage::Bidding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_stands_where_its_latest_record_puts_it() {
        use OpeningPhase as O;
        assert_eq!(stage_of(None, None, None), SectionStage::Bidding);
        assert_eq!(
            stage_of(Some(O::Decrypting), None, None),
            SectionStage::Opening
        );
        assert_eq!(
            stage_of(Some(O::RecordPublished), None, None),
            SectionStage::Opening
        );
        assert_eq!(
            stage_of(Some(O::Closed), None, None),
            SectionStage::Evaluation
        );
        assert_eq!(stage_of(Some(O::Failed), None, None), SectionStage::Failed);
        let ev = Some(CommitteeState::Evaluating);
        assert_eq!(
            stage_of(Some(O::Closed), ev, None),
            SectionStage::Evaluation
        );
        let done = Some(CommitteeState::Reported);
        let a = |s| stage_of(Some(O::Closed), done, Some(s));
        assert_eq!(a(AwardStage::Publicity), SectionStage::Award);
        assert_eq!(a(AwardStage::Clearing), SectionStage::Award);
        assert_eq!(a(AwardStage::Notified), SectionStage::Awarded);
        assert_eq!(a(AwardStage::Reevaluation), SectionStage::Evaluation);
        assert_eq!(a(AwardStage::Failed), SectionStage::Failed);
    }
}
