//! An officer puts a clue (线索) on file for its department: what it comes from, whom it is
//! against, what is alleged and when the act occurred.

use serde_json::json;

use super::*;
use crate::app::support::errors::text;
use crate::app::AppContext;
use crate::db::repo::experts;
use crate::db::types::to_db;
use crate::domain::authz::Permission;
use crate::domain::case::SourceKind;
use crate::domain::schedule::start_of_legal_day;
use crate::domain::uscc::Uscc;
use crate::error::FieldError;
use crate::wire::cases::ClueRequest;

struct Clue {
    party: CaseParty,
    summary: String,
    source_id: String,
}

fn check(req: &ClueRequest, today: chrono::NaiveDate) -> AppResult<Clue> {
    let mut errors = Vec::new();
    let mut keep = |r: AppResult<String>| match r {
        Ok(s) => s,
        Err(e) => {
            errors.extend(e.errors);
            String::new()
        }
    };
    let summary = keep(text("summary", &req.summary, LONG_TEXT));
    let name = keep(text("party.name", &req.party.name, SHORT_TEXT));
    let source_id = keep(text("source.id", &req.source.id, SHORT_TEXT));
    let mut party = CaseParty {
        kind: req.party.kind,
        uscc: None,
        person_id: None,
        name,
    };
    match (req.party.kind, &req.party.uscc, &req.party.person_id) {
        (PartyKind::Organisation, Some(u), None) => match Uscc::parse(u.trim()) {
            Ok(code) => party.uscc = Some(code.as_str().to_string()),
            Err(_) => errors.push(FieldError::new(
                "party.uscc",
                "uscc_invalid",
                "not a valid unified social credit code",
            )),
        },
        (PartyKind::Expert, None, Some(p)) => party.person_id = Some(p.trim().to_string()),
        _ => errors.push(FieldError::new(
            "party",
            "invalid",
            "an organisation is named by its uscc, an expert by its person_id",
        )),
    }
    if req.occurred_on > today {
        errors.push(FieldError::new(
            "occurred_on",
            "in_future",
            "the act cannot have occurred after today",
        ));
    }
    if errors.is_empty() {
        Ok(Clue {
            party,
            summary,
            source_id,
        })
    } else {
        Err(AppError::validation(errors))
    }
}

/// The source must exist where the platform keeps it: a computed collusion signal, a flagged
/// deviation, a member of the expert library (whose expert must be the party), a complaint made
/// to this department (or on a tender naming none) that it accepted — decided, withdrawn or still
/// being handled: what it found may become a case of the department's own motion. Inspections
/// are recorded as the department names them until inspections are on the platform.
fn check_source(
    c: &mut AnyConnection,
    kind: SourceKind,
    id: &str,
    party: &CaseParty,
    department: &str,
) -> AppResult<()> {
    let unknown = || AppError::field("source.id", "unknown", "no such source on the platform");
    match kind {
        // A 双随机 task of the platform must be published with a finding and checked by the
        // department; any other id is the number of an inspection record kept off the platform
        // (a department's own 检查笔录), which the case's evidence then carries.
        SourceKind::Inspection => match crate::db::repo::inspections::find_task(c, id)? {
            None => Ok(()),
            Some(task) => {
                let team: Vec<crate::domain::inspection::Member> =
                    crate::app::support::json::parse_json(&task.team, "task team")?;
                let on_team = team.iter().any(|m| m.department == department);
                let published = crate::domain::inspection::TaskState::parse(&task.state)
                    == Some(crate::domain::inspection::TaskState::Published);
                if published && task.findings > 0 && on_team {
                    Ok(())
                } else {
                    Err(AppError::field(
                        "source.id",
                        "no_finding",
                        "an inspection task becomes a case's source once its results, with a \
                         non-compliant finding, are published by a team of the department",
                    ))
                }
            }
        },
        SourceKind::Complaint => {
            let complaint = crate::db::repo::supervision::find_complaint(c, id)?
                .filter(|x| x.department_code.as_deref().is_none_or(|d| d == department))
                .ok_or_else(unknown)?;
            if complaint.handled_at.is_some() && complaint.refusal_ground.is_none() {
                Ok(())
            } else {
                Err(AppError::field(
                    "source.id",
                    "not_accepted",
                    "a complaint becomes a case's source once the department accepted it",
                ))
            }
        }
        SourceKind::CollusionSignal => {
            let mut parts = id.rsplitn(3, '/');
            let (Some(seq), Some(section), Some(tender)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(unknown());
            };
            let seq: i32 = seq.parse().map_err(|_| unknown())?;
            if repo::collusion_signal_exists(c, tender, section, seq)? {
                Ok(())
            } else {
                Err(unknown())
            }
        }
        SourceKind::DeviationAlert if repo::deviation_flag_exists(c, id)? => Ok(()),
        SourceKind::DeviationAlert => Err(unknown()),
        SourceKind::ExpertMisconduct => {
            let member = experts::find(c, id)?.ok_or_else(unknown)?;
            if party.person_id.as_deref() == Some(member.principal_id.as_str()) {
                Ok(())
            } else {
                Err(AppError::field(
                    "party.person_id",
                    "not_the_member",
                    "the party of an expert's misconduct is that expert",
                ))
            }
        }
    }
}

