//! Identity by certificate: every supported algorithm logs in; every bad certificate, challenge
//! or signature is refused with its own code and creates nothing.

use base64::Engine;
use chrono::{Duration, Utc};
use etender::client::{Client, Credentials};
use etender::crypto::keys::{SignatureAlgorithm, SigningKey};
use etender::domain::identity::{PrincipalKind, Role};
use etender::pki::{Authority, KeyUsageBit, LeafSpec, PkiKeyAlgorithm};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, pki, uscc, TestApp};

fn creds_from(ca: &Authority, spec: &LeafSpec) -> Credentials {
    let issued = ca.issue(spec).unwrap();
    Credentials::new(
        vec![issued.cert_der.clone()],
        SigningKey::from_pkcs8_der(&issued.key_pkcs8_der).unwrap(),
    )
}

fn org_spec(name: &str, u: &str) -> LeafSpec {
    let mut s = LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, name);
    s.organization = Some(name.into());
    s.subject_serial_number = Some(u.into());
    s.policies = vec![etender::pki::ORGANISATION_CERTIFICATE_POLICY.into()];
    s
}

/// Register as a bidder with `proof` over a challenge obtained beforehand (so that a caller can
/// look at the database between the challenge and the registration).
async fn register_raw(c: &Client, proof: Value) -> (reqwest::StatusCode, Value) {
    let body = json!({"proof": proof, "roles": ["bidder"], "contact_email": "bids@example.cn"});
    c.raw(Method::POST, "/api/v1/organisations", Some(&body))
        .await
        .unwrap()
}

#[tokio::test]
async fn every_supported_algorithm_registers_and_logs_in() {
    let app = TestApp::spawn().await;
    let cases: Vec<(&str, Option<SignatureAlgorithm>, SignatureAlgorithm)> = vec![
        ("bidder", None, SignatureAlgorithm::EcdsaP256Sha256),
        ("bidder-rsa", None, SignatureAlgorithm::RsaPkcs1Sha256),
        (
            "bidder-rsa",
            Some(SignatureAlgorithm::RsaPssSha256),
            SignatureAlgorithm::RsaPssSha256,
        ),
        ("bidder-ed25519", None, SignatureAlgorithm::Ed25519),
        ("bidder-sm2", None, SignatureAlgorithm::Sm2Sm3),
    ];
    for (label, alg, expect) in cases {
        let ident = pki().get(label);
        let mut creds = ident.credentials();
        if let Some(a) = alg {
            creds = creds.with_algorithm(a);
        }
        assert_eq!(creds.algorithm, expect, "{label}");
        let mut c = app.client();
        match c
            .register_organisation(&creds, &[Role::Bidder], "bids@example.cn")
            .await
        {
            Ok(org) => {
                assert_eq!(org.uscc, ident.key);
                // Requested, not held, until the trading centre grants it.
                assert_eq!(org.roles, vec![]);
                assert_eq!(org.requested_roles, vec![Role::Bidder]);
            }
            Err(e) => assert_eq!(
                e.code(),
                Some(etender::error::ErrorCode::AlreadyRegistered),
                "{label}: {e}"
            ),
        }
        let session = c
            .login(PrincipalKind::Organisation, &creds)
            .await
            .unwrap_or_else(|e| panic!("{label} {expect:?}: {e}"));
        assert!(session.token.starts_with("etk_"));
        let me: Value = c.get("/api/v1/me").await.unwrap();
        assert_eq!(me["kind"], "organisation");
        // Nobody has granted the requested role yet.
        assert_eq!(me["roles"], json!([]));
    }
}

