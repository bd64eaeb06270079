//! 双随机一公开 (docs/SUPERVISION.md §9): an officer of a published plan's lead department asks
//! for a round; the platform freezes the objects (by stratum) and the plan departments'
//! officers (with their avoidance units) in one frame of the one verifiable draw and commits to
//! its secret; an officer of the plan's departments other than the requester contributes its
//! signed random value (or the checkpoint fallback applies); the draw is made and revealed at
//! once and every drawn object becomes a joint task — one team of every department, one visit,
//! one checklist of every department's check items. The team records the results with evidence
//! files, every member signs them, and the last signature publishes them.
//!
//! The draw's audit entries are the draws' own (`draw_requested`, `draw_contributed`,
//! `draw_revealed`, with no tender), so `etender draw verify` replays a round like any draw;
//! `audit::verify_inspections` replays the assignment and checks who recorded and signed.

mod add_evidence;
mod contribute;
mod get_round;
mod get_task;
mod list_tasks;
mod published;
mod record_results;
mod request_round;
mod sign_results;
mod tick;

pub use add_evidence::*;
pub use contribute::*;
pub use get_round::*;
pub use get_task::*;
pub use list_tasks::*;
pub use published::*;
pub use record_results::*;
pub use request_round::*;
pub use sign_results::*;
pub use tick::*;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::json;

use crate::app::support::errors::internal;
use crate::app::support::json::{parse_json, to_json};
use crate::app::Actor;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::artefacts as arepo;
use crate::db::repo::inspections as repo;
use crate::db::repo::supervision::{find_officer, OfficerRow};
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::artefacts::{CheckItem, CreditGrade, ObjectKind, PlanStatus};
use crate::domain::calendar::WorkCalendar;
use crate::domain::draw::{self as rules, Contribution, Frame, GroupOutline};
use crate::domain::identity::Role;
use crate::domain::inspection::{self as insp, ItemResult, Member, RoundState, TaskState};
use crate::domain::schedule::start_of_legal_day;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::draws::ContributionView;
use crate::wire::inspections::*;

/// A published plan as a round reads it.
struct PlanView {
    code: String,
    lead: String,
    period: (NaiveDate, NaiveDate),
    items: Vec<String>,
    ratio: Decimal,
    grades: Vec<CreditGrade>,
    departments: Vec<String>,
    published: bool,
}

fn load_plan(c: &mut AnyConnection, code: &str) -> AppResult<PlanView> {
    let row = arepo::find_plan(c, code)?.ok_or_else(|| AppError::not_found("no such plan"))?;
    let date = |s: &str| s.parse::<NaiveDate>().map_err(internal);
    let grades: Vec<String> = parse_json(&row.grades, "plan grades")?;
    Ok(PlanView {
        period: (date(&row.period_from)?, date(&row.period_to)?),
        items: parse_json(&row.items, "plan items")?,
        ratio: row.sampling_ratio.parse().map_err(internal)?,
        grades: grades
            .iter()
            .filter_map(|g| CreditGrade::parse(g))
            .collect(),
        departments: parse_json(&row.departments, "plan departments")?,
        published: PlanStatus::parse(&row.status) == Some(PlanStatus::Published),
        lead: row.lead_department,
        code: row.code,
    })
}

/// The caller as an officer of a department, or `other_department`.
fn officer(c: &mut AnyConnection, actor: &Actor) -> AppResult<OfficerRow> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden("regulators only"));
    }
    find_officer(c, &actor.id)?.ok_or_else(|| {
        AppError::new(
            ErrorCode::OtherDepartment,
            "you are an officer of no department (执法人员库)",
        )
    })
}

/// The caller as an officer of one of the plan's departments.
fn plan_officer(c: &mut AnyConnection, actor: &Actor, plan: &PlanView) -> AppResult<OfficerRow> {
    let o = officer(c, actor)?;
    if plan.departments.contains(&o.department_code) || o.department_code == plan.lead {
        Ok(o)
    } else {
        Err(AppError::new(
            ErrorCode::OtherDepartment,
            "the plan is another department's",
        ))
    }
}

