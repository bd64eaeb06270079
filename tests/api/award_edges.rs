//! The award's workflow edges (issue 14, docs/AWARD.md): a 条例56 re-check of a traditional
//! section that is awarded but not yet notified; the 定标报告's signing time (a written dissent,
//! the silent deemed to agree at the deadline, boundaries a second before and at it). Every
//! refusal asserts its code and that nothing changed.

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::award::evaluated;
use crate::award_committee::Awarding;
use crate::award_rounds::{chain_verifies, deciding_by, start, tick};
use crate::committee::World;
use crate::helpers::assert_problem;
use etender::client::award_notices::notices_path;

fn path(w: &World, tail: &str) -> String {
    format!("/api/v1/tenders/{}/sections/BD01/award{tail}", w.t())
}

async fn post(w: &World, p: &str, body: Value) -> (u16, Value) {
    let (st, v) = w.s.agent.raw(Method::POST, p, Some(&body)).await.unwrap();
    (st.as_u16(), v)
}

/// The section's award as the agent reads it.
async fn award(w: &World) -> Value {
    w.s.agent.get(&path(w, "")).await.unwrap()
}

/// A refused call by the agent: its code, and no row count nor the award's version moved.
async fn refused(w: &World, p: &str, body: Value, status: u16, code: &str) {
    let (rows, before) = (w.app.rows().await, award(w).await);
    let (st, v) = w.s.agent.raw(Method::POST, p, Some(&body)).await.unwrap();
    assert_problem(st, &v, status, code);
    w.app.rows().await.assert_same(&rows, code);
    assert_eq!(award(w).await["version"], before["version"], "{code}");
}

/// Publishes the traditional candidates, waits out the publicity and awards `winner`.
async fn award_traditionally(w: &mut World, winner: &str) {
    let (st, v) = post(w, &path(w, "/publicity"), json!({})).await;
    assert_eq!(st, 200, "{v}");
    let until: DateTime<Utc> = serde_json::from_value(v["publicity_until"].clone()).unwrap();
    w.app.clock.set(until);
    w.relogin().await;
    let (st, v) = post(w, &path(w, "/winner"), json!({"winner": winner})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["stage"], "decided", "{v}");
}

