//! Administrative-penalty cases (行政处罚, docs/SUPERVISION.md "Cases"): an officer of a
//! department (执法人员库) puts a clue on file, and its department's officers take the case
//! through 立案, 调查取证 (two officers on every piece of evidence), 审查, 告知, the party's
//! defence and hearing, 决定, 送达 (where bans take effect), 执行 and 结案, or a side exit.
//! `domain::case::advance` says which step follows which; each step is one verb here, writes its
//! audit entry (subject: the case) in its transaction, and `audit::verify_cases` replays them.
//! The party — the organisation by its USCC, or the expert — reads its case and submits its
//! defence and hearing request itself.

mod act;
mod add_evidence;
mod close;
mod confirm_evidence;
mod credit_list;
mod decide;
mod defend;
mod execute;
mod exits;
mod extend;
mod get_case;
mod hold_hearing;
mod list_cases;
mod notify;
mod open_clue;
mod party_act;
mod register;
mod request_hearing;
mod review;
mod schedule_hearing;
mod serve;

pub use act::*;
pub use add_evidence::*;
pub use close::*;
pub use confirm_evidence::*;
pub use credit_list::*;
pub use decide::*;
pub use defend::*;
pub use execute::*;
pub use exits::*;
pub use extend::*;
pub use get_case::*;
pub use hold_hearing::*;
pub use list_cases::*;
pub use notify::*;
pub use open_clue::*;
pub use party_act::*;
pub use register::*;
pub use request_hearing::*;
pub use review::*;
pub use schedule_hearing::*;
pub use serve::*;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::app::support::json::parse_json;
use crate::app::Actor;
use crate::audit::{ActorRef, Event, EventType};
use crate::db::repo::cases as repo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::supervision::{find_officer, OfficerRow};
use crate::db::types::{from_db, unsigned};
use crate::db::AnyConnection;
use crate::domain::case::{advance, payment_last_day, PartyKind, State, Step};
use crate::domain::identity::{PrincipalKind, Role};
use crate::domain::schedule::legal_date;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::cases::{Case, CaseEvidence, CaseParty, CaseSource};

/// Longest free text of an act (facts, opinions, statements, records).
const LONG_TEXT: usize = 4000;
/// Longest short text (names, numbers, places, reasons' summaries).
const SHORT_TEXT: usize = 200;

/// The caller as an officer of a department, or `other_department`.
fn officer(c: &mut AnyConnection, actor: &Actor) -> AppResult<OfficerRow> {
    find_officer(c, &actor.id)?.ok_or_else(|| {
        AppError::new(
            ErrorCode::OtherDepartment,
            "only an officer of a department (执法人员库) handles its cases",
        )
    })
}

