//! The Merkle audit log end to end, on the backend under test: proofs and receipts from the
//! API verify offline; tampering with log rows or event bodies (triggers disabled) is caught by
//! the verifier, library and binary; the triggers refuse UPDATE and DELETE; concurrent writers
//! and two sequencers (two nodes) give one gap-free log with no fork.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use etender::app::AppContext;
use etender::audit::bundle::Bundle;
use etender::audit::leaf::LeafEntry;
use etender::audit::merkle::{self, Hash};
use etender::audit::note::{Checkpoint, NoteVerifier};
use etender::audit::proof_text::TlogProof;
use etender::audit::verify::{default_rules, verify_bundle, VerifyFailure, VerifyReport};
use etender::audit::{self, sequencer, ActorRef, Event, EventType};
use etender::client::Client;
use etender::db::Backend;
use etender::secret::ExposeSecret;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, is_postgres, TestApp};

pub(crate) async fn vkey(app: &TestApp) -> NoteVerifier {
    let k: Value = app.client().get("/api/v1/audit/public-key").await.unwrap();
    assert_eq!(k["origin"], "etender.local/log");
    NoteVerifier::parse(k["verifier_key"].as_str().unwrap()).unwrap()
}

/// Record `n` events for `tender` directly (tenders arrive with issue 3).
pub(crate) async fn record_tender_events(ctx: &AppContext, tender: &str, n: usize) -> Vec<String> {
    let tender = tender.to_string();
    let now = ctx.clock.now();
    ctx.db
        .write(move |c| {
            let mut ids = Vec::new();
            for i in 0..n {
                ids.push(audit::record(
                    c,
                    now,
                    Event {
                        event_type: EventType::SandboxClockAdjusted,
                        tender_id: Some(tender.clone()),
                        section_id: None,
                        actor: ActorRef::system(),
                        subject: tender.clone(),
                        body: json!({"step": i, "tender": tender}),
                    },
                )?);
            }
            Ok(ids)
        })
        .await
        .unwrap()
}

fn verify(bundle: &Bundle, key: &NoteVerifier) -> Result<VerifyReport, VerifyFailure> {
    verify_bundle(bundle, key, None, &default_rules())
}

/// A populated log: identity events, then two tenders' events interleaved.
async fn populated() -> (TestApp, Client, NoteVerifier) {
    let app = TestApp::spawn().await;
    let regulator = app.enrol("regulator").await;
    app.enrol("bidder").await;
    for _ in 0..3 {
        record_tender_events(&app.ctx, "tender-A", 2).await;
        record_tender_events(&app.ctx, "tender-B", 1).await;
    }
    sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let key = vkey(&app).await;
    (app, regulator, key)
}

