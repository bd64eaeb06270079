//! The tender publication lifecycle through the API, as tenderers, agents and bidders use it.

use std::time::Duration as StdDuration;

use chrono::Duration;
use etender::domain::schedule::{amendment_cutoff, earliest_deadline, objection_cutoff};
use etender::domain::tender::ProcedureRulesTable;
use reqwest::Method;
use serde_json::{json, Value};

use crate::fixtures::{self, draft, draft_tender, id_of, publish, published_tender, sign_notice};
use crate::helpers::{assert_problem, pki, Rows, TestApp};
use crate::smtp::SmtpServer;

/// A tender's change counter (state, version, update time, deadline: updates as well as
/// inserts) and the row count of every table.
struct Snapshot {
    tender: Option<(String, i32, chrono::NaiveDateTime, chrono::NaiveDateTime)>,
    rows: Rows,
}

impl Snapshot {
    #[track_caller]
    fn assert_same(&self, after: &Snapshot, what: &str) {
        assert_eq!(after.tender, self.tender, "{what} changed the tender");
        self.rows.assert_same(&after.rows, what);
    }
}

async fn snapshot(app: &TestApp, tender: &str) -> Snapshot {
    let t = tender.to_string();
    let rows = app.rows().await;
    let tender = app
        .ctx
        .db
        .read_primary(move |c| Ok(etender::db::repo::tenders::fingerprint(c, &t)?))
        .await
        .unwrap();
    Snapshot { tender, rows }
}

fn rules() -> etender::domain::tender::ProcedureRules {
    ProcedureRulesTable::DEFAULT
        .get(etender::domain::tender::ProcedureType::Open)
        .clone()
}

#[tokio::test]
async fn publication_enforces_the_20_day_rule_at_its_boundary() {
    let app = TestApp::spawn().await;
    let s = draft_tender(&app, 30).await;
    let now = app.clock_now();
    let earliest = earliest_deadline(now, &rules());
    for (offset, ok) in [(-1i64, false), (0, true)] {
        let mut d = draft(now, 30, &s.custodians);
        let deadline = earliest + Duration::seconds(offset);
        d["schedule"]["bid_deadline"] = json!(deadline);
        d["schedule"]["clarification_cutoff"] = json!(deadline - Duration::days(16));
        d["schedule"]["documents_available_until"] = json!(now + Duration::days(6));
        let (st, v) = s
            .agent
            .raw(
                Method::PUT,
                &format!("/api/v1/tenders/{}", s.tender),
                Some(&json!({"draft": d})),
            )
            .await
            .unwrap();
        assert_eq!(st, 200, "{v}");
        let before = snapshot(&app, &s.tender).await;
        let (st, v) = publish(&app, &s).await;
        if ok {
            assert_eq!(
                st, 200,
                "deadline exactly 20 days after issue must publish: {v}"
            );
            assert_eq!(v["state"], "published");
        } else {
            assert_problem(st, &v, 422, "rule_violation");
            let rules: Vec<&str> = v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["code"].as_str().unwrap())
                .collect();
            assert_eq!(rules, ["deadline_too_soon_after_issue"], "{v}");
            before.assert_same(&snapshot(&app, &s.tender).await, "a refused publication");
        }
    }
}

#[tokio::test]
async fn every_rule_failure_is_reported_with_its_own_code() {
    let app = TestApp::spawn().await;
    let s = draft_tender(&app, 30).await;
    let now = app.clock_now();
    let mut d = draft(now, 30, &s.custodians);
    d["sections"][0]["bid_bond"] = json!("240000.01"); // > 2% of 12,000,000
    d["sections"][0]["evaluation"]["weights"][0]["weight"] = json!("61");
    d["schedule"]["documents_available_until"] = json!(now + Duration::days(4));
    d["custodians"]["threshold"] = json!(4);
    s.agent
        .raw(
            Method::PUT,
            &format!("/api/v1/tenders/{}", s.tender),
            Some(&json!({"draft": d})),
        )
        .await
        .unwrap();
    let before = snapshot(&app, &s.tender).await;
    let (st, v) = publish(&app, &s).await;
    assert_problem(st, &v, 422, "rule_violation");
    before.assert_same(&snapshot(&app, &s.tender).await, "a refused publication");
    let mut codes: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "bid_bond_over_two_percent",
            "custodian_threshold_invalid",
            "document_period_too_short",
            "weights_do_not_sum_to_100"
        ],
        "{v}"
    );

    // A price floor is refused by name, at draft time already.
    let mut d = draft(now, 30, &s.custodians);
    d["sections"][1]["price_floor"] = json!("7000000.00");
    let before = snapshot(&app, &s.tender).await;
    let (st, v) = s
        .agent
        .raw(
            Method::PUT,
            &format!("/api/v1/tenders/{}", s.tender),
            Some(&json!({"draft": d})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "rule_violation");
    assert_eq!(v["errors"][0]["code"], "price_floor_forbidden");
    assert_eq!(v["errors"][0]["field"], "sections[1].price_floor");
    before.assert_same(
        &snapshot(&app, &s.tender).await,
        "a draft with a price floor",
    );

    // Custodians must be registered custodians.
    let mut d = draft(now, 30, &s.custodians);
    d["custodians"]["person_ids"][0] = json!("not-a-person");
    s.agent
        .raw(
            Method::PUT,
            &format!("/api/v1/tenders/{}", s.tender),
            Some(&json!({"draft": d})),
        )
        .await
        .unwrap();
    let before = snapshot(&app, &s.tender).await;
    let (st, v) = publish(&app, &s).await;
    assert_problem(st, &v, 422, "rule_violation");
    assert_eq!(v["errors"][0]["code"], "custodian_not_registered");
    before.assert_same(
        &snapshot(&app, &s.tender).await,
        "a publication with an unknown custodian",
    );
}

