//! Anonymous writes against a flood (issue 11, finding 5): login challenges are rate-limited per
//! client address on the server clock (429 `rate_limited` with `Retry-After`, nothing written),
//! and challenge rows are swept once they have been expired for the retention period.

use chrono::Duration;
use serde_json::Value;

use crate::helpers::{assert_problem, TestApp};

async fn ask(app: &TestApp) -> (reqwest::StatusCode, Option<String>, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/challenges", app.base))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry, r.json().await.unwrap())
}

#[tokio::test]
async fn login_challenges_are_rate_limited_per_address_on_the_clock() {
    let app = TestApp::spawn_with(|s| {
        s.limits.challenge_burst = 3;
        s.limits.challenges_per_minute = 60;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(ask(&app).await.0, 201);
    }
    let before = app.rows().await;
    let (status, retry, body) = ask(&app).await;
    assert_problem(status, &body, 429, "rate_limited");
    assert_eq!(retry.as_deref(), Some("1"));
    before.assert_same(&app.rows().await, "a challenge over the rate limit");
    // One a second comes back.
    app.clock.advance(Duration::seconds(1));
    assert_eq!(ask(&app).await.0, 201);
    assert_eq!(ask(&app).await.0, 429);
}

#[tokio::test]
async fn expired_challenges_are_swept_after_the_retention_period() {
    let app = TestApp::spawn().await;
    let limits = app.settings.limits.clone();
    let ttl = Duration::seconds(app.settings.identity.challenge_ttl_secs as i64);
    let retention = Duration::seconds(limits.challenge_retention_secs as i64);
    for _ in 0..2 {
        assert_eq!(ask(&app).await.0, 201);
    }
    app.clock.advance(ttl + retention + Duration::seconds(1));
    // Expired, but within the retention period: kept (a late login still hears "expired").
    let (_, _, late) = ask(&app).await;
    app.clock.advance(ttl + Duration::seconds(1));
    let before = app.rows().await;
    assert_eq!(etender::worker::sweep_tick(&app.ctx).await.unwrap(), 2);
    before.assert_changed_only(
        &app.rows().await,
        &[(
            "auth_challenges",
            -2,
            "the two expired past the retention period",
        )],
        "the sweep",
    );
    let proof = crate::helpers::pki()
        .get("bidder")
        .credentials()
        .prove(
            &serde_json::from_value(late).unwrap(),
            &app.settings.identity.audience,
        )
        .unwrap();
    let (status, body) = app
        .client()
        .raw(
            reqwest::Method::POST,
            "/api/v1/auth/tokens",
            Some(&serde_json::json!({"kind": "organisation", "proof": proof})),
        )
        .await
        .unwrap();
    assert_problem(status, &body, 401, "challenge_expired");
    assert_eq!(etender::worker::sweep_tick(&app.ctx).await.unwrap(), 0);
}

/// Anonymous downloads are counted per document and day — no row and no audit entry each, so
/// nobody can grow the log by downloading — while a logged-in download is still recorded and
/// audited (the parties see who, and those downloaders are told of changes).
#[tokio::test]
async fn anonymous_downloads_are_counted_not_logged_one_by_one() {
    let app = TestApp::spawn().await;
    let s = crate::fixtures::published_tender(&app, 30).await;
    let public = app.client();
    let (st, _) = crate::fixtures::download(&public, &s).await;
    assert_eq!(st, 200);
    let before = app.rows().await;
    for _ in 0..5 {
        assert_eq!(crate::fixtures::download(&public, &s).await.0, 200);
    }
    before.assert_same(&app.rows().await, "five more anonymous downloads");
    let doc = s.document.clone();
    let counted = app
        .ctx
        .db
        .read_primary(move |c| Ok(etender::db::repo::uploads::anonymous_downloads_of(c, &doc)?))
        .await
        .unwrap();
    assert_eq!(counted, 6);
    let bidder = app.enrol("bidder").await;
    let before = app.rows().await;
    assert_eq!(crate::fixtures::download(&bidder, &s).await.0, 200);
    let after = app.rows().await;
    assert_eq!(
        after.get("document_downloads"),
        before.get("document_downloads") + 1
    );
    assert_eq!(after.get("audit_events"), before.get("audit_events") + 1);
}
