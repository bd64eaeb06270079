//! The tender's archive (电子招标投标办法 第40条, docs/ARCHIVE.md): one tar file holding every
//! archived file and, as its last member, `manifest.json`, which ties each file to the audit
//! entry that recorded it, with the log's signed checkpoint and an RFC 9162 inclusion proof for
//! each tied entry — the same proofs `audit::verify` checks in an export bundle. The manifest
//! comes last because the writer hashes each file while it streams it: the archive is written
//! in one pass and never held in memory, and [`verify_archive`] reads it in one pass too.
//!
//! This module is pure: the tar framing the server streams ([`header`], [`padding`], [`END`])
//! and the offline verifier that needs nothing but the log's public key.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::leaf::LeafEntry;
use super::merkle::{self, Hash};
use super::note::{Checkpoint, NoteVerifier};
use super::sha256_hex;

pub const ARCHIVE_FORMAT: &str = "etender-archive/v1";
/// The manifest's path: the archive's last member.
pub const MANIFEST_PATH: &str = "manifest.json";
/// A manifest larger than this is refused unread (a tender's manifest is a few hundred KiB).
const MAX_MANIFEST_BYTES: u64 = 64 << 20;
/// The tar block.
pub const BLOCK: usize = 512;
/// Two zero blocks end a tar file.
pub const END: [u8; 2 * BLOCK] = [0; 2 * BLOCK];

/// What kind of record of the tender a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A tender document (招标文件, its amendments and clarification documents), as uploaded.
    Document,
    /// A document of an opened bid, decrypted (as the opening read it).
    BidDocument,
    /// A notice to a bidder (中标通知书 / 中标结果通知书), the text its signature covers.
    Notice,
    /// An audited record of the tender (announcements, opening record, reports, award steps):
    /// the event body itself, whose digest the entry commits to.
    Record,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`ARCHIVE_FORMAT`].
    pub format: String,
    /// The log's origin (its key name).
    pub origin: String,
    pub tender: String,
    /// When the archive was made, by the server clock (RFC 3339).
    pub created_at: String,
    /// The signed checkpoint (C2SP signed note) every inclusion proof refers to.
    pub checkpoint: String,
    /// Every tied entry once, by index.
    pub entries: Vec<ManifestEntry>,
    pub files: Vec<ManifestFile>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    pub index: u64,
    /// The exact entry bytes (canonical JSON), base64.
    pub leaf: String,
    /// Inclusion proof at the checkpoint's size, base64 hashes, leaf sibling first.
    pub inclusion_proof: Vec<String>,
    /// The event's canonical body, when a file's recorded digest is inside it.
    pub body: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Path inside the archive (ASCII, under 100 bytes: a plain ustar name).
    pub path: String,
    /// The file's own name (a document's file name, a bid document's name).
    pub name: String,
    pub kind: ItemKind,
    pub size: u64,
    /// Hex SHA-256 of the file, computed as it was written.
    pub sha256: String,
    pub media_type: String,
    pub entry: Tie,
}

/// The audit entry a file is tied to.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tie {
    pub index: u64,
    pub event_id: String,
    /// The digest that entry recorded for this file — the entry's own `body_sha256` for a
    /// record, a digest in its body otherwise (a bid document's: its opening entry's
    /// `documents`); none where the log records none (bids opened before openings logged
    /// their documents' digests).
    pub recorded_sha256: Option<String>,
}

/// The 512-byte ustar header of a regular file.
pub fn header(path: &str, size: u64, mtime: u64) -> std::io::Result<[u8; BLOCK]> {
    let mut h = tar::Header::new_ustar();
    h.set_path(path)?;
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(mtime);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut out = [0u8; BLOCK];
    out.copy_from_slice(h.as_bytes());
    Ok(out)
}

/// The digest of an archive's listing, as `archive_exported` records it: SHA-256 of one line
/// `<sha256>  <path>\n` per file, in the manifest's order. Known before the first byte is
/// written, so the export's own audit entry commits to every file's digest — bid documents of
/// openings that logged no plaintext digest included.
pub fn listing_sha256<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for (sha, path) in files {
        ctx.update(format!("{sha}  {path}\n").as_bytes());
    }
    hex::encode(ctx.finish())
}

