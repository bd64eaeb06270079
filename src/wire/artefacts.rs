//! Bodies of the supervision artefacts (issue 15 item 3, docs/SUPERVISION.md "the six
//! artefacts"): the rows themselves are the domain's (`domain::artefacts`); here are the sheets
//! they travel in, the import report and the supervised objects.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use crate::domain::artefacts::{
    CheckItem, CreditGrade, GradeRow, ManualEntry, ObjectKind, Plan, PlanDraft, PlanStatus,
    RiskLevel, SupervisionItem,
};
pub use crate::wire::supervision::Officer;

/// The six artefacts, each a sheet a regulator keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SheetKind {
    /// 监管事项清单.
    Items,
    /// 合规手册.
    Manual,
    /// 检查实施清单.
    Checks,
    /// 监管计划.
    Plans,
    /// 监管对象 with their credit grades (import sets grades).
    Objects,
    /// 执法人员 (export only: officers are recorded one by one, docs/SUPERVISION.md §3).
    Officers,
}

impl SheetKind {
    pub const ALL: [SheetKind; 6] = [
        SheetKind::Items,
        SheetKind::Manual,
        SheetKind::Checks,
        SheetKind::Plans,
        SheetKind::Objects,
        SheetKind::Officers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SheetKind::Items => "items",
            SheetKind::Manual => "manual",
            SheetKind::Checks => "checks",
            SheetKind::Plans => "plans",
            SheetKind::Objects => "objects",
            SheetKind::Officers => "officers",
        }
    }

    pub fn parse(s: &str) -> Option<SheetKind> {
        SheetKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The sheet's title, as regulators name the list (and the XLSX sheet).
    pub fn title(self) -> &'static str {
        match self {
            SheetKind::Items => "监管事项清单",
            SheetKind::Manual => "合规手册",
            SheetKind::Checks => "检查实施清单",
            SheetKind::Plans => "监管计划",
            SheetKind::Objects => "监管对象名录",
            SheetKind::Officers => "执法人员名录",
        }
    }
}

/// How a sheet is exported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SheetFormat {
    #[default]
    Json,
    /// UTF-8 with BOM (Excel opens the Chinese headers correctly), CRLF.
    Csv,
    Xlsx,
}

/// `?format=` of a sheet export.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SheetParams {
    /// `json` (default), `csv` or `xlsx`.
    #[param(inline)]
    pub format: Option<SheetFormat>,
}

/// A registered organisation or expert as a 监管对象, with its credit grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisedObject {
    pub kind: ObjectKind,
    /// An organisation's USCC, an expert's id.
    pub id: String,
    pub name: String,
    pub grade: CreditGrade,
    /// Whether a regulator set the grade (otherwise it is the default, B).
    pub graded: bool,
}

/// Setting an object's credit grade.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeRequest {
    pub grade: CreditGrade,
}

/// A sheet's rows as JSON.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "sheet", content = "rows", rename_all = "snake_case")]
pub enum SheetRows {
    Items(Vec<SupervisionItem>),
    Manual(Vec<ManualEntry>),
    Checks(Vec<CheckItem>),
    Plans(Vec<Plan>),
    Objects(Vec<SupervisedObject>),
    Officers(Vec<Officer>),
}

/// What an import did. Rows equal to what is stored are left alone (and not audited again), so
/// importing the same file twice changes nothing the second time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportReport {
    pub sheet: SheetKind,
    /// Hex SHA-256 of the file as received (in the audit events of the rows it changed).
    pub sha256: String,
    pub rows: u32,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
}