#[tokio::test]
async fn bad_certificates_are_refused_with_their_own_code_and_create_nothing() {
    let app = TestApp::spawn().await;
    let p = pki();
    let now = Utc::now();

    let mut expired = org_spec("过期 有限公司", &uscc(501));
    expired.not_before = now - Duration::days(30);
    expired.not_after = now - Duration::days(1);
    let mut future = org_spec("未生效 有限公司", &uscc(502));
    future.not_before = now + Duration::days(1);
    future.not_after = now + Duration::days(30);
    let mut enc_only = org_spec("加密 有限公司", &uscc(503));
    enc_only.key_usage = vec![KeyUsageBit::KeyEncipherment];
    let mut bad_uscc = org_spec("错码 有限公司", &uscc(504));
    // Change the check character: the code no longer satisfies GB 32100.
    let mut chars: Vec<char> = uscc(504).chars().collect();
    chars[17] = if chars[17] == '0' { '1' } else { '0' };
    bad_uscc.subject_serial_number = Some(chars.into_iter().collect());
    let mut no_uscc = org_spec("无码 有限公司", "x");
    no_uscc.subject_serial_number = None;

    let cases: Vec<(&str, Credentials, u16, &str)> = vec![
        (
            "expired",
            creds_from(&p.root, &expired),
            401,
            "certificate_expired",
        ),
        (
            "not yet valid",
            creds_from(&p.root, &future),
            401,
            "certificate_not_yet_valid",
        ),
        (
            "revoked",
            p.revoked.credentials(),
            401,
            "certificate_revoked",
        ),
        (
            "wrong CA",
            creds_from(&p.rogue_root, &org_spec("野 有限公司", &uscc(505))),
            401,
            "certificate_untrusted",
        ),
        (
            "wrong key usage",
            creds_from(&p.root, &enc_only),
            401,
            "certificate_key_usage",
        ),
        (
            "bad USCC",
            creds_from(&p.root, &bad_uscc),
            422,
            "uscc_invalid",
        ),
        (
            "no USCC",
            creds_from(&p.root, &no_uscc),
            422,
            "uscc_missing",
        ),
    ];
    for (what, creds, status, code) in cases {
        let c = app.client();
        let ch = c.challenge().await.unwrap();
        let proof = serde_json::to_value(creds.prove(&ch, aud(&app)).unwrap()).unwrap();
        let before = app.rows().await;
        let (s, v) = register_raw(&c, proof).await;
        assert_problem(s, &v, status, code);
        before.assert_same(&app.rows().await, what);
    }

    // Malformed DER, and a chain that is not even base64.
    let c = app.client();
    let good = p.get("bidder").credentials();
    for junk in [
        json!(["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]),
        json!(["%%%"]),
        json!([]),
    ] {
        let ch = c.challenge().await.unwrap();
        let before = app.rows().await;
        let mut proof = serde_json::to_value(good.prove(&ch, aud(&app)).unwrap()).unwrap();
        proof["certificate_chain"] = junk.clone();
        let (s, v) = c
            .raw(
                Method::POST,
                "/api/v1/organisations",
                Some(&json!({"proof": proof, "roles": ["bidder"], "contact_email": "a@b.cn"})),
            )
            .await
            .unwrap();
        assert_problem(s, &v, 400, "certificate_malformed");
        before.assert_same(&app.rows().await, "a malformed certificate chain");
    }
}

#[tokio::test]
async fn challenges_are_single_use_signed_and_expire() {
    let app = TestApp::spawn().await;
    let bidder = app.enrol("bidder").await;
    drop(bidder);
    let creds = pki().get("bidder").credentials();
    let c = app.client();

    // Wrong signature: signed over another message.
    let ch = c.challenge().await.unwrap();
    let before = app.rows().await;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut proof = serde_json::to_value(creds.prove(&ch, aud(&app)).unwrap()).unwrap();
    let other = etender::domain::signed::labelled(
        etender::domain::signed::LOGIN,
        format!("{}tampered", ch.message).as_bytes(),
    );
    proof["signature"] = json!(b64.encode(creds.key.sign(creds.algorithm, &other).unwrap()));
    let (s, v) = c
        .raw(
            Method::POST,
            "/api/v1/auth/tokens",
            Some(&json!({"kind": "organisation", "proof": proof})),
        )
        .await
        .unwrap();
    assert_problem(s, &v, 401, "signature_invalid");

    // Algorithm that does not fit the key.
    let mut proof = serde_json::to_value(creds.prove(&ch, aud(&app)).unwrap()).unwrap();
    proof["signature_algorithm"] = json!("ed25519");
    let (s, v) = c
        .raw(
            Method::POST,
            "/api/v1/auth/tokens",
            Some(&json!({"kind": "organisation", "proof": proof})),
        )
        .await
        .unwrap();
    assert_problem(s, &v, 400, "signature_algorithm_unsupported");
    proof["signature_algorithm"] = json!("md5_rsa");
    let (s, v) = c
        .raw(
            Method::POST,
            "/api/v1/auth/tokens",
            Some(&json!({"kind": "organisation", "proof": proof})),
        )
        .await
        .unwrap();
    assert_problem(s, &v, 400, "signature_algorithm_unsupported");
    before.assert_same(&app.rows().await, "a wrong signature or algorithm");

    // The failed attempts did not burn the challenge: the right signature still works once…
    let body = json!({"kind": "organisation", "proof": creds.prove(&ch, aud(&app)).unwrap()});
    let (s, v) = c
        .raw(Method::POST, "/api/v1/auth/tokens", Some(&body))
        .await
        .unwrap();
    assert_eq!(s, 201, "{v}");
    let after_login = app.rows().await;
    // …and never twice.
    let (s, v) = c
        .raw(Method::POST, "/api/v1/auth/tokens", Some(&body))
        .await
        .unwrap();
    assert_problem(s, &v, 401, "challenge_replayed");
    after_login.assert_same(&app.rows().await, "a replayed challenge");

    // Unknown and expired challenges.
    let mut fake = ch.clone();
    fake.challenge_id = uuid::Uuid::new_v4().to_string();
    fake.message =
        etender::domain::identity::challenge_message(aud(&app), &fake.challenge_id, &ch.nonce);
    let (s, v) = c
        .raw(
            Method::POST,
            "/api/v1/auth/tokens",
            Some(&json!({"kind": "organisation", "proof": creds.prove(&fake, aud(&app)).unwrap()})),
        )
        .await
        .unwrap();
    assert_problem(s, &v, 401, "challenge_unknown");
    after_login.assert_same(&app.rows().await, "an unknown challenge");
    let ch = c.challenge().await.unwrap();
    let before = app.rows().await;
    app.clock.advance(Duration::seconds(
        app.settings.identity.challenge_ttl_secs as i64,
    ));
    let (s, v) = c
        .raw(
            Method::POST,
            "/api/v1/auth/tokens",
            Some(&json!({"kind": "organisation", "proof": creds.prove(&ch, aud(&app)).unwrap()})),
        )
        .await
        .unwrap();
    assert_problem(s, &v, 401, "challenge_expired");
    before.assert_same(&app.rows().await, "an expired challenge");
}

#[tokio::test]
async fn concurrent_replays_of_one_challenge_yield_exactly_one_session() {
    let app = TestApp::spawn().await;
    drop(app.enrol("bidder").await);
    let creds = pki().get("bidder").credentials();
    let c = app.client();
    let ch = c.challenge().await.unwrap();
    let body = json!({"kind": "organisation", "proof": creds.prove(&ch, aud(&app)).unwrap()});
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = c.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            c.raw(Method::POST, "/api/v1/auth/tokens", Some(&body))
                .await
                .unwrap()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let (s, v) = t.await.unwrap();
        if s == 201 {
            ok += 1;
        } else {
            assert_problem(s, &v, 401, "challenge_replayed");
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn sessions_expire_end_on_logout_and_unregistered_holders_are_refused() {
    let app = TestApp::spawn().await;
    // A valid certificate whose holder never registered.
    let stranger = creds_from(&pki().root, &org_spec("陌生 有限公司", &uscc(777)));
    let mut c = app.client();
    let before = app.rows().await;
    let e = c
        .login(PrincipalKind::Organisation, &stranger)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(etender::error::ErrorCode::NotRegistered));
    before.assert_changed_only(
        &app.rows().await,
        &[(
            "auth_challenges",
            1,
            "the client first obtains a challenge (that request succeeds); the refusal leaves it",
        )],
        "a login by an unregistered holder",
    );

    let bidder = app.enrol("bidder").await;
    let (s, _) = bidder.raw(Method::GET, "/api/v1/me", None).await.unwrap();
    assert_eq!(s, 200);
    app.clock.advance(Duration::seconds(
        app.settings.identity.token_ttl_secs as i64,
    ));
    let before = app.rows().await;
    let (s, v) = bidder.raw(Method::GET, "/api/v1/me", None).await.unwrap();
    assert_problem(s, &v, 401, "token_expired");
    before.assert_same(&app.rows().await, "an expired token");

    let bidder = app.enrol("bidder").await;
    let (s, _) = bidder
        .raw(Method::DELETE, "/api/v1/auth/session", None)
        .await
        .unwrap();
    assert_eq!(s, 204);
    let before = app.rows().await;
    let (s, v) = bidder.raw(Method::GET, "/api/v1/me", None).await.unwrap();
    assert_problem(s, &v, 401, "token_invalid");
    let forged = app.client().with_token(Some("etk_forged".into()));
    let (s, v) = forged.raw(Method::GET, "/api/v1/me", None).await.unwrap();
    assert_problem(s, &v, 401, "token_invalid");
    let (s, v) = app
        .client()
        .raw(Method::GET, "/api/v1/me", None)
        .await
        .unwrap();
    assert_problem(s, &v, 401, "unauthenticated");
    before.assert_same(&app.rows().await, "ended, forged and missing tokens");
}

#[tokio::test]
async fn duplicate_registration_and_role_changes_are_audited() {
    let app = TestApp::spawn().await;
    let creds = pki().get("bidder").credentials();
    let c = app.client();
    c.register_organisation(&creds, &[Role::Bidder], "b@example.cn")
        .await
        .unwrap();
    let before = app.rows().await;
    let e = c
        .register_organisation(&creds, &[Role::Bidder], "b@example.cn")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(etender::error::ErrorCode::AlreadyRegistered));
    before.assert_changed_only(
        &app.rows().await,
        &[(
            "auth_challenges",
            1,
            "the client first obtains a challenge (that request succeeds); the refusal leaves it",
        )],
        "a second registration",
    );

    // Self-registration cannot claim person roles.
    let other = creds_from(&pki().root, &org_spec("越权 有限公司", &uscc(601)));
    let ch = c.challenge().await.unwrap();
    let before = app.rows().await;
    let body = json!({
        "proof": other.prove(&ch, aud(&app)).unwrap(),
        "roles": ["administrator"],
        "contact_email": "x@example.cn"
    });
    let (s, v) = c
        .raw(Method::POST, "/api/v1/organisations", Some(&body))
        .await
        .unwrap();
    assert_problem(s, &v, 422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "roles[0]");
    before.assert_same(
        &app.rows().await,
        "a self-registration claiming a person role",
    );

    let admin = app.enrol("admin").await;
    let expert = app.enrol("expert").await;
    let me: Value = expert.get("/api/v1/me").await.unwrap();
    assert_eq!(me["roles"], json!(["expert"]));
    let pid = me["id"].as_str().unwrap().to_string();
    let audit_before = app.rows().await.get("audit_events");
    let (s, v) = admin
        .raw(
            Method::DELETE,
            &format!("/api/v1/people/{pid}/roles/expert"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        app.rows().await.get("audit_events"),
        audit_before + 1,
        "revocation not audited"
    );
    // Roles are read per request: the revocation bites immediately.
    let me: Value = expert.get("/api/v1/me").await.unwrap();
    assert_eq!(me["roles"], json!([]));
    let events = app
        .ctx
        .db
        .read_primary(move |c| Ok(etender::db::repo::audit::for_subject(c, &pid)?))
        .await
        .unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "person_registered",
            "session_opened",
            "role_granted",
            "role_revoked"
        ]
    );
    for e in &events {
        assert_eq!(e.body_digest, etender::audit::sha256_hex(e.body.as_bytes()));
    }
}

#[tokio::test]
async fn a_new_crl_in_the_trust_directory_takes_effect_without_restart() {
    let app = TestApp::spawn().await;
    let bidder = pki().get("bidder");
    drop(app.enrol("bidder").await);
    let p = pki();
    let revoked = vec![
        p.revoked.issued.serial_hex.clone(),
        bidder.issued.serial_hex.clone(),
    ];
    std::fs::write(app.trust_dir.join("root.crl"), p.crl(&p.root, &revoked)).unwrap();
    // The store re-reads the directory at most once a second; skip the wait.
    app.ctx.trust.expire_throttle();
    let before = app.rows().await;
    let mut c = app.client();
    let e = c
        .login(PrincipalKind::Organisation, &bidder.credentials())
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some(etender::error::ErrorCode::CertificateRevoked),
        "{e}"
    );
    before.assert_changed_only(
        &app.rows().await,
        &[(
            "auth_challenges",
            1,
            "the client first obtains a challenge (that request succeeds); the refusal leaves it",
        )],
        "a login with a newly revoked certificate",
    );
}

/// The audience the test server names in its challenges.
fn aud(app: &TestApp) -> &str {
    &app.settings.identity.audience
}
