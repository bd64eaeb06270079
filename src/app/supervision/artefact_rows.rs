//! How one artefact row is checked, authorised, stored and audited: the same path whether it
//! comes as JSON (`record_artefact`) or as a row of an imported sheet (`import_sheet`), so a
//! sheet can do nothing a regulator could not do row by row.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::app::support::errors::internal;
use crate::app::Actor;
use crate::audit::{ActorRef, Event, EventType};
use crate::db::repo::artefacts as repo;
use crate::db::repo::experts;
use crate::db::repo::identity::is_unique_violation;
use crate::db::repo::supervision as officers;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::artefacts::{
    CheckItem, CreditGrade, GradeRow, ManualEntry, ObjectKind, Plan, PlanDraft, PlanStatus,
    Problem, RiskLevel, SupervisionItem, DEFAULT_GRADE,
};
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};

/// A row on its way in.
#[derive(Clone, Debug)]
pub(super) enum Incoming {
    Item(SupervisionItem),
    Manual(ManualEntry),
    Check(CheckItem),
    /// A plan, and the status its sheet row claims (none from JSON: a new or draft plan).
    Plan(PlanDraft, Option<PlanStatus>),
    Grade(GradeRow),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// The department registry, by code and by name: sheets name departments as regulators do
/// (市住建局's full name) or by code, and export the name.
pub(super) struct Departments {
    names: HashMap<String, String>,
    codes_by_name: HashMap<String, Option<String>>,
}

impl Departments {
    pub fn load(c: &mut AnyConnection) -> AppResult<Departments> {
        let mut d = Departments {
            names: HashMap::new(),
            codes_by_name: HashMap::new(),
        };
        for row in experts::departments(c)? {
            d.codes_by_name
                .entry(row.name.clone())
                .and_modify(|e| *e = None)
                .or_insert_with(|| Some(row.code.clone()));
            d.names.insert(row.code, row.name);
        }
        Ok(d)
    }

    pub fn exists(&self, code: &str) -> bool {
        self.names.contains_key(code)
    }