/// May read a round and its tasks: the trading centre, or an officer of the plan's departments.
fn may_read(c: &mut AnyConnection, actor: &Actor, plan: &PlanView) -> AppResult<()> {
    if actor.has(Role::Administrator) {
        return Ok(());
    }
    plan_officer(c, actor, plan).map(|_| ())
}

fn round_state(row: &repo::RoundRow) -> AppResult<RoundState> {
    RoundState::parse(&row.state).ok_or_else(|| internal(anyhow::anyhow!("bad round state")))
}

fn task_state(row: &repo::TaskRow) -> AppResult<TaskState> {
    TaskState::parse(&row.state).ok_or_else(|| internal(anyhow::anyhow!("bad task state")))
}

fn hex32(s: &str) -> AppResult<[u8; 32]> {
    crate::app::support::lottery::hex32(s)
}

/// The round's frame as its `draw_requested` entry logged it, checked against its digest.
fn frame_of(c: &mut AnyConnection, row: &repo::RoundRow) -> AppResult<Frame> {
    let entry = crate::db::repo::audit::find(c, &row.frame_event)?
        .ok_or_else(|| internal(anyhow::anyhow!("round {}: its frame entry is gone", row.id)))?;
    let frame = crate::app::support::lottery::logged_frame(&entry.body)?;
    if hex::encode(frame.digest()) != row.frame_digest {
        return Err(internal(anyhow::anyhow!(
            "round {}: the logged frame does not hash to its digest",
            row.id
        )));
    }
    Ok(frame)
}

/// Makes the round's draw once its contribution is in: the seed from the frame digest, the
/// secret and the contribution; the selection and the assignment; `draw_revealed` with the
/// record a regulator replays, the tasks, and `inspection_tasks_assigned`.
fn make(c: &mut AnyConnection, row: &mut repo::RoundRow, now: DateTime<Utc>) -> AppResult<()> {
    let frame = frame_of(c, row)?;
    let contribution = Contribution {
        contributor: row.contributor.clone().unwrap_or_default(),
        value: hex32(row.contribution.as_deref().unwrap_or_default())?,
    };
    let (digest, secret) = (hex32(&row.frame_digest)?, hex32(&row.secret)?);
    let seed = rules::seed(&digest, &secret, std::slice::from_ref(&contribution));
    let result = rules::select(&frame, &seed);
    let round_rules: insp::RoundRules = serde_json::from_str(&frame.rules).map_err(internal)?;
    let assignments = insp::assign(&round_rules, &result);
    let plan = load_plan(c, &row.plan_code)?;
    let checklist = checklist_of(c, &plan)?;
    let mut tasks = Vec::with_capacity(assignments.len());
    let mut logged = Vec::with_capacity(assignments.len());
    for (i, a) in assignments.iter().enumerate() {
        let (kind, id, unit) = insp::parse_candidate(&a.object)
            .ok_or_else(|| internal(anyhow::anyhow!("bad candidate {}", a.object)))?;
        let list: Vec<&CheckItem> = checklist
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, item)| item)
            .collect();
        let task = uuid::Uuid::now_v7().to_string();
        logged.push(json!({"task": task, "object": a.object, "team": a.members,
            "substitutions": a.substitutions, "staffed": a.staffed}));
        tasks.push(repo::TaskRow {
            id: task,
            round_id: row.id.clone(),
            seq: i32::try_from(i + 1).unwrap_or(i32::MAX),
            object_kind: kind.as_str().into(),
            object_id: id.into(),
            unit: unit.map(str::to_string),
            stratum: a.stratum.clone(),
            team: to_json(&a.members)?,
            substitutions: to_json(&a.substitutions)?,
            staffed: a.staffed,
            checklist: to_json(&list)?,
            state: if a.staffed {
                TaskState::Assigned
            } else {
                TaskState::Unstaffed
            }
            .as_str()
            .into(),
            visited_on: None,
            results: None,
            results_digest: None,
            signatures: "[]".into(),
            findings: 0,
            recorded_at: None,
            published_at: None,
        });
    }
    repo::insert_tasks(c, &tasks)?;
    row.state = RoundState::Drawn.as_str().into();
    row.drawn_at = Some(to_db(now));
    repo::update_round(c, row)?;
    let record = rules::Record {
        frame_digest: digest,
        commitment: hex32(&row.commitment)?,
        secret,
        frame,
        contributions: vec![contribution],
        result,
    };
    let event = |event_type, body| Event {
        event_type,
        tender_id: None,
        section_id: None,
        actor: ActorRef::system(),
        subject: row.id.clone(),
        body,
    };
    audit::record(
        c,
        now,
        event(
            EventType::DrawRevealed,
            json!({"draw": row.id, "record": record, "seats": []}),
        ),
    )?;
    audit::record(
        c,
        now,
        event(
            EventType::InspectionTasksAssigned,
            json!({"round": row.id, "draw": row.id, "plan": row.plan_code, "tasks": logged}),
        ),
    )?;
    Ok(())
}

