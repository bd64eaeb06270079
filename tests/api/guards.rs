//! The smaller guards of issue 11, finding 9: the custodian threshold, the deadline judged inside
//! the writing transaction, certificates told apart by kind and extended key usage, stale CRLs,
//! and a safe default profile with an audited sandbox clock.

use chrono::Duration;
use reqwest::Method;
use serde_json::{json, Value};

use crate::bids::{deadline_of, record_bonds, Bidder};
use crate::fixtures::{self, published_tender};
use crate::helpers::{assert_problem, pki, TestApp};

#[tokio::test]
async fn a_custodian_threshold_of_one_is_refused_at_validation() {
    let app = TestApp::spawn().await;
    let s = fixtures::draft_tender(&app, 30).await;
    let path = format!("/api/v1/tenders/{}", s.tender);
    let t: Value = s.agent.get(&path).await.unwrap();
    let mut draft = t["working_copy"].clone();
    draft["custodians"]["threshold"] = json!(1);
    let (st, v) = s
        .agent
        .raw(Method::PUT, &path, Some(&json!({"draft": draft})))
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let before = app.rows().await;
    let (st, v) = fixtures::publish(&app, &s).await;
    assert_problem(st, &v, 422, "rule_violation");
    let codes: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["custodian_threshold_invalid"], "{v}");
    before.assert_same(&app.rows().await, "a publication with threshold 1");
}

/// Hold the tender's row lock (on SQLite, the one write connection) in a transaction until
/// `release` is sent; returns once it is held.
async fn hold_tender(
    app: &TestApp,
    tender: &str,
) -> (
    std::sync::mpsc::Sender<()>,
    tokio::task::JoinHandle<etender::error::AppResult<()>>,
) {
    let (held_tx, held_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (db, tender) = (app.ctx.db.clone(), tender.to_string());
    let holder = tokio::spawn(async move {
        db.write(move |c| {
            etender::db::repo::tenders::lock_tender(c, &tender)?;
            held_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            Ok(())
        })
        .await
    });
    held_rx.await.unwrap();
    (release_tx, holder)
}

#[tokio::test]
async fn submit_and_withdraw_are_judged_by_the_time_they_commit_not_when_they_queued() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let t = setup.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&b]).await;
    let deadline = deadline_of(&app, &t).await;
    app.clock.set(deadline - Duration::seconds(5));
    let b = Bidder {
        client: app.enrol("bidder").await,
        ..b
    };
    let creds = pki().get("bidder").credentials();
    let first = b.seal(&t, "BD01", "10000000.00", 100).await;
    b.submit(&t, "BD01", &first).await;
    let current = b.client.my_bid(&t, "BD01").await.unwrap().current.unwrap();
    let second = b.seal(&t, "BD01", "9900000.00", 100).await;
    let up = b
        .client
        .open_upload(&t, "BD01", &second.manifest, &creds)
        .await
        .unwrap();
    for (i, p) in second.part_paths.iter().enumerate() {
        b.client
            .send_part_resumable(&up.id, i as u32, p)
            .await
            .unwrap();
    }

    // Both requests arrive before the deadline but must wait for the tender; the deadline
    // passes while they wait.
    let before = app.rows().await;
    let (release, holder) = hold_tender(&app, &t).await;
    let (client, id) = (b.client.clone(), up.id.clone());
    let submitting = tokio::spawn(async move { client.submit_upload(&id).await });
    let (client, tender, uscc) = (b.client.clone(), t.clone(), b.uscc().to_string());
    let withdrawing = tokio::spawn(async move {
        let creds = pki().get("bidder").credentials();
        client
            .withdraw(&tender, "BD01", &current, &uscc, &creds)
            .await
    });
    // Not a deadline wait: it lets both requests reach the held lock before the clock moves.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.clock.set(deadline);
    release.send(()).unwrap();
    holder.await.unwrap().unwrap();
    for (what, r) in [
        ("submission", submitting.await.unwrap().map(|_| ())),
        ("withdrawal", withdrawing.await.unwrap().map(|_| ())),
    ] {
        let e = r.expect_err(what);
        assert_eq!(
            e.code().map(|c| c.as_str()),
            Some("deadline_passed"),
            "{what}: {e}"
        );
    }
    before.assert_same(
        &app.rows().await,
        "a submission and a withdrawal after the deadline",
    );
}