/// Zero bytes that follow a member of `size` bytes up to the next block.
pub fn padding(size: u64) -> usize {
    (BLOCK - (size % BLOCK as u64) as usize) % BLOCK
}

/// Why an archive was rejected. Each kind has its own stable code ([`ArchiveProblem::code`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArchiveProblem {
    /// Not a readable tar file, or no manifest as its last member.
    NotAnArchive(String),
    /// The manifest is not the v1 format.
    ManifestInvalid(String),
    /// The checkpoint's signature does not verify with the given key.
    CheckpointInvalid(String),
    /// A listed file's bytes differ from its listed size or digest.
    FileChanged(String),
    /// A listed file is not in the archive.
    FileMissing(String),
    /// The archive holds a file the manifest does not list (or holds one twice).
    FileUnlisted(String),
    /// A file's tie does not match its entry: another event, or a digest the entry does not
    /// record, or one that is not the file's.
    EntryMismatch(String),
    /// An entry is not proved in the signed tree (proof, leaf or body does not verify).
    ProofInvalid(String),
}

impl ArchiveProblem {
    pub fn code(&self) -> &'static str {
        match self {
            ArchiveProblem::NotAnArchive(_) => "not_an_archive",
            ArchiveProblem::ManifestInvalid(_) => "manifest_invalid",
            ArchiveProblem::CheckpointInvalid(_) => "checkpoint_invalid",
            ArchiveProblem::FileChanged(_) => "file_changed",
            ArchiveProblem::FileMissing(_) => "file_missing",
            ArchiveProblem::FileUnlisted(_) => "file_unlisted",
            ArchiveProblem::EntryMismatch(_) => "entry_mismatch",
            ArchiveProblem::ProofInvalid(_) => "proof_invalid",
        }
    }

    fn detail(&self) -> &str {
        match self {
            ArchiveProblem::NotAnArchive(d)
            | ArchiveProblem::ManifestInvalid(d)
            | ArchiveProblem::CheckpointInvalid(d)
            | ArchiveProblem::FileChanged(d)
            | ArchiveProblem::FileMissing(d)
            | ArchiveProblem::FileUnlisted(d)
            | ArchiveProblem::EntryMismatch(d)
            | ArchiveProblem::ProofInvalid(d) => d,
        }
    }
}

impl fmt::Display for ArchiveProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.detail())
    }
}

/// Every problem found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveFailure {
    pub problems: Vec<ArchiveProblem>,
}

impl ArchiveFailure {
    fn one(p: ArchiveProblem) -> Self {
        ArchiveFailure { problems: vec![p] }
    }

    /// Whether any problem has this code (tests match on these).
    pub fn has(&self, code: &str) -> bool {
        self.problems.iter().any(|p| p.code() == code)
    }
}

impl fmt::Display for ArchiveFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "archive rejected ({} problem(s)):", self.problems.len())?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ArchiveFailure {}

/// What a successful verification established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveReport {
    pub tender: String,
    pub origin: String,
    pub tree_size: u64,
    pub files: usize,
    pub bytes: u64,
    pub entries: usize,
    /// Files whose digest a log entry records (the rest are tied to an entry without one).
    pub digests_in_log: usize,
    /// [`listing_sha256`] of the manifest: equal to the `listing_sha256` of the export's own
    /// `archive_exported` entry (in a later audit export) when no digest was rewritten.
    pub listing_sha256: String,
}

impl fmt::Display for ArchiveReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "archive OK: tender {}, {} files ({} bytes), {} of them with their digest in the \
             log; {} entries proved in {} at tree size {}; listing {}",
            self.tender,
            self.files,
            self.bytes,
            self.digests_in_log,
            self.entries,
            self.origin,
            self.tree_size,
            self.listing_sha256
        )
    }
}

/// A member as read: its size and digest.
struct Seen {
    size: u64,
    sha256: String,
}