    /// The name a sheet shows for `code`.
    pub fn name(&self, code: &str) -> String {
        self.names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// The code a sheet cell means: a code of the registry, or the one department so named.
    pub fn resolve(&self, cell: &str) -> Option<String> {
        if self.exists(cell) {
            Some(cell.to_string())
        } else {
            self.codes_by_name.get(cell).cloned().flatten()
        }
    }
}

pub(super) fn field_errors(problems: Vec<Problem>) -> AppError {
    AppError::validation(
        problems
            .into_iter()
            .map(|p| FieldError::new(&p.field, p.code, p.message))
            .collect(),
    )
}

fn problem(field: &str, code: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        field: field.into(),
        code,
        message: message.into(),
    }
}

/// The row's own rules, then what it refers to (departments, items, objects) must exist.
pub(super) fn problems(
    c: &mut AnyConnection,
    row: &Incoming,
    depts: &Departments,
) -> AppResult<Vec<Problem>> {
    let mut out = match row {
        Incoming::Item(x) => x.problems(),
        Incoming::Manual(x) => x.problems(),
        Incoming::Check(x) => x.problems(),
        Incoming::Plan(x, _) => x.problems(),
        Incoming::Grade(x) => x.problems(),
    };
    let dept = |out: &mut Vec<Problem>, field: &str, code: &str| {
        if !depts.exists(code) {
            out.push(problem(
                field,
                "unknown_department",
                format!("no department {code} in the registry (GET /api/v1/departments)"),
            ));
        }
    };
    match row {
        Incoming::Item(x) => {
            dept(&mut out, "lead_department", &x.lead_department);
            for (i, d) in x.co_departments.iter().enumerate() {
                dept(&mut out, &format!("co_departments[{i}]"), d);
            }
        }
        Incoming::Manual(x) => {
            if repo::find_item(c, &x.item_code)?.is_none() {
                out.push(unknown_item("item_code", &x.item_code));
            }
        }
        Incoming::Check(x) => match repo::find_item(c, &x.item_code)? {
            None => out.push(unknown_item("item_code", &x.item_code)),
            Some(item) => {
                let co: Vec<String> =
                    serde_json::from_str(&item.co_departments).map_err(internal)?;
                if item.lead_department != x.department && !co.contains(&x.department) {
                    out.push(problem(
                        "department",
                        "not_item_department",
                        "the checking department is the item's lead or a co-operating one",
                    ));
                }
            }
        },
        Incoming::Plan(x, _) => {
            dept(&mut out, "lead_department", &x.lead_department);
            for (i, d) in x.departments.iter().enumerate() {
                dept(&mut out, &format!("departments[{i}]"), d);
            }
            for (i, item) in x.items.iter().enumerate() {
                if repo::find_item(c, item)?.is_none() {
                    out.push(unknown_item(&format!("items[{i}]"), item));
                }
            }
        }
        Incoming::Grade(x) => {
            let known = match x.kind {
                ObjectKind::Organisation => {
                    crate::db::repo::identity::find_organisation_by_uscc(c, &x.id)?.is_some()
                }
                ObjectKind::Expert => experts::find(c, &x.id)?.is_some(),
                ObjectKind::Tender => true,
            };
            if !known {
                out.push(problem(
                    "id",
                    "unknown_object",
                    "no registered organisation (by USCC) or expert (by id) has this id",
                ));
            }
        }
    }
    Ok(out)
}

fn unknown_item(field: &str, code: &str) -> Problem {
    problem(
        field,
        "unknown_item",
        format!("no supervision item {code} (监管事项清单)"),
    )
}

/// The caller may change what `department` leads: an officer of it (the trading centre too,
/// where `centre` allows); returns how the change is audited.
fn may_lead(
    c: &mut AnyConnection,
    actor: &Actor,
    department: &str,
    centre: bool,
) -> AppResult<ActorRef> {
    if centre && actor.has(Role::Administrator) {
        return Ok(actor.audit_as(Role::Administrator));
    }
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden(if centre {
            "regulators of the lead department and the trading centre only"
        } else {
            "regulators of the lead department only"
        }));
    }
    match officers::find_officer(c, &actor.id)? {
        Some(o) if o.department_code == department => Ok(actor.audit_as(Role::Regulator)),
        _ => Err(AppError::new(
            ErrorCode::OtherDepartment,
            format!("led by department {department}; only its officers change it (执法人员库)"),
        )),
    }
}

/// Stores `row` if it differs from what is stored, with its audit event (`import` is the
/// imported file's digest). The row must have passed [`problems`].
pub(super) fn store(
    c: &mut AnyConnection,
    actor: &Actor,
    row: Incoming,
    now: chrono::DateTime<chrono::Utc>,
    import: Option<&str>,
) -> AppResult<Outcome> {
    match row {
        Incoming::Item(x) => store_item(c, actor, x, now, import),
        Incoming::Manual(x) => store_manual(c, actor, x, now, import),
        Incoming::Check(x) => store_check(c, actor, x, now, import),
        Incoming::Plan(x, claimed) => store_plan(c, actor, x, claimed, now, import),
        Incoming::Grade(x) => store_grade(c, actor, x, now, import),
    }
}

fn audit(
    c: &mut AnyConnection,
    now: chrono::DateTime<chrono::Utc>,
    event_type: EventType,
    actor: ActorRef,
    subject: &str,
    body: serde_json::Value,
) -> AppResult<()> {
    crate::audit::record(
        c,
        now,
        Event {
            event_type,
            tender_id: None,
            section_id: None,
            actor,
            subject: subject.to_string(),
            body,
        },
    )?;
    Ok(())
}

fn change(exists: bool) -> (Outcome, &'static str) {
    if exists {
        (Outcome::Updated, "updated")
    } else {
        (Outcome::Created, "created")
    }
}