/// The check items of the plan's items checked by its departments, with the kind of object
/// each applies to (its item's), by code.
fn checklist_of(c: &mut AnyConnection, plan: &PlanView) -> AppResult<Vec<(ObjectKind, CheckItem)>> {
    let kinds = item_kinds(c, plan)?;
    Ok(arepo::checks(c)?
        .into_iter()
        .filter(|r| plan.departments.contains(&r.department))
        .filter_map(|r| {
            let kind = *kinds.get(&r.item_code)?;
            Some((
                kind,
                CheckItem {
                    code: r.code,
                    item_code: r.item_code,
                    content: r.content,
                    method: r.method,
                    department: r.department,
                },
            ))
        })
        .collect())
}

/// The object kind of each of the plan's items.
fn item_kinds(c: &mut AnyConnection, plan: &PlanView) -> AppResult<BTreeMap<String, ObjectKind>> {
    let mut out = BTreeMap::new();
    for code in &plan.items {
        let item = arepo::find_item(c, code)?
            .ok_or_else(|| internal(anyhow::anyhow!("plan {}: item {code} gone", plan.code)))?;
        let kind = ObjectKind::parse(&item.object_kind)
            .ok_or_else(|| internal(anyhow::anyhow!("item {code}: bad object kind")))?;
        out.insert(code.clone(), kind);
    }
    Ok(out)
}

fn round_view(c: &mut AnyConnection, row: &repo::RoundRow) -> AppResult<InspectionRound> {
    let outline: Vec<GroupOutline> = parse_json(&row.outline, "round outline")?;
    let mut tasks = TaskCounts::default();
    for (state, n) in repo::task_counts(c, &row.id)? {
        let n = u64::try_from(n).unwrap_or(0);
        match TaskState::parse(&state) {
            Some(TaskState::Assigned) => tasks.assigned = n,
            Some(TaskState::Recorded) => tasks.recorded = n,
            Some(TaskState::Published) => tasks.published = n,
            Some(TaskState::Unstaffed) => tasks.unstaffed = n,
            None => return Err(internal(anyhow::anyhow!("bad task state {state}"))),
        }
    }
    let drawn = round_state(row)? == RoundState::Drawn;
    Ok(InspectionRound {
        id: row.id.clone(),
        plan: row.plan_code.clone(),
        teams: u32::try_from(row.teams).unwrap_or(0),
        state: round_state(row)?,
        requested_by: row.requested_by.clone(),
        requested_at: from_db(row.requested_at),
        contribute_by: from_db(row.contribute_by),
        frame_digest: row.frame_digest.clone(),
        commitment: row.commitment.clone(),
        groups: outline
            .into_iter()
            .map(|g| RoundGroup {
                code: g.code,
                count: g.count,
                reserves: g.reserves,
                candidates: g.candidates,
            })
            .collect(),
        contribution: match (&row.contributor, &row.contribution, row.contributed_at) {
            (Some(who), Some(value), Some(at)) => Some(ContributionView {
                contributor: who.clone(),
                value: value.clone(),
                contributed_at: from_db(at),
            }),
            _ => None,
        },
        secret: drawn.then(|| row.secret.clone()),
        drawn_at: row.drawn_at.map(from_db),
        tasks,
    })
}