/// The evaluation settings (docs/EVALUATION.md §2) travel with the draft, are checked at
/// publication with their own codes, and are published as drafted.
#[tokio::test]
async fn evaluation_settings_are_checked_and_published_with_the_notice() {
    let app = TestApp::spawn().await;
    let s = draft_tender(&app, 30).await;
    let now = app.clock_now();
    let mut d = draft(now, 30, &s.custodians);
    d["sections"][0]["evaluation"]["criteria"] = json!([
        {"code": "T1", "name": "施工组织设计", "factor": "technical", "kind": "technical",
         "max_points": "20"},
        {"code": "T2", "name": "质量安全措施", "factor": "technical", "kind": "technical",
         "max_points": "9.5"},
        {"code": "C1", "name": "企业业绩", "factor": "commercial", "kind": "commercial",
         "max_points": "10"}
    ]);
    d["sections"][0]["evaluation"]["price"] = json!({
        "drop_extremes": 1, "drop_min_bids": 5, "k_values": ["0.01", "0.02", "0.03"]
    });
    d["sections"][1]["evaluation"]["adjustments"] = json!([
        {"code": "D1", "name": "工期每超出1天", "rule": {"kind": "per_unit", "amount": "10000"}}
    ]);
    d["sections"][1]["shortfall"] = json!({"kind": "recommend_available", "min_valid": 4});
    let put = |d: &Value| {
        let body = json!({"draft": d});
        let agent = &s.agent;
        let path = format!("/api/v1/tenders/{}", s.tender);
        async move { agent.raw(Method::PUT, &path, Some(&body)).await.unwrap() }
    };
    let (st, v) = put(&d).await;
    assert_eq!(st, 200, "{v}");
    let before = snapshot(&app, &s.tender).await;
    let (st, v) = publish(&app, &s).await;
    assert_problem(st, &v, 422, "rule_violation");
    let found: Vec<(&str, &str)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["code"].as_str().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "criteria_do_not_sum_to_weight",
                "sections[0].evaluation.weights[1]"
            ),
            ("shortfall_rule_invalid", "sections[1].shortfall.min_valid")
        ],
        "{v}"
    );
    before.assert_same(&snapshot(&app, &s.tender).await, "a refused publication");

    d["sections"][0]["evaluation"]["criteria"][1]["max_points"] = json!("10");
    d["sections"][1]["shortfall"] = json!({"kind": "fail"});
    let (st, v) = put(&d).await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = publish(&app, &s).await;
    assert_eq!(st, 200, "{v}");
    let published = &v["published"]["sections"];
    assert_eq!(
        published[0]["evaluation"]["criteria"][1]["max_points"],
        "10"
    );
    assert_eq!(
        published[0]["evaluation"]["price"]["k_values"],
        json!(["0.01", "0.02", "0.03"])
    );
    assert_eq!(published[1]["shortfall"], json!({"kind": "fail"}));
    assert_eq!(
        published[1]["evaluation"]["adjustments"][0]["rule"]["amount"],
        "10000"
    );
    // Sections drafted without the settings publish without them.
    assert!(published[1].get("preliminary_review").is_none());
}

