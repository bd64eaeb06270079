//! Supervision (issue 15): the 执法人员库 ties each regulator to its department, and a regulator
//! acts only on the tenders its department supervises.

use etender::domain::identity::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::fixtures::{draft, draft_tender, id_of, publish};
use crate::helpers::{assert_problem, extra_person, TestApp};

const ZJJ: &str = "429005-zjj";
const JTJ: &str = "429005-jtj";
/// A unit to avoid: a valid unified social credit code (GB 32100 check character).
fn unit() -> String {
    etender::domain::uscc::Uscc::with_check_digit("91429005MA49CJ0X5")
        .unwrap()
        .as_str()
        .to_string()
}

async fn department(admin: &etender::client::Client, code: &str, name: &str) {
    let (st, v) = admin
        .raw(
            Method::PUT,
            &format!("/api/v1/departments/{code}"),
            Some(&json!({"name": name, "kinds": ["房屋建筑和市政基础设施工程"]})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
}

fn officer(cert: &str) -> Value {
    json!({"certificate_no": cert, "specialty": "建设工程招标投标监督", "avoid_units": []})
}

#[tokio::test]
async fn a_regulator_acts_only_on_its_departments_tenders() {
    let app = TestApp::spawn().await;
    let admin = app.enrol("admin").await;
    department(&admin, ZJJ, "潜江市住房和城乡建设局").await;
    department(&admin, JTJ, "潜江市交通运输局").await;
    let ours = app.enrol("regulator").await;
    let ours_id = id_of(&ours).await;
    let theirs = app
        .enrol_ident(&extra_person(5701, "jtj-officer", vec![Role::Regulator]))
        .await;
    let theirs_id = id_of(&theirs).await;
    let unassigned = app
        .enrol_ident(&extra_person(5702, "unassigned", vec![Role::Regulator]))
        .await;
    let not_regulator = app
        .enrol_ident(&extra_person(5703, "expert-only", vec![Role::Expert]))
        .await;
    let not_regulator_id = id_of(&not_regulator).await;
    let path = |dep: &str, who: &str| format!("/api/v1/departments/{dep}/officers/{who}");

    // Bad input and wrong roles: a clear error each, and nothing written.
    let before = app.rows().await;
    let (st, v) = ours
        .raw(
            Method::PUT,
            &path(ZJJ, &ours_id),
            Some(&officer("鄂执 001")),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let (st, v) = admin
        .raw(
            Method::PUT,
            &path("nowhere", &ours_id),
            Some(&officer("鄂执 001")),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    let (st, v) = admin
        .raw(
            Method::PUT,
            &path(ZJJ, &not_regulator_id),
            Some(&officer("鄂执 001")),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    assert!(v["errors"].to_string().contains("not_a_regulator"), "{v}");
    let (st, v) = admin
        .raw(
            Method::PUT,
            &path(ZJJ, "no-such-person"),
            Some(&officer("鄂执 001")),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    let hostile = json!({"certificate_no": " ", "specialty": "x\u{0}y",
        "avoid_units": [{"uscc": "not-a-code", "name": "某单位", "is_working": false}]});
    let (st, v) = admin
        .raw(Method::PUT, &path(ZJJ, &ours_id), Some(&hostile))
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    for field in ["certificate_no", "specialty", "avoid_units[0]"] {
        assert!(v["errors"].to_string().contains(field), "{field}: {v}");
    }
    let (st, v) = admin
        .raw(
            Method::PUT,
            &path(ZJJ, &ours_id),
            Some(&json!({"certificate_no": "1", "specialty": "x", "extra": 1})),
        )
        .await
        .unwrap();
    assert_eq!(st, 400, "{v}");
    app.rows()
        .await
        .assert_same(&before, "refused officer records");

    // The trading centre records one officer in each department.
    let mut body = officer("鄂执 420001");
    body["avoid_units"] = json!([{"uscc": unit(), "name": "潜江某建设集团", "is_working": false}]);
    let (st, o) = admin
        .raw(Method::PUT, &path(ZJJ, &ours_id), Some(&body))
        .await
        .unwrap();
    assert_eq!(st, 200, "{o}");
    assert_eq!(o["department"], ZJJ);
    assert_eq!(o["avoid_units"][0]["uscc"], unit());
    let req: etender::wire::supervision::OfficerRequest =
        serde_json::from_value(officer("鄂执 420002")).unwrap();
    let o = admin.put_officer(JTJ, &theirs_id, &req).await.unwrap();
    assert_eq!(o.department, JTJ);
    let list = ours.officers(ZJJ).await.unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].person_id, ours_id);
    assert_eq!(list[0].certificate_no, "鄂执 420001");
    let (st, v) = not_regulator
        .raw(
            Method::GET,
            &format!("/api/v1/departments/{ZJJ}/officers"),
            None,
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");

    // A tender supervised by 住建局.
    let s = draft_tender(&app, 30).await;
    let mut d = draft(app.clock_now(), 30, &s.custodians);
    d["supervising_department"] = json!(ZJJ);
    let tender_path = format!("/api/v1/tenders/{}", s.tender);
    let (st, v) = s
        .agent
        .raw(Method::PUT, &tender_path, Some(&json!({"draft": d})))
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let (st, v) = publish(&app, &s).await;
    assert_eq!(st, 200, "{v}");

    // Another department's officer, and a regulator in no department, cannot suspend it.
    let actions = format!("{tender_path}/actions");
    let suspend = json!({"action": "suspend", "reason": "complaint", "note": "投诉处理期间"});
    let before = app.rows().await;
    for (who, c) in [("交通局", &theirs), ("no department", &unassigned)] {
        let (st, v) = c.raw(Method::POST, &actions, Some(&suspend)).await.unwrap();
        assert_problem(st, &v, 403, "other_department");
        assert!(v["detail"].as_str().unwrap().contains(ZJJ), "{who}: {v}");
    }
    app.rows()
        .await
        .assert_same(&before, "another department's suspension");

    // Its own department's officer can, and resumes it.
    let (st, t) = ours
        .raw(Method::POST, &actions, Some(&suspend))
        .await
        .unwrap();
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["state"], "suspended", "{t}");
    let (st, t) = ours
        .raw(Method::POST, &actions, Some(&json!({"action": "resume"})))
        .await
        .unwrap();
    assert_eq!(st, 200, "{t}");

    // Moving an officer to another department moves what it may act on.
    let (st, _) = admin
        .raw(
            Method::PUT,
            &path(ZJJ, &theirs_id),
            Some(&officer("鄂执 420002")),
        )
        .await
        .unwrap();
    assert_eq!(st, 200);
    let (st, t) = theirs
        .raw(Method::POST, &actions, Some(&suspend))
        .await
        .unwrap();
    assert_eq!(st, 200, "{t}");
}

#[tokio::test]
async fn a_banned_bidder_is_refused_for_the_term_and_accepted_the_day_after() {
    // 10:00 Shanghai on Tuesday 8 December 2026 (the test certificates are valid from 4 December).
    let start: chrono::DateTime<chrono::Utc> = "2026-12-08T02:00:00Z".parse().unwrap();
    let app = TestApp::spawn_at(start, |_| {}).await;
    let admin = app.enrol("admin").await;
    department(&admin, ZJJ, "潜江市住房和城乡建设局").await;
    let officer_c = app.enrol("regulator").await;
    let officer_id = id_of(&officer_c).await;
    let (st, v) = admin
        .raw(
            Method::PUT,
            &format!("/api/v1/departments/{ZJJ}/officers/{officer_id}"),
            Some(&officer("鄂执 420001")),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let unassigned = app
        .enrol_ident(&extra_person(5711, "unassigned", vec![Role::Regulator]))
        .await;
    let bidder = app.enrol("bidder").await;
    let uscc = crate::helpers::pki().get("bidder").key.clone();
    let s = crate::fixtures::published_tender(&app, 30).await;
    // The decision took effect a year ago less a day: today is its last day.
    let ban = json!({"uscc": uscc, "name": "某建设集团有限公司", "first_day": "2025-12-09",
        "years": 1, "decision_no": "潜住建罚〔2025〕7号",
        "legal_basis": "招标投标法实施条例第67条"});

    // Wrong roles and bad input: a clear error each, nothing recorded.
    let before = app.rows().await;
    let (st, v) = bidder
        .raw(Method::POST, "/api/v1/bidding-bans", Some(&ban))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let (st, v) = unassigned
        .raw(Method::POST, "/api/v1/bidding-bans", Some(&ban))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "other_department");
    for (field, value) in [
        ("years", json!(0)),
        ("years", json!(4)),
        ("uscc", json!("91420000000000000X")),
        ("decision_no", json!("")),
    ] {
        let mut bad = ban.clone();
        bad[field] = value;
        let (st, v) = officer_c
            .raw(Method::POST, "/api/v1/bidding-bans", Some(&bad))
            .await
            .unwrap();
        assert_problem(st, &v, 422, "validation_failed");
        assert!(v["errors"].to_string().contains(field), "{field}: {v}");
    }
    app.rows().await.assert_same(&before, "refused bans");

    let (st, b) = officer_c
        .raw(Method::POST, "/api/v1/bidding-bans", Some(&ban))
        .await
        .unwrap();
    assert_eq!(st, 201, "{b}");
    assert_eq!(b["last_day"], "2026-12-08");
    assert_eq!(b["department"], ZJJ);
    // The public credit list shows it, to anyone.
    let (st, list) = app
        .client()
        .raw(
            Method::GET,
            &format!("/api/v1/bidding-bans?uscc={uscc}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // Its last day, up to the last second: no bond account, so no bid.
    let last_second: chrono::DateTime<chrono::Utc> = "2026-12-08T15:59:59Z".parse().unwrap();
    for at in [start, last_second] {
        app.clock.set(at);
        // A fresh login at each instant: sessions expire while the clock moves.
        let bidder = app.enrol("bidder").await;
        let before = app.rows().await;
        let err = bidder.my_bond_account(&s.tender, "BD01").await.unwrap_err();
        let msg = format!("{err:?}");
        assert!(msg.contains("bidding_banned"), "{msg}");
        assert!(msg.contains("2026-12-08"), "{msg}");
        app.rows()
            .await
            .assert_same(&before, "a banned bidder's registration");
    }

    // The next day at 00:00 Shanghai the bidder registers again, and the list is empty.
    app.clock.set("2026-12-08T16:00:00Z".parse().unwrap());
    let bidder = app.enrol("bidder").await;
    bidder.my_bond_account(&s.tender, "BD01").await.unwrap();
    let list: Value = app.client().get("/api/v1/bidding-bans").await.unwrap();
    assert_eq!(list, json!([]));
}
