//! Recording one artefact row through the API: a 监管事项, a 合规手册 entry, a 检查实施清单 item,
//! a draft 监管计划, an object's credit grade. Officers of the lead department (and, for items
//! and what hangs on them, the trading centre) record; a row equal to the stored one is left
//! alone and not audited again.

use super::artefact_rows::{field_errors, problems, store, Departments, Incoming};
use crate::app::{Actor, AppContext};
use crate::domain::artefacts::{
    CheckItem, GradeRow, ManualEntry, ObjectKind, Plan, PlanDraft, SupervisionItem,
};
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult};
use crate::wire::artefacts::{GradeRequest, SheetKind, SupervisedObject};

/// Who may write a sheet at all, before anything is read: items, manual and checks are kept by
/// regulators and the trading centre, plans and grades by regulators (each row then checks the
/// department).
pub fn may_write(actor: &Actor, kind: SheetKind) -> AppResult<()> {
    let ok = match kind {
        SheetKind::Items | SheetKind::Manual | SheetKind::Checks => {
            actor.has(Role::Regulator) || actor.has(Role::Administrator)
        }
        SheetKind::Plans | SheetKind::Objects => actor.has(Role::Regulator),
        SheetKind::Officers => actor.has(Role::Administrator),
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::forbidden(match kind {
            SheetKind::Plans | SheetKind::Objects => "regulators only",
            SheetKind::Officers => "the trading centre keeps the 执法人员库",
            _ => "regulators and the trading centre only",
        }))
    }
}

fn same_key(field: &str, path: &str, body: &str) -> AppResult<()> {
    if path == body {
        Ok(())
    } else {
        Err(AppError::field(
            field,
            "path_mismatch",
            format!("the body says {body}, the path {path}"),
        ))
    }
}

async fn record(ctx: &AppContext, actor: &Actor, row: Incoming) -> AppResult<()> {
    let (actor, now) = (actor.clone(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let depts = Departments::load(c)?;
            let found = problems(c, &row, &depts)?;
            if !found.is_empty() {
                return Err(field_errors(found));
            }
            store(c, &actor, row, now, None).map(|_| ())
        })
        .await
}

/// Record a supervision item (create or change); audited `supervision_item_recorded`.
pub async fn put_item(
    ctx: &AppContext,
    actor: &Actor,
    code: &str,
    item: SupervisionItem,
) -> AppResult<SupervisionItem> {
    may_write(actor, SheetKind::Items)?;
    same_key("code", code, &item.code)?;
    record(ctx, actor, Incoming::Item(item.clone())).await?;
    Ok(item)
}

/// Record a 合规手册 entry of an item; audited `compliance_entry_recorded`.
pub async fn put_manual_entry(
    ctx: &AppContext,
    actor: &Actor,
    item: &str,
    seq: u32,
    entry: ManualEntry,
) -> AppResult<ManualEntry> {
    may_write(actor, SheetKind::Manual)?;
    same_key("item_code", item, &entry.item_code)?;
    same_key("seq", &seq.to_string(), &entry.seq.to_string())?;
    record(ctx, actor, Incoming::Manual(entry.clone())).await?;
    Ok(entry)
}

/// Record a 检查实施清单 item; audited `check_item_recorded`.
pub async fn put_check_item(
    ctx: &AppContext,
    actor: &Actor,
    code: &str,
    check: CheckItem,
) -> AppResult<CheckItem> {
    may_write(actor, SheetKind::Checks)?;
    same_key("code", code, &check.code)?;
    record(ctx, actor, Incoming::Check(check.clone())).await?;
    Ok(check)
}

/// Record a draft 监管计划 (a published one is frozen: `invalid_state_transition`); audited
/// `inspection_plan_recorded`.
pub async fn put_plan(
    ctx: &AppContext,
    actor: &Actor,
    code: &str,
    mut plan: PlanDraft,
) -> AppResult<Plan> {
    may_write(actor, SheetKind::Plans)?;
    same_key("code", code, &plan.code)?;
    plan.sampling_ratio = plan.sampling_ratio.normalize();
    record(ctx, actor, Incoming::Plan(plan.clone(), None)).await?;
    let code = code.to_string();
    ctx.db
        .read_primary(move |c| {
            let row = crate::db::repo::artefacts::find_plan(c, &code)?
                .ok_or_else(|| AppError::not_found("no such plan"))?;
            super::artefact_rows::plan_from_db(&row)
        })
        .await
}

/// Set an object's credit grade (a regulator, officer of a department); audited
/// `credit_grade_set`.
pub async fn set_grade(
    ctx: &AppContext,
    actor: &Actor,
    kind: &str,
    id: &str,
    req: GradeRequest,
) -> AppResult<SupervisedObject> {
    may_write(actor, SheetKind::Objects)?;
    let kind = ObjectKind::parse(kind)
        .ok_or_else(|| AppError::not_found("no such kind of supervised object"))?;
    let row = GradeRow {
        kind,
        id: id.to_string(),
        grade: req.grade,
    };
    record(ctx, actor, Incoming::Grade(row.clone())).await?;
    let (k, id) = (kind, row.id.clone());
    let name = ctx
        .db
        .read_primary(move |c| {
            Ok(match k {
                ObjectKind::Organisation => {
                    crate::db::repo::identity::find_organisation_by_uscc(c, &id)?.map(|o| o.name)
                }
                _ => crate::db::repo::experts::find(c, &id)?.map(|e| e.name),
            })
        })
        .await?
        .unwrap_or_default();
    Ok(SupervisedObject {
        kind,
        id: row.id,
        name,
        grade: row.grade,
        graded: true,
    })
}