/// The committee signs its re-checked report again: the award restarts from it.
async fn committee_reports_again(w: &mut World) {
    w.relogin().await;
    let t = w.t().to_string();
    let leader = &w.experts[w.drawn[0]];
    let (st, v) = leader
        .client
        .raw(Method::POST, &format!("{}/report", w.path()), None)
        .await
        .unwrap();
    assert_eq!(st.as_u16(), 201, "{v}");
    for i in 0..5 {
        let m = &w.experts[w.drawn[i]];
        m.client
            .sign_report(&t, "BD01", &m.person, None, &m.ident.credentials())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_recheck_at_decided_holds_every_notice_until_the_committee_reports_again() {
    let mut w = evaluated(json!({"kind": "traditional", "candidates": 3})).await;
    let t = w.t().to_string();
    let bids = w.bids.clone();
    award_traditionally(&mut w, &bids[0]).await;

    // A reason is required; nothing changes without one.
    refused(
        &w,
        &path(&w, "/recheck"),
        json!({"reason": " "}),
        422,
        "validation_failed",
    )
    .await;
    let a =
        w.s.agent
            .request_award_recheck(&t, "BD01", "第一名被列入失信被执行人名单（条例56）。")
            .await
            .unwrap();
    let a = serde_json::to_value(a).unwrap();
    assert_eq!(a["stage"], "reevaluation", "{a}");
    assert!(a["winner"].is_null(), "{a}");
    let tender: Value = w
        .app
        .client()
        .get(&format!("/api/v1/tenders/{t}"))
        .await
        .unwrap();
    assert_eq!(tender["state"], "evaluating");

    // While the re-check is pending: no notice, no award, no second re-check.
    let stale = json!({"certificate_chain": [], "signature_algorithm": "ecdsa_p256_sha256",
        "signatures": []});
    refused(&w, &notices_path(&t, "BD01"), stale, 409, "award_stage").await;
    refused(
        &w,
        &path(&w, "/winner"),
        json!({"winner": bids[0]}),
        409,
        "award_stage",
    )
    .await;
    refused(
        &w,
        &path(&w, "/recheck"),
        json!({"reason": "again"}),
        409,
        "award_stage",
    )
    .await;

    // The committee re-checks and re-ranks or confirms in a new report; the award restarts.
    committee_reports_again(&mut w).await;
    let a2 = award(&w).await;
    assert_eq!(
        (a2["stage"].as_str(), a2["award_round"].as_i64()),
        (Some("candidates"), Some(2)),
        "{a2}"
    );
    assert_ne!(a2["report_id"], a["report_id"]);
    award_traditionally(&mut w, &bids[0]).await;

    let es = crate::award_publicity::verified_entries(&w).await;
    // A chain where the award did not begin again after the re-check: the award that follows
    // is while the section is sent back.
    let sent = es
        .iter()
        .position(|e| e.leaf.event_type == "award_sent_back")
        .unwrap();
    assert_eq!(es[sent].body.as_ref().unwrap()["stage"], "reevaluation");
    let again = sent
        + es[sent..]
            .iter()
            .position(|e| e.leaf.event_type == "award_begun")
            .unwrap();
    let mut tampered = es.clone();
    tampered[again].leaf.event_type = "award_begun_x".into();
    use etender::audit::verify::Rule as _;
    let scope = etender::audit::bundle::BundleScope::Tender(t.clone());
    let found =
        etender::audit::verify_award_publicity::AwardPublicityReplay.check(&scope, &tampered);
    assert!(
        found
            .iter()
            .any(|f| f.contains("sent back for re-evaluation")),
        "{found:?}"
    );
}

/// Moves the server clock to `at`; everyone logs in again.
async fn clock_at(a: &mut Awarding, at: DateTime<Utc>) {
    a.w.app.clock.set(at);
    a.w.relogin().await;
    for m in a.pool.iter_mut() {
        m.client = a.w.app.enrol_ident(&m.ident).await;
    }
}

async fn report_of(a: &Awarding) -> Value {
    a.w.s
        .agent
        .get(&format!("{}/report", a.base()))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_award_report_has_a_signing_time_after_which_the_silent_are_deemed_to_agree() {
    let mut a = deciding_by(json!({"kind": "price_competition"}), 5).await;
    start(&a).await;
    let generated = a.w.app.clock_now();
    assert_eq!(a.award().await["stage"], "reporting");
    let r = report_of(&a).await;
    let until: DateTime<Utc> = serde_json::from_value(r["sign_until"].clone()).unwrap();
    // `[award_rounds] report_signing_minutes`, 120 by default.
    assert_eq!(until - generated, Duration::minutes(120), "{r}");
    let t = a.w.t().to_string();

    // The chair dissents in writing; an empty dissent is refused, nothing changed.
    let (m0, m1) = (&a.pool[0], &a.pool[1]);
    let rows = a.w.app.rows().await;
    let e = m0
        .client
        .sign_award_report_dissenting(&t, "BD01", &m0.person, " ", &m0.ident.credentials())
        .await
        .unwrap_err();
    assert_client_problem(&e, 422, "validation_failed");
    a.w.app.rows().await.assert_same(&rows, "empty dissent");
    let dissent = "价格最低者近三年履约评价一般，本人不同意。";
    m0.client
        .sign_award_report_dissenting(&t, "BD01", &m0.person, dissent, &m0.ident.credentials())
        .await
        .unwrap();
    m1.client
        .sign_award_report(&t, "BD01", &m1.person, &m1.ident.credentials())
        .await
        .unwrap();

    // A second before the end: the tick leaves it, a member still signs; publicity waits.
    clock_at(&mut a, until - Duration::seconds(1)).await;
    tick(&a).await;
    let r = report_of(&a).await;
    assert!(r["completed_at"].is_null(), "{r}");
    assert_eq!(a.award().await["stage"], "reporting");
    let m2 = &a.pool[2];
    m2.client
        .sign_award_report(&t, "BD01", &m2.person, &m2.ident.credentials())
        .await
        .unwrap();

    // At the end: a signature is refused, nothing changed, and the tick deems the silent
    // members to agree, completing the report and opening the result's publicity.
    clock_at(&mut a, until).await;
    let (rows, before) = (a.w.app.rows().await, a.award().await);
    let m3 = &a.pool[3];
    let e = m3
        .client
        .sign_award_report(&t, "BD01", &m3.person, &m3.ident.credentials())
        .await
        .unwrap_err();
    assert_client_problem(&e, 409, "deadline_passed");
    a.w.app.rows().await.assert_same(&rows, "deadline_passed");
    assert_eq!(a.award().await["version"], before["version"]);
    tick(&a).await;
    let r = report_of(&a).await;
    assert!(!r["completed_at"].is_null(), "{r}");
    let mut deemed: Vec<String> = serde_json::from_value(r["deemed_agreed"].clone()).unwrap();
    deemed.sort();
    let mut silent = vec![a.pool[3].person.clone(), a.pool[4].person.clone()];
    silent.sort();
    assert_eq!(deemed, silent);
    let signed = r["signatures"].as_array().unwrap();
    assert_eq!(signed.len(), 3);
    let of_chair = signed
        .iter()
        .find(|s| s["person"] == a.pool[0].person)
        .unwrap();
    assert_eq!(of_chair["dissent"], dissent);
    let award = a.award().await;
    assert_eq!(award["stage"], "publicity", "{award}");
    let from: DateTime<Utc> = serde_json::from_value(award["publicity_from"].clone()).unwrap();
    assert_eq!(from, until);
    // The tick again changes nothing.
    let rows = a.w.app.rows().await;
    tick(&a).await;
    a.w.app.rows().await.assert_same(&rows, "second tick");

    let es = chain_verifies(&a).await;
    let scope = etender::audit::bundle::BundleScope::Tender(t.clone());
    let check = |es: &[etender::audit::verify::VerifiedEntry]| {
        use etender::audit::verify::Rule as _;
        etender::audit::verify_award::AwardReplay.check(&scope, es)
    };
    let deemed_at = es
        .iter()
        .position(|e| {
            e.leaf.event_type == "award_report_signed"
                && e.body.as_ref().unwrap().get("deemed_agreed").is_some()
        })
        .unwrap();
    // The system deems a member who had signed to agree (and leaves a silent one out).
    let mut bad = es.clone();
    bad[deemed_at].body.as_mut().unwrap()["deemed_agreed"] = json!([a.pool[2].person]);
    let found = check(&bad);
    assert!(found.iter().any(|f| f.contains("the silent")), "{found:?}");
    assert!(
        found.iter().any(|f| f.contains("completes before")),
        "{found:?}"
    );
    // A dissent changed after it was signed no longer verifies.
    let dissented = es
        .iter()
        .position(|e| e.body.as_ref().unwrap()["dissent"] == dissent)
        .unwrap();
    let mut bad = es.clone();
    bad[dissented].body.as_mut().unwrap()["dissent"] = json!("本人同意。");
    let found = check(&bad);
    assert!(
        found.iter().any(|f| f.contains("does not verify")),
        "{found:?}"
    );
    // Deemed agreement before the signing time ended.
    let mut bad = es.clone();
    let generated_at = es
        .iter()
        .position(|e| e.leaf.event_type == "award_report_generated")
        .unwrap();
    let later = (until + Duration::minutes(1)).to_rfc3339();
    bad[generated_at].body.as_mut().unwrap()["sign_until"] = json!(later);
    let found = check(&bad);
    assert!(
        found.iter().any(|f| f.contains("before its signing time")),
        "{found:?}"
    );
}

/// A client call refused with `status` and `code`.
fn assert_client_problem(e: &etender::client::ClientError, status: u16, code: &str) {
    assert_eq!(
        (e.status(), e.problem_code().as_deref()),
        (Some(status), Some(code)),
        "{e}"
    );
}
