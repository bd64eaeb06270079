//! The tender's archive (issue 16 item 6, docs/ARCHIVE.md): refused before the notices, to
//! anyone but the tender's parties and its regulator, for an unknown tender — each with nothing
//! changed; then exported by the agent and by the regulator, streamed, audited
//! (`archive_exported`), holding the opened bids' documents as their bidders sealed them, the
//! notices and the records, and verifying offline with the log's key alone; a byte changed in
//! the downloaded file, or an entry swapped, fails with its own reason; the audit export with
//! the export in it passes the verifier's rules.

use reqwest::Method;
use serde_json::{json, Value};

use crate::award::evaluated;
use crate::award_notices::drive;
use crate::helpers::{assert_problem, pki};
use etender::audit::archive::{verify_archive, ItemKind, Manifest, MANIFEST_PATH};
use etender::client::archive::archive_path;

/// The archive's members: (path, bytes), in order.
fn members(tar_bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut out = Vec::new();
    for m in tar::Archive::new(tar_bytes).entries().unwrap() {
        let mut m = m.unwrap();
        let path = m.path().unwrap().display().to_string();
        let mut b = Vec::new();
        m.read_to_end(&mut b).unwrap();
        out.push((path, b));
    }
    out
}

/// Offset of the first byte of member `path` in the tar bytes.
fn offset_of(tar_bytes: &[u8], path: &str) -> usize {
    let mut a = tar::Archive::new(tar_bytes);
    for m in a.entries().unwrap() {
        let m = m.unwrap();
        if m.path().unwrap().display().to_string() == path {
            return m.raw_file_position() as usize;
        }
    }
    panic!("no {path}")
}

/// The archive with its manifest replaced (the member keeps its place, last).
fn with_manifest(tar_bytes: &[u8], m: &Manifest) -> Vec<u8> {
    let start = offset_of(tar_bytes, MANIFEST_PATH) - 512;
    let mut out = tar_bytes[..start].to_vec();
    let body = serde_json::to_vec(m).unwrap();
    out.extend_from_slice(
        &etender::audit::archive::header(MANIFEST_PATH, body.len() as u64, 0).unwrap(),
    );
    out.extend_from_slice(&body);
    out.extend(std::iter::repeat_n(
        0u8,
        etender::audit::archive::padding(body.len() as u64),
    ));
    out.extend_from_slice(&etender::audit::archive::END);
    out
}

