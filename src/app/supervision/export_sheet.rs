//! Reading an artefact sheet, as JSON or as the CSV/XLSX file regulators keep. Regulators and
//! the trading centre read every sheet; a published 监管计划 is public (双随机一公开), so anyone
//! else reads the plans sheet with its published plans only.

use std::collections::HashMap;

use super::artefact_rows::{self as rows, Departments};
use super::artefact_sheets as sheets;
use crate::app::{Actor, AppContext};
use crate::db::repo::artefacts as repo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::artefacts::{CreditGrade, ObjectKind, DEFAULT_GRADE};
use crate::domain::identity::Role;
use crate::domain::sheet::{self, CSV_TYPE, XLSX_TYPE};
use crate::error::{AppError, AppResult};
use crate::wire::artefacts::{SheetFormat, SheetKind, SheetRows, SupervisedObject};

/// A sheet as a file.
#[derive(Clone, Debug)]
pub struct SheetFile {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    /// E.g. `监管事项清单.xlsx`.
    pub file_name: String,
}

fn reads_all(actor: Option<&Actor>) -> bool {
    actor.is_some_and(|a| a.has(Role::Regulator) || a.has(Role::Administrator))
}

/// The rows of `kind`, as the caller may see them.
pub async fn sheet(
    ctx: &AppContext,
    actor: Option<&Actor>,
    kind: SheetKind,
) -> AppResult<SheetRows> {
    let all = reads_all(actor);
    if !all && kind != SheetKind::Plans {
        return Err(match actor {
            None => AppError::new(
                crate::error::ErrorCode::Unauthenticated,
                "log in as a regulator or the trading centre",
            ),
            Some(_) => AppError::forbidden("regulators and the trading centre only"),
        });
    }
    ctx.db.read(move |c| load(c, kind, all)).await
}

/// The sheet of `kind` as a CSV or XLSX file (JSON is [`sheet`]).
pub async fn sheet_file(
    ctx: &AppContext,
    actor: Option<&Actor>,
    kind: SheetKind,
    format: SheetFormat,
) -> AppResult<SheetFile> {
    let rows = sheet(ctx, actor, kind).await?;
    let depts = ctx.db.read(Departments::load).await?;
    let cells = sheets::cells(&rows, &depts);
    let headers = sheets::headers(kind);
    let (bytes, content_type, ext) = match format {
        SheetFormat::Csv | SheetFormat::Json => {
            (sheet::encode_csv(&headers, &cells), CSV_TYPE, "csv")
        }
        SheetFormat::Xlsx => {
            let created = to_db(ctx.clock.now());
            let bytes = sheet::encode_xlsx(kind.title(), &headers, &cells, created)
                .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
            (bytes, XLSX_TYPE, "xlsx")
        }
    };
    Ok(SheetFile {
        bytes,
        content_type,
        file_name: format!("{}.{ext}", kind.title()),
    })
}

fn load(c: &mut AnyConnection, kind: SheetKind, all: bool) -> AppResult<SheetRows> {
    Ok(match kind {
        SheetKind::Items => SheetRows::Items(
            repo::items(c)?
                .iter()
                .map(rows::item_from_db)
                .collect::<AppResult<_>>()?,
        ),
        SheetKind::Manual => {
            SheetRows::Manual(repo::manual(c)?.iter().map(rows::manual_from_db).collect())
        }
        SheetKind::Checks => {
            SheetRows::Checks(repo::checks(c)?.iter().map(rows::check_from_db).collect())
        }
        SheetKind::Plans => SheetRows::Plans(
            repo::plans(c, !all)?
                .iter()
                .map(rows::plan_from_db)
                .collect::<AppResult<_>>()?,
        ),
        SheetKind::Objects => SheetRows::Objects(objects(c)?),
        SheetKind::Officers => SheetRows::Officers(
            repo::officers_named(c)?
                .into_iter()
                .map(|(row, name)| super::officer_from(row, name))
                .collect::<AppResult<_>>()?,
        ),
    })
}

/// The 监管对象: every registered organisation (by USCC) and expert (by id), with its grade.
fn objects(c: &mut AnyConnection) -> AppResult<Vec<SupervisedObject>> {
    let grades: HashMap<(String, String), String> = repo::grades(c)?
        .into_iter()
        .map(|g| ((g.object_kind, g.object_id), g.grade))
        .collect();
    let mut out = Vec::new();
    for (kind, list) in [
        (ObjectKind::Organisation, repo::organisations(c)?),
        (ObjectKind::Expert, repo::experts(c)?),
    ] {
        for (id, name) in list {
            let set = grades
                .get(&(kind.as_str().to_string(), id.clone()))
                .and_then(|g| CreditGrade::parse(g));
            out.push(SupervisedObject {
                kind,
                id,
                name,
                grade: set.unwrap_or(DEFAULT_GRADE),
                graded: set.is_some(),
            });
        }
    }
    Ok(out)
}
