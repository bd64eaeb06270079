//! The expert library and award-committee pools: admission under the library's rules, members
//! keeping their own contact data and 回避单位, regulators' suspensions and bans, and who may
//! read whom. Every refusal names its code and changes nothing.

use chrono::Duration;
use etender::client::Client;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, uscc, TestApp};

async fn id_of(c: &Client) -> String {
    let me: Value = c.get("/api/v1/me").await.unwrap();
    me["id"].as_str().unwrap().to_string()
}

fn admission(person: &str) -> Value {
    json!({
        "person_id": person,
        "region": "429005",
        "employer": "潜江市建筑设计院",
        "employer_uscc": uscc(501),
        "department": null,
        "title": "高级工程师",
        "senior_title": true,
        "practice_years": 15,
        "specialties": ["A080101", "A040103"],
        "phone": "138-0013-8000",
        "email": "expert@example.cn",
        "avoid_units": [
            {"uscc": uscc(501), "name": "潜江市建筑设计院", "is_working": true},
            {"uscc": uscc(502), "name": "前雇主", "is_working": false}
        ]
    })
}

/// The regulator's view of the audit events about `subject`, of `kind`.
async fn events(app: &TestApp, subject: &str, kind: &str) -> Vec<Value> {
    app.rows().await;
    let regulator = app.enrol("regulator").await;
    let trail: Value = regulator
        .get(&format!("/api/v1/audit/trail?subject={subject}&limit=1000"))
        .await
        .unwrap();
    trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == kind)
        .map(|e| e["body"].clone())
        .collect()
}

#[tokio::test]
async fn the_trading_centre_admits_an_expert_and_the_log_keeps_no_contact_data() {
    let app = TestApp::spawn().await;
    let admin = app.enrol("admin").await;
    let expert = app.enrol("expert").await;
    let me = id_of(&expert).await;
    let before = app.rows().await;
    let (s, m) = admin
        .raw(Method::POST, "/api/v1/experts", Some(&admission(&me)))
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{m}");
    assert_eq!(m["library"], "experts");
    assert_eq!(m["person_id"], me.as_str());
    assert_eq!(m["status"], "active");
    assert_eq!(m["specialties"], json!(["A040103", "A080101"]));
    assert_eq!(m["avoid_units"].as_array().unwrap().len(), 2);
    // The name is the certificate's, not the request's.
    assert!(m["name"].as_str().unwrap().contains("expert"), "{m}");
    let after = app.rows().await;
    // The expert already held the role: one event, the admission.
    for (table, delta) in [
        ("experts", 1),
        ("expert_specialties", 2),
        ("expert_avoid_units", 2),
        ("audit_events", 1),
        ("role_grants", 0),
    ] {
        assert_eq!(after.get(table) - before.get(table), delta, "{table}");
    }
    let mine: Vec<Value> = expert.get("/api/v1/me/expert-records").await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["id"], m["id"]);
    let logged = events(&app, &me, "expert_admitted").await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["specialties"], json!(["A040103", "A080101"]));
    assert_eq!(logged[0]["avoid_units"][0]["uscc"], uscc(501));
    let text = logged[0].to_string();
    assert!(!text.contains("138-0013-8000") && !text.contains("expert@example.cn"));

    // A person without the role gets it with the admission.
    let spare = app.enrol("spare").await;
    let spare_id = id_of(&spare).await;
    let (s, _) = admin
        .raw(Method::POST, "/api/v1/experts", Some(&admission(&spare_id)))
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201);
    let roles: Value = spare.get("/api/v1/me").await.unwrap();
    assert!(roles["roles"]
        .as_array()
        .unwrap()
        .contains(&json!("expert")));
    assert_eq!(events(&app, &spare_id, "role_granted").await.len(), 1);
}

