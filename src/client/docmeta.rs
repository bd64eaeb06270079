//! The documents' own metadata, read by the bidder's tool while it seals the bid, so that it
//! travels inside the sealed, signed summary (`seal::Preparation::documents`, docs/EVALUATION.md
//! §9): the server cannot read a document before the opening, and after it only the committee
//! may. Two bidders' files with the same creation and modification instants, or the same
//! author, are collusion signals (条例40(一)).
//!
//! Two formats, those tender documents come in:
//! - **PDF**: the document information dictionary (`/Info`: Author, Creator, Producer,
//!   CreationDate, ModDate). Read by a small parser of our own rather than a PDF library: the
//!   Info dictionary is found from the trailer in the file's last bytes, and its object by the
//!   classic cross-reference table or else by a bounded search near the file's ends — a few
//!   hundred lines that read at most [`PDF_TAIL`] + 2 × [`PDF_SCAN`] bytes of any file, where a
//!   full PDF library (lopdf and the like) parses every object and stream of a possibly
//!   gigabyte-sized, possibly hostile file and brings a large dependency for five strings. What
//!   this parser does not reach is simply absent: an Info dictionary inside a compressed object
//!   stream (PDF 1.5 writers that put it there), strings given as indirect objects, XMP.
//! - **OOXML** (.docx, .xlsx, .pptx; WPS writes them too): `docProps/core.xml` (dc:creator,
//!   cp:lastModifiedBy, dcterms:created, dcterms:modified) and `docProps/app.xml` (Application,
//!   Company), through the `zip` crate and `quick-xml`; each entry is read decompressed up to
//!   [`XML_LIMIT`] bytes, so a zip bomb costs nothing.
//!
//! Anything else (OLE .doc/.wps, OpenDocument, images) yields no record. Garbage in any of
//! these formats yields a partial record or none, never a panic (property tests below); every
//! value is cut to [`VALUE_LIMIT`] characters. Instants are given as RFC 3339 where the file's
//! form can be read so, else as the file states them.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use chrono::{FixedOffset, NaiveDate, TimeZone};

use crate::seal::DocumentMetadata;

/// Bytes read from a PDF's end to find its trailer.
pub const PDF_TAIL: u64 = 256 * 1024;
/// Bytes searched at each end of a PDF for the Info object when the xref table does not say.
pub const PDF_SCAN: u64 = 4 * 1024 * 1024;
/// Decompressed bytes read of an OOXML property part.
pub const XML_LIMIT: u64 = 256 * 1024;
/// Bytes after an object's header its dictionary must end within.
const DICT_WINDOW: usize = 64 * 1024;
/// Longest value kept, in characters.
pub const VALUE_LIMIT: usize = 256;

/// The metadata of the document at `path` as part `index` of the bid, if it is a PDF or an
/// OOXML file and carries any; `None` for other files and unreadable ones.
pub fn read_file(path: &Path, index: u32) -> Option<DocumentMetadata> {
    let f = std::fs::File::open(path).ok()?;
    read(std::io::BufReader::new(f), index)
}

/// [`read_file`] over any seekable reader.
pub fn read<R: Read + Seek>(mut r: R, index: u32) -> Option<DocumentMetadata> {
    let mut head = [0u8; 1024];
    let n = read_up_to(&mut r, &mut head).ok()?;
    let head = &head[..n];
    let mut meta = if head.starts_with(b"PK\x03\x04") {
        ooxml(r)?
    } else if find(head, b"%PDF-").is_some() {
        pdf(&mut r)?
    } else {
        return None;
    };
    meta.index = index;
    let empty = DocumentMetadata {
        index,
        ..DocumentMetadata::default()
    };
    (meta != empty).then_some(meta)
}

