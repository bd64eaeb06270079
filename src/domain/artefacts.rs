//! The supervision artefacts of the 监管事项清单 reform ("进一次门、查多项事", issue 15 item 3) as
//! data: 监管事项, their 合规手册 entries and 检查实施清单 items, 监管计划, and the credit grade of
//! each 监管对象 — with the rules a row must meet and its shape as a spreadsheet row.
//!
//! A draw (双随机, next in issue 15) takes from a published plan "objects of the items' kind with
//! the plan's grades, at its sampling ratio" and "the check items of each department": so a plan
//! names its items, grades, ratio and departments, and a check item its department.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! labelled_enum {
    (
        $(#[$m:meta])*
        $name:ident { $($(#[$vm:meta])* $v:ident = $wire:literal / $label:literal),+ $(,)? }
    ) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize,
            Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The stored and JSON name.
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $wire),+ } }
            pub fn parse(s: &str) -> Option<Self> {
                $name::ALL.iter().copied().find(|x| x.as_str() == s)
            }
            /// The spreadsheet cell, as regulators write it.
            pub fn label(self) -> &'static str { match self { $($name::$v => $label),+ } }
            pub fn from_label(s: &str) -> Option<Self> {
                $name::ALL.iter().copied().find(|x| x.label() == s)
            }
        }
    };
}

labelled_enum!(
    /// 风险等级 of a supervision item: how often and how hard its objects are checked.
    RiskLevel { High = "high" / "高", Medium = "medium" / "中", Low = "low" / "低" }
);

labelled_enum!(
    /// What a supervision item applies to (监管对象类型).
    ObjectKind {
        /// A registered organisation (经营主体: tenderers, agents, bidders).
        Organisation = "organisation" / "经营主体",
        /// An expert of the library (评标专家).
        Expert = "expert" / "评标专家",
        /// A tender (招标项目).
        Tender = "tender" / "招标项目",
    }
);

labelled_enum!(
    /// 信用等级 a regulator sets on an object (信用分级分类监管): A is checked least, D most.
    CreditGrade { A = "a" / "A", B = "b" / "B", C = "c" / "C", D = "d" / "D" }
);

labelled_enum!(
    /// A plan is drafted, then published (双随机一公开: the plan is made public) and frozen.
    PlanStatus { Draft = "draft" / "草稿", Published = "published" / "已发布" }
);

/// The grade of an object no regulator has graded: B (基本守信), the grade that is neither
/// rewarded with fewer checks nor punished with more.
pub const DEFAULT_GRADE: CreditGrade = CreditGrade::B;

/// A 监管事项 (supervision item).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisionItem {
    /// 事项编码, e.g. `420000-ZJ-001` (letters, digits, `-`, `_`, `.`; 1 to 40).
    pub code: String,
    /// 事项名称.
    pub name: String,
    /// 设定依据: the law and article the item rests on.
    pub legal_basis: String,
    /// 牵头部门: its code in the registry (GET /api/v1/departments).
    pub lead_department: String,
    /// 配合部门: codes of co-operating departments, none the lead.
    #[serde(default)]
    pub co_departments: Vec<String>,
    pub risk_level: RiskLevel,
    pub object_kind: ObjectKind,
}

/// A 合规手册 entry of an item: what is required, on what basis, and the usual violation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualEntry {
    pub item_code: String,
    /// 序号 within the item, 1 to 999.
    pub seq: u32,
    /// 合规要求.
    pub requirement: String,
    /// 依据.
    pub basis: String,
    /// 常见违规情形.
    pub common_violation: String,
}

/// A 检查实施清单 item: one thing a department checks under a supervision item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckItem {
    /// 检查项编码 (unique across items).
    pub code: String,
    pub item_code: String,
    /// 检查内容.
    pub content: String,
    /// 检查方式, e.g. 查阅资料, 现场检查, 网络监测.
    pub method: String,
    /// 检查部门: the department that checks it (its code).
    pub department: String,
}