#[tokio::test]
async fn bad_admissions_are_refused_by_name_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.enrol("admin").await;
    let expert = app.enrol("expert").await;
    let me = id_of(&expert).await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = admission(&me);
        f(&mut v);
        v
    };
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (
            with(&|v| v["person_id"] = json!("nobody")),
            422,
            "validation_failed",
            Some("unknown"),
        ),
        (
            with(&|v| v["specialties"] = json!(["A0801"])),
            422,
            "validation_failed",
            Some("unknown_specialty"),
        ),
        (
            with(&|v| v["specialties"] = json!(["Z999999"])),
            422,
            "validation_failed",
            Some("unknown_specialty"),
        ),
        (
            with(&|v| v["specialties"] = json!([])),
            422,
            "validation_failed",
            Some("count"),
        ),
        (
            with(&|v| v["region"] = json!("42900")),
            422,
            "validation_failed",
            Some("invalid"),
        ),
        (
            with(&|v| v["phone"] = json!("call me")),
            422,
            "validation_failed",
            Some("invalid"),
        ),
        (
            with(&|v| v["email"] = json!("nobody")),
            422,
            "validation_failed",
            Some("invalid"),
        ),
        (
            with(&|v| v["employer_uscc"] = json!("914206000000000000")),
            422,
            "validation_failed",
            Some("uscc_invalid"),
        ),
        (
            with(&|v| v["avoid_units"][1]["uscc"] = json!(uscc(501))),
            422,
            "validation_failed",
            Some("duplicate"),
        ),
        (
            with(&|v| v["avoid_units"][1]["is_working"] = json!(true)),
            422,
            "validation_failed",
            Some("one_employer"),
        ),
        (
            with(&|v| v["practice_years"] = json!(5)),
            422,
            "rule_violation",
            Some("admission_rule"),
        ),
        (
            with(&|v| v["senior_title"] = json!(false)),
            422,
            "rule_violation",
            Some("admission_rule"),
        ),
        (
            with(&|v| v["practice_years"] = json!(-1)),
            400,
            "malformed_body",
            None,
        ),
        (
            with(&|v| v["extra"] = json!(1)),
            400,
            "malformed_body",
            None,
        ),
    ];
    let mut others = Vec::new();
    for who in ["bidder", "tenderer", "expert", "committee"] {
        others.push(app.enrol(who).await);
    }
    let before = app.rows().await;
    for (body, status, code, field_code) in cases {
        let (s, v) = admin
            .raw(Method::POST, "/api/v1/experts", Some(&body))
            .await
            .unwrap();
        assert_problem(s, &v, status, code);
        if let Some(fc) = field_code {
            let codes: Vec<&str> = v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["code"].as_str().unwrap())
                .collect();
            assert!(codes.contains(&fc), "{fc} in {v}");
        }
    }
    for c in &others {
        let (s, v) = c
            .raw(Method::POST, "/api/v1/experts", Some(&admission(&me)))
            .await
            .unwrap();
        assert_problem(s, &v, 403, "forbidden");
    }
    app.rows().await.assert_same(&before, "refused admissions");
    let (s, _) = admin
        .raw(Method::POST, "/api/v1/experts", Some(&admission(&me)))
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201);
    let once = app.rows().await;
    let (s, v) = admin
        .raw(Method::POST, "/api/v1/experts", Some(&admission(&me)))
        .await
        .unwrap();
    assert_problem(s, &v, 409, "conflict");
    app.rows().await.assert_same(&once, "a second admission");
}

#[tokio::test]
async fn members_keep_their_own_contact_data_and_avoidance_list() {
    let app = TestApp::spawn().await;
    let admin = app.enrol("admin").await;
    let expert = app.enrol("expert").await;
    let me = id_of(&expert).await;
    let profile = json!({"phone": "13900139000", "email": "new@example.cn", "avoid_units": [
        {"uscc": uscc(503), "name": "新单位", "is_working": true}]});

    let outsider = app.enrol("spare").await;
    let before = app.rows().await;
    let (s, v) = outsider
        .raw(Method::PUT, "/api/v1/me/expert-profile", Some(&profile))
        .await
        .unwrap();
    assert_problem(s, &v, 404, "not_found");
    app.rows().await.assert_same(&before, "not a member");

    admin
        .raw(Method::POST, "/api/v1/experts", Some(&admission(&me)))
        .await
        .unwrap();
    let before = app.rows().await;
    for bad in [
        json!({"phone": "x", "email": "new@example.cn", "avoid_units": []}),
        json!({"phone": "13900139000", "email": "new@example.cn",
            "avoid_units": [{"uscc": "bad", "name": "x", "is_working": false}]}),
        json!({"phone": "13900139000", "email": "new@example.cn", "avoid_units": [],
            "status": "active"}),
    ] {
        let (s, v) = expert
            .raw(Method::PUT, "/api/v1/me/expert-profile", Some(&bad))
            .await
            .unwrap();
        assert!(s.as_u16() == 422 || s.as_u16() == 400, "{v}");
    }
    app.rows().await.assert_same(&before, "bad profiles");

    let (s, v) = expert
        .raw(Method::PUT, "/api/v1/me/expert-profile", Some(&profile))
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 200, "{v}");
    assert_eq!(v[0]["phone"], "13900139000");
    assert_eq!(v[0]["avoid_units"], profile["avoid_units"]);
    let logged = events(&app, &me, "expert_profile_updated").await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["avoid_units"][0]["uscc"], uscc(503));
    assert_eq!(logged[0]["contact_changed"], true);
    assert!(!logged[0].to_string().contains("13900139000"));
}

