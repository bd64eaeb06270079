//! The offline verifier against archives built here the way the server writes them: each kind
//! of tampering fails with its own reason.

use super::*;
use crate::audit::canonical_json;
use crate::audit::merkle::MemoryTree;
use crate::audit::note::NoteSigner;
use serde_json::json;

const ORIGIN: &str = "example.com/etender";

/// Three entries: a document upload recording the document's digest, a record (the file is
/// the body), and an unrelated entry; the files tied to them.
struct Built {
    members: Vec<(String, Vec<u8>)>,
    manifest: Manifest,
    signer: NoteSigner,
}

fn leaf(index: u64, event: &str, kind: &str, body: &str) -> LeafEntry {
    LeafEntry {
        v: 1,
        index,
        event_id: event.into(),
        event_type: kind.into(),
        tender_id: Some("t-1".into()),
        section_id: None,
        actor_role: "agent".into(),
        actor_id: "p-1".into(),
        subject: "t-1".into(),
        body_sha256: sha256_hex(body.as_bytes()),
        occurred_at: "2026-12-05T08:00:00.000000Z".into(),
        prev_tender_index: None,
        prev_tender_leaf_hash: None,
    }
}

fn build() -> Built {
    let doc = b"the tender document".repeat(100);
    let doc_sha = sha256_hex(&doc);
    let upload = canonical_json(&json!({"document": "d-1", "sha256": doc_sha}));
    let record = canonical_json(&json!({"announcement": "中标结果公告", "winner": "b-1"}));
    let other = canonical_json(&json!({"other": true}));
    let leaves = [
        leaf(0, "e-0", "document_uploaded", &upload),
        leaf(1, "e-1", "award_notices_issued", &record),
        leaf(2, "e-2", "tender_closed", &other),
    ];
    let mut tree = MemoryTree::new();
    tree.extend(leaves.iter().map(|l| merkle::leaf_hash(&l.to_bytes())));
    let (signer, _) = NoteSigner::generate(ORIGIN).unwrap();
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size: 3,
        root: tree.root(),
        extensions: vec![],
    };
    let entry = |i: u64, body: Option<&str>| ManifestEntry {
        index: i,
        leaf: B64.encode(leaves[i as usize].to_bytes()),
        inclusion_proof: merkle::inclusion_proof(i, 3, &tree)
            .unwrap()
            .iter()
            .map(|h| B64.encode(h))
            .collect(),
        body: body.map(str::to_owned),
    };
    let file =
        |path: &str, kind, bytes: &[u8], index: u64, recorded: Option<String>| ManifestFile {
            path: path.into(),
            name: path.into(),
            kind,
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
            media_type: "application/octet-stream".into(),
            entry: Tie {
                index,
                event_id: format!("e-{index}"),
                recorded_sha256: recorded,
            },
        };
    let manifest = Manifest {
        format: ARCHIVE_FORMAT.into(),
        origin: ORIGIN.into(),
        tender: "t-1".into(),
        created_at: "2026-12-05T09:00:00Z".into(),
        checkpoint: cp.sign(&signer).unwrap(),
        entries: vec![entry(0, Some(&upload)), entry(1, None), entry(2, None)],
        files: vec![
            file(
                "documents/d-1",
                ItemKind::Document,
                &doc,
                0,
                Some(doc_sha.clone()),
            ),
            file(
                "records/1-award_notices_issued.json",
                ItemKind::Record,
                record.as_bytes(),
                1,
                Some(sha256_hex(record.as_bytes())),
            ),
            file("bids/b-1/1", ItemKind::BidDocument, b"opened bid", 2, None),
        ],
    };
    Built {
        members: vec![
            ("documents/d-1".into(), doc),
            (
                "records/1-award_notices_issued.json".into(),
                record.into_bytes(),
            ),
            ("bids/b-1/1".into(), b"opened bid".to_vec()),
        ],
        manifest,
        signer,
    }
}

/// The tar bytes as the server frames them.
fn tar_of(members: &[(String, Vec<u8>)], manifest: &Manifest) -> Vec<u8> {
    let mut out = Vec::new();
    let m = serde_json::to_vec(manifest).unwrap();
    for (path, bytes) in members
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .chain([(MANIFEST_PATH, m.as_slice())])
    {
        out.extend_from_slice(&header(path, bytes.len() as u64, 0).unwrap());
        out.extend_from_slice(bytes);
        out.extend(std::iter::repeat_n(0u8, padding(bytes.len() as u64)));
    }
    out.extend_from_slice(&END);
    out
}

fn check(
    members: &[(String, Vec<u8>)],
    m: &Manifest,
    key: &NoteVerifier,
) -> Result<ArchiveReport, ArchiveFailure> {
    verify_archive(tar_of(members, m).as_slice(), key)
}

fn only(f: ArchiveFailure, code: &str) {
    assert!(
        f.problems.iter().all(|p| p.code() == code) && f.has(code),
        "expected only {code}: {f}"
    );
}