/// A 监管计划 as drafted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDraft {
    pub code: String,
    pub name: String,
    /// The department that leads the plan; its officers edit and publish it.
    pub lead_department: String,
    /// First and last day of the period (Asia/Shanghai), inclusive.
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// Codes of the supervision items the plan checks (抽查事项).
    pub items: Vec<String>,
    /// 抽查比例: the share of the objects drawn, in (0, 1].
    #[schema(value_type = String, example = "0.05")]
    pub sampling_ratio: Decimal,
    /// The credit grades whose objects are drawn from (all four if the plan does not
    /// differentiate).
    pub grades: Vec<CreditGrade>,
    /// The departments taking part (联合抽查), the lead among them.
    pub departments: Vec<String>,
}

/// A 监管计划 with its state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    #[serde(flatten)]
    pub draft: PlanDraft,
    pub status: PlanStatus,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

// The schema of `Plan` written out: a derived one would be `allOf` the draft — which refuses
// unknown fields (`additionalProperties: false`) — and the state, which no plan could satisfy.
/// A 监管计划 with its state.
#[derive(ToSchema)]
#[allow(dead_code)]
struct PlanSchema {
    code: String,
    name: String,
    /// The department that leads the plan; its officers edit and publish it.
    lead_department: String,
    /// First and last day of the period (Asia/Shanghai), inclusive.
    period_from: NaiveDate,
    period_to: NaiveDate,
    /// Codes of the supervision items the plan checks (抽查事项).
    items: Vec<String>,
    /// 抽查比例: the share of the objects drawn, in (0, 1].
    #[schema(value_type = String, example = "0.05")]
    sampling_ratio: Decimal,
    /// The credit grades whose objects are drawn from.
    grades: Vec<CreditGrade>,
    /// The departments taking part (联合抽查), the lead among them.
    departments: Vec<String>,
    status: PlanStatus,
    published_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl utoipa::PartialSchema for Plan {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <PlanSchema as utoipa::PartialSchema>::schema()
    }
}

impl ToSchema for Plan {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Plan")
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <PlanSchema as ToSchema>::schemas(schemas)
    }
}

/// A credit grade as set on one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeRow {
    pub kind: ObjectKind,
    /// An organisation's USCC, or an expert's id.
    pub id: String,
    pub grade: CreditGrade,
}

/// One thing wrong with a row: the field (a JSON name, or the column header in a sheet), a
/// rule name and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

fn problem(field: &str, code: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        field: field.to_string(),
        code,
        message: message.into(),
    }
}

/// A code: letters, digits, `-`, `_`, `.`; 1 to 40.
pub fn code_ok(s: &str) -> bool {
    (1..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

fn code(out: &mut Vec<Problem>, field: &str, s: &str) {
    if !code_ok(s) {
        out.push(problem(
            field,
            "invalid_code",
            "1 to 40 letters, digits, '-', '_' or '.'",
        ));
    }
}

/// Free text: trimmed, 1 to `max` characters, no control characters, and not starting with a
/// character Excel would run as a formula.
fn text(out: &mut Vec<Problem>, field: &str, s: &str, max: usize) {
    if s.trim() != s || s.is_empty() || s.chars().count() > max {
        out.push(problem(
            field,
            "invalid",
            format!("1 to {max} characters, no leading or trailing spaces"),
        ));
    } else if s.chars().any(|c| c.is_control() && c != '\n') {
        out.push(problem(field, "invalid", "no control characters"));
    } else if s.starts_with(['=', '+', '-', '@']) {
        out.push(problem(
            field,
            "formula_like",
            "must not start with '=', '+', '-' or '@' (a spreadsheet would run it)",
        ));
    }
}

fn distinct(out: &mut Vec<Problem>, field: &str, list: &[String], max: usize) {
    if list.len() > max {
        out.push(problem(field, "too_many", format!("at most {max}")));
    }
    for (i, s) in list.iter().enumerate() {
        code(out, &format!("{field}[{i}]"), s);
        if list[..i].contains(s) {
            out.push(problem(
                &format!("{field}[{i}]"),
                "duplicate",
                "listed twice",
            ));
        }
    }
}

impl SupervisionItem {
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        code(&mut out, "code", &self.code);
        text(&mut out, "name", &self.name, 200);
        text(&mut out, "legal_basis", &self.legal_basis, 2000);
        code(&mut out, "lead_department", &self.lead_department);
        distinct(&mut out, "co_departments", &self.co_departments, 20);
        if self.co_departments.contains(&self.lead_department) {
            out.push(problem(
                "co_departments",
                "lead_department",
                "the lead department is not also a co-operating one",
            ));
        }
        out
    }
}

impl ManualEntry {
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        code(&mut out, "item_code", &self.item_code);
        if !(1..=999).contains(&self.seq) {
            out.push(problem("seq", "out_of_range", "1 to 999"));
        }
        text(&mut out, "requirement", &self.requirement, 2000);
        text(&mut out, "basis", &self.basis, 2000);
        text(&mut out, "common_violation", &self.common_violation, 2000);
        out
    }
}