/// The case locked for the change, and the caller as an officer of its department.
fn load_for_officer(
    c: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<(OfficerRow, repo::CaseRow)> {
    let o = officer(c, actor)?;
    let row = repo::lock(c, id)?.ok_or_else(|| AppError::not_found("no such case"))?;
    if row.department_code != o.department_code {
        return Err(AppError::new(
            ErrorCode::OtherDepartment,
            format!("the case is {}'s", row.department_code),
        ));
    }
    Ok((o, row))
}

/// Whether the caller is the case's party: the organisation itself (by its USCC) or the expert.
fn is_party(c: &mut AnyConnection, actor: &Actor, row: &repo::CaseRow) -> AppResult<bool> {
    Ok(match (row.party_kind()?, actor.kind) {
        (PartyKind::Organisation, PrincipalKind::Organisation) => {
            let org = idrepo::find_organisation(c, &actor.id)?;
            org.is_some_and(|o| Some(o.uscc) == row.party_uscc)
        }
        (PartyKind::Expert, PrincipalKind::Person) => {
            row.party_person.as_deref() == Some(actor.id.as_str())
        }
        _ => false,
    })
}

/// The case locked for the party's own submission; anyone else is told there is no such case.
fn load_for_party(c: &mut AnyConnection, actor: &Actor, id: &str) -> AppResult<repo::CaseRow> {
    let row = repo::lock(c, id)?.ok_or_else(|| AppError::not_found("no such case"))?;
    if !is_party(c, actor, &row)? {
        return Err(AppError::not_found("no such case"));
    }
    Ok(row)
}

/// Move the row by `step`, or refuse with `invalid_state_transition`.
fn take(row: &mut repo::CaseRow, step: Step) -> AppResult<State> {
    let from = row.state().map_err(AppError::internal)?;
    let to = advance(from, step).ok_or_else(|| {
        AppError::new(
            ErrorCode::InvalidStateTransition,
            format!("a case that is {} cannot take {step:?}", from.as_str()),
        )
    })?;
    row.state = to.as_str().into();
    Ok(to)
}

fn wrong_state(row: &repo::CaseRow, what: &str) -> AppError {
    AppError::new(
        ErrorCode::InvalidStateTransition,
        format!("a case that is {} takes no {what}", row.state),
    )
}

/// The officer's audit reference.
fn as_officer(actor: &Actor) -> ActorRef {
    actor.audit_as(Role::Regulator)
}

/// The party's audit reference: it acts as the case's party, whatever its roles.
fn as_party(actor: &Actor) -> ActorRef {
    ActorRef {
        role: "party".into(),
        id: actor.id.clone(),
    }
}

/// Record the case's step; the body always names the case and its state after the step.
fn record(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    by: ActorRef,
    row: &repo::CaseRow,
    event_type: EventType,
    mut body: Value,
) -> AppResult<()> {
    body["case"] = Value::String(row.id.clone());
    body["state"] = Value::String(row.state.clone());
    crate::audit::record(
        c,
        now,
        Event {
            event_type,
            tender_id: None,
            section_id: None,
            actor: by,
            subject: row.id.clone(),
            body,
        },
    )?;
    Ok(())
}

impl repo::CaseRow {
    fn party_kind(&self) -> AppResult<PartyKind> {
        PartyKind::parse(&self.party_kind).ok_or_else(|| {
            crate::app::support::errors::internal(anyhow::anyhow!(
                "case {}: party kind {:?}",
                self.id,
                self.party_kind
            ))
        })
    }

    fn party(&self) -> AppResult<CaseParty> {
        Ok(CaseParty {
            kind: self.party_kind()?,
            uscc: self.party_uscc.clone(),
            person_id: self.party_person.clone(),
            name: self.party_name.clone(),
        })
    }
}

fn evidence_dto(e: repo::EvidenceRow) -> AppResult<CaseEvidence> {
    Ok(CaseEvidence {
        kind: serde_json::from_value(Value::String(e.kind.clone())).map_err(AppError::internal)?,
        id: e.id,
        title: e.title,
        file_name: e.file_name,
        content_type: e.content_type,
        sha256: e.sha256,
        size: u64::try_from(e.size).unwrap_or(0),
        added_by: e.added_by,
        added_at: from_db(e.added_at),
        second_officer: e.second_officer,
        confirmed_at: e.confirmed_at.map(from_db),
    })
}

fn opt<T: serde::de::DeserializeOwned>(s: &Option<String>, what: &str) -> AppResult<Option<T>> {
    s.as_deref().map(|j| parse_json(j, what)).transpose()
}

/// The case as its officers and party read it.
fn case_dto(c: &mut AnyConnection, row: repo::CaseRow) -> AppResult<Case> {
    let evidence = repo::evidence_of(c, &row.id)?
        .into_iter()
        .map(evidence_dto)
        .collect::<AppResult<Vec<_>>>()?;
    let source_kind = crate::domain::case::SourceKind::parse(&row.source_kind)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown source kind")))?;
    Ok(Case {
        state: row.state().map_err(AppError::internal)?,
        source: CaseSource {
            kind: source_kind,
            id: row.source_id.clone(),
        },
        party: row.party()?,
        occurred_on: legal_date(from_db(row.occurred_on)),
        registered_at: row.registered_at.map(from_db),
        decision_due: row.decision_due.map(from_db),
        extended_days: unsigned(row.extended_days),
        evidence,
        notice: opt(&row.notice, "case notice")?,
        defence: opt(&row.defence, "case defence")?,
        hearing: opt(&row.hearing, "case hearing")?,
        decision: opt(&row.decision, "case decision")?,
        serve_due: row.serve_due.map(from_db),
        served_at: row.served_at.map(from_db),
        payment_last_day: row.served_at.map(|t| payment_last_day(from_db(t))),
        executed_at: row.executed_at.map(from_db),
        opened_at: from_db(row.opened_at),
        id: row.id,
        department: row.department_code,
        summary: row.summary,
        grave: row.grave,
        opened_by: row.opened_by,
        served_late: row.served_late,
        outcome: row.outcome,
    })
}