#[test]
fn an_untouched_archive_verifies_and_is_read_by_a_plain_tar_reader() {
    let b = build();
    let key = b.signer.verifier();
    let r = check(&b.members, &b.manifest, &key).unwrap();
    assert_eq!(
        (r.files, r.entries, r.digests_in_log, r.tree_size),
        (3, 3, 2, 3)
    );
    let bytes = tar_of(&b.members, &b.manifest);
    let mut names = Vec::new();
    for e in tar::Archive::new(bytes.as_slice()).entries().unwrap() {
        names.push(e.unwrap().path().unwrap().display().to_string());
    }
    assert_eq!(names.last().unwrap(), MANIFEST_PATH);
    assert_eq!(names.len(), 4);
}

#[test]
fn a_changed_byte_fails_as_file_changed() {
    let mut b = build();
    b.members[0].1[7] ^= 1;
    only(
        check(&b.members, &b.manifest, &b.signer.verifier()).unwrap_err(),
        "file_changed",
    );
}

#[test]
fn a_removed_file_fails_as_file_missing() {
    let mut b = build();
    b.members.remove(2);
    only(
        check(&b.members, &b.manifest, &b.signer.verifier()).unwrap_err(),
        "file_missing",
    );
}

#[test]
fn an_added_file_fails_as_file_unlisted() {
    let mut b = build();
    b.members
        .push(("documents/extra".into(), b"slipped in".to_vec()));
    only(
        check(&b.members, &b.manifest, &b.signer.verifier()).unwrap_err(),
        "file_unlisted",
    );
    // Also when it hides after the manifest.
    let mut bytes = tar_of(&b.members[..3], &b.manifest);
    bytes.truncate(bytes.len() - END.len());
    bytes.extend_from_slice(&header("late", 1, 0).unwrap());
    bytes.extend_from_slice(&[b'x'; BLOCK]);
    bytes.extend_from_slice(&END);
    let f = verify_archive(bytes.as_slice(), &b.signer.verifier()).unwrap_err();
    only(f, "file_unlisted");
}

#[test]
fn a_file_tied_to_another_entry_fails_as_entry_mismatch() {
    // The document claims the record's entry: the entry is genuine, but it records no such
    // digest.
    let mut b = build();
    b.manifest.files[0].entry.index = 1;
    b.manifest.files[0].entry.event_id = "e-1".into();
    only(
        check(&b.members, &b.manifest, &b.signer.verifier()).unwrap_err(),
        "entry_mismatch",
    );
    // A file replaced together with its listed digest: the entry's recorded digest gives it
    // away.
    let mut b = build();
    b.members[0].1 = b"another document".to_vec();
    b.manifest.files[0].size = 16;
    b.manifest.files[0].sha256 = sha256_hex(b"another document");
    only(
        check(&b.members, &b.manifest, &b.signer.verifier()).unwrap_err(),
        "entry_mismatch",
    );
    // An event id that is not the entry's.
    let mut b = build();
    b.manifest.files[2].entry.event_id = "e-1".into();
    only(
        check(&b.members, &b.manifest, &b.signer.verifier()).unwrap_err(),
        "entry_mismatch",
    );
}

#[test]
fn swapped_entries_and_a_rewritten_body_fail_as_proof_invalid() {
    let mut b = build();
    let (l0, l1) = (
        b.manifest.entries[0].leaf.clone(),
        b.manifest.entries[1].leaf.clone(),
    );
    b.manifest.entries[0].leaf = l1;
    b.manifest.entries[1].leaf = l0;
    let f = check(&b.members, &b.manifest, &b.signer.verifier()).unwrap_err();
    assert!(f.has("proof_invalid"), "{f}");
    let mut b = build();
    b.manifest.entries[1].inclusion_proof.swap(0, 1);
    let f = check(&b.members, &b.manifest, &b.signer.verifier()).unwrap_err();
    assert!(f.has("proof_invalid"), "{f}");
    let mut b = build();
    b.manifest.entries[0].body = Some(r#"{"document":"d-1","sha256":"00"}"#.into());
    let f = check(&b.members, &b.manifest, &b.signer.verifier()).unwrap_err();
    assert!(f.has("proof_invalid"), "{f}");
}

#[test]
fn a_bad_checkpoint_fails_as_checkpoint_invalid() {
    let b = build();
    let (other, _) = NoteSigner::generate(ORIGIN).unwrap();
    only(
        check(&b.members, &b.manifest, &other.verifier()).unwrap_err(),
        "checkpoint_invalid",
    );
    let mut b = build();
    b.manifest.checkpoint = b.manifest.checkpoint.replacen("\n3\n", "\n4\n", 1);
    only(
        check(&b.members, &b.manifest, &b.signer.verifier()).unwrap_err(),
        "checkpoint_invalid",
    );
}

#[test]
fn no_manifest_or_not_a_tar_fails_as_not_an_archive() {
    let b = build();
    let mut bytes = Vec::new();
    for (p, data) in &b.members {
        bytes.extend_from_slice(&header(p, data.len() as u64, 0).unwrap());
        bytes.extend_from_slice(data);
        bytes.extend(std::iter::repeat_n(0u8, padding(data.len() as u64)));
    }
    bytes.extend_from_slice(&END);
    let key = b.signer.verifier();
    only(
        verify_archive(bytes.as_slice(), &key).unwrap_err(),
        "not_an_archive",
    );
    only(
        verify_archive(&b"garbage"[..], &key).unwrap_err(),
        "not_an_archive",
    );
}