fn store_item(
    c: &mut AnyConnection,
    actor: &Actor,
    x: SupervisionItem,
    now: chrono::DateTime<chrono::Utc>,
    import: Option<&str>,
) -> AppResult<Outcome> {
    let old = repo::find_item(c, &x.code)?;
    if let Some(old) = &old {
        may_lead(c, actor, &old.lead_department, true)?;
    }
    let by = may_lead(c, actor, &x.lead_department, true)?;
    if let Some(old) = &old {
        if item_from_db(old)? == x {
            return Ok(Outcome::Unchanged);
        }
    }
    let row = repo::ItemRow {
        code: x.code.clone(),
        name: x.name.clone(),
        legal_basis: x.legal_basis.clone(),
        lead_department: x.lead_department.clone(),
        co_departments: serde_json::to_string(&x.co_departments).map_err(internal)?,
        risk_level: x.risk_level.as_str().into(),
        object_kind: x.object_kind.as_str().into(),
        updated_by: by.id.clone(),
        updated_at: to_db(now),
    };
    repo::put_item(c, &row, old.is_some()).map_err(|e| raced(is_unique_violation(&e), e.into()))?;
    let (outcome, how) = change(old.is_some());
    let body = serde_json::json!({"item": x, "change": how, "import": import});
    audit(
        c,
        now,
        EventType::SupervisionItemRecorded,
        by,
        &x.code,
        body,
    )?;
    Ok(outcome)
}

fn item_lead(c: &mut AnyConnection, code: &str) -> AppResult<String> {
    repo::find_item(c, code)?
        .map(|i| i.lead_department)
        .ok_or_else(|| AppError::field("item_code", "unknown_item", "no such supervision item"))
}

fn store_manual(
    c: &mut AnyConnection,
    actor: &Actor,
    x: ManualEntry,
    now: chrono::DateTime<chrono::Utc>,
    import: Option<&str>,
) -> AppResult<Outcome> {
    let lead = item_lead(c, &x.item_code)?;
    let by = may_lead(c, actor, &lead, true)?;
    let seq = i32::try_from(x.seq).map_err(internal)?;
    let old = repo::find_manual(c, &x.item_code, seq)?;
    if old.as_ref().map(manual_from_db).as_ref() == Some(&x) {
        return Ok(Outcome::Unchanged);
    }
    let row = repo::ManualRow {
        item_code: x.item_code.clone(),
        seq,
        requirement: x.requirement.clone(),
        basis: x.basis.clone(),
        common_violation: x.common_violation.clone(),
        updated_by: by.id.clone(),
        updated_at: to_db(now),
    };
    repo::put_manual(c, &row, old.is_some())
        .map_err(|e| raced(is_unique_violation(&e), e.into()))?;
    let (outcome, how) = change(old.is_some());
    let subject = format!("{}#{}", x.item_code, x.seq);
    let body = serde_json::json!({"entry": x, "change": how, "import": import});
    audit(
        c,
        now,
        EventType::ComplianceEntryRecorded,
        by,
        &subject,
        body,
    )?;
    Ok(outcome)
}

fn store_check(
    c: &mut AnyConnection,
    actor: &Actor,
    x: CheckItem,
    now: chrono::DateTime<chrono::Utc>,
    import: Option<&str>,
) -> AppResult<Outcome> {
    let old = repo::find_check(c, &x.code)?;
    if let Some(old) = &old {
        let lead = item_lead(c, &old.item_code)?;
        may_lead(c, actor, &lead, true)?;
    }
    let lead = item_lead(c, &x.item_code)?;
    let by = may_lead(c, actor, &lead, true)?;
    if old.as_ref().map(check_from_db).as_ref() == Some(&x) {
        return Ok(Outcome::Unchanged);
    }
    let row = repo::CheckRow {
        code: x.code.clone(),
        item_code: x.item_code.clone(),
        content: x.content.clone(),
        method: x.method.clone(),
        department: x.department.clone(),
        updated_by: by.id.clone(),
        updated_at: to_db(now),
    };
    repo::put_check(c, &row, old.is_some())
        .map_err(|e| raced(is_unique_violation(&e), e.into()))?;
    let (outcome, how) = change(old.is_some());
    let body = serde_json::json!({"check": x, "change": how, "import": import});
    audit(c, now, EventType::CheckItemRecorded, by, &x.code, body)?;
    Ok(outcome)
}