#[tokio::test]
async fn the_notice_must_be_signed_by_the_tenderer_or_agent_over_the_current_text() {
    let app = TestApp::spawn().await;
    let s = draft_tender(&app, 30).await;
    let before = snapshot(&app, &s.tender).await;
    // Signed by a bidder's certificate: not the tenderer or agent.
    let sig = sign_notice(&s.agent, &s.tender, &pki().get("bidder").credentials()).await;
    let (st, v) = s
        .agent
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/publish", s.tender),
            Some(&sig),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    before.assert_same(
        &snapshot(&app, &s.tender).await,
        "a notice signed by a bidder",
    );
    // Signed, then the working copy changed: the signature no longer covers the notice.
    let sig = sign_notice(&s.agent, &s.tender, &pki().get("agent").credentials()).await;
    fixtures::upload(
        &s.agent,
        &s.tender,
        "工程量清单",
        "qd.xlsx",
        b"bill of quantities",
    )
    .await;
    let before = snapshot(&app, &s.tender).await;
    let (st, v) = s
        .agent
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/publish", s.tender),
            Some(&sig),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 401, "signature_invalid");
    before.assert_same(
        &snapshot(&app, &s.tender).await,
        "a signature over an older text",
    );
    // The tenderer's own certificate is accepted too.
    let tenderer = app.enrol("tenderer").await;
    let sig = sign_notice(&tenderer, &s.tender, &pki().get("tenderer").credentials()).await;
    let (st, v) = tenderer
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/publish", s.tender),
            Some(&sig),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    // Everyone can read the signed versions.
    let versions: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{}/versions", s.tender))
        .await
        .unwrap();
    assert_eq!(versions[0]["version"], 1);
    assert_eq!(versions[0]["kind"], "publication");
}

