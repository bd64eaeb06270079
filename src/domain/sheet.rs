//! Spreadsheets as regulators keep them (CSV and XLSX), decoded to rows of text and encoded back.
//! Pure: bytes in, bytes out; the caller supplies the limits and the creation time.
//!
//! A file is hostile until proven otherwise: it is refused before any parsing when over its
//! byte cap, an XLSX whose parts would inflate past [`MAX_INFLATED`] is refused from its zip
//! directory (a zip bomb never decompresses), formulas are refused (a regulator's list holds
//! values; a formula's cached value may not be what Excel would show), and any cell that Excel
//! would run as a formula (`=`, `+`, `-`, `@` first) is refused by the row rules, so an export
//! can never carry one back to a regulator's desktop.

use std::io::{Cursor, Read};

/// An XLSX's parts may inflate to at most this many bytes together.
pub const MAX_INFLATED: u64 = 64 << 20;

/// The UTF-8 byte-order mark Excel needs to open a CSV as UTF-8 (without it, GBK is assumed).
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

pub const CSV_TYPE: &str = "text/csv; charset=utf-8";
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Why a file is not a sheet of the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; at most {max} are accepted")]
    TooLarge { size: u64, max: u64 },
    #[error("not a CSV or XLSX file: {0}")]
    NotASheet(String),
    #[error("the XLSX would inflate past {} MiB; refused unread", MAX_INFLATED >> 20)]
    Bomb,
    #[error("cell {0} holds a formula; save the sheet with values only")]
    Formula(String),
    #[error("the first row must be the headers {expected}; found {found}")]
    Headers { expected: String, found: String },
    #[error("{rows} data rows; at most {max} are accepted in one file")]
    TooManyRows { rows: usize, max: usize },
    #[error("row {row} has a value in column {column}, beyond the last header")]
    ExtraCell { row: u32, column: String },
}

/// Which format a file is in: by content, never by name or Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// A data row: its number in the sheet (the header is row 1) and its cells, one per header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: u32,
    pub cells: Vec<String>,
}

/// The spreadsheet column letter of a 0-based index (`A`, …, `Z`, `AA`, …).
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

pub fn detect(bytes: &[u8]) -> Result<Format, SheetError> {
    if bytes.starts_with(b"PK\x03\x04") {
        Ok(Format::Xlsx)
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        Err(SheetError::NotASheet(
            "a legacy .xls workbook; save it as .xlsx or CSV".into(),
        ))
    } else if bytes.contains(&0) {
        Err(SheetError::NotASheet("binary content".into()))
    } else {
        Ok(Format::Csv)
    }
}

/// Decodes `bytes` (CSV in UTF-8, with or without BOM, or in GB18030/GBK as Excel saves
/// "CSV (逗号分隔)" on Chinese Windows; or the first sheet of an XLSX) into its data rows,
/// checking the header row against `headers` exactly. Blank rows are skipped.
pub fn decode(
    bytes: &[u8],
    headers: &[&str],
    max_bytes: u64,
    max_rows: usize,
) -> Result<Vec<Row>, SheetError> {
    if bytes.is_empty() {
        return Err(SheetError::Empty);
    }
    if bytes.len() as u64 > max_bytes {
        return Err(SheetError::TooLarge {
            size: bytes.len() as u64,
            max: max_bytes,
        });
    }
    let grid = match detect(bytes)? {
        Format::Csv => csv_grid(bytes)?,
        Format::Xlsx => xlsx_grid(bytes)?,
    };
    let mut rows = grid.into_iter();
    let found = rows.next().unwrap_or_default();
    let found_trimmed: Vec<&str> = found.iter().map(|s| s.trim()).collect();
    let found_headers: Vec<&str> = {
        let mut v = found_trimmed.clone();
        while v.last() == Some(&"") {
            v.pop();
        }
        v
    };
    if found_headers != headers {
        return Err(SheetError::Headers {
            expected: headers.join(","),
            found: found_headers.join(","),
        });
    }
    let mut out = Vec::new();
    for (i, mut cells) in rows.enumerate() {
        let number = i as u32 + 2;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if let Some(extra) = (headers.len()..cells.len()).find(|&j| !cells[j].trim().is_empty()) {
            return Err(SheetError::ExtraCell {
                row: number,
                column: column_letter(extra),
            });
        }
        cells.resize(headers.len(), String::new());
        out.push(Row { number, cells });
        if out.len() > max_rows {
            return Err(SheetError::TooManyRows {
                rows: out.len(),
                max: max_rows,
            });
        }
    }
    Ok(out)
}