#[tokio::test]
async fn regulators_suspend_ban_and_reinstate_with_reasons() {
    let app = TestApp::spawn().await;
    let admin = app.enrol("admin").await;
    let regulator = app.enrol("regulator").await;
    let expert = app.enrol("expert").await;
    let me = id_of(&expert).await;
    let (_, m) = admin
        .raw(Method::POST, "/api/v1/experts", Some(&admission(&me)))
        .await
        .unwrap();
    let path = format!("/api/v1/experts/{}/status", m["id"].as_str().unwrap());
    let until = app.clock_now() + Duration::days(90);

    let suspend = json!({"status": "suspended", "until": until, "reason": "条例71 迟到"});
    let tenderer = app.enrol("tenderer").await;
    let before = app.rows().await;
    for c in [&admin, &expert, &tenderer] {
        let (s, v) = c.raw(Method::PUT, &path, Some(&suspend)).await.unwrap();
        assert_problem(s, &v, 403, "forbidden");
    }
    for bad in [
        json!({"status": "suspended", "until": null, "reason": "x"}),
        json!({"status": "suspended", "until": until, "reason": " "}),
        json!({"status": "banned", "until": app.clock_now() - Duration::days(1), "reason": "x"}),
        json!({"status": "active", "until": until, "reason": "x"}),
    ] {
        let (s, v) = regulator.raw(Method::PUT, &path, Some(&bad)).await.unwrap();
        assert_problem(s, &v, 422, "validation_failed");
    }
    let (s, v) = regulator
        .raw(Method::PUT, "/api/v1/experts/nope/status", Some(&suspend))
        .await
        .unwrap();
    assert_problem(s, &v, 404, "not_found");
    app.rows()
        .await
        .assert_same(&before, "refused status changes");

    let (s, v) = regulator
        .raw(Method::PUT, &path, Some(&suspend))
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 200, "{v}");
    assert_eq!(v["status"], "suspended");
    assert_eq!(v["status_reason"], "条例71 迟到");
    let once = app.rows().await;
    let (s, _) = regulator
        .raw(Method::PUT, &path, Some(&suspend))
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 200);
    app.rows()
        .await
        .assert_same(&once, "the same suspension again");

    let ban = json!({"status": "banned", "until": null, "reason": "条例72 受贿"});
    let (_, v) = regulator.raw(Method::PUT, &path, Some(&ban)).await.unwrap();
    assert_eq!(v["status"], "banned");
    assert_eq!(v["status_until"], Value::Null);
    let back = json!({"status": "active", "until": null, "reason": "复议撤销"});
    let (_, v) = regulator
        .raw(Method::PUT, &path, Some(&back))
        .await
        .unwrap();
    assert_eq!(v["status"], "active");
    let logged = events(&app, &me, "expert_status_changed").await;
    let moves: Vec<(String, String)> = logged
        .iter()
        .map(|b| (b["from"].to_string(), b["to"].to_string()))
        .collect();
    assert_eq!(
        moves,
        vec![
            ("\"active\"".into(), "\"suspended\"".into()),
            ("\"suspended\"".into(), "\"banned\"".into()),
            ("\"banned\"".into(), "\"active\"".into()),
        ]
    );
}

