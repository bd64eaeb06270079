//! The shape of each artefact as a spreadsheet (docs/SUPERVISION.md §"the six artefacts"):
//! Chinese headers in the order regulators keep them, departments by name, enums by their
//! Chinese labels, lists joined with 、. What is exported imports back to the same rows.

use super::artefact_rows::{Departments, Incoming};
use crate::domain::artefacts::{
    join_list, parse_date, parse_ratio, split_list, CheckItem, CreditGrade, GradeRow, ManualEntry,
    ObjectKind, PlanDraft, PlanStatus, Problem, RiskLevel, SupervisionItem,
};
use crate::wire::artefacts::{SheetKind, SheetRows};

/// (header, the JSON field it holds) per column.
const ITEMS: &[(&str, &str)] = &[
    ("事项编码", "code"),
    ("事项名称", "name"),
    ("设定依据", "legal_basis"),
    ("牵头部门", "lead_department"),
    ("配合部门", "co_departments"),
    ("风险等级", "risk_level"),
    ("监管对象类型", "object_kind"),
];
const MANUAL: &[(&str, &str)] = &[
    ("事项编码", "item_code"),
    ("序号", "seq"),
    ("合规要求", "requirement"),
    ("依据", "basis"),
    ("常见违规情形", "common_violation"),
];
const CHECKS: &[(&str, &str)] = &[
    ("检查项编码", "code"),
    ("事项编码", "item_code"),
    ("检查内容", "content"),
    ("检查方式", "method"),
    ("检查部门", "department"),
];
const PLANS: &[(&str, &str)] = &[
    ("计划编码", "code"),
    ("计划名称", "name"),
    ("牵头部门", "lead_department"),
    ("开始日期", "period_from"),
    ("结束日期", "period_to"),
    ("抽查事项", "items"),
    ("抽查比例", "sampling_ratio"),
    ("信用等级", "grades"),
    ("参与部门", "departments"),
    ("状态", "status"),
];
const OBJECTS: &[(&str, &str)] = &[
    ("对象类型", "kind"),
    ("对象标识", "id"),
    ("对象名称", "name"),
    ("信用等级", "grade"),
];
const OFFICERS: &[(&str, &str)] = &[
    ("执法证号", "certificate_no"),
    ("姓名", "name"),
    ("所属部门", "department"),
    ("专业领域", "specialty"),
    ("回避单位", "avoid_units"),
    ("人员标识", "person_id"),
];

fn columns(kind: SheetKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        SheetKind::Items => ITEMS,
        SheetKind::Manual => MANUAL,
        SheetKind::Checks => CHECKS,
        SheetKind::Plans => PLANS,
        SheetKind::Objects => OBJECTS,
        SheetKind::Officers => OFFICERS,
    }
}

pub(super) fn headers(kind: SheetKind) -> Vec<&'static str> {
    columns(kind).iter().map(|(h, _)| *h).collect()
}

/// The header of the column holding a JSON field (`co_departments[1]` → 配合部门).
pub(super) fn header_of(kind: SheetKind, field: &str) -> &'static str {
    let base = field.split('[').next().unwrap_or(field);
    columns(kind)
        .iter()
        .find(|(_, f)| *f == base)
        .map_or("", |(h, _)| *h)
}

/// The sheet's cells, row by row.
pub(super) fn cells(rows: &SheetRows, d: &Departments) -> Vec<Vec<String>> {
    let names = |list: &[String]| join_list(&list.iter().map(|c| d.name(c)).collect::<Vec<_>>());
    match rows {
        SheetRows::Items(v) => v
            .iter()
            .map(|x| {
                vec![
                    x.code.clone(),
                    x.name.clone(),
                    x.legal_basis.clone(),
                    d.name(&x.lead_department),
                    names(&x.co_departments),
                    x.risk_level.label().into(),
                    x.object_kind.label().into(),
                ]
            })
            .collect(),
        SheetRows::Manual(v) => v
            .iter()
            .map(|x| {
                vec![
                    x.item_code.clone(),
                    x.seq.to_string(),
                    x.requirement.clone(),
                    x.basis.clone(),
                    x.common_violation.clone(),
                ]
            })
            .collect(),
        SheetRows::Checks(v) => v
            .iter()
            .map(|x| {
                vec![
                    x.code.clone(),
                    x.item_code.clone(),
                    x.content.clone(),
                    x.method.clone(),
                    d.name(&x.department),
                ]
            })
            .collect(),
        SheetRows::Plans(v) => v
            .iter()
            .map(|p| {
                let x = &p.draft;
                vec![
                    x.code.clone(),
                    x.name.clone(),
                    d.name(&x.lead_department),
                    x.period_from.to_string(),
                    x.period_to.to_string(),
                    join_list(&x.items),
                    x.sampling_ratio.normalize().to_string(),
                    join_list(&x.grades.iter().map(|g| g.label()).collect::<Vec<_>>()),
                    names(&x.departments),
                    p.status.label().into(),
                ]
            })
            .collect(),
        SheetRows::Objects(v) => v
            .iter()
            .map(|o| {
                vec![
                    o.kind.label().into(),
                    o.id.clone(),
                    o.name.clone(),
                    o.grade.label().into(),
                ]
            })
            .collect(),
        SheetRows::Officers(v) => v
            .iter()
            .map(|o| {
                let units: Vec<String> = o
                    .avoid_units
                    .iter()
                    .map(|u| format!("{}（{}）", u.name, u.uscc))
                    .collect();
                vec![
                    o.certificate_no.clone(),
                    o.name.clone(),
                    d.name(&o.department),
                    o.specialty.clone(),
                    join_list(&units),
                    o.person_id.clone(),
                ]
            })
            .collect(),
    }
}

