use super::*;
use proptest::prelude::*;
use std::io::{Cursor, Write};

/// A small PDF as writers make it: objects, a classic xref table, a trailer naming `/Info`.
fn pdf_with_xref(info: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [] /Count 0 >>".to_string(),
        info.to_string(),
    ];
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        write!(out, "{} 0 obj\n{body}\nendobj\n", i + 1).unwrap();
    }
    let xref = out.len();
    write!(out, "xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).unwrap();
    for o in offsets {
        write!(out, "{o:010} 00000 n\r\n").unwrap();
    }
    write!(
        out,
        "trailer\n<< /Size 4 /Root 1 0 R /Info 3 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    )
    .unwrap();
    out
}

const INFO: &str = "<< /Title (Bid) /Author (\\345\\274\\240 Zhang \\(PM\\)) \
    /Creator <FEFF0057005000536587> /Producer (WPS PDF\\0403.0) \
    /CreationDate (D:20261103091200+08'00') /ModDate (D:20261120174031Z) \
    /Nested << /Author (not this) >> >>";

#[test]
fn a_pdf_info_dictionary_is_read_through_the_xref_table() {
    let m = read(Cursor::new(pdf_with_xref(INFO)), 3).unwrap();
    assert_eq!(m.index, 3);
    // Octal escapes making UTF-8 without its mark (张); escaped parentheses.
    assert_eq!(m.author.as_deref(), Some("张 Zhang (PM)"));
    assert_eq!(m.creator.as_deref(), Some("WPS文"));
    assert_eq!(m.producer.as_deref(), Some("WPS PDF 3.0"));
    assert_eq!(m.created.as_deref(), Some("2026-11-03T09:12:00+08:00"));
    assert_eq!(m.modified.as_deref(), Some("2026-11-20T17:40:31+00:00"));
    assert_eq!(m.last_modified_by, None);
}

#[test]
fn a_pdf_without_a_classic_trailer_is_found_by_searching_near_its_ends() {
    // As PDF 1.5 writers with cross-reference streams leave it: /Info in the xref stream's
    // dictionary, no xref table, and the object located by search.
    let info = "<< /Author (Li Si) /ModDate (D:2026) >>";
    let mut out = b"%PDF-1.7\n".to_vec();
    write!(out, "1 0 obj\n{info}\nendobj\n").unwrap();
    // A later object whose number ends in the one looked for.
    write!(out, "11 0 obj\n<< /Author (wrong) >>\nendobj\n").unwrap();
    write!(
        out,
        "5 0 obj\n<< /Type /XRef /Size 12 /Info 1 0 R /Root 2 0 R /Filter /FlateDecode >>\n\
         stream\nxx\nendstream\nendobj\nstartxref\n12\n%%EOF\n"
    )
    .unwrap();
    let m = read(Cursor::new(out), 1).unwrap();
    assert_eq!(m.modified.as_deref(), Some("2026-01-01T00:00:00+00:00"));
    assert_eq!(m.author.as_deref(), Some("Li Si"));
}

#[test]
fn pdf_doc_encoding_that_is_not_utf8_reads_as_latin1() {
    let m = read(
        Cursor::new(pdf_with_xref("<< /Author (Jos\\351 M\\374ller) >>")),
        1,
    )
    .unwrap();
    assert_eq!(m.author.as_deref(), Some("José Müller"));
}

#[test]
fn unreadable_dates_are_kept_as_given_and_other_files_give_nothing() {
    let m = read(
        Cursor::new(pdf_with_xref("<< /CreationDate (yesterday) >>")),
        1,
    )
    .unwrap();
    assert_eq!(m.created.as_deref(), Some("yesterday"));
    assert_eq!(read(Cursor::new(pdf_with_xref("<< >>")), 1), None);
    assert_eq!(read(Cursor::new(b"plain text".to_vec()), 1), None);
    assert_eq!(read(Cursor::new(Vec::new()), 1), None);
}

fn ooxml(core: Option<&str>, app: Option<&str>) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("[Content_Types].xml", opts).unwrap();
    w.write_all(b"<Types/>").unwrap();
    for (name, body) in [("docProps/core.xml", core), ("docProps/app.xml", app)] {
        if let Some(b) = body {
            w.start_file(name, opts).unwrap();
            w.write_all(b.as_bytes()).unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

const CORE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties
 xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <dc:title>技术标</dc:title><dc:creator>张三 &amp; 李四</dc:creator>
 <cp:lastModifiedBy>王五&#x41;</cp:lastModifiedBy>
 <dcterms:created xsi:type="dcterms:W3CDTF">2026-11-03T01:12:00Z</dcterms:created>
 <dcterms:modified xsi:type="dcterms:W3CDTF">2026-11-20 17:40</dcterms:modified>
</cp:coreProperties>"#;

const APP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">
 <Application>WPS Office_12.1.0</Application><Company>某某建设有限公司</Company>
</Properties>"#;

#[test]
fn ooxml_core_and_app_properties_are_read() {
    let m = read(Cursor::new(ooxml(Some(CORE), Some(APP))), 2).unwrap();
    assert_eq!(m.index, 2);
    assert_eq!(m.author.as_deref(), Some("张三 & 李四"));
    assert_eq!(m.last_modified_by.as_deref(), Some("王五A"));
    assert_eq!(m.created.as_deref(), Some("2026-11-03T01:12:00+00:00"));
    assert_eq!(
        m.modified.as_deref(),
        Some("2026-11-20 17:40"),
        "kept as given"
    );
    assert_eq!(m.creator.as_deref(), Some("WPS Office_12.1.0"));
    assert_eq!(m.company.as_deref(), Some("某某建设有限公司"));
    let only_app = read(Cursor::new(ooxml(None, Some(APP))), 1).unwrap();
    assert_eq!(only_app.author, None);
    assert_eq!(only_app.company.as_deref(), Some("某某建设有限公司"));
    assert_eq!(read(Cursor::new(ooxml(None, None)), 1), None);
}

#[test]
fn a_zip_bomb_property_part_is_read_only_up_to_the_limit() {
    // 64 MiB of one repeated byte inside the creator: deflates to little, is decompressed only
    // up to XML_LIMIT bytes, and its value is cut like any long one.
    let big = format!(
        "<cp:coreProperties xmlns:cp=\"c\" xmlns:dc=\"d\"><dc:creator>{}</dc:creator>\
         </cp:coreProperties>",
        "a".repeat(64 << 20)
    );
    let file = ooxml(Some(&big), Some(APP));
    assert!(file.len() < 1 << 20, "the bomb is small: {}", file.len());
    let m = read(Cursor::new(file), 1).unwrap();
    assert_eq!(m.author, Some("a".repeat(VALUE_LIMIT)));
    assert_eq!(m.company.as_deref(), Some("某某建设有限公司"));
}

#[test]
fn long_values_are_cut() {
    let long = "x".repeat(10_000);
    let m = read(
        Cursor::new(pdf_with_xref(&format!("<< /Author ({long}) >>"))),
        1,
    )
    .unwrap();
    assert_eq!(m.author.unwrap().chars().count(), VALUE_LIMIT);
}

#[test]
fn a_pdf_full_of_object_headers_costs_a_bounded_search() {
    // Many candidate headers, none followed by a dictionary, and an Info reference to them.
    let mut out = b"%PDF-1.7\n".to_vec();
    for _ in 0..200_000 {
        out.extend_from_slice(b"1 0 obj (((");
    }
    out.extend_from_slice(b"\ntrailer << /Info 1 0 R >>\n%%EOF");
    let started = std::time::Instant::now();
    assert_eq!(read(Cursor::new(out), 1), None);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    for (at, b) in edits {
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = *b;
        }
    }
    let keep = bytes.len() - cut % (bytes.len() + 1);
    bytes.truncate(keep);
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = read(Cursor::new(bytes.clone()), 1);
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.extend_from_slice(&bytes);
        let _ = read(Cursor::new(pdf), 1);
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&bytes);
        let _ = read(Cursor::new(zip), 1);
    }

    #[test]
    fn damaged_documents_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..16),
        cut in any::<usize>(),
        which in 0u8..3,
    ) {
        let original = match which {
            0 => pdf_with_xref(INFO),
            1 => ooxml(Some(CORE), Some(APP)),
            _ => ooxml(Some(CORE), None),
        };
        let damaged = mutate(original, &edits, cut);
        if let Some(m) = read(Cursor::new(damaged), 7) {
            prop_assert_eq!(m.index, 7);
            for v in [&m.author, &m.creator, &m.producer, &m.last_modified_by, &m.company] {
                prop_assert!(v.as_ref().is_none_or(|v| v.chars().count() <= VALUE_LIMIT));
            }
        }
    }

    #[test]
    fn pdf_strings_and_dates_never_panic(s in "\\PC{0,64}", d in "[D:0-9+'Z-]{0,24}") {
        let info = format!("<< /Author ({s}) /CreationDate ({d}) /Creator <{s}> >>");
        let _ = read(Cursor::new(pdf_with_xref(&info)), 1);
        let _ = parse_pdf_date(&d);
    }
}