#[tokio::test]
async fn the_library_is_read_by_overseers_by_specialty_and_by_each_member_alone() {
    let app = TestApp::spawn().await;
    let admin = app.enrol("admin").await;
    let expert = app.enrol("expert").await;
    let spare = app.enrol("spare").await;
    let (a, b) = (id_of(&expert).await, id_of(&spare).await);
    let mut second = admission(&b);
    second["specialties"] = json!(["A080201"]);
    let (_, ma) = admin
        .raw(Method::POST, "/api/v1/experts", Some(&admission(&a)))
        .await
        .unwrap();
    admin
        .raw(Method::POST, "/api/v1/experts", Some(&second))
        .await
        .unwrap();

    let regulator = app.enrol("regulator").await;
    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["person_id"].as_str().unwrap().to_string())
            .collect()
    };
    let all: Value = regulator.get("/api/v1/experts").await.unwrap();
    assert_eq!(ids(&all).len(), 2);
    let first: Value = regulator.get("/api/v1/experts?limit=1").await.unwrap();
    assert_eq!(ids(&first).len(), 1);
    let next = first["next"].as_str().unwrap();
    let rest: Value = regulator
        .get(&format!("/api/v1/experts?limit=1&after={next}"))
        .await
        .unwrap();
    assert_eq!(ids(&rest).len(), 1);
    assert_ne!(ids(&first), ids(&rest));
    let level2: Value = admin.get("/api/v1/experts?specialty=A0801").await.unwrap();
    assert_eq!(ids(&level2), vec![a.clone()]);
    let level3: Value = admin
        .get("/api/v1/experts?specialty=A080201")
        .await
        .unwrap();
    assert_eq!(ids(&level3), vec![b.clone()]);
    let (s, v) = admin
        .raw(Method::GET, "/api/v1/experts?specialty=A08", None)
        .await
        .unwrap();
    assert_problem(s, &v, 400, "malformed_parameter");

    for who in ["bidder", "tenderer", "agent", "expert"] {
        let c = app.enrol(who).await;
        let (s, v) = c.raw(Method::GET, "/api/v1/experts", None).await.unwrap();
        assert_problem(s, &v, 403, "forbidden");
    }
    let member = format!("/api/v1/experts/{}", ma["id"].as_str().unwrap());
    let own: Value = expert.get(&member).await.unwrap();
    assert_eq!(own["phone"], "138-0013-8000");
    for who in ["spare", "bidder", "tenderer"] {
        let c = app.enrol(who).await;
        let (s, v) = c.raw(Method::GET, &member, None).await.unwrap();
        assert_problem(s, &v, 404, "not_found");
    }
    let anonymous = app.client();
    let specialties: Vec<Value> = anonymous.get("/api/v1/specialties").await.unwrap();
    assert!(specialties.len() > 1000);
    assert!(specialties.contains(&json!({"code": "A08", "name": "工程施工"})));
}

#[tokio::test]
async fn award_pools_belong_to_their_tenderer() {
    let app = TestApp::spawn().await;
    let tenderer = app.enrol("tenderer").await;
    let committee = app.enrol("committee").await;
    let spare = app.enrol("spare").await;
    let tid = id_of(&tenderer).await;
    let person = id_of(&committee).await;
    let pool = format!("/api/v1/organisations/{tid}/award-pool");
    // A pool has no admission rules: the tenderer's own staff, whatever their years.
    let mut body = admission(&person);
    body["practice_years"] = json!(2);
    body["senior_title"] = json!(false);

    let mut others = Vec::new();
    for who in ["agent", "bidder", "admin", "regulator"] {
        others.push(app.enrol(who).await);
    }
    let agent = app.enrol("agent").await;
    let before = app.rows().await;
    for c in &others {
        let (s, v) = c.raw(Method::POST, &pool, Some(&body)).await.unwrap();
        assert_problem(s, &v, 403, "forbidden");
    }
    let agent_pool = format!("/api/v1/organisations/{}/award-pool", id_of(&agent).await);
    let (s, v) = tenderer
        .raw(Method::POST, &agent_pool, Some(&body))
        .await
        .unwrap();
    assert_problem(s, &v, 403, "forbidden");
    app.rows()
        .await
        .assert_same(&before, "refused pool additions");

    let (s, m) = tenderer
        .raw(Method::POST, &pool, Some(&body))
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{m}");
    assert_eq!(m["library"], format!("award:{tid}"));
    let mut other = admission(&id_of(&spare).await);
    other["practice_years"] = json!(1);
    let (s, _) = tenderer
        .raw(Method::POST, &pool, Some(&other))
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201);
    let roles: Value = spare.get("/api/v1/me").await.unwrap();
    assert!(roles["roles"]
        .as_array()
        .unwrap()
        .contains(&json!("award_committee")));

    let page: Value = tenderer.get(&pool).await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let regulator = app.enrol("regulator").await;
    let page: Value = regulator.get(&pool).await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    for who in ["bidder", "agent", "committee"] {
        let c = app.enrol(who).await;
        let (s, v) = c.raw(Method::GET, &pool, None).await.unwrap();
        assert_problem(s, &v, 403, "forbidden");
    }
    // The pool is not the expert library.
    let library: Value = regulator.get("/api/v1/experts").await.unwrap();
    assert_eq!(library["items"].as_array().unwrap().len(), 0);
}