fn csv_grid(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let text = match std::str::from_utf8(bytes.strip_prefix(BOM).unwrap_or(bytes)) {
        Ok(t) => t.to_string(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(SheetError::NotASheet(
                    "text in neither UTF-8 nor GBK".into(),
                ));
            }
            t.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| SheetError::NotASheet(format!("malformed CSV: {e}")))?;
        grid.push(record.iter().map(str::to_string).collect());
    }
    Ok(grid)
}

fn xlsx_grid(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    use calamine::{Data, Reader, Xlsx};
    let unreadable =
        |e: &dyn std::fmt::Display| SheetError::NotASheet(format!("unreadable XLSX: {e}"));
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let mut inflated = 0u64;
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|e| unreadable(&e))?;
        inflated = inflated.saturating_add(f.size());
    }
    if inflated > MAX_INFLATED {
        return Err(SheetError::Bomb);
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| SheetError::NotASheet("the workbook has no sheet".into()))?;
    let formulas = book.worksheet_formula(&name).map_err(|e| unreadable(&e))?;
    if let Some((r, c, _)) = formulas.used_cells().find(|(_, _, f)| !f.is_empty()) {
        let (r0, c0) = formulas.start().unwrap_or((0, 0));
        let cell = format!("{}{}", column_letter(c + c0 as usize), r + r0 as usize + 1);
        return Err(SheetError::Formula(cell));
    }
    let range = book.worksheet_range(&name).map_err(|e| unreadable(&e))?;
    let Some((r0, c0)) = range.start() else {
        return Ok(Vec::new());
    };
    let (r0, c0) = (r0 as usize, c0 as usize);
    let mut grid = vec![Vec::new(); r0];
    for row in range.rows() {
        let mut cells = vec![String::new(); c0];
        cells.extend(row.iter().map(|d| match d {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(_) | Data::DateTimeIso(_) => {
                use calamine::DataType;
                d.as_date().map(|x| x.to_string()).unwrap_or_default()
            }
            Data::DurationIso(s) => s.clone(),
            Data::Error(e) => format!("#{e}"),
        }));
        grid.push(cells);
    }
    Ok(grid)
}

/// CSV as Excel opens it: UTF-8 with BOM, CRLF, fields quoted where needed.
pub fn encode_csv(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(BOM.to_vec());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(headers);
    for r in rows {
        let _ = w.write_record(r);
    }
    w.into_inner().unwrap_or_default()
}

/// An XLSX of one sheet named `title`: bold, frozen headers, every cell text (so Excel never
/// turns a code into a number or a date). `created` is the document's creation time.
pub fn encode_xlsx(
    title: &str,
    headers: &[&str],
    rows: &[Vec<String>],
    created: chrono::NaiveDateTime,
) -> Result<Vec<u8>, String> {
    use chrono::{Datelike, Timelike};
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as CellFormat, Workbook};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let created = ExcelDateTime::from_ymd(
        created.year().clamp(1900, 9999) as u16,
        created.month() as u8,
        created.day() as u8,
    )
    .and_then(|d| {
        d.and_hms(
            created.hour() as u16,
            created.minute() as u8,
            created.second(),
        )
    })
    .map_err(e)?;
    let mut book = Workbook::new();
    book.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_creation_datetime(&created),
    );
    let text = CellFormat::new().set_num_format("@");
    let bold = CellFormat::new().set_bold().set_num_format("@");
    let sheet = book.add_worksheet();
    sheet.set_name(title).map_err(e)?;
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(e)?;
        sheet.set_column_width(c as u16, 18).map_err(e)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet
                .write_string_with_format(r as u32 + 1, c as u16, v, &text)
                .map_err(e)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(e)?;
    book.save_to_buffer().map_err(e)
}