fn store_plan(
    c: &mut AnyConnection,
    actor: &Actor,
    x: PlanDraft,
    claimed: Option<PlanStatus>,
    now: chrono::DateTime<chrono::Utc>,
    import: Option<&str>,
) -> AppResult<Outcome> {
    let old = repo::find_plan(c, &x.code)?
        .map(|r| plan_from_db(&r))
        .transpose()?;
    if let Some(old) = &old {
        may_lead(c, actor, &old.draft.lead_department, false)?;
    }
    let by = may_lead(c, actor, &x.lead_department, false)?;
    let stored = old.as_ref().map_or(PlanStatus::Draft, |p| p.status);
    if let Some(claimed) = claimed.filter(|s| *s != stored) {
        return Err(AppError::field(
            "status",
            "status_mismatch",
            format!(
                "the plan is {} here, not {}; a plan is published by POST …/publish",
                stored.label(),
                claimed.label()
            ),
        ));
    }
    if let Some(old) = &old {
        if old.draft == x {
            return Ok(Outcome::Unchanged);
        }
        if old.status == PlanStatus::Published {
            return Err(AppError::new(
                ErrorCode::InvalidStateTransition,
                format!(
                    "plan {} is published; a published plan is not changed",
                    x.code
                ),
            ));
        }
    }
    let row = plan_to_db(&x, PlanStatus::Draft, None, &by.id, now)?;
    repo::put_plan(c, &row, old.is_some()).map_err(|e| raced(is_unique_violation(&e), e.into()))?;
    let (outcome, how) = change(old.is_some());
    let body = serde_json::json!({"plan": x, "change": how, "import": import});
    audit(c, now, EventType::InspectionPlanRecorded, by, &x.code, body)?;
    Ok(outcome)
}

/// Publishes the draft plan `code` (an officer of its lead department); audited
/// `inspection_plan_published`.
pub(super) fn publish(
    c: &mut AnyConnection,
    actor: &Actor,
    code: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Plan> {
    let old = repo::find_plan(c, code)?.ok_or_else(|| AppError::not_found("no such plan"))?;
    let mut plan = plan_from_db(&old)?;
    let by = may_lead(c, actor, &plan.draft.lead_department, false)?;
    if plan.status == PlanStatus::Published {
        return Err(AppError::new(
            ErrorCode::InvalidStateTransition,
            format!("plan {code} is already published"),
        ));
    }
    plan.status = PlanStatus::Published;
    plan.published_at = Some(now);
    let row = plan_to_db(&plan.draft, plan.status, Some(now), &by.id, now)?;
    repo::put_plan(c, &row, true)?;
    let body = serde_json::json!({"plan": plan.draft, "published_at": now});
    audit(c, now, EventType::InspectionPlanPublished, by, code, body)?;
    Ok(plan)
}

fn store_grade(
    c: &mut AnyConnection,
    actor: &Actor,
    x: GradeRow,
    now: chrono::DateTime<chrono::Utc>,
    import: Option<&str>,
) -> AppResult<Outcome> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden("regulators set credit grades"));
    }
    let Some(officer) = officers::find_officer(c, &actor.id)? else {
        return Err(AppError::new(
            ErrorCode::OtherDepartment,
            "only an officer of a department (执法人员库) sets credit grades",
        ));
    };
    let old = repo::find_grade(c, x.kind.as_str(), &x.id)?;
    // An ungraded object has the default grade: a sheet stating it again changes nothing.
    let current = old
        .as_ref()
        .map_or(DEFAULT_GRADE.as_str(), |g| g.grade.as_str());
    if current == x.grade.as_str() {
        return Ok(Outcome::Unchanged);
    }
    let by = actor.audit_as(Role::Regulator);
    let row = repo::GradeRow {
        object_kind: x.kind.as_str().into(),
        object_id: x.id.clone(),
        grade: x.grade.as_str().into(),
        set_by: by.id.clone(),
        set_at: to_db(now),
    };
    repo::put_grade(c, &row, old.is_some())
        .map_err(|e| raced(is_unique_violation(&e), e.into()))?;
    let (outcome, how) = change(old.is_some());
    let subject = format!("{}:{}", x.kind.as_str(), x.id);
    let body = serde_json::json!({"object": x, "department": officer.department_code,
        "change": how, "import": import});
    audit(c, now, EventType::CreditGradeSet, by, &subject, body)?;
    Ok(outcome)
}