impl CheckItem {
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        code(&mut out, "code", &self.code);
        code(&mut out, "item_code", &self.item_code);
        text(&mut out, "content", &self.content, 2000);
        text(&mut out, "method", &self.method, 100);
        code(&mut out, "department", &self.department);
        out
    }
}

impl PlanDraft {
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        code(&mut out, "code", &self.code);
        text(&mut out, "name", &self.name, 200);
        code(&mut out, "lead_department", &self.lead_department);
        if self.period_to < self.period_from {
            out.push(problem(
                "period_to",
                "before_period_from",
                "the period ends on or after its first day",
            ));
        }
        if self.items.is_empty() {
            out.push(problem(
                "items",
                "required",
                "at least one supervision item",
            ));
        }
        distinct(&mut out, "items", &self.items, 200);
        if self.sampling_ratio <= Decimal::ZERO || self.sampling_ratio > Decimal::ONE {
            out.push(problem(
                "sampling_ratio",
                "out_of_range",
                "a share in (0, 1], e.g. 0.05",
            ));
        } else if self.sampling_ratio.scale() > 4 {
            out.push(problem(
                "sampling_ratio",
                "too_precise",
                "at most 4 decimal places",
            ));
        }
        if self.grades.is_empty() {
            out.push(problem("grades", "required", "at least one credit grade"));
        }
        for (i, g) in self.grades.iter().enumerate() {
            if self.grades[..i].contains(g) {
                out.push(problem(
                    &format!("grades[{i}]"),
                    "duplicate",
                    "listed twice",
                ));
            }
        }
        distinct(&mut out, "departments", &self.departments, 20);
        if !self.departments.contains(&self.lead_department) {
            out.push(problem(
                "departments",
                "lead_department",
                "the lead department takes part in its plan",
            ));
        }
        out
    }
}

impl GradeRow {
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.kind == ObjectKind::Tender {
            out.push(problem(
                "kind",
                "not_graded",
                "tenders carry no credit grade; organisations and experts do",
            ));
        }
        if self.id.is_empty() || self.id.len() > 64 {
            out.push(problem("id", "invalid", "1 to 64 characters"));
        }
        out
    }
}