/// Reads at most `max + 1` bytes of `r`, so the caller can tell "over the cap" without
/// buffering a hostile upload whole.
pub fn read_capped(r: impl Read, max: u64) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    r.take(max + 1).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &[&str] = &["事项编码", "事项名称"];

    fn when() -> chrono::NaiveDateTime {
        "2026-12-05T10:00:00".parse().unwrap()
    }

    #[test]
    fn csv_and_xlsx_round_trip_the_same_rows() {
        let rows = vec![
            vec!["ZJ-001".to_string(), "招标文件, \"备案\"".to_string()],
            vec!["ZJ-002".to_string(), "评标\n专家".to_string()],
        ];
        let csv = encode_csv(H, &rows);
        assert!(csv.starts_with(BOM));
        assert!(std::str::from_utf8(&csv).unwrap().contains("\r\n"));
        let back = decode(&csv, H, 1 << 20, 10).unwrap();
        assert_eq!(
            back.iter().map(|r| r.cells.clone()).collect::<Vec<_>>(),
            rows
        );
        assert_eq!(back[0].number, 2);
        let xlsx = encode_xlsx("监管事项清单", H, &rows, when()).unwrap();
        assert_eq!(detect(&xlsx).unwrap(), Format::Xlsx);
        let back = decode(&xlsx, H, 1 << 20, 10).unwrap();
        assert_eq!(
            back.iter().map(|r| r.cells.clone()).collect::<Vec<_>>(),
            rows
        );
        assert_eq!(encode_csv(H, &rows), csv, "the CSV is byte-for-byte stable");
    }

    #[test]
    fn gbk_csv_from_chinese_excel_is_read() {
        let (gbk, _, _) = encoding_rs::GBK.encode("事项编码,事项名称\r\nZJ-001,招标备案\r\n");
        let rows = decode(&gbk, H, 1 << 20, 10).unwrap();
        assert_eq!(rows[0].cells, vec!["ZJ-001", "招标备案"]);
    }

    #[test]
    fn hostile_files_are_refused_clearly() {
        assert_eq!(decode(b"", H, 10, 10), Err(SheetError::Empty));
        assert!(matches!(
            decode(&[b'a'; 11], H, 10, 10),
            Err(SheetError::TooLarge { size: 11, max: 10 })
        ));
        assert!(matches!(
            decode(b"\xD0\xCF\x11\xE0rest", H, 100, 10),
            Err(SheetError::NotASheet(_))
        ));
        assert!(matches!(
            decode(b"\x89PNG\r\n\x1a\n\0\0", H, 100, 10),
            Err(SheetError::NotASheet(_))
        ));
        assert!(matches!(
            decode(b"PK\x03\x04garbage", H, 100, 10),
            Err(SheetError::NotASheet(_))
        ));
        assert!(matches!(
            decode("编码,名称\r\n".as_bytes(), H, 100, 10),
            Err(SheetError::Headers { .. })
        ));
        let csv = encode_csv(H, &vec![vec!["a".into(), "b".into()]; 3]);
        assert_eq!(
            decode(&csv, H, 1 << 20, 2),
            Err(SheetError::TooManyRows { rows: 3, max: 2 })
        );
        let extra = "事项编码,事项名称\r\nA,B,C\r\n".as_bytes();
        assert_eq!(
            decode(extra, H, 100, 10),
            Err(SheetError::ExtraCell {
                row: 2,
                column: "C".into()
            })
        );
    }

    #[test]
    fn formulas_in_xlsx_are_refused() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 0, "事项编码").unwrap();
        s.write_string(0, 1, "事项名称").unwrap();
        s.write_string(1, 0, "ZJ-001").unwrap();
        s.write_formula(1, 1, "=HYPERLINK(\"http://x\",\"y\")")
            .unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(
            decode(&bytes, H, 1 << 20, 10),
            Err(SheetError::Formula("B2".into()))
        );
    }

    #[test]
    fn a_zip_bomb_is_refused_from_its_directory() {
        use std::io::Write;
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
            let zeros = vec![0u8; 1 << 20];
            for _ in 0..(MAX_INFLATED >> 20) + 1 {
                z.write_all(&zeros).unwrap();
            }
            z.finish().unwrap();
        }
        let bytes = buf.into_inner();
        assert!(bytes.len() < 1 << 20, "{}", bytes.len());
        assert_eq!(decode(&bytes, H, 1 << 20, 10), Err(SheetError::Bomb));
    }

    #[test]
    fn columns_are_lettered_as_excel_does() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }
}