/// A first recording of the same key by a concurrent request commits first: this one is
/// refused (nothing written) and may be retried, when it will update or find the row unchanged.
fn raced(unique_violation: bool, e: AppError) -> AppError {
    if unique_violation {
        AppError::conflict("recorded concurrently by another request; retry")
    } else {
        e
    }
}

fn bad_row(what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("stored {what} row does not decode"))
}

pub(super) fn item_from_db(r: &repo::ItemRow) -> AppResult<SupervisionItem> {
    Ok(SupervisionItem {
        code: r.code.clone(),
        name: r.name.clone(),
        legal_basis: r.legal_basis.clone(),
        lead_department: r.lead_department.clone(),
        co_departments: serde_json::from_str(&r.co_departments).map_err(internal)?,
        risk_level: RiskLevel::parse(&r.risk_level).ok_or_else(|| bad_row("item"))?,
        object_kind: ObjectKind::parse(&r.object_kind).ok_or_else(|| bad_row("item"))?,
    })
}

pub(super) fn manual_from_db(r: &repo::ManualRow) -> ManualEntry {
    ManualEntry {
        item_code: r.item_code.clone(),
        seq: r.seq.max(0) as u32,
        requirement: r.requirement.clone(),
        basis: r.basis.clone(),
        common_violation: r.common_violation.clone(),
    }
}

pub(super) fn check_from_db(r: &repo::CheckRow) -> CheckItem {
    CheckItem {
        code: r.code.clone(),
        item_code: r.item_code.clone(),
        content: r.content.clone(),
        method: r.method.clone(),
        department: r.department.clone(),
    }
}

fn plan_to_db(
    x: &PlanDraft,
    status: PlanStatus,
    published_at: Option<chrono::DateTime<chrono::Utc>>,
    by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<repo::PlanRow> {
    let grades: Vec<&str> = x.grades.iter().map(|g| g.as_str()).collect();
    Ok(repo::PlanRow {
        code: x.code.clone(),
        name: x.name.clone(),
        lead_department: x.lead_department.clone(),
        period_from: x.period_from.to_string(),
        period_to: x.period_to.to_string(),
        items: serde_json::to_string(&x.items).map_err(internal)?,
        sampling_ratio: x.sampling_ratio.normalize().to_string(),
        grades: serde_json::to_string(&grades).map_err(internal)?,
        departments: serde_json::to_string(&x.departments).map_err(internal)?,
        status: status.as_str().into(),
        published_at: published_at.map(to_db),
        updated_by: by.to_string(),
        updated_at: to_db(now),
    })
}

pub(super) fn plan_from_db(r: &repo::PlanRow) -> AppResult<Plan> {
    let grades: Vec<String> = serde_json::from_str(&r.grades).map_err(internal)?;
    let grades = grades
        .iter()
        .map(|g| CreditGrade::parse(g).ok_or_else(|| bad_row("plan")))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Plan {
        draft: PlanDraft {
            code: r.code.clone(),
            name: r.name.clone(),
            lead_department: r.lead_department.clone(),
            period_from: r.period_from.parse().map_err(internal)?,
            period_to: r.period_to.parse().map_err(internal)?,
            items: serde_json::from_str(&r.items).map_err(internal)?,
            sampling_ratio: r
                .sampling_ratio
                .parse::<Decimal>()
                .map_err(internal)?
                .normalize(),
            grades,
            departments: serde_json::from_str(&r.departments).map_err(internal)?,
        },
        status: PlanStatus::parse(&r.status).ok_or_else(|| bad_row("plan"))?,
        published_at: r.published_at.map(from_db),
    })
}