#[tokio::test]
async fn proofs_and_receipts_from_the_api_verify_offline() {
    let (app, regulator, key) = populated().await;
    let public = app.client();
    let cp1_text = public.get_text("/api/v1/audit/checkpoint").await.unwrap();
    let cp1 = Checkpoint::open_signed(&cp1_text, &key).unwrap();
    assert!(cp1.size >= 12, "size {}", cp1.size);

    // Every entry's inclusion proof verifies against the signed root.
    let mut leaves: Vec<Hash> = Vec::new();
    for index in 0..cp1.size {
        let e: Value = regulator
            .get(&format!("/api/v1/audit/entries/{index}"))
            .await
            .unwrap();
        let leaf = B64.decode(e["leaf"].as_str().unwrap()).unwrap();
        let entry = LeafEntry::from_bytes(&leaf).unwrap();
        assert_eq!(entry.index, index);
        let lh = merkle::leaf_hash(&leaf);
        leaves.push(lh);
        let p: Value = public
            .get(&format!(
                "/api/v1/audit/proofs/inclusion?index={index}&tree_size={}",
                cp1.size
            ))
            .await
            .unwrap();
        let hashes: Vec<Hash> = p["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| B64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
            .collect();
        merkle::verify_inclusion(&lh, index, cp1.size, &hashes, &cp1.root).unwrap();
        let mut wrong = lh;
        wrong[0] ^= 1;
        assert!(merkle::verify_inclusion(&wrong, index, cp1.size, &hashes, &cp1.root).is_err());
    }
    assert_eq!(merkle::root_from_leaves(&leaves), cp1.root);

    // The log grows; the consistency proof links the two signed checkpoints.
    let bidder = app.enrol("bidder").await;
    record_tender_events(&app.ctx, "tender-A", 3).await;
    sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let cp2 = Checkpoint::open_signed(
        &public.get_text("/api/v1/audit/checkpoint").await.unwrap(),
        &key,
    )
    .unwrap();
    assert!(cp2.size > cp1.size);
    let p: Value = public
        .get(&format!(
            "/api/v1/audit/proofs/consistency?old_size={}&new_size={}",
            cp1.size, cp2.size
        ))
        .await
        .unwrap();
    let hashes: Vec<Hash> = p["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| B64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
        .collect();
    merkle::verify_consistency(cp1.size, cp2.size, &cp1.root, &cp2.root, &hashes).unwrap();
    assert!(merkle::verify_consistency(cp1.size, cp2.size, &cp2.root, &cp2.root, &hashes).is_err());
    // Proofs beyond the signed size are refused.
    let before = app.rows().await;
    let (s, b) = public
        .raw(
            reqwest::Method::GET,
            &format!(
                "/api/v1/audit/proofs/inclusion?index=0&tree_size={}",
                cp2.size + 1
            ),
            None,
        )
        .await
        .unwrap();
    assert_problem(s, &b, 422, "validation_failed");
    before.assert_same(&app.rows().await, "a proof beyond the signed size");

    // The bidder's own trail holds its login; the receipt for it verifies offline.
    let me: Value = bidder.get("/api/v1/me").await.unwrap();
    let my_id = me["id"].as_str().unwrap();
    let trail: Value = bidder
        .get(&format!("/api/v1/audit/trail?subject={my_id}"))
        .await
        .unwrap();
    let items = trail["items"].as_array().unwrap();
    assert!(items
        .iter()
        .any(|e| e["event_type"] == "organisation_registered"));
    let login = items
        .iter()
        .rev()
        .find(|e| e["event_type"] == "session_opened")
        .unwrap();
    let event_id = login["event_id"].as_str().unwrap();
    let text = bidder
        .get_text(&format!("/api/v1/audit/receipts/{event_id}"))
        .await
        .unwrap();
    let receipt = TlogProof::parse(&text).unwrap();
    let leaf = receipt.extra.clone().unwrap();
    assert_eq!(LeafEntry::from_bytes(&leaf).unwrap().event_id, event_id);
    let cp = receipt.verify(&merkle::leaf_hash(&leaf), &key).unwrap();
    assert!(cp.size > receipt.index);
    // A forged leaf does not verify with the same receipt.
    let forged = String::from_utf8(leaf.clone())
        .unwrap()
        .replace("session_opened", "session_closed");
    assert!(receipt
        .verify(&merkle::leaf_hash(forged.as_bytes()), &key)
        .is_err());
    // The regulator may fetch it too; another party may not, nor read the bidder's trail.
    regulator
        .get_text(&format!("/api/v1/audit/receipts/{event_id}"))
        .await
        .unwrap();
    let other = app.enrol("tenderer").await;
    let before = app.rows().await;
    let (s, b) = other
        .raw(
            reqwest::Method::GET,
            &format!("/api/v1/audit/receipts/{event_id}"),
            None,
        )
        .await
        .unwrap();
    assert_problem(s, &b, 404, "not_found");
    let (s, b) = other
        .raw(
            reqwest::Method::GET,
            &format!("/api/v1/audit/trail?subject={my_id}"),
            None,
        )
        .await
        .unwrap();
    assert_problem(s, &b, 403, "forbidden");
    let (s, b) = bidder
        .raw(
            reqwest::Method::GET,
            "/api/v1/audit/trail?tender_id=tender-A",
            None,
        )
        .await
        .unwrap();
    assert_problem(s, &b, 403, "forbidden");
    before.assert_same(&app.rows().await, "refused receipts and trails");

    // The regulator's tender trail is the tender's complete chain.
    let t: Value = regulator
        .get("/api/v1/audit/trail?tender_id=tender-A")
        .await
        .unwrap();
    let chain = t["items"].as_array().unwrap();
    assert_eq!(chain.len(), 9);
    assert!(chain[0]["prev_tender_index"].is_null());
    for w in chain.windows(2) {
        assert_eq!(w[1]["prev_tender_index"], w[0]["index"]);
    }
}

/// Export bundles verify: whole log, one tender, one principal, and against a saved checkpoint.
#[tokio::test]
async fn export_bundles_verify_offline() {
    let (app, regulator, key) = populated().await;
    let saved = app
        .client()
        .get_text("/api/v1/audit/checkpoint")
        .await
        .unwrap();
    let saved_size = Checkpoint::open_signed(&saved, &key).unwrap().size;
    record_tender_events(&app.ctx, "tender-B", 2).await;
    sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();

    let all = regulator.audit_export(None, None, None).await.unwrap();
    assert_eq!(all.pending, 0);
    let r = verify_bundle(&all, &key, Some(&saved), &default_rules()).unwrap();
    assert_eq!(r.entries as u64, r.tree_size);
    assert_eq!(r.tenders, 2);
    assert_eq!(r.consistent_with, Some(saved_size));
    assert_eq!(r.bodies_checked, r.entries);

    let tender = regulator
        .audit_export(Some("tender-B"), None, Some(saved_size))
        .await
        .unwrap();
    assert_eq!(tender.entries.len(), 5);
    let r = verify_bundle(&tender, &key, Some(&saved), &default_rules()).unwrap();
    assert_eq!(r.consistent_with, Some(saved_size));
    // Without the consistency proof the saved checkpoint cannot be checked: refused, not skipped.
    let no_proof = regulator
        .audit_export(Some("tender-B"), None, None)
        .await
        .unwrap();
    let err = verify_bundle(&no_proof, &key, Some(&saved), &default_rules()).unwrap_err();
    assert!(err.mentions("no consistency proof"), "{err}");

    let bidder = app.enrol("bidder").await;
    let me: Value = bidder.get("/api/v1/me").await.unwrap();
    let mine = bidder
        .audit_export(None, Some(me["id"].as_str().unwrap()), None)
        .await
        .unwrap();
    assert!(!mine.entries.is_empty());
    verify(&mine, &key).unwrap();
    // A party may not export the whole log.
    let before = app.rows().await;
    let e = bidder.audit_export(None, None, None).await.unwrap_err();
    assert_eq!(e.code(), Some(etender::error::ErrorCode::Forbidden));
    before.assert_same(&app.rows().await, "an export of the whole log by a party");
    // A different key rejects everything.
    let (other, _) = etender::audit::note::NoteSigner::generate("etender.local/log").unwrap();
    let err = verify(&all, &other.verifier()).unwrap_err();
    assert!(err.mentions("checkpoint does not verify"), "{err}");
}

// ---------------------------------------------------------------------------
// Tampering, with the append-only triggers out of the way.
// ---------------------------------------------------------------------------

pub(crate) enum Raw {
    Pg(PgConnection),
    Lite(SqliteConnection),
}

pub(crate) fn raw(app: &TestApp) -> Raw {
    let url = app.settings.database.url.expose_secret();
    match Backend::from_url(url).unwrap() {
        Backend::Postgres => Raw::Pg(PgConnection::establish(url).unwrap()),
        Backend::Sqlite => {
            let path = etender::db::connection::sqlite_path(url).unwrap();
            let mut c = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
            c.batch_execute("PRAGMA busy_timeout = 5000;").unwrap();
            Raw::Lite(c)
        }
    }
}

impl Raw {
    pub(crate) fn exec(&mut self, sql: &str) -> QueryResult<()> {
        match self {
            Raw::Pg(c) => c.batch_execute(sql),
            Raw::Lite(c) => c.batch_execute(sql),
        }
    }

    pub(crate) fn disable_triggers(&mut self) {
        match self {
            Raw::Pg(c) => c
                .batch_execute(
                    "ALTER TABLE audit_log_entries DISABLE TRIGGER USER; \
                     ALTER TABLE audit_tree_nodes DISABLE TRIGGER USER; \
                     ALTER TABLE audit_checkpoints DISABLE TRIGGER USER; \
                     ALTER TABLE audit_events DISABLE TRIGGER USER; \
                     ALTER TABLE audit_pending DISABLE TRIGGER USER; \
                     ALTER TABLE audit_cosignatures DISABLE TRIGGER USER;",
                )
                .unwrap(),
            Raw::Lite(c) => c
                .batch_execute(
                    "DROP TRIGGER audit_log_entries_no_update; \
                     DROP TRIGGER audit_log_entries_no_delete; \
                     DROP TRIGGER audit_tree_nodes_no_update; \
                     DROP TRIGGER audit_tree_nodes_no_delete; \
                     DROP TRIGGER audit_checkpoints_no_update; \
                     DROP TRIGGER audit_checkpoints_no_delete; \
                     DROP TRIGGER audit_events_no_update; \
                     DROP TRIGGER audit_events_no_delete; \
                     DROP TRIGGER audit_pending_no_update; \
                     DROP TRIGGER audit_pending_no_delete; \
                     DROP TRIGGER audit_cosignatures_no_update; \
                     DROP TRIGGER audit_cosignatures_no_delete;",
                )
                .unwrap(),
        }
    }

    /// `UPDATE … SET leaf = ?, leaf_hash = ? WHERE log_index = ?`, with binds.
    fn set_leaf(&mut self, index: i64, leaf: &[u8], hash: &[u8]) {
        use diesel::sql_types::{BigInt, Binary};
        match self {
            Raw::Pg(c) => diesel::sql_query(
                "UPDATE audit_log_entries SET leaf = $1, leaf_hash = $2 WHERE log_index = $3",
            )
            .bind::<Binary, _>(leaf)
            .bind::<Binary, _>(hash)
            .bind::<BigInt, _>(index)
            .execute(c)
            .unwrap(),
            Raw::Lite(c) => diesel::sql_query(
                "UPDATE audit_log_entries SET leaf = ?, leaf_hash = ? WHERE log_index = ?",
            )
            .bind::<Binary, _>(leaf)
            .bind::<Binary, _>(hash)
            .bind::<BigInt, _>(index)
            .execute(c)
            .unwrap(),
        };
    }

    fn insert_entry(&mut self, index: i64, event_id: &str, tender: &str, leaf: &[u8]) {
        use diesel::sql_types::{BigInt, Binary, Text};
        let hash = merkle::leaf_hash(leaf).to_vec();
        let sql_pg = "INSERT INTO audit_log_entries \
                      (log_index, event_id, tender_id, leaf, leaf_hash, integrated_at) \
                      VALUES ($1, $2, $3, $4, $5, CURRENT_TIMESTAMP)";
        let sql_lite = "INSERT INTO audit_log_entries \
                        (log_index, event_id, tender_id, leaf, leaf_hash, integrated_at) \
                        VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP)";
        match self {
            Raw::Pg(c) => diesel::sql_query(sql_pg)
                .bind::<BigInt, _>(index)
                .bind::<Text, _>(event_id)
                .bind::<Text, _>(tender)
                .bind::<Binary, _>(leaf)
                .bind::<Binary, _>(&hash)
                .execute(c)
                .unwrap(),
            Raw::Lite(c) => diesel::sql_query(sql_lite)
                .bind::<BigInt, _>(index)
                .bind::<Text, _>(event_id)
                .bind::<Text, _>(tender)
                .bind::<Binary, _>(leaf)
                .bind::<Binary, _>(&hash)
                .execute(c)
                .unwrap(),
        };
    }
}

/// Leaf bytes of `index`, read through the regulator's API.
async fn leaf_of(regulator: &Client, index: u64) -> Vec<u8> {
    let e: Value = regulator
        .get(&format!("/api/v1/audit/entries/{index}"))
        .await
        .unwrap();
    B64.decode(e["leaf"].as_str().unwrap()).unwrap()
}

async fn tender_indices(regulator: &Client, tender: &str) -> Vec<u64> {
    let t: Value = regulator
        .get(&format!("/api/v1/audit/trail?tender_id={tender}"))
        .await
        .unwrap();
    t["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect()
}

/// Runs the real binary on `bundle`; returns (success, stdout + stderr).
pub(crate) fn run_verifier_binary(bundle: &Bundle, key: &NoteVerifier) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, serde_json::to_vec(bundle).unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_etender"))
        .args(["audit", "verify", "--bundle"])
        .arg(&file)
        .args(["--key", &key.to_vkey_string()])
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test]
async fn triggers_refuse_update_and_delete() {
    let (app, _regulator, _key) = populated().await;
    let mut db = raw(&app);
    for sql in [
        "UPDATE audit_log_entries SET tender_id = 'x' WHERE log_index = 0",
        "DELETE FROM audit_log_entries WHERE log_index = 0",
        "UPDATE audit_tree_nodes SET idx = idx + 1000000 WHERE level = 0 AND idx = 0",
        "DELETE FROM audit_tree_nodes WHERE level = 0",
        "UPDATE audit_checkpoints SET reason = 'x'",
        "DELETE FROM audit_checkpoints",
        "UPDATE audit_events SET body = '{}'",
        "DELETE FROM audit_events",
    ] {
        let err = db.exec(sql).expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    if is_postgres() {
        let err = db
            .exec("TRUNCATE audit_log_entries")
            .expect_err("truncate")
            .to_string();
        assert!(err.contains("append-only"), "{err}");
    }
    // Nothing changed: the log still verifies.
    let regulator = app.enrol("regulator").await;
    sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let bundle = regulator.audit_export(None, None, None).await.unwrap();
    verify(&bundle, &vkey(&app).await).unwrap();
}

#[tokio::test]
async fn tampering_with_log_rows_is_caught() {
    // Each case on its own log: the verifier must name that one problem.

    // 1. Change a row: rewrite a leaf (and its stored hash) to claim another subject.
    {
        let (app, regulator, key) = populated().await;
        let a = tender_indices(&regulator, "tender-A").await;
        let victim = a[2];
        let mut entry = LeafEntry::from_bytes(&leaf_of(&regulator, victim).await).unwrap();
        entry.subject = "someone-else".into();
        let forged = entry.to_bytes();
        let mut db = raw(&app);
        db.disable_triggers();
        db.set_leaf(victim as i64, &forged, &merkle::leaf_hash(&forged));
        let bundle = regulator.audit_export(None, None, None).await.unwrap();
        let err = verify(&bundle, &key).unwrap_err();
        assert!(
            err.mentions(&format!("entry {victim}: inclusion proof does not verify")),
            "{err}"
        );
        let (ok, out) = run_verifier_binary(&bundle, &key);
        assert!(!ok, "the binary accepted a tampered log: {out}");
        assert!(
            out.contains(&format!("entry {victim}: inclusion proof does not verify")),
            "{out}"
        );
        // The tender's own bundle names it too (and the next entry's back-link breaks).
        let tb = regulator
            .audit_export(Some("tender-A"), None, None)
            .await
            .unwrap();
        let err = verify(&tb, &key).unwrap_err();
        assert!(err.mentions(&format!("entry {victim}")), "{err}");
        assert!(
            err.mentions("with a hash that does not match that entry"),
            "{err}"
        );
    }

    // 2. Delete a row in the middle of a tender's chain.
    {
        let (app, regulator, key) = populated().await;
        let a = tender_indices(&regulator, "tender-A").await;
        let victim = a[3];
        let mut db = raw(&app);
        db.disable_triggers();
        db.exec(&format!(
            "DELETE FROM audit_log_entries WHERE log_index = {victim}"
        ))
        .unwrap();
        let bundle = regulator.audit_export(None, None, None).await.unwrap();
        let err = verify(&bundle, &key).unwrap_err();
        assert!(err.mentions("log entries missing"), "{err}");
        assert!(err.mentions(&victim.to_string()), "{err}");
        let tb = regulator
            .audit_export(Some("tender-A"), None, None)
            .await
            .unwrap();
        let err = verify(&tb, &key).unwrap_err();
        assert!(
            err.mentions(&format!(
                "links back to entry {victim}, but the previous entry of the tender is {}",
                a[2]
            )),
            "{err}"
        );
        let (ok, out) = run_verifier_binary(&tb, &key);
        assert!(
            !ok && out.contains(&format!("links back to entry {victim}")),
            "{out}"
        );
    }

    // 3. Insert a row: a fabricated, well-formed entry appended to tender A's chain.
    {
        let (app, regulator, key) = populated().await;
        let a = tender_indices(&regulator, "tender-A").await;
        let last = *a.last().unwrap();
        let last_leaf = leaf_of(&regulator, last).await;
        let size = Checkpoint::open_signed(
            &app.client()
                .get_text("/api/v1/audit/checkpoint")
                .await
                .unwrap(),
            &key,
        )
        .unwrap()
        .size;
        let mut fake = LeafEntry::from_bytes(&last_leaf).unwrap();
        fake.index = size;
        fake.event_id = "00000000-0000-7000-8000-00000000f00d".into();
        fake.prev_tender_index = Some(last);
        fake.prev_tender_leaf_hash = Some(hex::encode(merkle::leaf_hash(&last_leaf)));
        let mut db = raw(&app);
        db.disable_triggers();
        db.insert_entry(size as i64, &fake.event_id, "tender-A", &fake.to_bytes());
        let tb = regulator
            .audit_export(Some("tender-A"), None, None)
            .await
            .unwrap();
        let err = verify(&tb, &key).unwrap_err();
        assert!(
            err.mentions(&format!("entry {size} is beyond the signed checkpoint")),
            "{err}"
        );
        let bundle = regulator.audit_export(None, None, None).await.unwrap();
        let err = verify(&bundle, &key).unwrap_err();
        assert!(err.mentions(&format!("entry {size} is beyond")), "{err}");
    }

    // 4. Reorder two rows: swap the entries at two positions.
    {
        let (app, regulator, key) = populated().await;
        let b = tender_indices(&regulator, "tender-B").await;
        let (i, j) = (b[0], b[1]);
        let (li, lj) = (leaf_of(&regulator, i).await, leaf_of(&regulator, j).await);
        let mut db = raw(&app);
        db.disable_triggers();
        db.set_leaf(i as i64, &lj, &merkle::leaf_hash(&lj));
        db.set_leaf(j as i64, &li, &merkle::leaf_hash(&li));
        let bundle = regulator.audit_export(None, None, None).await.unwrap();
        let err = verify(&bundle, &key).unwrap_err();
        assert!(
            err.mentions(&format!("entry listed at index {i} carries index {j}")),
            "{err}"
        );
        let (ok, out) = run_verifier_binary(&bundle, &key);
        assert!(!ok && out.contains("entries reordered"), "{out}");
    }

    // 5. Rewrite an event body (and its stored digest): the leaf's digest no longer matches.
    {
        let (app, regulator, key) = populated().await;
        let a = tender_indices(&regulator, "tender-A").await;
        let victim = a[1];
        let entry = LeafEntry::from_bytes(&leaf_of(&regulator, victim).await).unwrap();
        let body = r#"{"step":99,"tender":"tender-A"}"#;
        let mut db = raw(&app);
        db.disable_triggers();
        db.exec(&format!(
            "UPDATE audit_events SET body = '{body}', body_digest = '{}' WHERE id = '{}'",
            audit::sha256_hex(body.as_bytes()),
            entry.event_id
        ))
        .unwrap();
        let bundle = regulator.audit_export(None, None, None).await.unwrap();
        let err = verify(&bundle, &key).unwrap_err();
        assert!(
            err.mentions(&format!(
                "entry {victim} (event {}): event body does not match the digest",
                entry.event_id
            )),
            "{err}"
        );
        let (ok, out) = run_verifier_binary(&bundle, &key);
        assert!(!ok && out.contains("body rewritten"), "{out}");
    }

    // And an untouched log passes the binary, exit code 0.
    let (_app, regulator, key) = populated().await;
    let bundle = regulator.audit_export(None, None, None).await.unwrap();
    let (ok, out) = run_verifier_binary(&bundle, &key);
    assert!(ok, "{out}");
    assert!(out.starts_with("OK: checkpoint etender.local/log"), "{out}");
}

/// Several writers and two sequencers (two nodes over one database) at once: one gap-free
/// sequence, every event exactly once, every checkpoint consistent with the next.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_and_two_sequencers_never_fork() {
    let app = TestApp::spawn().await;
    let node_b = {
        let settings = app.settings.clone();
        let db = etender::db::Db::connect(&settings.database).unwrap();
        AppContext::new(db, app.ctx.clock.clone(), settings).unwrap()
    };
    assert_eq!(
        node_b.audit_log.verifier(),
        app.ctx.audit_log.verifier(),
        "both nodes sign with the configured key"
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut sequencers = Vec::new();
    for (n, ctx) in [app.ctx.clone(), node_b.clone()].into_iter().enumerate() {
        let stop = stop.clone();
        sequencers.push(tokio::spawn(async move {
            let mut rounds = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let log = ctx.audit_log.clone();
                // Never wait for the lock, as the background task does: a node that loses
                // skips the round.
                let _ = ctx
                    .db
                    .write(move |c| {
                        sequencer::integrate_round(c, &log, false, if n == 0 { "a" } else { "b" })
                    })
                    .await
                    .unwrap();
                rounds += 1;
                tokio::task::yield_now().await;
            }
            rounds
        }));
    }
    let mut writers = Vec::new();
    for w in 0..8 {
        let ctx = if w % 2 == 0 {
            app.ctx.clone()
        } else {
            node_b.clone()
        };
        writers.push(tokio::spawn(async move {
            for i in 0..25 {
                record_tender_events(&ctx, &format!("tender-{}", (w + i) % 3), 2).await;
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for s in sequencers {
        assert!(s.await.unwrap() > 0);
    }
    let size = sequencer::integrate_now(&node_b.db, &node_b.audit_log)
        .await
        .unwrap();
    let (events, entries, checkpoints) = app
        .ctx
        .db
        .read_primary(|c| {
            let events = etender::db::repo::audit::count(c)?;
            let entries = etender::db::repo::audit_log::entries(
                c,
                &etender::db::repo::audit_log::Scope::All,
                0,
                i64::MAX,
                i64::MAX,
            )?;
            let cps = etender::db::repo::audit_log::checkpoints(c)?;
            Ok((events, entries, cps))
        })
        .await
        .unwrap();
    assert_eq!(events, 400);
    assert_eq!(size, 400);
    let indices: Vec<i64> = entries.iter().map(|(e, _)| e.log_index).collect();
    assert_eq!(indices, (0..400).collect::<Vec<i64>>(), "gap-free sequence");
    let ids: BTreeSet<&str> = entries.iter().map(|(e, _)| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), 400, "every event exactly once");
    assert!(entries.iter().all(|(_, ev)| ev.is_some()));

    // Checkpoints: each signed, each consistent with the next (no fork), the last matches the
    // root recomputed from every leaf.
    let key = app.ctx.audit_log.verifier();
    assert!(checkpoints.len() >= 2);
    let opened: Vec<Checkpoint> = checkpoints
        .iter()
        .map(|r| Checkpoint::open_signed(&r.signed_note, &key).unwrap())
        .collect();
    for w in opened.windows(2) {
        let p = etender::app::audit::consistency(&app.ctx, w[0].size, w[1].size)
            .await
            .unwrap();
        let hashes: Vec<Hash> = p
            .hashes
            .iter()
            .map(|h| B64.decode(h).unwrap().try_into().unwrap())
            .collect();
        merkle::verify_consistency(w[0].size, w[1].size, &w[0].root, &w[1].root, &hashes)
            .unwrap_or_else(|e| panic!("fork between {} and {}: {e}", w[0].size, w[1].size));
    }
    let leaves: Vec<Hash> = entries
        .iter()
        .map(|(e, _)| e.leaf_hash.as_slice().try_into().unwrap())
        .collect();
    assert_eq!(
        merkle::root_from_leaves(&leaves),
        opened.last().unwrap().root
    );
    // And each tender's chain is complete: the whole-log bundle verifies.
    let regulator = app.enrol("regulator").await;
    sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let bundle = regulator.audit_export(None, None, None).await.unwrap();
    let r = verify(&bundle, &key).unwrap();
    assert_eq!(r.tenders, 3);
}

/// A real tender (issue 3's use-cases): its trail verifies offline, the bid deadline is covered
/// by a signed checkpoint as soon as the tender closes, and a terminated tender's trail passes
/// the "nothing after a terminal state" rule.
#[tokio::test]
async fn a_real_tender_trail_verifies_and_the_deadline_is_checkpointed() {
    let app = TestApp::spawn().await;
    let s = crate::fixtures::published_tender(&app, 25).await;
    let bidder = app.enrol("bidder").await;
    let (st, _) = bidder
        .raw(
            reqwest::Method::GET,
            &format!(
                "/api/v1/tenders/{}/documents/{}/content",
                s.tender, s.document
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(st, 200);
    let (st, v) = bidder
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/tenders/{}/questions", s.tender),
            Some(&json!({"question": "工期是否可以调整？"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{v}");

    app.clock.advance(chrono::Duration::days(26));
    assert_eq!(etender::app::tenders::close_due(&app.ctx).await.unwrap(), 1);
    // No integrate_now here: closing itself must leave the closing under a signed checkpoint.
    let (closed_at, covered) = {
        let t = s.tender.clone();
        app.ctx
            .db
            .read_primary(move |c| {
                use etender::db::repo::audit_log as r;
                let rows = r::entries(c, &r::Scope::Tender(t), 0, i64::MAX, i64::MAX)?;
                let closed = rows
                    .iter()
                    .find(|(_, ev)| ev.as_ref().unwrap().event_type == "tender_closed")
                    .map(|(e, _)| e.log_index);
                let size = r::latest_checkpoint(c)?.map_or(0, |cp| cp.tree_size);
                Ok((closed, size))
            })
            .await
            .unwrap()
    };
    let closed_at = closed_at.expect("tender_closed is in the log");
    assert!(
        covered > closed_at,
        "checkpoint {covered} ≤ entry {closed_at}"
    );

    let regulator = app.enrol("regulator").await;
    let key = vkey(&app).await;
    let bundle = regulator
        .audit_export(Some(&s.tender), None, None)
        .await
        .unwrap();
    let r = verify(&bundle, &key).unwrap();
    assert_eq!(r.tenders, 1);
    let types: Vec<String> = bundle
        .entries
        .iter()
        .map(|e| {
            LeafEntry::from_bytes(&B64.decode(&e.leaf).unwrap())
                .unwrap()
                .event_type
        })
        .collect();
    for want in [
        "tender_created",
        "document_uploaded",
        "tender_published",
        "document_downloaded",
        "question_asked",
        "tender_closed",
    ] {
        assert!(types.iter().any(|t| t == want), "{want} missing: {types:?}");
    }
    let (ok, out) = run_verifier_binary(&bundle, &key);
    assert!(ok, "{out}");

    // A second tender, terminated: its trail is complete and nothing follows the terminal event.
    let s2 = crate::fixtures::published_tender(&app, 25).await;
    let (st, v) = s2
        .agent
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/tenders/{}/actions", s2.tender),
            Some(&json!({"action": "terminate", "reason": "项目取消"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let b2 = regulator
        .audit_export(Some(&s2.tender), None, None)
        .await
        .unwrap();
    let r = verify(&b2, &key).unwrap();
    assert!(r.entries >= 4);
    let last =
        LeafEntry::from_bytes(&B64.decode(&b2.entries.last().unwrap().leaf).unwrap()).unwrap();
    assert_eq!(last.event_type, "tender_terminated");
}