#[tokio::test]
async fn a_crl_without_next_update_goes_stale_after_the_configured_age() {
    let app = TestApp::spawn_with(|s| {
        s.identity.require_crl = true;
        s.identity.crl_max_age_hours = 24;
    })
    .await;
    let p = pki();
    let revoked = std::slice::from_ref(&p.revoked.issued.serial_hex);
    let write_crl = |this_update: chrono::DateTime<chrono::Utc>| {
        let der = p
            .root
            .crl_der_without_next_update(revoked, this_update)
            .unwrap();
        std::fs::write(app.trust_dir.join("root.crl"), der).unwrap();
        app.ctx.trust.force_reload().unwrap();
    };
    let creds = p.get("bidder").credentials();
    app.enrol("bidder").await;

    // Issued an hour ago: current, logins work.
    write_crl(app.clock_now() - Duration::hours(1));
    app.client()
        .login(
            etender::domain::identity::PrincipalKind::Organisation,
            &creds,
        )
        .await
        .unwrap();

    // Two days old with no nextUpdate: stale, so the revocation status is unknown.
    write_crl(app.clock_now() - Duration::hours(48));
    let before = app.rows().await;
    let e = app
        .client()
        .login(
            etender::domain::identity::PrincipalKind::Organisation,
            &creds,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.code().map(|c| c.as_str()),
        Some("certificate_revocation_unknown"),
        "{e}"
    );
    before.assert_changed_only(
        &app.rows().await,
        &[("auth_challenges", 1, "the challenge of the refused login")],
        "a login vouched for by a stale CRL",
    );
}

/// The event types in the audit log, in order.
async fn event_types(app: &TestApp) -> Vec<String> {
    app.rows().await;
    app.ctx
        .db
        .read_primary(|c| {
            use diesel::prelude::*;
            use etender::db::schema::audit_events::dsl as e;
            Ok(e::audit_events
                .order(e::seq.asc())
                .select(e::event_type)
                .load::<String>(c)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn the_sandbox_clock_needs_a_development_start_and_is_recorded() {
    let sandbox = TestApp::spawn_sandbox().await;
    assert_eq!(
        event_types(&sandbox).await,
        ["sandbox_clock_started"],
        "a sandbox node announces itself in the log"
    );
    let real = TestApp::spawn().await;
    assert!(event_types(&real).await.is_empty());

    // A production node never runs it, whatever clock it is handed.
    let tmp = tempfile::tempdir().unwrap();
    let mut settings = sandbox.settings.clone();
    settings.profile = etender::config::Profile::Production;
    settings.database.url = format!("sqlite://{}", tmp.path().join("p.db").display()).into();
    let clock = std::sync::Arc::new(etender::clock::SandboxClock::new(
        std::sync::Arc::new(etender::clock::SystemClock),
        1,
    ));
    let err = etender::startup::Application::build_with_clock(settings, clock)
        .await
        .err()
        .expect("a production node with a sandbox clock");
    assert!(
        err.to_string().contains("explicit development start"),
        "{err}"
    );
}

#[tokio::test]
async fn certificates_act_only_as_their_kind_and_for_a_signing_purpose() {
    use etender::client::Credentials;
    use etender::crypto::keys::SigningKey;
    use etender::domain::identity::{PrincipalKind, Role};
    use etender::pki::{PkiKeyAlgorithm, EKU_CLIENT_AUTH, EKU_SERVER_AUTH};
    let app = TestApp::spawn().await;
    let creds_of = |spec: &etender::pki::LeafSpec| {
        let issued = pki().root.issue(spec).unwrap();
        let key = SigningKey::from_pkcs8_der(&issued.key_pkcs8_der).unwrap();
        Credentials::new(vec![issued.cert_der], key)
    };
    let code = |e: etender::client::ClientError| e.code().map(|c| c.as_str().to_string());
    let before = app.rows().await;
    // An organisation's certificate registering a person (its USCC as the personal id), and a
    // person's registering an organisation: both carry a plausible identifier where the
    // settings look, only the policy tells them apart.
    let org = crate::helpers::org_leaf(
        PkiKeyAlgorithm::EcdsaP256,
        "冒名 有限公司",
        &crate::helpers::uscc(50_001),
    );
    let e = app
        .client()
        .register_person(&creds_of(&org), "p@example.cn")
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("certificate_wrong_kind"));
    let mut person = crate::helpers::person_leaf(
        PkiKeyAlgorithm::EcdsaP256,
        "冒名 李四",
        &crate::helpers::uscc(50_002),
    );
    let e = app
        .client()
        .register_organisation(&creds_of(&person), &[Role::Bidder], "o@example.cn")
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("certificate_wrong_kind"));
    // A certificate whose extended key usage is for TLS servers only signs for nobody.
    person.extended_key_usage = vec![EKU_SERVER_AUTH.into()];
    let e = app
        .client()
        .register_person(&creds_of(&person), "p@example.cn")
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("certificate_key_usage"));
    before.assert_changed_only(
        &app.rows().await,
        &[(
            "auth_challenges",
            3,
            "the challenges of the three refused registrations",
        )],
        "certificates of the wrong kind or purpose",
    );
    // clientAuth is a purpose a party's certificate may have.
    person.extended_key_usage = vec![EKU_CLIENT_AUTH.into()];
    let creds = creds_of(&person);
    app.client()
        .register_person(&creds, "p@example.cn")
        .await
        .unwrap();
    app.client()
        .login(PrincipalKind::Person, &creds)
        .await
        .unwrap();
}