/// Put a clue on file; audited `case_clue_opened`.
pub async fn open_clue(ctx: &AppContext, actor: &Actor, req: ClueRequest) -> AppResult<Case> {
    actor.require(Permission::HandleCases)?;
    let now = ctx.clock.now();
    let clue = check(&req, legal_date(now))?;
    let actor = actor.clone();
    ctx.db
        .write(move |c| {
            let o = officer(c, &actor)?;
            check_source(
                c,
                req.source.kind,
                &clue.source_id,
                &clue.party,
                &o.department_code,
            )?;
            if let Some(p) = &clue.party.person_id {
                if idrepo::find_person(c, p)?.is_none() {
                    return Err(AppError::field(
                        "party.person_id",
                        "unknown",
                        "no such person",
                    ));
                }
            }
            // Who may take the party's steps, named in the log so the verifier can hold them
            // to it: the organisation registered under the USCC (if any), or the expert.
            let principal = match (&clue.party.uscc, &clue.party.person_id) {
                (Some(u), _) => idrepo::find_organisation_by_uscc(c, u)?.map(|o| o.id),
                (None, p) => p.clone(),
            };
            let row = new_row(&o, &actor, &req, clue, now);
            repo::insert(c, &row)?;
            let body = json!({"department": row.department_code,
                "source": {"kind": row.source_kind, "id": row.source_id},
                "party": {"kind": row.party_kind, "uscc": row.party_uscc,
                    "person_id": row.party_person, "principal": principal},
                "occurred_on": req.occurred_on, "grave": row.grave});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseClueOpened,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}

fn new_row(
    o: &OfficerRow,
    actor: &Actor,
    req: &ClueRequest,
    clue: Clue,
    now: DateTime<Utc>,
) -> repo::CaseRow {
    repo::CaseRow {
        id: uuid::Uuid::now_v7().to_string(),
        department_code: o.department_code.clone(),
        state: State::Clue.as_str().into(),
        source_kind: req.source.kind.as_str().into(),
        source_id: clue.source_id,
        party_kind: clue.party.kind.as_str().into(),
        party_uscc: clue.party.uscc,
        party_person: clue.party.person_id,
        party_name: clue.party.name,
        summary: clue.summary,
        occurred_on: to_db(start_of_legal_day(req.occurred_on)),
        grave: req.grave,
        opened_by: actor.id.clone(),
        opened_at: to_db(now),
        registered_at: None,
        extended_days: 0,
        decision_due: None,
        notice: None,
        notified_at: None,
        reply_due: None,
        hearing_rights: false,
        defence: None,
        hearing: None,
        decision: None,
        decision_no: None,
        decided_at: None,
        serve_due: None,
        served_at: None,
        served_late: false,
        executed_at: None,
        outcome: None,
        updated_at: to_db(now),
    }
}
