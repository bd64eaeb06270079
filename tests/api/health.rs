//! Operations endpoints and the API documentation.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn healthz_readyz_metrics() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let (s, v) = c.raw(reqwest::Method::GET, "/healthz", None).await.unwrap();
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    let (s, v) = c.raw(reqwest::Method::GET, "/readyz", None).await.unwrap();
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "ready");

    // Not on the public listener (its counters would tell when bids arrive): on its own.
    let res = reqwest::get(format!("{}/metrics", app.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = reqwest::get(format!("{}/metrics", app.metrics_base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = res.text().await.unwrap();
    // The readyz request above is counted under its route pattern.
    assert!(
        text.contains(
            r#"etender_http_requests_total{method="GET",route="/readyz",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains("etender_db_pool_connections"), "{text}");
    assert!(text.contains("etender_build_info"), "{text}");
}

#[tokio::test]
async fn request_ids_are_echoed_and_generated() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let res = http
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "trace-abc_123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-abc_123");
    // A hostile id is replaced, not echoed.
    let res = http
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "bad id\twith spaces")
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(id, "bad id\twith spaces");
    assert!(uuid::Uuid::parse_str(&id).is_ok());
}

#[tokio::test]
async fn openapi_is_valid_openapi_3_and_lists_every_route() {
    let app = TestApp::spawn().await;
    let v: Value = reqwest::get(format!("{}/openapi.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        v["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        v["openapi"]
    );
    assert!(v["info"]["title"].is_string());
    // The served document is the generated one (whose snapshot is reviewed with every change).
    assert_eq!(
        v,
        serde_json::to_value(etender::http::openapi::document()).unwrap()
    );
    let paths = v["paths"].as_object().unwrap();
    for p in [
        "/healthz",
        "/readyz",
        "/api/v1/auth/tokens",
        "/api/v1/organisations/{id}",
        "/api/v1/people/{id}/roles/{role}",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    assert!(
        !paths.contains_key("/metrics"),
        "/metrics is not a public operation"
    );
    // Every operation documents its responses, and every $ref resolves.
    let text = v.to_string();
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
        }
    }
    let schemas = v["components"]["schemas"].as_object().unwrap();
    for chunk in text.split("\"#/components/schemas/").skip(1) {
        let name = &chunk[..chunk.find('"').unwrap()];
        assert!(schemas.contains_key(name), "dangling $ref {name}");
    }
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary_without_external_urls() {
    let app = TestApp::spawn().await;
    let res = reqwest::get(format!("{}/docs/", app.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"),
        "external URL in page: {html}"
    );
    // The page's own scripts and styles are served locally too.
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    ] {
        let res = reqwest::get(format!("{}/docs/{asset}", app.base))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{asset}");
    }
    let init = reqwest::get(format!("{}/docs/swagger-initializer.js", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/openapi.json"), "{init}");
    assert!(!init.contains("https://"), "{init}");
}

#[tokio::test]
async fn server_time_is_the_clock_and_shown_in_shanghai() {
    let t = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let app = TestApp::spawn_at(t, |_| {}).await;
    let v: Value = app.client().get("/api/v1/time").await.unwrap();
    assert_eq!(v["now"], "2026-03-01T00:00:00Z");
    assert_eq!(v["local"], "2026-03-01 08:00:00 CST");
    assert_eq!(v["timezone"], "Asia/Shanghai");
}

#[tokio::test]
async fn the_working_day_calendar_is_public_and_warns_of_a_missing_year() {
    // 5 December 2026: the 2027 notice is not in the shipped data, so the operator is warned.
    let december: chrono::DateTime<chrono::Utc> = "2026-12-05T02:00:00Z".parse().unwrap();
    let app = TestApp::spawn_at(december, |_| {}).await;
    let (s, v) = app
        .client()
        .raw(reqwest::Method::GET, "/api/v1/calendar", None)
        .await
        .unwrap();
    assert_eq!(s, StatusCode::OK, "{v}");
    let years: Vec<i64> = v["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["year"].as_i64().unwrap())
        .collect();
    assert_eq!(years, [2025, 2026]);
    let y2026 = &v["years"][1];
    assert!(y2026["working_weekends"]
        .as_array()
        .unwrap()
        .contains(&Value::from("2026-02-14")));
    let warnings = v["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{v}");
    assert!(warnings[0].as_str().unwrap().contains("2027"), "{v}");

    // The operator adds the year as a file: it is in force, and the warning is gone.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.json");
    std::fs::write(
        &file,
        r#"{"years": [{"year": 2027, "notice": "operator's copy of the 2027 notice",
            "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
            "working_weekends": []}]}"#,
    )
    .unwrap();
    let app = TestApp::spawn_at(december, |s| s.calendar.files = vec![file.clone()]).await;
    let (_, v) = app
        .client()
        .raw(reqwest::Method::GET, "/api/v1/calendar", None)
        .await
        .unwrap();
    assert_eq!(v["years"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(
        v["years"][2]["notice"],
        "operator's copy of the 2027 notice"
    );
    assert_eq!(v["warnings"], serde_json::json!([]));
}

/// The pool hands a connection out without a `SELECT 1` when a unit of work ended well on it
/// within the last 500 ms (`db::connection::ALIVE_BYPASS`). A connection the server dropped
/// in that window therefore costs at most one failed unit: the failure leaves it unvouched, the
/// next check-out checks it, finds it dead and opens another. On SQLite there is no server to
/// drop a connection; there a failed unit must leave the pool as usable as before.
#[tokio::test]
async fn a_connection_the_server_dropped_costs_at_most_one_unit_of_work() {
    use diesel::prelude::*;
    use etender::db::connection::AnyConnection;
    use etender::db::{DatabaseSettings, Db};
    use etender::error::{AppError, AppResult};

    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    fn pid(c: &mut AnyConnection) -> AppResult<i32> {
        match c {
            AnyConnection::Postgresql(pg) => {
                Ok(diesel::sql_query("SELECT pg_backend_pid() AS pid")
                    .get_result::<Pid>(pg)?
                    .pid)
            }
            AnyConnection::Sqlite(s) => {
                diesel::connection::SimpleConnection::batch_execute(s, "SELECT 1")?;
                Ok(0)
            }
        }
    }

    let tmp = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database_url(tmp.path());
    let db = Db::connect(&DatabaseSettings {
        url: etender::secret::SecretUrl::new(url.as_str()),
        replica_url: etender::secret::SecretUrl::new(""),
        pool_size: 1,
        connect_timeout_secs: 5,
        run_migrations: false,
    })
    .unwrap();
    let first = db.read_primary(pid).await.unwrap();
    if !crate::helpers::is_postgres() {
        let failed: AppResult<i32> = db
            .read_primary(|_| Err(AppError::internal(anyhow::anyhow!("a failed unit"))))
            .await;
        assert_eq!(failed.unwrap_err().code.status(), 500);
        assert_eq!(db.read_primary(pid).await.unwrap(), first);
        return;
    }
    let mut admin = PgConnection::establish(&url).unwrap();
    diesel::sql_query(format!("SELECT pg_terminate_backend({first})"))
        .execute(&mut admin)
        .unwrap();
    // Within the window the dropped connection is handed out unchecked and its unit fails; a
    // slow machine may be past the window, and then the check replaces it already.
    match db.read_primary(pid).await {
        Ok(p) => assert_ne!(p, first, "a dropped connection answered"),
        Err(e) => assert_eq!(e.code.status(), 500, "{}", e.detail),
    }
    let next = db.read_primary(pid).await.unwrap();
    assert_ne!(next, first);
    assert_eq!(db.read_primary(pid).await.unwrap(), next);
}
