//! Issue 11 finding 7, end to end on the backend under test: the log no longer trusts the
//! operator. A regulator's witness (`etender witness run`, the real binary) cosigns consistent
//! checkpoints and refuses a history the operator rewrote and re-signed with the log key; the
//! verifier requires k of n named witnesses; every log table refuses UPDATE and DELETE; the
//! sequencer refuses a pending event edited after it was written; a direct edit of `bids` fails
//! the offline verifier.

use diesel::connection::SimpleConnection;
use etender::audit::cosignature::{CosignatureVerifier, Cosigner, WitnessPolicy};
use etender::audit::note::{parse_note, Checkpoint, NoteVerifier};
use etender::audit::proof_text::TlogProof;
use etender::audit::sequencer::{self, TAMPERED};
use etender::audit::verify::{default_rules, verify_bundle, verify_bundle_with};
use etender::audit::{self, ActorRef, Event, EventType};
use etender::client::witness::run_once;
use reqwest::Method;
use serde_json::{json, Value};

use crate::audit::{raw, record_tender_events, run_verifier_binary, vkey};
use crate::bids::{record_bonds, Bidder};
use crate::fixtures::{id_of, published_tender};
use crate::helpers::{assert_problem, is_postgres, TestApp};

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_etender"))
}

/// Runs the real binary; returns (success, stdout + stderr).
fn run(cmd: &mut std::process::Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn integrate(app: &TestApp) -> u64 {
    sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap()
}

/// `etender witness run` against `app` with the witness's files in `dir`.
fn witness_run(app: &TestApp, key: &NoteVerifier, dir: &std::path::Path) -> (bool, String) {
    run(bin()
        .args(["witness", "run", "--url", app.client().base_url()])
        .args(["--log-key", &key.to_vkey_string()])
        .arg("--key")
        .arg(dir.join("witness.pem"))
        .args(["--name", "regulator.test/w1", "--state"])
        .arg(dir.join("state.json")))
}

#[tokio::test]
async fn a_witness_cosigns_growth_and_refuses_a_rewritten_log() {
    let app = TestApp::spawn().await;
    let regulator = app.enrol("regulator").await;
    record_tender_events(&app.ctx, "tender-A", 3).await;
    let key = vkey(&app).await;
    let dir = tempfile::tempdir().unwrap();

    // The regulator makes its key on its own machine and registers the public half.
    let (ok, vk) = run(bin()
        .args(["witness", "keygen", "--name", "regulator.test/w1", "--out"])
        .arg(dir.path().join("witness.pem")));
    assert!(ok, "{vk}");
    let witness_key = CosignatureVerifier::parse(vk.trim()).unwrap();
    let w: Value = regulator
        .post(
            "/api/v1/audit/witnesses",
            &json!({"name": "regulator.test/w1", "verifier_key": vk.trim()}),
        )
        .await
        .unwrap();
    assert_eq!(w["key_id"], witness_key.key_id_hex());
    let policy = WitnessPolicy::new(vec![witness_key.clone()], 1).unwrap();

    // First round: no state yet; the checkpoint is cosigned and published with the cosignature.
    let size1 = integrate(&app).await;
    let (ok, out) = witness_run(&app, &key, dir.path());
    assert!(ok && out.contains(&format!("at size {size1}")), "{out}");
    let published = app
        .client()
        .get_text("/api/v1/audit/checkpoint")
        .await
        .unwrap();
    assert_eq!(
        Checkpoint::open_signed(&published, &key).unwrap().size,
        size1
    );
    assert_eq!(policy.check(&published).unwrap(), vec!["regulator.test/w1"]);
    assert!(
        published.contains("\n\u{2014} regulator.test/w1 "),
        "{published}"
    );

    // The log grows: the witness checks the consistency proof and cosigns again.
    record_tender_events(&app.ctx, "tender-A", 2).await;
    let size2 = integrate(&app).await;
    assert!(size2 > size1);
    let (ok, out) = witness_run(&app, &key, dir.path());
    assert!(
        ok && out.contains(&format!("at size {size2} (previously size {size1})")),
        "{out}"
    );
    let state_before = std::fs::read(dir.path().join("state.json")).unwrap();

    // The operator rewrites history: one event's body changed, the whole log rebuilt by the
    // sequencer and re-signed with the real log key, one event more so the log looks grown.
    let victim = {
        let b = regulator
            .audit_export(Some("tender-A"), None, None)
            .await
            .unwrap();
        b.entries[1].event.as_ref().unwrap().id.clone()
    };
    let body = r#"{"step":99,"tender":"tender-A"}"#;
    let mut db = raw(&app);
    db.disable_triggers();
    db.exec(&format!(
        "BEGIN; \
         DELETE FROM audit_cosignatures; DELETE FROM audit_checkpoints; \
         DELETE FROM audit_tree_nodes; DELETE FROM audit_log_entries; DELETE FROM audit_pending; \
         UPDATE audit_events SET body = '{body}', body_digest = '{}' WHERE id = '{victim}'; \
         INSERT INTO audit_pending (seq) SELECT seq FROM audit_events; \
         COMMIT;",
        audit::sha256_hex(body.as_bytes())
    ))
    .unwrap();
    record_tender_events(&app.ctx, "tender-A", 1).await;
    let size3 = integrate(&app).await;
    assert!(size3 > size2, "{size3} {size2}");
    let forged = app
        .client()
        .get_text("/api/v1/audit/checkpoint")
        .await
        .unwrap();
    // The rewritten log is validly signed: only a witness can tell.
    assert_eq!(Checkpoint::open_signed(&forged, &key).unwrap().size, size3);

    let (ok, out) = witness_run(&app, &key, dir.path());
    assert!(!ok, "the witness cosigned a rewritten log: {out}");
    assert!(
        out.contains("REFUSES TO COSIGN") && out.contains("INCONSISTENT"),
        "{out}"
    );
    assert!(out.contains(&format!("size {size3}")) && out.contains(&format!("size-{size2}")));
    // It keeps what it saw, so it refuses this log from now on.
    assert_eq!(
        std::fs::read(dir.path().join("state.json")).unwrap(),
        state_before
    );
    let (ok, _) = witness_run(&app, &key, dir.path());
    assert!(!ok);
    // The forged checkpoint carries no cosignature, and a verifier that requires the witness
    // rejects every export of the rewritten log.
    let err = policy.check(&forged).unwrap_err();
    assert!(err[0].contains("0 of the required 1"), "{err:?}");
    let bundle = regulator.audit_export(None, None, None).await.unwrap();
    let err = verify_bundle_with(&bundle, &key, None, &default_rules(), Some(&policy)).unwrap_err();
    assert!(
        err.mentions("no valid cosignature from: regulator.test/w1"),
        "{err}"
    );
    let (status, body) = regulator
        .raw(Method::GET, "/api/v1/audit/export?min_cosignatures=1", None)
        .await
        .unwrap();
    assert_problem(status, &body, 409, "conflict");
}

#[tokio::test]
async fn the_verifier_requires_k_of_n_named_witnesses() {
    let app = TestApp::spawn().await;
    let regulator = app.enrol("regulator").await;
    let admin = app.enrol("admin").await;
    record_tender_events(&app.ctx, "tender-A", 2).await;
    let key = vkey(&app).await;
    let (w1, _) = Cosigner::generate("regulator.test/w1").unwrap();
    let (w2, _) = Cosigner::generate("auditor.test/w2").unwrap();

    // Registration: regulators and administrators only; refusals change nothing.
    let bidder = app.enrol("bidder").await;
    let before = app.rows().await;
    let vk1 = w1.verifier().to_vkey_string();
    let (status, body) = bidder
        .raw(
            Method::POST,
            "/api/v1/audit/witnesses",
            Some(&json!({"name": "regulator.test/w1", "verifier_key": vk1})),
        )
        .await
        .unwrap();
    assert_problem(status, &body, 403, "forbidden");
    // A log key (type 0x01) is not a witness key.
    let (status, body) = regulator
        .raw(
            Method::POST,
            "/api/v1/audit/witnesses",
            Some(&json!({"name": key.name(), "verifier_key": key.to_vkey_string()})),
        )
        .await
        .unwrap();
    assert_problem(status, &body, 422, "validation_failed");
    before.assert_same(&app.rows().await, "refused witness registrations");

    regulator.register_witness(w1.name(), &vk1).await.unwrap();
    admin
        .register_witness(w2.name(), &w2.verifier().to_vkey_string())
        .await
        .unwrap();
    let (status, body) = regulator
        .raw(
            Method::POST,
            "/api/v1/audit/witnesses",
            Some(&json!({"name": "regulator.test/w1", "verifier_key": vk1})),
        )
        .await
        .unwrap();
    assert_problem(status, &body, 409, "conflict");
    let listed: Vec<Value> = app.client().get("/api/v1/audit/witnesses").await.unwrap();
    assert_eq!(listed.len(), 2);
    // The registration is in the log.
    let size = integrate(&app).await;
    let trail: Value = regulator
        .get("/api/v1/audit/trail?subject=regulator.test/w1")
        .await
        .unwrap();
    assert_eq!(trail["items"][0]["event_type"], "witness_registered");

    let state = tempfile::tempdir().unwrap();
    let public = app.client();
    let c1 = run_once(
        &public,
        &key,
        &w1,
        &state.path().join("w1.json"),
        unix_now(),
    )
    .await
    .unwrap();
    assert_eq!(c1.size, size);

    // A cosignature that does not verify, or by an unknown key, is refused and not stored.
    let before = app.rows().await;
    let text = parse_note(&public.get_text("/api/v1/audit/checkpoint").await.unwrap())
        .unwrap()
        .text;
    let wrong = w2
        .cosign(&text.replace(&format!("\n{size}\n"), "\n1\n"), 5)
        .unwrap();
    let (stranger, _) = Cosigner::generate("stranger.test/w").unwrap();
    for bad in [wrong, stranger.cosign(&text, 5).unwrap()] {
        let (status, body) = public
            .raw(
                Method::POST,
                "/api/v1/audit/cosignatures",
                Some(&json!({"tree_size": size, "cosignature": bad})),
            )
            .await
            .unwrap();
        assert_problem(status, &body, 422, "validation_failed");
    }
    before.assert_same(&app.rows().await, "refused cosignatures");

    let both = WitnessPolicy::new(vec![w1.verifier(), w2.verifier()], 2).unwrap();
    let either = WitnessPolicy::new(vec![w1.verifier(), w2.verifier()], 1).unwrap();
    let bundle = regulator
        .audit_export_cosigned(None, None, None, 1)
        .await
        .unwrap();
    let err = verify_bundle_with(&bundle, &key, None, &default_rules(), Some(&both)).unwrap_err();
    assert!(
        err.mentions(
            "cosigned by 1 of the required 2 witnesses (no valid cosignature from: \
             auditor.test/w2)"
        ),
        "{err}"
    );
    let ok = verify_bundle_with(&bundle, &key, None, &default_rules(), Some(&either)).unwrap();
    assert_eq!(ok.witnesses, vec!["regulator.test/w1"]);
    // The binary, with flags and with a policy file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, serde_json::to_vec(&bundle).unwrap()).unwrap();
    let verify_cmd = |extra: &[String]| {
        let mut c = bin();
        c.args(["audit", "verify", "--bundle"])
            .arg(&file)
            .args(["--key", &key.to_vkey_string()])
            .args(extra);
        run(&mut c)
    };
    let flags = |q: &str| {
        vec![
            "--witness".to_string(),
            w1.verifier().to_vkey_string(),
            "--witness".into(),
            w2.verifier().to_vkey_string(),
            "--witness-quorum".into(),
            q.into(),
        ]
    };
    let (ok, out) = verify_cmd(&flags("2"));
    assert!(!ok && out.contains("1 of the required 2"), "{out}");
    let (ok, out) = verify_cmd(&flags("1"));
    assert!(
        ok && out.contains("cosigned by witnesses regulator.test/w1"),
        "{out}"
    );
    let policy_file = dir.path().join("policy.txt");
    std::fs::write(
        &policy_file,
        format!(
            "witness {}\nwitness {}\nquorum 2\n",
            w1.verifier(),
            w2.verifier()
        ),
    )
    .unwrap();
    let (ok, out) = verify_cmd(&["--witness-policy".into(), policy_file.display().to_string()]);
    assert!(!ok && out.contains("auditor.test/w2"), "{out}");
    // Not yet two cosignatures on any checkpoint.
    let (status, body) = regulator
        .raw(Method::GET, "/api/v1/audit/export?min_cosignatures=2", None)
        .await
        .unwrap();
    assert_problem(status, &body, 409, "conflict");

    // The second witness cosigns the same checkpoint: the quorum of two is met, and receipts
    // carry both cosignatures.
    let c2 = run_once(
        &public,
        &key,
        &w2,
        &state.path().join("w2.json"),
        unix_now(),
    )
    .await
    .unwrap();
    assert_eq!(c2.size, size);
    let bundle = regulator
        .audit_export_cosigned(None, None, None, 2)
        .await
        .unwrap();
    let r = verify_bundle_with(&bundle, &key, None, &default_rules(), Some(&both)).unwrap();
    assert_eq!(r.witnesses.len(), 2);
    let event = bundle.entries[0].event.as_ref().unwrap().id.clone();
    let receipt = regulator
        .get_text(&format!("/api/v1/audit/receipts/{event}"))
        .await
        .unwrap();
    let proof = TlogProof::parse(&receipt).unwrap();
    assert_eq!(both.check(&proof.signed_checkpoint).unwrap().len(), 2);
}

/// Runs `sql` in a transaction of the app's own pool right after recording an event, so the
/// sequencer has not seen the event yet; returns the database's answer.
async fn with_pending_event(app: &TestApp, sql: &str) -> Result<(), String> {
    let sql = sql.to_owned();
    let now = app.clock_now();
    app.ctx
        .db
        .write(move |c| {
            let id = audit::record(
                c,
                now,
                Event {
                    event_type: EventType::SandboxClockAdjusted,
                    tender_id: None,
                    section_id: None,
                    actor: ActorRef::system(),
                    subject: "pending-probe".into(),
                    body: json!({"probe": true}),
                },
            )?;
            let sql = sql.replace("{id}", &id);
            c.batch_execute(&sql)
                .map_err(etender::error::AppError::internal)
        })
        .await
        .map_err(|e| format!("{:#}", e.cause.unwrap()))
}

#[tokio::test]
async fn every_log_table_refuses_update_and_delete() {
    let app = TestApp::spawn().await;
    let regulator = app.enrol("regulator").await;
    let (w, _) = Cosigner::generate("regulator.test/w1").unwrap();
    regulator
        .register_witness(w.name(), &w.verifier().to_vkey_string())
        .await
        .unwrap();
    integrate(&app).await;
    let key = vkey(&app).await;
    let state = tempfile::tempdir().unwrap();
    run_once(
        &app.client(),
        &key,
        &w,
        &state.path().join("s.json"),
        unix_now(),
    )
    .await
    .unwrap();
    let before = app.rows().await;
    let mut db = raw(&app);
    for sql in [
        "UPDATE audit_events SET subject = 'x'",
        "DELETE FROM audit_events",
        "UPDATE audit_cosignatures SET signed_at = 0",
        "DELETE FROM audit_cosignatures",
        "UPDATE audit_witnesses SET verifier_key = 'x'",
        "DELETE FROM audit_witnesses",
        "UPDATE audit_checkpoints SET signed_note = 'x'",
    ] {
        let err = db.exec(sql).expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    if is_postgres() {
        for t in [
            "audit_events",
            "audit_pending",
            "audit_cosignatures",
            "audit_witnesses",
        ] {
            let err = db
                .exec(&format!("TRUNCATE {t} CASCADE"))
                .expect_err(t)
                .to_string();
            assert!(err.contains("append-only"), "{t}: {err}");
        }
    }
    // A queued event cannot be edited or dropped before the sequencer took it.
    for sql in [
        "UPDATE audit_pending SET event_digest = 'x' \
         WHERE seq = (SELECT seq FROM audit_events WHERE id = '{id}')",
        "DELETE FROM audit_pending WHERE seq = (SELECT seq FROM audit_events WHERE id = '{id}')",
        "UPDATE audit_events SET body = '{}' WHERE id = '{id}'",
    ] {
        let err = with_pending_event(&app, sql).await.expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    before.assert_same(&app.rows().await, "refused edits of log tables");
    // The sequencer's own dequeue (of sequenced events) still works.
    with_pending_event(&app, "SELECT 1").await.unwrap();
    assert_eq!(
        integrate(&app).await,
        before.get("audit_log_entries") as u64 + 1
    );
    assert_eq!(app.rows().await.get("audit_pending"), 0);
}

#[tokio::test]
async fn the_sequencer_refuses_a_pending_event_edited_after_it_was_written() {
    let app = TestApp::spawn().await;
    app.enrol("regulator").await;
    let size = integrate(&app).await;
    // The DBA drops the triggers on audit_events, then edits an event while it is queued: its
    // body and body digest together, its time alone, or its body alone.
    let mut db = raw(&app);
    db.disable_triggers();
    let body = r#"{"probe":false}"#;
    let digest = audit::sha256_hex(body.as_bytes());
    for (sql, says) in [
        (
            format!(
                "UPDATE audit_events SET body = '{body}', body_digest = '{digest}' \
                 WHERE id = '{{id}}'"
            ),
            "fields or time differ",
        ),
        (
            format!("UPDATE audit_events SET body = '{body}' WHERE id = '{{id}}'"),
            "body does not match",
        ),
        (
            "UPDATE audit_events SET subject = 'someone-else' WHERE id = '{id}'".to_string(),
            "fields or time differ",
        ),
        (
            "UPDATE audit_events SET occurred_at = '2020-01-01 00:00:00' WHERE id = '{id}'"
                .to_string(),
            "fields or time differ",
        ),
    ] {
        with_pending_event(&app, &sql).await.unwrap();
        let err = sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
            .await
            .expect_err("a tampered event was sequenced");
        let msg = format!("{:#}", err.cause.unwrap());
        assert!(msg.contains(TAMPERED) && msg.contains(says), "{sql}: {msg}");
        // Nothing reached the log: same size, same checkpoint.
        let cp = app
            .client()
            .get_text("/api/v1/audit/checkpoint")
            .await
            .unwrap();
        assert_eq!(
            Checkpoint::open_signed(&cp, &vkey(&app).await)
                .unwrap()
                .size,
            size
        );
        // Clear the queue for the next case (the DBA's doing, triggers are off).
        db.exec("DELETE FROM audit_pending").unwrap();
    }
    // An untampered event is sequenced as before.
    with_pending_event(&app, "SELECT 1").await.unwrap();
    assert_eq!(integrate(&app).await, size + 1);
}

#[tokio::test]
async fn a_direct_edit_of_bids_is_caught_by_the_verifier() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let t = setup.tender.clone();
    let bidder = Bidder::enrol(&app, "bidder").await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&bidder]).await;
    let sealed = bidder.seal(&t, "BD01", "1234567.89", 1000).await;
    let receipt = bidder.submit(&t, "BD01", &sealed).await;
    integrate(&app).await;
    let key = vkey(&app).await;
    let me = id_of(&bidder.client).await;
    let regulator = app.enrol("regulator").await;

    // The bidder's own trail and the regulator's whole log: the stored state follows.
    let own = bidder
        .client
        .audit_export(None, Some(&me), None)
        .await
        .unwrap();
    let r = verify_bundle(&own, &key, None, &default_rules()).unwrap();
    assert_eq!(r.bid_states_checked, Some(1));
    let whole = regulator.audit_export(None, None, None).await.unwrap();
    assert_eq!(
        verify_bundle(&whole, &key, None, &default_rules())
            .unwrap()
            .bid_states_checked,
        Some(1)
    );

    // A DBA makes the bid vanish from the opening without a withdrawal statement.
    raw(&app)
        .exec(&format!(
            "UPDATE bids SET state = 'withdrawn' WHERE id = '{}'",
            receipt.bid_id
        ))
        .unwrap();
    let needle = format!(
        "bid {}: the database holds state \"withdrawn\", but its events give \"submitted\"",
        receipt.bid_id
    );
    let own = bidder
        .client
        .audit_export(None, Some(&me), None)
        .await
        .unwrap();
    let err = verify_bundle(&own, &key, None, &default_rules()).unwrap_err();
    assert!(err.mentions(&needle), "{err}");
    let whole = regulator.audit_export(None, None, None).await.unwrap();
    let err = verify_bundle(&whole, &key, None, &default_rules()).unwrap_err();
    assert!(err.mentions(&needle), "{err}");
    let (ok, out) = run_verifier_binary(&whole, &key);
    assert!(!ok && out.contains("the bids table was edited"), "{out}");
    // A snapshot the operator edits to hide it no longer verifies with the log key.
    let mut forged = whole.clone();
    forged.bid_states = forged
        .bid_states
        .map(|n| n.replace(" withdrawn\n", " submitted\n"));
    let err = verify_bundle(&forged, &key, None, &default_rules()).unwrap_err();
    assert!(err.mentions("bid state snapshot does not verify"), "{err}");
}