/// Lists in one cell (配合部门, 抽查事项 …) are written with 、 and read with 、 ， , ; or ；.
pub fn split_list(cell: &str) -> Vec<String> {
    cell.split(['、', '，', ',', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn join_list<S: AsRef<str>>(list: &[S]) -> String {
    list.iter()
        .map(|s| s.as_ref())
        .collect::<Vec<_>>()
        .join("、")
}

/// 抽查比例 as a cell: `0.05` or `5%`.
pub fn parse_ratio(cell: &str) -> Option<Decimal> {
    let cell = cell.trim();
    match cell.strip_suffix(['%', '％']) {
        Some(p) => p
            .trim()
            .parse::<Decimal>()
            .ok()
            .map(|d| d / Decimal::from(100)),
        None => cell.parse().ok(),
    }
    .map(|d| d.normalize())
}

/// A date cell: `2027-01-01`, `2027/1/1` or `2027年1月1日`.
pub fn parse_date(cell: &str) -> Option<NaiveDate> {
    let c = cell.trim();
    NaiveDate::parse_from_str(c, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(c, "%Y/%m/%d"))
        .or_else(|_| NaiveDate::parse_from_str(c, "%Y年%m月%d日"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::prelude::FromStr;

    fn plan() -> PlanDraft {
        PlanDraft {
            code: "2027-ZJ-01".into(),
            name: "2027年度住建领域招投标双随机抽查计划".into(),
            lead_department: "429005-zjj".into(),
            period_from: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            period_to: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
            items: vec!["ZJ-001".into()],
            sampling_ratio: Decimal::from_str("0.05").unwrap(),
            grades: vec![CreditGrade::C, CreditGrade::D],
            departments: vec!["429005-zjj".into()],
        }
    }

    #[test]
    fn a_plans_ratio_is_a_share_in_zero_to_one() {
        assert!(plan().problems().is_empty());
        for (r, code) in [
            ("0", "out_of_range"),
            ("1.01", "out_of_range"),
            ("-0.1", "out_of_range"),
            ("0.00001", "too_precise"),
        ] {
            let mut p = plan();
            p.sampling_ratio = Decimal::from_str(r).unwrap();
            assert_eq!(p.problems()[0].code, code, "{r}");
        }
        let mut p = plan();
        p.sampling_ratio = Decimal::ONE;
        assert!(p.problems().is_empty());
        assert_eq!(parse_ratio("5%"), Some(Decimal::from_str("0.05").unwrap()));
        assert_eq!(
            parse_ratio("0.050"),
            Some(Decimal::from_str("0.05").unwrap())
        );
        assert_eq!(parse_ratio("五成"), None);
    }

    #[test]
    fn a_plan_needs_its_lead_among_its_departments_and_an_ordered_period() {
        let mut p = plan();
        p.departments = vec!["429005-jtj".into()];
        p.period_to = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        p.grades = vec![CreditGrade::C, CreditGrade::C];
        let codes: Vec<_> = p.problems().iter().map(|x| x.code).collect();
        assert_eq!(
            codes,
            vec!["before_period_from", "duplicate", "lead_department"]
        );
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_is_refused() {
        let mut m = ManualEntry {
            item_code: "ZJ-001".into(),
            seq: 1,
            requirement: "=HYPERLINK(\"http://evil\")".into(),
            basis: "招标投标法第12条".into(),
            common_violation: "未按规定备案".into(),
        };
        assert_eq!(m.problems()[0].code, "formula_like");
        m.requirement = "依法备案".into();
        assert!(m.problems().is_empty());
        m.seq = 0;
        assert_eq!(m.problems()[0].field, "seq");
    }

    #[test]
    fn cells_are_read_as_regulators_write_them() {
        assert_eq!(split_list("a、b，c; d"), vec!["a", "b", "c", "d"]);
        assert_eq!(join_list(&["a", "b"]), "a、b");
        assert_eq!(
            parse_date("2027年1月1日"),
            NaiveDate::from_ymd_opt(2027, 1, 1)
        );
        assert_eq!(
            parse_date("2027/1/31"),
            NaiveDate::from_ymd_opt(2027, 1, 31)
        );
        assert_eq!(RiskLevel::from_label("高"), Some(RiskLevel::High));
        assert_eq!(ObjectKind::parse("expert"), Some(ObjectKind::Expert));
        assert_eq!(CreditGrade::from_label("D"), Some(CreditGrade::D));
    }
}