fn read_up_to<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Trimmed, control characters dropped, cut to [`VALUE_LIMIT`]; `None` when empty.
fn clean(s: &str) -> Option<String> {
    let v: String = s
        .chars()
        .filter(|c| !c.is_control())
        .take(VALUE_LIMIT)
        .collect();
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// `len` bytes at `from` (fewer at the end of the file).
fn read_at<R: Read + Seek>(r: &mut R, from: u64, len: u64) -> Option<Vec<u8>> {
    r.seek(SeekFrom::Start(from)).ok()?;
    let mut buf = Vec::with_capacity(usize::try_from(len).ok()?);
    r.take(len).read_to_end(&mut buf).ok()?;
    Some(buf)
}

// --- PDF -----------------------------------------------------------------------------------

fn pdf<R: Read + Seek>(r: &mut R) -> Option<DocumentMetadata> {
    let size = r.seek(SeekFrom::End(0)).ok()?;
    let tail_start = size.saturating_sub(PDF_TAIL);
    let tail = read_at(r, tail_start, PDF_TAIL)?;
    // The last /Info reference: of the last trailer, or of the cross-reference stream's
    // dictionary (not compressed) in files without a classic trailer.
    let (num, gen) = last_info_ref(&tail)?;
    let dict = info_object(r, size, &tail, num, gen)?;
    Some(info_dict(&dict))
}

fn is_delim(b: u8) -> bool {
    b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b)
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// A decimal integer at `i` (at most 10 digits), and where it ends.
fn int_at(s: &[u8], i: usize) -> Option<(u32, usize)> {
    let mut j = i;
    while j < s.len() && s[j].is_ascii_digit() && j - i < 10 {
        j += 1;
    }
    if j == i || (j < s.len() && s[j].is_ascii_digit()) {
        return None;
    }
    let v = std::str::from_utf8(&s[i..j]).ok()?.parse().ok()?;
    Some((v, j))
}

/// `n g R` at `i`.
fn reference_at(s: &[u8], i: usize) -> Option<(u32, u32)> {
    let (n, j) = int_at(s, skip_ws(s, i))?;
    let (g, k) = int_at(s, skip_ws(s, j))?;
    let k = skip_ws(s, k);
    (s.get(k) == Some(&b'R') && s.get(k + 1).is_none_or(|b| is_delim(*b))).then_some((n, g))
}

fn last_info_ref(tail: &[u8]) -> Option<(u32, u32)> {
    let mut end = tail.len();
    while let Some(at) = rfind(&tail[..end], b"/Info") {
        if let Some(r) = reference_at(tail, at + 5) {
            return Some(r);
        }
        end = at;
    }
    None
}

/// The dictionary of object `num gen`: located through the classic xref table when there is
/// one, else searched for near the file's ends.
fn info_object<R: Read + Seek>(
    r: &mut R,
    size: u64,
    tail: &[u8],
    num: u32,
    gen: u32,
) -> Option<Vec<u8>> {
    let header = format!("{num} {gen} obj");
    if let Some(offset) = xref_offset(r, tail, num) {
        if let Some(chunk) = read_at(r, offset, DICT_WINDOW as u64) {
            if chunk.starts_with(header.as_bytes()) {
                return dict_after(&chunk, header.len());
            }
        }
    }
    let ends = [
        (0, PDF_SCAN.min(size)),
        (size.saturating_sub(PDF_SCAN), PDF_SCAN),
    ];
    for (from, len) in ends.into_iter().rev() {
        let chunk = read_at(r, from, len)?;
        let mut end = chunk.len();
        // A few candidates, each parsed within a window: a hostile file full of "1 0 obj"
        // costs a bounded amount.
        for _ in 0..8 {
            let Some(at) = rfind(&chunk[..end], header.as_bytes()) else {
                break;
            };
            // Not the tail of a longer number ("11 0 obj" when looking for "1 0 obj").
            if at == 0 || !chunk[at - 1].is_ascii_digit() {
                let window = &chunk[at..chunk.len().min(at + DICT_WINDOW)];
                if let Some(d) = dict_after(window, header.len()) {
                    return Some(d);
                }
            }
            end = at;
        }
    }
    None
}

/// The offset of object `num` by the classic xref table `startxref` points to (its first
/// subsection that covers `num`), if the file has one.
fn xref_offset<R: Read + Seek>(r: &mut R, tail: &[u8], num: u32) -> Option<u64> {
    let at = rfind(tail, b"startxref")?;
    let (offset, _) = int_at(tail, skip_ws(tail, at + 9))?;
    let table = read_at(r, u64::from(offset), 64 * 1024)?;
    if !table.starts_with(b"xref") {
        return None;
    }
    let mut i = 4;
    // Subsections: "first count" then count 20-byte entries.
    for _ in 0..64 {
        let (first, j) = int_at(&table, skip_ws(&table, i))?;
        let (count, k) = int_at(&table, skip_ws(&table, j))?;
        let entries = skip_ws(&table, k);
        if num >= first && num - first < count {
            let e = entries + usize::try_from(num - first).ok()? * 20;
            let entry = table.get(e..e + 18)?;
            let (off, _) = int_at(entry, 0)?;
            return (entry.get(17) == Some(&b'n')).then_some(u64::from(off));
        }
        i = entries + usize::try_from(count).ok()?.checked_mul(20)?;
        if i >= table.len() {
            return None;
        }
    }
    None
}

/// The `<< … >>` starting after whitespace at `i`, nested dictionaries and strings skipped.
fn dict_after(s: &[u8], i: usize) -> Option<Vec<u8>> {
    let start = skip_ws(s, i);
    if !s.get(start..)?.starts_with(b"<<") {
        return None;
    }
    let mut depth = 0usize;
    let mut j = start;
    while j < s.len() {
        match s[j] {
            b'(' => j = literal_end(s, j)?,
            b'<' if s.get(j + 1) == Some(&b'<') => {
                depth += 1;
                j += 2;
                continue;
            }
            b'>' if s.get(j + 1) == Some(&b'>') => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return Some(s[start..j].to_vec());
                }
                continue;
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// The index of the `)` closing the literal string opening at `i`.
fn literal_end(s: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    while j < s.len() {
        match s[j] {
            b'\\' => j += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// The value of `/key` in the dictionary `d` (top level), if it is a string.
fn dict_string(d: &[u8], key: &str) -> Option<String> {
    let name = format!("/{key}");
    let mut from = 0;
    while let Some(at) = find(&d[from..], name.as_bytes()).map(|a| a + from) {
        let after = at + name.len();
        from = after;
        if d.get(after).is_some_and(|b| !is_delim(*b)) {
            continue; // "/AuthorX"
        }
        let v = skip_ws(d, after);
        return match d.get(v)? {
            b'(' => decode_text(&literal_bytes(d, v)?),
            b'<' if d.get(v + 1) != Some(&b'<') => decode_text(&hex_bytes(d, v)?),
            _ => None,
        };
    }
    None
}

/// The bytes of the literal string at `i`, escapes resolved (PDF 32000-1 §7.3.4.2).
fn literal_bytes(s: &[u8], i: usize) -> Option<Vec<u8>> {
    let end = literal_end(s, i)?;
    let mut out = Vec::new();
    let mut j = i + 1;
    while j < end {
        let b = s[j];
        if b != b'\\' {
            out.push(b);
            j += 1;
            continue;
        }
        j += 1;
        let Some(&e) = s.get(j) else { break };
        match e {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'\r' | b'\n' => {
                if e == b'\r' && s.get(j + 1) == Some(&b'\n') {
                    j += 1;
                }
            }
            b'0'..=b'7' => {
                let mut v: u32 = 0;
                let mut k = 0;
                while k < 3 && j < end && (b'0'..=b'7').contains(&s[j]) {
                    v = v * 8 + u32::from(s[j] - b'0');
                    j += 1;
                    k += 1;
                }
                out.push((v & 0xff) as u8);
                continue;
            }
            other => out.push(other),
        }
        j += 1;
    }
    Some(out)
}

/// The bytes of the hex string at `i` (`<…>`, whitespace ignored, odd length padded with 0).
fn hex_bytes(s: &[u8], i: usize) -> Option<Vec<u8>> {
    let end = i + 1 + s.get(i + 1..)?.iter().position(|b| *b == b'>')?;
    let digits: Vec<u8> = s[i + 1..end]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(digits.len() / 2 + 1);
    for pair in digits.chunks(2) {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = pair.get(1).map_or(Some(0), |b| (*b as char).to_digit(16))?;
        out.push((hi * 16 + lo) as u8);
    }
    Some(out)
}

/// A PDF text string: UTF-16BE with its byte order mark, UTF-8 with its mark (PDF 2.0), else
/// PDFDocEncoding, read as Latin-1 (they agree on the printable range) — unless the bytes are
/// valid UTF-8 with some beyond ASCII: writers that put UTF-8 in without the mark (common with
/// Chinese names) are read as they meant, and Latin-1 text seldom forms valid UTF-8 sequences.
fn decode_text(b: &[u8]) -> Option<String> {
    let text = if let Some(rest) = b.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = b.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(rest).into_owned()
    } else if let Ok(utf8) = std::str::from_utf8(b) {
        utf8.to_string()
    } else {
        b.iter().map(|&c| c as char).collect()
    };
    clean(&text)
}

/// A PDF date (`D:YYYYMMDDHHmmSSOHH'mm'`, every part after the year optional) as RFC 3339;
/// the value as given when it is not one.
fn pdf_date(raw: &str) -> String {
    parse_pdf_date(raw).unwrap_or_else(|| raw.to_string())
}

fn parse_pdf_date(raw: &str) -> Option<String> {
    let s = raw.trim();
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits < 4 || digits % 2 != 0 || digits > 14 {
        return None;
    }
    let num = |from: usize, default: u32| -> Option<u32> {
        if from + 2 <= digits {
            s.get(from..from + 2)?.parse().ok()
        } else {
            Some(default)
        }
    };
    let year: i32 = s.get(0..4)?.parse().ok()?;
    let (month, day) = (num(4, 1)?, num(6, 1)?);
    let (hour, minute, second) = (num(8, 0)?, num(10, 0)?, num(12, 0)?);
    let rest = &s[digits..];
    let offset_secs = match rest.as_bytes().first() {
        None | Some(b'Z') => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let t: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            let h: i32 = t.get(0..2)?.parse().ok()?;
            let m: i32 = t.get(2..4).map_or(Some(0), |m| m.parse().ok())?;
            let v = h * 3600 + m * 60;
            if sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    let tz = FixedOffset::east_opt(offset_secs)?;
    let local = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
    let at = tz.from_local_datetime(&local).single()?;
    Some(at.to_rfc3339())
}

fn info_dict(d: &[u8]) -> DocumentMetadata {
    DocumentMetadata {
        index: 0,
        author: dict_string(d, "Author"),
        creator: dict_string(d, "Creator"),
        producer: dict_string(d, "Producer"),
        created: dict_string(d, "CreationDate").map(|v| pdf_date(&v)),
        modified: dict_string(d, "ModDate").map(|v| pdf_date(&v)),
        last_modified_by: None,
        company: None,
    }
}

// --- OOXML ---------------------------------------------------------------------------------

fn ooxml<R: Read + Seek>(r: R) -> Option<DocumentMetadata> {
    let mut zip = zip::ZipArchive::new(r).ok()?;
    let core = zip_text(&mut zip, "docProps/core.xml");
    let app = zip_text(&mut zip, "docProps/app.xml");
    if core.is_none() && app.is_none() {
        return None;
    }
    let core = core.unwrap_or_default();
    let app = app.unwrap_or_default();
    let date = |v: Option<String>| v.map(|v| w3c_date(&v));
    Some(DocumentMetadata {
        index: 0,
        author: xml_field(&core, "creator"),
        last_modified_by: xml_field(&core, "lastModifiedBy"),
        created: date(xml_field(&core, "created")),
        modified: date(xml_field(&core, "modified")),
        creator: xml_field(&app, "Application"),
        company: xml_field(&app, "Company"),
        producer: None,
    })
}

/// An entry's text, decompressed up to [`XML_LIMIT`] bytes.
fn zip_text<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<String> {
    let entry = zip.by_name(name).ok()?;
    let mut buf = Vec::new();
    entry.take(XML_LIMIT).read_to_end(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// The text of the first element whose local name is `local` (namespace prefix ignored).
fn xml_field(xml: &str, local: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    let mut text = String::new();
    // Bounded by the input (at most XML_LIMIT bytes): every event consumes some of it.
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if inside {
                    return None; // not a simple property
                }
                inside = e.local_name().as_ref() == local.as_bytes();
            }
            Ok(Event::Text(t)) if inside => {
                let raw = String::from_utf8_lossy(t.as_ref()).into_owned();
                let unescaped = quick_xml::escape::unescape(&raw)
                    .map(|c| c.into_owned())
                    .unwrap_or(raw);
                text.push_str(&unescaped);
                if text.len() > 4 * VALUE_LIMIT {
                    break;
                }
            }
            Ok(Event::GeneralRef(r)) if inside => {
                let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                if let Some(c) = quick_xml::escape::resolve_predefined_entity(&name) {
                    text.push_str(c);
                } else if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                }
            }
            Ok(Event::End(_)) if inside => break,
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
    clean(&text)
}

/// A W3CDTF instant (`dcterms:W3CDTF`) as RFC 3339; the value as given when it is not one.
fn w3c_date(raw: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map(|d| d.to_rfc3339())
        .unwrap_or_else(|_| raw.to_string())
}

#[cfg(test)]
mod tests;