#[tokio::test]
async fn a_late_amendment_moves_the_deadline_flags_bids_and_mails_every_downloader() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(tmp.path().join("mail"));
    let port = smtp.port;
    let app = TestApp::spawn_with(move |s| {
        s.mail.transport = etender::mail::Transport::Smtp;
        s.mail.smtp_port = port;
    })
    .await;
    let s = published_tender(&app, 25).await;
    // Two bidders download the documents while logged in; one member of the public anonymously.
    for who in ["bidder", "bidder-rsa"] {
        let b = app.enrol(who).await;
        let (st, _) = fixtures::download(&b, &s).await;
        assert_eq!(st, 200);
    }
    let res = reqwest::get(format!(
        "{}/api/v1/tenders/{}/documents/{}/content",
        app.base, s.tender, s.document
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let sha = res.headers()["x-content-sha256"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(sha, etender::audit::sha256_hex(&res.bytes().await.unwrap()));

    // 10 days before the deadline: inside the 15-day window.
    let t: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{}", s.tender))
        .await
        .unwrap();
    let deadline = fixtures::schedule(&t).bid_deadline;
    app.clock.set(deadline - Duration::days(10));
    // Days later: the agent's bearer token has long expired; it logs in again.
    let s = fixtures::Setup {
        agent: app.enrol("agent").await,
        ..s
    };
    let mut d = t["published"].clone();
    d["sections"][0]["qualification_requirements"]
        .as_array_mut()
        .unwrap()
        .push(json!("近三年无重大质量安全事故"));
    let (st, v) = s
        .agent
        .raw(
            Method::PUT,
            &format!("/api/v1/tenders/{}", s.tender),
            Some(&json!({"draft": d})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let sig = sign_notice(&s.agent, &s.tender, &pki().get("agent").credentials()).await;
    let path = format!("/api/v1/tenders/{}/amendments", s.tender);
    let body =
        json!({"rationale": "增加资格条件", "impact": "affects_bid_preparation", "signature": sig});
    let (st, v) = s.agent.raw(Method::POST, &path, Some(&body)).await.unwrap();
    assert_eq!(st, 200, "{v}");
    let moved: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(v["deadline_moved_to"].clone()).unwrap();
    assert!(moved > deadline, "the deadline must move later");
    assert!(
        moved - app.clock_now() >= Duration::days(15) - Duration::days(1),
        "{moved}"
    );
    assert_eq!(v["reconfirm_bids"], true);
    assert_eq!(v["tender"]["version"], 2);
    assert_eq!(
        v["tender"]["reconfirm_from_version"], 2,
        "bids from version 1 must be re-confirmed"
    );
    assert_eq!(
        v["tender"]["published"]["schedule"]["bid_deadline"],
        json!(moved)
    );

    // Both logged-in downloaders get the change notice over real SMTP.
    let mails = smtp.wait_for(2, StdDuration::from_secs(20)).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(
        mails
            .iter()
            .all(|m| m.contains("Subject:") && m.contains("Message-ID: <")),
        "{mails:?}"
    );
    // The public sees version 2 and a change announcement.
    let feed: Vec<Value> = app
        .client()
        .get(&format!("/api/v1/announcements?tender={}", s.tender))
        .await
        .unwrap();
    let kinds: Vec<&str> = feed.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["tender_notice", "change_notice"]);
}

#[tokio::test]
async fn an_smtp_outage_loses_no_mail_and_a_rolled_back_change_sends_none() {
    let tmp = tempfile::tempdir().unwrap();
    let mut smtp = SmtpServer::start(tmp.path().join("mail"));
    let port = smtp.port;
    let app = TestApp::spawn_with(move |s| {
        s.mail.transport = etender::mail::Transport::Smtp;
        s.mail.smtp_port = port;
    })
    .await;
    let s = published_tender(&app, 30).await;
    let bidder = app.enrol("bidder").await;
    fixtures::download(&bidder, &s).await;
    let q = fixtures::ask(&bidder, &s.tender, "第一标段工期是否可以调整？").await;

    smtp.stop();
    let (st, v) = s
        .agent
        .raw(
            Method::POST,
            &format!(
                "/api/v1/tenders/{}/questions/{}/answer",
                s.tender,
                q["id"].as_str().unwrap()
            ),
            Some(&json!({"answer": "工期不可调整，以招标文件为准。"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    // Give the dispatcher time to try (and fail) against the dead server.
    let t = s.tender.clone();
    let mut failed = false;
    for _ in 0..100 {
        let rows = app
            .ctx
            .db
            .read_primary({
                let t = t.clone();
                move |c| Ok(etender::db::repo::mail::list_for_tender(c, &t)?)
            })
            .await
            .unwrap();
        if rows.iter().any(|r| r.attempts > 0 && r.sent_at.is_none()) {
            failed = true;
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert!(
        failed,
        "the dispatcher never tried while the server was down"
    );
    assert!(smtp.messages().is_empty());

    smtp.restart();
    let mails = smtp.wait_for(1, StdDuration::from_secs(30)).await;
    assert_eq!(
        mails.len(),
        1,
        "the queued answer mail was not delivered after the outage"
    );
    assert!(
        mails[0].contains("X-Rcpt-To: bidder@example.cn"),
        "{}",
        mails[0]
    );

    // A mail queued by a change that rolls back is never sent.
    let before = app.rows().await;
    let res = app
        .ctx
        .db
        .write(|c| {
            etender::mail::enqueue(
                c,
                chrono::Utc::now(),
                etender::mail::OutgoingMail {
                    to: "someone@example.cn".into(),
                    subject: "never".into(),
                    body: "never".into(),
                    kind: "test".into(),
                    tender_id: None,
                },
            )?;
            Err::<(), _>(etender::error::AppError::conflict(
                "the change failed after queueing mail",
            ))
        })
        .await;
    assert!(res.is_err());
    before.assert_same(&app.rows().await, "a rolled-back change that queued mail");
}

#[tokio::test]
async fn objections_at_the_10_day_boundary_suspend_until_answered() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let t: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{}", s.tender))
        .await
        .unwrap();
    let deadline = fixtures::schedule(&t).bid_deadline;
    let cutoff = objection_cutoff(deadline, &rules());

    // At the cut-off: too late, nothing changes.
    app.clock.set(cutoff);
    let bidder = app.enrol("bidder").await;
    let before = snapshot(&app, &s.tender).await;
    let (st, v) = bidder
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/objections", s.tender),
            Some(&json!({"objection": "资格条件排斥潜在投标人"})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "rule_violation");
    assert_eq!(v["errors"][0]["code"], "objection_too_late");
    before.assert_same(&snapshot(&app, &s.tender).await, "a late objection");

    // One second before: accepted, and the tender is suspended.
    app.clock.set(cutoff - Duration::seconds(1));
    let (st, o) = bidder
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/objections", s.tender),
            Some(&json!({"objection": "资格条件排斥潜在投标人"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{o}");
    let t: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{}", s.tender))
        .await
        .unwrap();
    assert_eq!(t["state"], "suspended");
    // Questions wait while suspended.
    let before = snapshot(&app, &s.tender).await;
    let (st, v) = bidder
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/questions", s.tender),
            Some(&json!({"question": "?"})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    before.assert_same(
        &snapshot(&app, &s.tender).await,
        "a question while suspended",
    );
    // Another bidder cannot answer it; the agent can, and the tender resumes.
    let oid = o["id"].as_str().unwrap();
    let (st, v) = bidder
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/objections/{oid}/answer", s.tender),
            Some(&json!({"answer": "x"})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    before.assert_same(&snapshot(&app, &s.tender).await, "an answer by a bidder");
    let agent = app.enrol("agent").await;
    let (st, v) = agent
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/objections/{oid}/answer", s.tender),
            Some(&json!({"answer": "资格条件符合法规，维持原文件。"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let t: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{}", s.tender))
        .await
        .unwrap();
    assert_eq!(t["state"], "published");
    let before = snapshot(&app, &s.tender).await;
    let (st, v) = agent
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/objections/{oid}/answer", s.tender),
            Some(&json!({"answer": "again"})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    before.assert_same(&snapshot(&app, &s.tender).await, "a second answer");
}

#[tokio::test]
async fn amendments_respect_the_15_day_boundary() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 40).await;
    let t: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{}", s.tender))
        .await
        .unwrap();
    let deadline = fixtures::schedule(&t).bid_deadline;
    let cutoff = amendment_cutoff(deadline, &rules());
    for (at, moves) in [(cutoff - Duration::seconds(1), false), (cutoff, true)] {
        app.clock.set(at);
        let agent = app.enrol("agent").await;
        let sig = sign_notice(&agent, &s.tender, &pki().get("agent").credentials()).await;
        let path = format!("/api/v1/tenders/{}/amendments", s.tender);
        let body =
            json!({"rationale": "澄清", "impact": "affects_bid_preparation", "signature": sig});
        let (st, v) = agent.raw(Method::POST, &path, Some(&body)).await.unwrap();
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["deadline_moved_to"].is_null(), !moves, "at {at}: {v}");
    }
}

#[tokio::test]
async fn the_deadline_closes_the_tender_by_the_server_clock() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 25).await;
    let t: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{}", s.tender))
        .await
        .unwrap();
    let deadline = fixtures::schedule(&t).bid_deadline;
    let cutoff = fixtures::schedule(&t).clarification_cutoff;
    // Questions close at the clarification cut-off (a second before: fine; at: refused).
    app.clock.set(cutoff - Duration::seconds(1));
    let bidder = app.enrol("bidder").await;
    let (st, v) = bidder
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/questions", s.tender),
            Some(&json!({"question": "Q"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{v}");
    app.clock.set(cutoff);
    let before = snapshot(&app, &s.tender).await;
    let (st, v) = bidder
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/questions", s.tender),
            Some(&json!({"question": "Q"})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "deadline_passed");
    before.assert_same(
        &snapshot(&app, &s.tender).await,
        "a question at the cut-off",
    );

    app.clock.set(deadline - Duration::seconds(1));
    assert_eq!(etender::app::tenders::close_due(&app.ctx).await.unwrap(), 0);
    app.clock.set(deadline);
    assert_eq!(etender::app::tenders::close_due(&app.ctx).await.unwrap(), 1);
    assert_eq!(
        etender::app::tenders::close_due(&app.ctx).await.unwrap(),
        0,
        "closing is done once"
    );
    let t: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{}", s.tender))
        .await
        .unwrap();
    assert_eq!(t["state"], "closed");
    let pkg: Value = app
        .client()
        .get(&format!("/api/v1/ocds/tenders/{}", s.tender))
        .await
        .unwrap();
    assert_eq!(pkg["releases"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_bidder_cannot_learn_who_else_downloaded() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let a = app.enrol("bidder").await;
    let b = app.enrol("bidder-ed25519").await;
    let a_id = id_of(&a).await;
    let a_org: Value = a
        .get(&format!("/api/v1/organisations/{a_id}"))
        .await
        .unwrap();
    fixtures::download(&a, &s).await;
    let q = fixtures::ask(&a, &s.tender, "投标保证金可否使用电子保函？").await;
    s.agent
        .raw(
            Method::POST,
            &format!(
                "/api/v1/tenders/{}/questions/{}/answer",
                s.tender,
                q["id"].as_str().unwrap()
            ),
            Some(&json!({"answer": "可以。"})),
        )
        .await
        .unwrap();
    // The parties can see who downloaded.
    let d: Vec<Value> = s
        .agent
        .get(&format!("/api/v1/tenders/{}/downloads", s.tender))
        .await
        .unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["organisation"], a_org["name"]);

    // Bidder B, and the public, through every readable endpoint: nothing about A.
    let secrets = [
        a_id.clone(),
        a_org["name"].as_str().unwrap().to_string(),
        a_org["uscc"].as_str().unwrap().to_string(),
    ];
    let paths = [
        "/api/v1/tenders".to_string(),
        format!("/api/v1/tenders/{}", s.tender),
        format!("/api/v1/tenders/{}/documents", s.tender),
        format!("/api/v1/tenders/{}/questions", s.tender),
        format!("/api/v1/tenders/{}/versions", s.tender),
        format!("/api/v1/tenders/{}/objections", s.tender),
        format!("/api/v1/tenders/{}/downloads", s.tender),
        format!("/api/v1/tenders/{}/notice", s.tender),
        format!("/api/v1/announcements?tender={}", s.tender),
        format!("/api/v1/ocds/tenders/{}", s.tender),
        format!("/api/v1/organisations/{a_id}"),
        "/api/v1/organisations".into(),
        "/api/v1/people".into(),
        "/metrics".into(),
    ];
    for who in [&b, &app.client()] {
        for p in &paths {
            let (st, v) = who.raw(Method::GET, p, None).await.unwrap();
            let text = v.to_string();
            for s in &secrets {
                assert!(!text.contains(s.as_str()), "{p} ({st}) reveals {s}: {text}");
            }
            assert!(
                !text.contains("download_count") && !text.contains("downloads\":"),
                "{p} reveals a download count: {text}"
            );
        }
        let (st, _) = who
            .raw(
                Method::GET,
                &format!("/api/v1/tenders/{}/downloads", s.tender),
                None,
            )
            .await
            .unwrap();
        assert!(st == 401 || st == 403 || st == 404, "{st}");
    }
    // B sees the answered question without knowing who asked; A sees it marked as its own.
    let qs: Vec<Value> = b
        .get(&format!("/api/v1/tenders/{}/questions", s.tender))
        .await
        .unwrap();
    assert_eq!(qs.len(), 1);
    assert_eq!(qs[0]["mine"], false);
    let qs: Vec<Value> = a
        .get(&format!("/api/v1/tenders/{}/questions", s.tender))
        .await
        .unwrap();
    assert_eq!(qs[0]["mine"], true);
}

#[tokio::test]
async fn creation_is_idempotent_and_drafts_are_private() {
    let app = TestApp::spawn().await;
    let agent = app.enrol("agent").await;
    let tenderer = app.enrol("tenderer").await;
    let tid = id_of(&tenderer).await;
    let custodians = fixtures::custodians(&app).await;
    let draft = draft(app.clock_now(), 30, &custodians);
    let entrusted = app
        .entrust(pki().get("tenderer"), &id_of(&agent).await, "幂等测试")
        .await;
    let body = json!({"title": "幂等测试", "tenderer_id": tid, "entrustment_id": entrusted,
        "draft": draft});
    let http = reqwest::Client::new();
    let post = |b: &Value| {
        http.post(format!("{}/api/v1/tenders", app.base))
            .bearer_auth(agent.token().unwrap())
            .header("idempotency-key", "create-1")
            .json(b)
            .send()
    };
    let r1 = post(&body).await.unwrap();
    assert_eq!(r1.status(), 201);
    let v1: Value = r1.json().await.unwrap();
    let before = app.rows().await;
    let r2 = post(&body).await.unwrap();
    assert_eq!(r2.status(), 200);
    let v2: Value = r2.json().await.unwrap();
    assert_eq!(v1["id"], v2["id"]);
    before.assert_same(&app.rows().await, "a retried create");
    let mut other = body.clone();
    other["title"] = json!("另一个");
    let r3 = post(&other).await.unwrap();
    assert_eq!(r3.status(), 422);
    let v3: Value = r3.json().await.unwrap();
    assert_eq!(v3["code"], "idempotency_key_reused");
    before.assert_same(&app.rows().await, "a reused idempotency key");

    // Drafts are invisible to everyone but their parties.
    let id = v1["id"].as_str().unwrap();
    let bidder = app.enrol("bidder").await;
    let before = app.rows().await;
    for c in [&bidder, &app.client()] {
        let (st, v) = c
            .raw(Method::GET, &format!("/api/v1/tenders/{id}"), None)
            .await
            .unwrap();
        assert_problem(st, &v, 404, "not_found");
    }
    before.assert_same(&app.rows().await, "reading another's draft");
    let list: Value = app.client().get("/api/v1/tenders").await.unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    let (st, _) = tenderer
        .raw(Method::GET, &format!("/api/v1/tenders/{id}"), None)
        .await
        .unwrap();
    assert_eq!(st, 200);
}

#[tokio::test]
async fn the_announcement_cursor_never_skips_concurrent_commits() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let bidder = app.enrol("bidder").await;
    let mut qids = Vec::new();
    for i in 0..24 {
        let q: Value = bidder
            .post(
                &format!("/api/v1/tenders/{}/questions", s.tender),
                &json!({"question": format!("问题 {i}")}),
            )
            .await
            .unwrap();
        qids.push(q["id"].as_str().unwrap().to_string());
    }
    // Answer concurrently while a reader pages through the feed with its cursor.
    let mut tasks = Vec::new();
    for q in qids {
        let agent = s.agent.clone();
        let t = s.tender.clone();
        tasks.push(tokio::spawn(async move {
            let (st, v) = agent
                .raw(
                    Method::POST,
                    &format!("/api/v1/tenders/{t}/questions/{q}/answer"),
                    Some(&json!({"answer": "答复"})),
                )
                .await
                .unwrap();
            assert_eq!(st, 200, "{v}");
        }));
    }
    let reader = app.client();
    let mut seen = Vec::new();
    let mut cursor = 0i64;
    let mut finished = false;
    while !finished {
        finished = tasks.iter().all(|t| t.is_finished());
        loop {
            let page: Vec<Value> = reader
                .get(&format!("/api/v1/announcements?after={cursor}&limit=5"))
                .await
                .unwrap();
            if page.is_empty() {
                break;
            }
            for a in &page {
                seen.push(a["seq"].as_i64().unwrap());
                cursor = a["seq"].as_i64().unwrap();
            }
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let all: Vec<Value> = reader
        .get("/api/v1/announcements?after=0&limit=200")
        .await
        .unwrap();
    let all: Vec<i64> = all.iter().map(|a| a["seq"].as_i64().unwrap()).collect();
    assert_eq!(all, (1..=25).collect::<Vec<_>>(), "feed sequence has gaps");
    assert_eq!(
        seen, all,
        "the paging reader skipped or repeated announcements"
    );
}

#[tokio::test]
async fn a_tender_runs_to_its_deadline_on_the_sandbox_clock() {
    let app = TestApp::spawn_sandbox().await;
    let s = published_tender(&app, 25).await;
    let admin = app.enrol("admin").await;
    // Bidders cannot move time.
    let bidder = app.enrol("bidder").await;
    let before = app.rows().await;
    let (st, v) = bidder
        .raw(
            Method::POST,
            "/api/v1/sandbox/clock",
            Some(&json!({"advance_seconds": 86400})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    // Time never runs backwards.
    let (st, v) = admin
        .raw(
            Method::POST,
            "/api/v1/sandbox/clock",
            Some(&json!({"advance_seconds": -1})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    before.assert_same(&app.rows().await, "refused clock changes");
    // Twenty-five days pass in one call; the deadline closes the tender.
    let (st, v) = admin
        .raw(
            Method::POST,
            "/api/v1/sandbox/clock",
            Some(&json!({"advance_seconds": 25 * 86400, "speed": 3600})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["speed"], 3600);
    assert_eq!(etender::app::tenders::close_due(&app.ctx).await.unwrap(), 1);
    let t: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{}", s.tender))
        .await
        .unwrap();
    assert_eq!(t["state"], "closed");
    // The sandbox clock's start and the clock change are audited.
    let events = app
        .ctx
        .db
        .read_primary(|c| Ok(etender::db::repo::audit::for_subject(c, "sandbox_clock")?))
        .await
        .unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(kinds, ["sandbox_clock_started", "sandbox_clock_adjusted"]);
}

#[tokio::test]
async fn the_public_list_follows_publication_order() {
    let app = TestApp::spawn().await;
    let first = draft_tender(&app, 30).await;
    let second = draft_tender(&app, 30).await;
    // Created first, published second: it must come after, not behind a reader's cursor.
    assert_eq!(publish(&app, &second).await.0, 200);
    let page: Value = app.client().get("/api/v1/tenders?limit=1").await.unwrap();
    assert_eq!(page["items"][0]["id"], json!(second.tender));
    let cursor = page["next"].clone();
    assert!(cursor.is_null(), "one tender, no next page: {page}");
    assert_eq!(publish(&app, &first).await.0, 200);
    let page: Value = app
        .client()
        .get("/api/v1/tenders?after=1&limit=1")
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], json!(first.tender));
    let before = app.rows().await;
    let (st, v) = app
        .client()
        .raw(Method::GET, "/api/v1/tenders?after=abc", None)
        .await
        .unwrap();
    assert_problem(st, &v, 400, "malformed_parameter");
    before.assert_same(&app.rows().await, "a malformed cursor");
}

#[tokio::test]
async fn documents_are_hashed_and_versioned_with_the_notice() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    // A new version of the documents, pending until the next amendment.
    let http = reqwest::Client::new();
    let res = http
        .post(format!(
            "{}/api/v1/tenders/{}/documents?title=v2&file_name=v2.pdf&supersedes={}",
            app.base, s.tender, s.document
        ))
        .bearer_auth(s.agent.token().unwrap())
        .body(b"%PDF-1.7 second version".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let v2: Value = res.json().await.unwrap();
    assert_eq!(v2["supersedes"], json!(s.document));
    assert_eq!(
        v2["sha256"],
        etender::audit::sha256_hex(b"%PDF-1.7 second version")
    );
    assert!(v2["published_version"].is_null());
    // The public does not see it yet; the parties do.
    let public: Vec<Value> = app
        .client()
        .get(&format!("/api/v1/tenders/{}/documents", s.tender))
        .await
        .unwrap();
    assert_eq!(public.len(), 1);
    let (st, _) = app
        .client()
        .raw(
            Method::GET,
            &format!(
                "/api/v1/tenders/{}/documents/{}/content",
                s.tender,
                v2["id"].as_str().unwrap()
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(st, 404);
    let parties: Vec<Value> = s
        .agent
        .get(&format!("/api/v1/tenders/{}/documents", s.tender))
        .await
        .unwrap();
    assert_eq!(parties.len(), 2);
    // The amendment publishes it as version 2.
    let sig = sign_notice(&s.agent, &s.tender, &pki().get("agent").credentials()).await;
    let path = format!("/api/v1/tenders/{}/amendments", s.tender);
    let body =
        json!({"rationale": "替换招标文件", "impact": "affects_bid_preparation", "signature": sig});
    let (st, v) = s.agent.raw(Method::POST, &path, Some(&body)).await.unwrap();
    assert_eq!(st, 200, "{v}");
    let public: Vec<Value> = app
        .client()
        .get(&format!("/api/v1/tenders/{}/documents", s.tender))
        .await
        .unwrap();
    assert_eq!(public.len(), 2);
    assert_eq!(public[1]["published_version"], 2);
    // Unknown predecessors, empty and oversized files are refused, and nothing is stored.
    let before = app.rows().await;
    for (query, body, status, code) in [
        (
            format!("title=x&file_name=x&supersedes={}", uuid::Uuid::new_v4()),
            b"x".to_vec(),
            422,
            "validation_failed",
        ),
        (
            "title=x&file_name=x".to_string(),
            Vec::new(),
            422,
            "validation_failed",
        ),
    ] {
        let res = http
            .post(format!(
                "{}/api/v1/tenders/{}/documents?{query}",
                app.base, s.tender
            ))
            .bearer_auth(s.agent.token().unwrap())
            .body(body)
            .send()
            .await
            .unwrap();
        let st = res.status();
        let v: Value = res.json().await.unwrap();
        assert_problem(st, &v, status, code);
    }
    before.assert_same(&app.rows().await, "refused documents");
}

#[tokio::test]
async fn oversized_documents_are_refused_and_leave_no_file() {
    let app = TestApp::spawn_with(|s| s.storage.max_document_bytes = 1024).await;
    let s = draft_tender(&app, 30).await;
    let before = app.rows().await;
    let res = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/tenders/{}/documents?title=big&file_name=big.bin",
            app.base, s.tender
        ))
        .bearer_auth(s.agent.token().unwrap())
        .body(vec![7u8; 4096])
        .send()
        .await
        .unwrap();
    let st = res.status();
    let v: Value = res.json().await.unwrap();
    assert_problem(st, &v, 413, "file_too_large");
    before.assert_same(&app.rows().await, "an oversized document");
    let tmp = app.settings.storage.dir.join("tmp");
    assert_eq!(
        std::fs::read_dir(tmp).unwrap().count(),
        0,
        "a partial upload was left behind"
    );
}

#[tokio::test]
async fn a_tenders_parties_read_its_audit_trail_and_bidders_do_not() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let bidder = app.enrol("bidder").await;
    assert_eq!(fixtures::download(&bidder, &s).await.0, 200);
    etender::audit::sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let tenderer = app.enrol("tenderer").await;
    let trail: Value = tenderer
        .get(&format!("/api/v1/audit/trail?tender_id={}", s.tender))
        .await
        .unwrap();
    let text = trail.to_string();
    assert!(text.contains("document_downloaded"), "{text}");
    assert!(text.contains("tender_published"), "{text}");
    for who in [&bidder, &app.client()] {
        let (st, v) = who
            .raw(
                Method::GET,
                &format!("/api/v1/audit/trail?tender_id={}", s.tender),
                None,
            )
            .await
            .unwrap();
        assert!(st == 401 || st == 403, "{st} {v}");
    }
}
