//! Domain separation of signatures (issue 11, finding 8): every statement a certificate key signs
//! starts with its purpose's label, so a signature made for one purpose is refused for any other;
//! and the client signs only a login text it rebuilt itself, for the audience it meant.

use base64::Engine;
use etender::client::ClientError;
use etender::domain::identity::{entrustment_statement, PrincipalKind};
use etender::domain::signed::{labelled, LOGIN, NOTICE};
use reqwest::Method;
use serde_json::{json, Value};

use crate::fixtures::{self, id_of};
use crate::helpers::{assert_problem, pki, TestApp};

/// A publication body whose signature is `agent`'s over exactly `bytes`.
fn notice_signature(bytes: &[u8]) -> Value {
    let creds = pki().get("agent").credentials();
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({
        "certificate_chain": creds.chain.iter().map(|d| b64.encode(d)).collect::<Vec<_>>(),
        "signature": b64.encode(creds.key.sign(creds.algorithm, bytes).unwrap()),
        "signature_algorithm": creds.algorithm.as_str(),
    })
}

#[tokio::test]
async fn a_signature_made_for_one_purpose_is_refused_for_another() {
    let app = TestApp::spawn().await;
    let s = fixtures::draft_tender(&app, 30).await;
    let notice: Value = s
        .agent
        .get(&format!("/api/v1/tenders/{}/notice", s.tender))
        .await
        .unwrap();
    let text = notice["text"].as_str().unwrap().as_bytes();
    let publish = format!("/api/v1/tenders/{}/publish", s.tender);
    let agent_id = id_of(&s.agent).await;
    let tenderer_id = id_of(&app.enrol("tenderer").await).await;
    let before = app.rows().await;
    // The notice's bare text (what a signature for any purpose without a label could be), the
    // notice text under the login label, and an entrustment statement: none publishes.
    for bytes in [
        text.to_vec(),
        labelled(LOGIN, text),
        entrustment_statement(&tenderer_id, &agent_id, "潜江市东荆河大道及配套管网工程"),
    ] {
        let (st, v) = s
            .agent
            .raw(Method::POST, &publish, Some(&notice_signature(&bytes)))
            .await
            .unwrap();
        assert_problem(st, &v, 401, "signature_invalid");
    }
    // A login proof whose signature was made for a notice (the challenge text under the notice
    // label) logs nobody in.
    let c = app.client();
    let ch = c.challenge().await.unwrap();
    let creds = pki().get("agent").credentials();
    let mut proof = serde_json::to_value(creds.prove(&ch, c.audience()).unwrap()).unwrap();
    let wrong = creds
        .key
        .sign(creds.algorithm, &labelled(NOTICE, ch.message.as_bytes()))
        .unwrap();
    proof["signature"] = json!(base64::engine::general_purpose::STANDARD.encode(wrong));
    let (st, v) = c
        .raw(
            Method::POST,
            "/api/v1/auth/tokens",
            Some(&json!({"kind": "organisation", "proof": proof})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 401, "signature_invalid");
    before.assert_changed_only(
        &app.rows().await,
        &[(
            "auth_challenges",
            1,
            "the challenge the misused login proof answered",
        )],
        "signatures used for another purpose",
    );

    // The notice signed for what it is publishes.
    let (st, v) = s
        .agent
        .raw(
            Method::POST,
            &publish,
            Some(&notice_signature(&labelled(NOTICE, text))),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
}

#[tokio::test]
async fn the_client_signs_only_a_login_it_rebuilt_for_its_own_audience() {
    let app = TestApp::spawn().await;
    app.enrol("bidder").await;
    let creds = pki().get("bidder").credentials();
    let c = app.client();
    let ch = c.challenge().await.unwrap();
    let aud = c.audience().to_string();
    assert_eq!(ch.audience, aud);
    assert!(creds.prove(&ch, &aud).is_ok());

    // A challenge for another platform, a message that is not the login text (here a notice),
    // and an id or nonce carrying extra lines are all refused before anything is signed.
    let mut other_audience = ch.clone();
    other_audience.audience = "another-platform".into();
    let mut not_a_login = ch.clone();
    not_a_login.message = "招标公告 …".into();
    let mut smuggled = ch.clone();
    smuggled.nonce = format!("{}\naudience:another-platform", ch.nonce);
    smuggled.message =
        etender::domain::identity::challenge_message(&aud, &smuggled.challenge_id, &smuggled.nonce);
    for bad in [&other_audience, &not_a_login, &smuggled] {
        assert!(
            matches!(creds.prove(bad, &aud), Err(ClientError::Local(_))),
            "signed {bad:?}"
        );
    }
    // A client that meant another platform does not log in to this one.
    let before = app.rows().await;
    let mut elsewhere = app.client().with_audience("another-platform");
    let e = elsewhere
        .login(PrincipalKind::Organisation, &creds)
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Local(_)), "{e}");
    assert!(elsewhere.token().is_none());
    before.assert_changed_only(
        &app.rows().await,
        &[(
            "auth_challenges",
            1,
            "the challenge the client asked for, then refused to sign",
        )],
        "a login for another audience",
    );
}