#[tokio::test]
async fn the_parties_and_the_regulator_export_an_archive_that_verifies_offline() {
    let mut w = evaluated(json!({"kind": "traditional", "candidates": 2})).await;
    let t = w.t().to_string();
    let path = archive_path(&t);

    // Not awarded yet: refused with the state, nothing changed.
    let before = w.app.rows().await;
    let (st, v) = w.s.agent.raw(Method::GET, &path, None).await.unwrap();
    assert_problem(st, &v, 409, "conflict");
    assert!(v["detail"].as_str().unwrap().contains("awarded"), "{v}");
    before.assert_same(&w.app.rows().await, "an archive before the notices");

    let until = drive(&w, &w.bids[0], None).await;
    w.app.clock.set(until);
    w.relogin().await;
    w.s.agent
        .issue_notices(&t, "BD01", &pki().get("agent").credentials())
        .await
        .unwrap();
    // Awarded, but the archive includes the contract: refused until it is signed.
    let (st, v) = w.s.agent.raw(Method::GET, &path, None).await.unwrap();
    assert_problem(st, &v, 409, "conflict");
    assert!(v["detail"].as_str().unwrap().contains("contract"), "{v}");
    crate::contracts::sign_both(&w).await;
    etender::audit::checkpoint_now(&w.app.ctx.db, &w.app.ctx.audit_log, "test")
        .await
        .unwrap();

    // Wrong callers, an unknown tender: refused, nothing changed.
    let mut others = Vec::new();
    for who in ["bidder", "expert", "admin"] {
        others.push(w.app.enrol(who).await);
    }
    let regulator = w.app.enrol("regulator").await;
    let before = w.app.rows().await;
    for c in &others {
        let (st, v) = c.raw(Method::GET, &path, None).await.unwrap();
        assert_problem(st, &v, 403, "forbidden");
    }
    let (st, v) = w.app.client().raw(Method::GET, &path, None).await.unwrap();
    assert_problem(st, &v, 401, "unauthenticated");
    let (st, v) =
        w.s.agent
            .raw(Method::GET, &archive_path("no-such-tender"), None)
            .await
            .unwrap();
    assert_problem(st, &v, 404, "not_found");
    before.assert_same(&w.app.rows().await, "refused archives");

    // The agent's export: one audit event, the archive streamed.
    let before = w.app.rows().await;
    let mut agent_tar = Vec::new();
    let n = w.s.agent.save_archive(&t, &mut agent_tar).await.unwrap();
    assert_eq!(n as usize, agent_tar.len());
    // The log's own tables grow with the integrated entry; nothing else but the event.
    let changed: Vec<String> = before
        .changes(
            &w.app.rows().await,
            &[("audit_events", 1, "archive_exported")],
        )
        .into_iter()
        .filter(|c| !c.starts_with("audit_log_entries") && !c.starts_with("audit_tree_nodes"))
        .filter(|c| !c.starts_with("audit_checkpoints"))
        .collect();
    assert!(changed.is_empty(), "an export changed {changed:?}");
    let key = w.app.ctx.audit_log.verifier();
    let report = verify_archive(agent_tar.as_slice(), &key).unwrap();
    let files = members(&agent_tar);
    assert_eq!(files.last().unwrap().0, MANIFEST_PATH);
    let m: Manifest = serde_json::from_slice(&files.last().unwrap().1).unwrap();
    assert_eq!(report.files, m.files.len());
    assert_eq!(m.tender, t);

    // The tender document as uploaded, its digest the one its upload entry recorded.
    let doc_path = format!("documents/{}", w.s.document);
    let doc = m.files.iter().find(|f| f.path == doc_path).unwrap();
    assert_eq!(doc.kind, ItemKind::Document);
    assert_eq!(doc.entry.recorded_sha256.as_ref(), Some(&doc.sha256));
    let doc_bytes = &files.iter().find(|(p, _)| *p == doc_path).unwrap().1;
    assert_eq!(
        doc_bytes.as_slice(),
        b"%PDF-1.7 tender documents \xe6\x8b\x9b\xe6\xa0\x87"
    );
    // Every opened bid's documents, decrypted to what the opening checked and tied to the bid's
    // opening entry, which logged that digest; no summary (part 0).
    let bid_docs: Vec<_> = m
        .files
        .iter()
        .filter(|f| f.kind == ItemKind::BidDocument)
        .collect();
    for b in &w.bids {
        let id = b.clone();
        let parts = w
            .app
            .ctx
            .db
            .read(move |c| Ok(etender::db::repo::bids::bid_parts(c, &id)?))
            .await
            .unwrap();
        for p in parts.iter().filter(|p| p.part_index > 0) {
            let f = bid_docs
                .iter()
                .find(|f| f.path == format!("bids/{b}/{}", p.part_index))
                .unwrap_or_else(|| panic!("bid {b} part {} archived", p.part_index));
            assert_eq!(Some(&f.sha256), p.plaintext_sha256.as_ref());
            assert_eq!(f.entry.recorded_sha256.as_ref(), Some(&f.sha256));
            let tied = m.entries.iter().find(|e| e.index == f.entry.index).unwrap();
            let body: Value = serde_json::from_str(tied.body.as_deref().unwrap()).unwrap();
            assert_eq!(body["bid"], b.as_str());
            assert_eq!(body["outcome"], "opened");
        }
    }
    assert!(
        !m.files.iter().any(|f| f.path.ends_with("/0")),
        "no bid summary"
    );
    // The three notices, as their addressees read them; their digests recorded in the log.
    let notices: Vec<_> = m
        .files
        .iter()
        .filter(|f| f.kind == ItemKind::Notice)
        .collect();
    assert_eq!(notices.len(), 3);
    assert!(notices
        .iter()
        .all(|f| f.entry.recorded_sha256.as_ref() == Some(&f.sha256)));
    // The records: the tender's publication, the opening record, the notices' event.
    for kind in [
        "tender_published",
        "opening_record_published",
        "award_notices_issued",
    ] {
        assert!(
            m.files
                .iter()
                .any(|f| f.kind == ItemKind::Record && f.path.ends_with(&format!("-{kind}.json"))),
            "{kind} archived"
        );
    }
    assert!(!m
        .files
        .iter()
        .any(|f| f.path.contains("document_downloaded")));

    // The regulator's export verifies the same way.
    let mut reg_tar = Vec::new();
    regulator.save_archive(&t, &mut reg_tar).await.unwrap();
    verify_archive(reg_tar.as_slice(), &key).unwrap();

    // A byte changed in a bid document as downloaded: file_changed.
    let mut bad = agent_tar.clone();
    bad[offset_of(&agent_tar, &bid_docs[0].path) + 3] ^= 0x20;
    let f = verify_archive(bad.as_slice(), &key).unwrap_err();
    assert!(f.has("file_changed") && f.problems.len() == 1, "{f}");
    // A notice claiming a record's entry (genuine, but it records no such digest):
    // entry_mismatch.
    let mut swapped = m.clone();
    let record = m
        .files
        .iter()
        .find(|f| f.kind == ItemKind::Record)
        .unwrap()
        .entry
        .clone();
    let i = swapped
        .files
        .iter()
        .position(|f| f.kind == ItemKind::Notice)
        .unwrap();
    swapped.files[i].entry = record;
    let f = verify_archive(with_manifest(&agent_tar, &swapped).as_slice(), &key).unwrap_err();
    assert!(f.has("entry_mismatch"), "{f}");
    // Another log's key: checkpoint_invalid.
    let (other, _) = etender::audit::note::NoteSigner::generate(key.name()).unwrap();
    let f = verify_archive(agent_tar.as_slice(), &other.verifier()).unwrap_err();
    assert!(f.has("checkpoint_invalid"), "{f}");

    // A stored document that no longer hashes to its digest (a disk fault, an edit on the
    // store): the export stops before its end, and what arrived does not verify.
    let id = w.s.document.clone();
    let stored = w
        .app
        .ctx
        .db
        .read(move |c| Ok(etender::db::repo::tenders::find_document(c, &id)?))
        .await
        .unwrap()
        .unwrap();
    if let Ok(at) = w.app.ctx.storage.local_path(&stored.storage_key) {
        let mut bytes = std::fs::read(&at).unwrap();
        bytes[0] ^= 1;
        std::fs::write(&at, &bytes).unwrap();
        let mut cut = Vec::new();
        let got = w.s.agent.save_archive(&t, &mut cut).await;
        assert!(
            got.is_err() || cut.len() < agent_tar.len(),
            "a corrupt export came whole"
        );
        let f = verify_archive(cut.as_slice(), &key).unwrap_err();
        assert!(f.has("not_an_archive"), "{f}");
        bytes[0] ^= 1;
        std::fs::write(&at, &bytes).unwrap();
    }

    // A bid document's stored ciphertext changed: its record no longer authenticates, and the
    // export stops before its end.
    let id = w.bids[0].clone();
    let parts = w
        .app
        .ctx
        .db
        .read(move |c| Ok(etender::db::repo::bids::bid_parts(c, &id)?))
        .await
        .unwrap();
    let part = parts.iter().find(|p| p.part_index == 1).unwrap().clone();
    if let Ok(at) = w.app.ctx.storage.local_path(&part.storage_key) {
        let mut bytes = std::fs::read(&at).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&at, &bytes).unwrap();
        let mut cut = Vec::new();
        let got = w.s.agent.save_archive(&t, &mut cut).await;
        assert!(
            got.is_err() || cut.len() < agent_tar.len(),
            "an export with a corrupt bid document came whole"
        );
        assert!(verify_archive(cut.as_slice(), &key).is_err());
        bytes[last] ^= 1;
        std::fs::write(&at, &bytes).unwrap();
    }
    // The part's plaintext digest changed in its row: it is not the one the opening logged, so
    // no manifest names it; the export is refused before it starts, and nothing is recorded.
    let mut forged = part.clone();
    forged.plaintext_sha256 = Some("00".repeat(32));
    w.app
        .ctx
        .db
        .write(move |c| Ok(etender::db::repo::bids::update_bid_part(c, &forged)?))
        .await
        .unwrap();
    let before = w.app.rows().await;
    let (st, v) =
        w.s.agent
            .raw(Method::GET, &archive_path(&t), None)
            .await
            .unwrap();
    assert_problem(st, &v, 500, "internal");
    before.assert_same(&w.app.rows().await, "an export with a forged digest");
    let restored = part.clone();
    w.app
        .ctx
        .db
        .write(move |c| Ok(etender::db::repo::bids::update_bid_part(c, &restored)?))
        .await
        .unwrap();

    // The tender's audit export, the exports in it, passes every rule.
    etender::audit::checkpoint_now(&w.app.ctx.db, &w.app.ctx.audit_log, "test")
        .await
        .unwrap();
    let bundle: Value = regulator
        .get(&format!("/api/v1/audit/export?tender_id={t}"))
        .await
        .unwrap();
    let bundle: etender::audit::bundle::Bundle = serde_json::from_value(bundle).unwrap();
    let exports = bundle
        .entries
        .iter()
        .filter(|e| {
            use base64::Engine;
            let leaf = base64::engine::general_purpose::STANDARD
                .decode(&e.leaf)
                .unwrap();
            String::from_utf8_lossy(&leaf).contains("\"archive_exported\"")
        })
        .count();
    // The two whole exports, and the two cut short on a local store.
    let expected = if w.app.ctx.storage.local_path(&stored.storage_key).is_ok() {
        4
    } else {
        2
    };
    assert_eq!(exports, expected);
    // The agent's export entry commits to the archive's listing: every file's digest, bid
    // documents included, is in the log from then on.
    let listings: Vec<String> = bundle
        .entries
        .iter()
        .filter_map(|e| e.event.as_ref())
        .filter_map(|ev| serde_json::from_str::<Value>(&ev.body).ok())
        .filter_map(|b| b["listing_sha256"].as_str().map(str::to_owned))
        .collect();
    assert!(listings.contains(&report.listing_sha256), "{listings:?}");
    etender::audit::verify::verify_bundle(
        &bundle,
        &key,
        None,
        &etender::audit::verify::default_rules(),
    )
    .unwrap();
}