/// Verifies an archive offline with the log's verifier key: every file against its listed
/// digest, nothing missing or added, each tied entry's inclusion proof against the signed
/// checkpoint, and each recorded digest against the file's.
pub fn verify_archive(r: impl Read, key: &NoteVerifier) -> Result<ArchiveReport, ArchiveFailure> {
    let not_archive =
        |e: std::io::Error| ArchiveFailure::one(ArchiveProblem::NotAnArchive(e.to_string()));
    let mut archive = tar::Archive::new(r);
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut manifest: Option<Vec<u8>> = None;
    let mut buf = vec![0u8; 1 << 20];
    for member in archive.entries().map_err(not_archive)? {
        let mut member = member.map_err(not_archive)?;
        let path = String::from_utf8_lossy(&member.path_bytes()).into_owned();
        if manifest.is_some() {
            // Anything after the manifest is outside what it lists.
            problems.push(ArchiveProblem::FileUnlisted(format!(
                "{path} follows the manifest"
            )));
        }
        if path == MANIFEST_PATH {
            if member.size() > MAX_MANIFEST_BYTES {
                return Err(ArchiveFailure::one(ArchiveProblem::ManifestInvalid(
                    "the manifest is implausibly large".into(),
                )));
            }
            let mut m = Vec::new();
            member.read_to_end(&mut m).map_err(not_archive)?;
            manifest = Some(m);
            continue;
        }
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        let mut size = 0u64;
        loop {
            let n = member.read(&mut buf).map_err(not_archive)?;
            if n == 0 {
                break;
            }
            ctx.update(&buf[..n]);
            size += n as u64;
        }
        let sha256 = hex::encode(ctx.finish());
        if seen.insert(path.clone(), Seen { size, sha256 }).is_some() {
            problems.push(ArchiveProblem::FileUnlisted(format!(
                "{path} is in the archive twice"
            )));
        }
    }
    let Some(manifest) = manifest else {
        return Err(ArchiveFailure::one(ArchiveProblem::NotAnArchive(format!(
            "no {MANIFEST_PATH} in the archive"
        ))));
    };
    let m: Manifest = serde_json::from_slice(&manifest)
        .map_err(|e| ArchiveFailure::one(ArchiveProblem::ManifestInvalid(e.to_string())))?;
    if m.format != ARCHIVE_FORMAT {
        return Err(ArchiveFailure::one(ArchiveProblem::ManifestInvalid(
            format!("unknown format {:?} (expected {ARCHIVE_FORMAT})", m.format),
        )));
    }
    let cp = Checkpoint::open_signed(&m.checkpoint, key).map_err(|e| {
        ArchiveFailure::one(ArchiveProblem::CheckpointInvalid(format!(
            "the checkpoint does not verify with key {}: {e}",
            key.name()
        )))
    })?;
    let entries = prove_entries(&m, &cp, &mut problems);
    let mut listed = BTreeSet::new();
    let mut bytes = 0;
    let mut digests_in_log = 0;
    for f in &m.files {
        if !listed.insert(f.path.as_str()) {
            problems.push(ArchiveProblem::ManifestInvalid(format!(
                "{} is listed twice",
                f.path
            )));
        }
        match seen.get(&f.path) {
            None => problems.push(ArchiveProblem::FileMissing(f.path.clone())),
            Some(s) if s.size != f.size || s.sha256 != f.sha256 => {
                problems.push(ArchiveProblem::FileChanged(format!(
                    "{}: {} bytes with SHA-256 {}, the manifest lists {} bytes with {}",
                    f.path, s.size, s.sha256, f.size, f.sha256
                )))
            }
            Some(s) => bytes += s.size,
        }
        match tie_problem(f, &entries) {
            Some(p) => problems.push(ArchiveProblem::EntryMismatch(format!("{}: {p}", f.path))),
            None if f.entry.recorded_sha256.is_some() => digests_in_log += 1,
            None => {}
        }
    }
    for path in seen.keys().filter(|p| !listed.contains(p.as_str())) {
        problems.push(ArchiveProblem::FileUnlisted(path.clone()));
    }
    if !problems.is_empty() {
        return Err(ArchiveFailure { problems });
    }
    Ok(ArchiveReport {
        tender: m.tender,
        origin: cp.origin,
        tree_size: cp.size,
        files: m.files.len(),
        bytes,
        entries: entries.len(),
        digests_in_log,
        listing_sha256: listing_sha256(
            m.files.iter().map(|f| (f.sha256.as_str(), f.path.as_str())),
        ),
    })
}

