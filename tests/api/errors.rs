//! Request-shape errors: every one is problem+json with a stable code.

use crate::helpers::{assert_problem, TestApp};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn malformed_json_oversized_body_wrong_type_and_unknown_routes() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let before = app.rows().await;

    let res = http
        .post(format!("{}/api/v1/organisations", app.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let s = res.status();
    let v = res.json().await.unwrap();
    assert_problem(s, &v, 400, "malformed_body");

    let huge = "x".repeat(app.settings.http.json_limit_bytes + 10);
    let res = http
        .post(format!("{}/api/v1/people", app.base))
        .json(&json!({"contact_email": huge}))
        .send()
        .await
        .unwrap();
    let s = res.status();
    let v = res.json().await.unwrap();
    assert_problem(s, &v, 413, "body_too_large");

    let res = http
        .post(format!("{}/api/v1/people", app.base))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    let s = res.status();
    let v = res.json().await.unwrap();
    assert_problem(s, &v, 415, "unsupported_media_type");

    // Unknown fields are refused rather than silently ignored.
    let (s, v) = app
        .client()
        .raw(
            Method::POST,
            "/api/v1/people",
            Some(&json!({"proof": {}, "contact_email": "a@b.cn", "admin": true})),
        )
        .await
        .unwrap();
    assert_problem(s, &v, 400, "malformed_body");

    let (s, v) = app
        .client()
        .raw(Method::GET, "/api/v1/nope", None)
        .await
        .unwrap();
    assert_problem(s, &v, 404, "route_not_found");
    let (s, v) = app
        .client()
        .raw(Method::DELETE, "/api/v1/time", None)
        .await
        .unwrap();
    assert_problem(s, &v, 405, "method_not_allowed");
    // RFC 9110: a 405 names the methods the resource has.
    let res = http
        .patch(format!("{}/api/v1/tenders/x", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, PUT");
    let (s, v) = app
        .client()
        .raw(Method::GET, "/api/v1/people?limit=abc", None)
        .await
        .unwrap();
    assert!(s == 400 || s == 401, "{s} {v}");

    before.assert_same(&app.rows().await, "a refused request");
}

#[tokio::test]
async fn server_errors_do_not_leak_internals() {
    let app = TestApp::spawn().await;
    let bidder = app.enrol("bidder").await;
    // Break the database under the running server.
    app.ctx
        .db
        .write(|c| {
            use diesel::connection::SimpleConnection;
            c.batch_execute("DROP TABLE role_grants")
                .map_err(etender::error::AppError::internal)
        })
        .await
        .unwrap();
    let (s, v) = bidder.raw(Method::GET, "/api/v1/me", None).await.unwrap();
    assert_problem(s, &v, 500, "internal");
    let text = v.to_string().to_lowercase();
    for leak in [
        "role_grants",
        "sqlite",
        "postgres",
        "diesel",
        "relation",
        "table",
    ] {
        assert!(!text.contains(leak), "leaked {leak}: {v}");
    }
    assert!(v["request_id"].is_string());
}