/// When the results of a task visited on `visited_on` must be published by (the start of the
/// day after the `n`-th working day after the visit); `None` where the calendar does not reach.
fn publish_due(cal: &WorkCalendar, visited_on: Option<NaiveDate>, n: u32) -> Option<DateTime<Utc>> {
    let last = cal.add_working_days(visited_on?, n).ok()?;
    Some(start_of_legal_day(last.succ_opt()?))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSignature {
    person: String,
    signed_at: DateTime<Utc>,
    certificate: String,
    signature: String,
    signature_algorithm: String,
}

fn task_view(
    c: &mut AnyConnection,
    row: &repo::TaskRow,
    plan: &str,
    cal: &WorkCalendar,
    publish_days: u32,
    now: DateTime<Utc>,
) -> AppResult<InspectionTask> {
    let kind = ObjectKind::parse(&row.object_kind)
        .ok_or_else(|| internal(anyhow::anyhow!("bad object kind")))?;
    let visited_on = row
        .visited_on
        .as_deref()
        .map(|d| d.parse::<NaiveDate>().map_err(internal))
        .transpose()?;
    let due = publish_due(cal, visited_on, publish_days);
    let published_at = row.published_at.map(from_db);
    let signatures: Vec<StoredSignature> = parse_json(&row.signatures, "task signatures")?;
    Ok(InspectionTask {
        id: row.id.clone(),
        round: row.round_id.clone(),
        plan: plan.to_string(),
        seq: u32::try_from(row.seq).unwrap_or(0),
        object: InspectedObject {
            kind,
            id: row.object_id.clone(),
            unit: row.unit.clone(),
            stratum: row.stratum.clone(),
        },
        team: parse_json(&row.team, "task team")?,
        substitutions: parse_json(&row.substitutions, "task substitutions")?,
        staffed: row.staffed,
        checklist: parse_json(&row.checklist, "task checklist")?,
        state: task_state(row)?,
        visited_on,
        results: row
            .results
            .as_deref()
            .map(|r| parse_json(r, "task results"))
            .transpose()?
            .unwrap_or_default(),
        results_digest: row.results_digest.clone(),
        evidence: repo::evidence_of(c, &row.id)?
            .into_iter()
            .map(|e| InspectionEvidence {
                id: e.id,
                title: e.title,
                file_name: e.file_name,
                content_type: e.content_type,
                sha256: e.sha256,
                size: u64::try_from(e.size).unwrap_or(0),
                added_by: e.added_by,
                added_at: from_db(e.added_at),
            })
            .collect(),
        signatures: signatures
            .into_iter()
            .map(|s| ResultSignature {
                person: s.person,
                signed_at: s.signed_at,
                certificate: s.certificate,
            })
            .collect(),
        findings: u32::try_from(row.findings).unwrap_or(0),
        recorded_at: row.recorded_at.map(from_db),
        published_at,
        publish_due: due,
        overdue: due.is_some_and(|d| published_at.unwrap_or(now) >= d),
    })
}

/// The task with its round's plan, for a member of its team (or, with `read`, for anyone who
/// may read the round).
fn load_task(
    c: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    lock: bool,
    member_only: bool,
) -> AppResult<(repo::TaskRow, PlanView, Vec<Member>)> {
    let row = if lock {
        repo::lock_task(c, id)?
    } else {
        repo::find_task(c, id)?
    }
    .ok_or_else(|| AppError::not_found("no such task"))?;
    let round = repo::find_round(c, &row.round_id)?
        .ok_or_else(|| internal(anyhow::anyhow!("task {id}: its round is gone")))?;
    let plan = load_plan(c, &round.plan_code)?;
    let team: Vec<Member> = parse_json(&row.team, "task team")?;
    if member_only {
        if !actor.has(Role::Regulator) {
            return Err(AppError::forbidden("the task's inspectors only"));
        }
        if !team.iter().any(|m| m.person == actor.id) {
            return Err(AppError::forbidden("you are not on this task's team"));
        }
    } else {
        may_read(c, actor, &plan)?;
    }
    Ok((row, plan, team))
}

/// The avoidance units (USCCs) of officers, as their records list them.
fn avoid_units(o: &OfficerRow) -> AppResult<BTreeSet<String>> {
    let units: Vec<serde_json::Value> = parse_json(&o.avoid_units, "avoidance units")?;
    Ok(units
        .iter()
        .filter_map(|u| u["uscc"].as_str().map(str::to_string))
        .collect())
}