struct Cells<'a> {
    kind: SheetKind,
    cells: &'a [String],
    problems: Vec<Problem>,
}

impl Cells<'_> {
    fn text(&self, i: usize) -> String {
        self.cells[i].trim().to_string()
    }

    fn bad(&mut self, i: usize, code: &'static str, message: impl Into<String>) {
        self.problems.push(Problem {
            field: columns(self.kind)[i].0.to_string(),
            code,
            message: message.into(),
        });
    }

    fn dept(&mut self, i: usize, cell: &str, d: &Departments) -> String {
        d.resolve(cell).unwrap_or_else(|| {
            self.bad(
                i,
                "unknown_department",
                format!("{cell}: no department of the registry has this code or name"),
            );
            String::new()
        })
    }

    fn depts(&mut self, i: usize, d: &Departments) -> Vec<String> {
        split_list(&self.cells[i])
            .iter()
            .map(|c| self.dept(i, c, d))
            .collect()
    }

    fn label<T>(&mut self, i: usize, parse: fn(&str) -> Option<T>, all: &str) -> Option<T> {
        let v = parse(self.cells[i].trim());
        if v.is_none() {
            self.bad(i, "invalid", format!("one of {all}"));
        }
        v
    }
}

/// A data row of `kind` (not officers, which are not imported); problems name their column.
pub(super) fn parse(
    kind: SheetKind,
    cells: &[String],
    d: &Departments,
) -> Result<Incoming, Vec<Problem>> {
    let mut c = Cells {
        kind,
        cells,
        problems: Vec::new(),
    };
    let row = match kind {
        SheetKind::Items => {
            let lead = c.text(3);
            let lead = c.dept(3, &lead, d);
            let co_departments = c.depts(4, d);
            let risk = c.label(5, RiskLevel::from_label, "高、中、低");
            let kind = c.label(6, ObjectKind::from_label, "经营主体、评标专家、招标项目");
            match (risk, kind) {
                (Some(risk_level), Some(object_kind)) => Some(Incoming::Item(SupervisionItem {
                    code: c.text(0),
                    name: c.text(1),
                    legal_basis: c.text(2),
                    lead_department: lead,
                    co_departments,
                    risk_level,
                    object_kind,
                })),
                _ => None,
            }
        }
        SheetKind::Manual => {
            let seq = c.text(1).parse::<u32>().ok();
            if seq.is_none() {
                c.bad(1, "invalid", "a whole number, 1 to 999");
            }
            seq.map(|seq| {
                Incoming::Manual(ManualEntry {
                    item_code: c.text(0),
                    seq,
                    requirement: c.text(2),
                    basis: c.text(3),
                    common_violation: c.text(4),
                })
            })
        }
        SheetKind::Checks => {
            let dept = c.text(4);
            let department = c.dept(4, &dept, d);
            Some(Incoming::Check(CheckItem {
                code: c.text(0),
                item_code: c.text(1),
                content: c.text(2),
                method: c.text(3),
                department,
            }))
        }
        SheetKind::Plans => parse_plan(&mut c, d),
        SheetKind::Objects => {
            let kind = c.label(0, ObjectKind::from_label, "经营主体、评标专家");
            let grade = c.label(3, CreditGrade::from_label, "A、B、C、D");
            match (kind, grade) {
                (Some(kind), Some(grade)) => Some(Incoming::Grade(GradeRow {
                    kind,
                    id: c.text(1),
                    grade,
                })),
                _ => None,
            }
        }
        SheetKind::Officers => None,
    };
    match row {
        Some(row) if c.problems.is_empty() => Ok(row),
        _ => Err(c.problems),
    }
}

fn parse_plan(c: &mut Cells<'_>, d: &Departments) -> Option<Incoming> {
    let lead = c.text(2);
    let lead = c.dept(2, &lead, d);
    let from = parse_date(&c.cells[3]);
    if from.is_none() {
        c.bad(3, "invalid", "a date, e.g. 2027-01-01");
    }
    let to = parse_date(&c.cells[4]);
    if to.is_none() {
        c.bad(4, "invalid", "a date, e.g. 2027-12-31");
    }
    let ratio = parse_ratio(&c.cells[6]);
    if ratio.is_none() {
        c.bad(6, "invalid", "a share such as 0.05 or 5%");
    }
    let mut grades = Vec::new();
    for g in split_list(&c.cells[7]) {
        match CreditGrade::from_label(&g) {
            Some(g) => grades.push(g),
            None => c.bad(7, "invalid", format!("{g}: grades are A, B, C or D")),
        }
    }
    let departments = c.depts(8, d);
    let status = c.label(9, PlanStatus::from_label, "草稿、已发布");
    Some(Incoming::Plan(
        PlanDraft {
            code: c.text(0),
            name: c.text(1),
            lead_department: lead,
            period_from: from?,
            period_to: to?,
            items: split_list(&c.cells[5]),
            sampling_ratio: ratio?,
            grades,
            departments,
        },
        Some(status?),
    ))
}