/// An entry proved in the signed tree: its leaf, and its body when the manifest carries one.
struct Proved {
    leaf: LeafEntry,
    body: Option<serde_json::Value>,
}

/// Each manifest entry whose leaf is canonical, sits at its index, is included in the signed
/// tree and whose body (if any) is the one it commits to.
fn prove_entries(
    m: &Manifest,
    cp: &Checkpoint,
    problems: &mut Vec<ArchiveProblem>,
) -> BTreeMap<u64, Proved> {
    let mut out = BTreeMap::new();
    for e in &m.entries {
        let bad = |d: String| ArchiveProblem::ProofInvalid(format!("entry {}: {d}", e.index));
        let Ok(bytes) = B64.decode(&e.leaf) else {
            problems.push(bad("the leaf is not base64".into()));
            continue;
        };
        let leaf = match LeafEntry::from_bytes(&bytes) {
            Ok(l) => l,
            Err(err) => {
                problems.push(bad(err.to_string()));
                continue;
            }
        };
        if leaf.index != e.index {
            problems.push(bad(format!("the signed leaf is entry {}", leaf.index)));
            continue;
        }
        let proof: Option<Vec<Hash>> = e
            .inclusion_proof
            .iter()
            .map(|h| B64.decode(h).ok().and_then(|b| b.try_into().ok()))
            .collect();
        let Some(proof) = proof else {
            problems.push(bad("the inclusion proof is not base64 hashes".into()));
            continue;
        };
        let hash = merkle::leaf_hash(&bytes);
        if let Err(err) = merkle::verify_inclusion(&hash, e.index, cp.size, &proof, &cp.root) {
            problems.push(bad(format!("not included in the signed tree: {err}")));
            continue;
        }
        let body = match &e.body {
            None => None,
            Some(b) if sha256_hex(b.as_bytes()) != leaf.body_sha256 => {
                problems.push(bad("the body is not the one the entry commits to".into()));
                continue;
            }
            Some(b) => match serde_json::from_str(b) {
                Ok(v) => Some(v),
                Err(err) => {
                    problems.push(bad(format!("the body is not JSON: {err}")));
                    continue;
                }
            },
        };
        if out.insert(e.index, Proved { leaf, body }).is_some() {
            problems.push(bad("listed twice".into()));
        }
    }
    out
}

/// Why a file's tie does not hold, if it does not.
fn tie_problem(f: &ManifestFile, entries: &BTreeMap<u64, Proved>) -> Option<String> {
    let Some(e) = entries.get(&f.entry.index) else {
        return Some(format!(
            "entry {} is not proved in the manifest",
            f.entry.index
        ));
    };
    if e.leaf.event_id != f.entry.event_id {
        return Some(format!(
            "entry {} is event {}, not {}",
            f.entry.index, e.leaf.event_id, f.entry.event_id
        ));
    }
    let recorded = f.entry.recorded_sha256.as_deref()?;
    if recorded != f.sha256 {
        return Some(format!(
            "the entry recorded {recorded}, the file's digest is {}",
            f.sha256
        ));
    }
    let in_entry = recorded == e.leaf.body_sha256
        || e.body.as_ref().is_some_and(|b| holds_string(b, recorded));
    if !in_entry {
        return Some(format!(
            "entry {} ({}) does not record {recorded}",
            f.entry.index, e.leaf.event_type
        ));
    }
    None
}

/// Whether `needle` is one of the string values in `v`.
fn holds_string(v: &serde_json::Value, needle: &str) -> bool {
    match v {
        serde_json::Value::String(s) => s == needle,
        serde_json::Value::Array(a) => a.iter().any(|x| holds_string(x, needle)),
        serde_json::Value::Object(o) => o.values().any(|x| holds_string(x, needle)),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
