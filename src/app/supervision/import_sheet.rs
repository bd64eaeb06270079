//! Importing an artefact sheet (CSV or XLSX, detected by content) the way regulators keep it.
//! All or nothing: every row is parsed and checked first, and any bad row refuses the file with
//! each problem named by row and column; then every row goes through the same checks, rights
//! and audit as a row recorded through the API, in one transaction. Rows equal to what is stored
//! are left alone, so the same file imported twice changes nothing the second time.

use std::collections::HashSet;

use super::artefact_rows::{problems, store, Departments, Incoming, Outcome};
use super::artefact_sheets as sheets;
use crate::app::{Actor, AppContext};
use crate::audit::{Event, EventType};
use crate::domain::sheet::{self, column_letter, Row, SheetError};
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::wire::artefacts::{ImportReport, SheetKind};

/// At most this many problems are reported; a file with more is mostly wrong anyway.
const MAX_REPORTED: usize = 50;

/// Whether the caller may import `kind` at all (checked before the file is read).
pub fn may_import(actor: &Actor, kind: SheetKind) -> AppResult<()> {
    if kind == SheetKind::Officers {
        return Err(AppError::field(
            "sheet",
            "not_importable",
            "officers are recorded one by one (PUT /api/v1/departments/{code}/officers/{person})",
        ));
    }
    super::may_write(actor, kind)
}

fn sheet_error(e: SheetError) -> AppError {
    let code = match &e {
        SheetError::TooLarge { .. } => {
            return AppError::new(ErrorCode::FileTooLarge, e.to_string())
        }
        SheetError::Empty => "empty",
        SheetError::NotASheet(_) => "not_a_sheet",
        SheetError::Bomb => "too_large_inflated",
        SheetError::Formula(_) => "formula",
        SheetError::Headers { .. } => "wrong_headers",
        SheetError::TooManyRows { .. } => "too_many_rows",
        SheetError::ExtraCell { .. } => "extra_cell",
    };
    AppError::field("file", code, e.to_string())
}

/// Import `bytes` as the sheet of `kind`; audited per changed row (with the file's SHA-256) and
/// once for the file (`supervision_sheet_imported`) when anything changed.
pub async fn import_sheet(
    ctx: &AppContext,
    actor: &Actor,
    kind: SheetKind,
    bytes: Vec<u8>,
) -> AppResult<ImportReport> {
    may_import(actor, kind)?;
    let limits = &ctx.settings.limits;
    let headers = sheets::headers(kind);
    let rows = sheet::decode(
        &bytes,
        &headers,
        limits.max_import_bytes,
        limits.max_import_rows as usize,
    )
    .map_err(sheet_error)?;
    let sha256 = crate::audit::sha256_hex(&bytes);
    let (actor, now) = (actor.clone(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let depts = Departments::load(c)?;
            let parsed = parse_all(c, kind, &rows, &depts)?;
            apply(c, &actor, kind, parsed, now, sha256)
        })
        .await
}

fn cell_error(kind: SheetKind, row: u32, header: &str, code: &str, message: &str) -> FieldError {
    let column = sheets::headers(kind)
        .iter()
        .position(|h| *h == header)
        .map(column_letter)
        .unwrap_or_default();
    FieldError::new(
        &format!("rows[{row}].{header}"),
        code,
        format!("row {row}, column {column} ({header}): {message}"),
    )
}

fn key(row: &Incoming) -> String {
    match row {
        Incoming::Item(x) => x.code.clone(),
        Incoming::Manual(x) => format!("{}#{}", x.item_code, x.seq),
        Incoming::Check(x) => x.code.clone(),
        Incoming::Plan(x, _) => x.code.clone(),
        Incoming::Grade(x) => format!("{}:{}", x.kind.as_str(), x.id),
    }
}

/// Every row parsed and checked, or every problem (up to [`MAX_REPORTED`]) by row and column.
/// A row refers only to other sheets (a 合规手册 entry to its item), so references are checked
/// against the stored state: import the 监管事项清单 first.
fn parse_all(
    c: &mut crate::db::AnyConnection,
    kind: SheetKind,
    rows: &[Row],
    depts: &Departments,
) -> AppResult<Vec<(u32, Incoming)>> {
    let mut errors = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for row in rows {
        if errors.len() >= MAX_REPORTED {
            break;
        }
        let n = row.number;
        match sheets::parse(kind, &row.cells, depts) {
            Err(found) => errors.extend(
                found
                    .into_iter()
                    .map(|p| cell_error(kind, n, &p.field, p.code, &p.message)),
            ),
            Ok(parsed) => {
                let found = problems(c, &parsed, depts)?;
                errors.extend(found.into_iter().map(|p| {
                    let header = sheets::header_of(kind, &p.field);
                    cell_error(kind, n, header, p.code, &p.message)
                }));
                if !seen.insert(key(&parsed)) {
                    let header = sheets::headers(kind)[0];
                    errors.push(cell_error(
                        kind,
                        n,
                        header,
                        "duplicate",
                        "the same row key appears earlier in the file",
                    ));
                }
                out.push((n, parsed));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.truncate(MAX_REPORTED);
        Err(AppError::validation(errors))
    }
}

fn apply(
    c: &mut crate::db::AnyConnection,
    actor: &Actor,
    kind: SheetKind,
    parsed: Vec<(u32, Incoming)>,
    now: chrono::DateTime<chrono::Utc>,
    sha256: String,
) -> AppResult<ImportReport> {
    let mut report = ImportReport {
        sheet: kind,
        sha256,
        rows: parsed.len() as u32,
        created: 0,
        updated: 0,
        unchanged: 0,
    };
    for (n, row) in parsed {
        // A refusal names the row: the whole file is refused, nothing is written.
        let outcome = store(c, actor, row, now, Some(&report.sha256)).map_err(|mut e| {
            e.detail = format!("row {n}: {}", e.detail);
            for f in &mut e.errors {
                f.field = format!("rows[{n}].{}", sheets::header_of(kind, &f.field));
            }
            e
        })?;
        match outcome {
            Outcome::Created => report.created += 1,
            Outcome::Updated => report.updated += 1,
            Outcome::Unchanged => report.unchanged += 1,
        }
    }
    if report.created + report.updated > 0 {
        crate::audit::record(
            c,
            now,
            Event {
                event_type: EventType::SupervisionSheetImported,
                tender_id: None,
                section_id: None,
                actor: actor.audit_ref(),
                subject: kind.as_str().to_string(),
                body: serde_json::to_value(&report).map_err(AppError::internal)?,
            },
        )?;
    }
    Ok(report)
}
