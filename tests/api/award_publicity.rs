//! The award's publicity and objections (issue 14, docs/AWARD.md §6; 条例54–56): the traditional
//! candidates published, objections inside the publicity only (a second before its end is in,
//! its end is out), the award suspended while one is open, answers that dismiss or send the
//! section back, the traditional award of rank #1 (or a reasoned departure) and the winner
//! dropping out. Every refusal asserts its code and that nothing changed.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use etender::client::Client;
use etender::domain::award::publicity::{objection_statement, text_digest};
use etender::error::ErrorCode;
use etender::wire::award::SectionAward;
use etender::wire::award_publicity::{AwardWinnerRequest, RecheckRequest, WinnerDropsOutRequest};
use reqwest::Method;
use serde_json::{json, Value};

use crate::award::evaluated;
use crate::committee::World;
use crate::helpers::{assert_problem, pki};

const SEC: Duration = Duration::seconds(1);

fn traditional(terms: Value) -> Value {
    json!({"kind": "traditional", "candidates": 3, "award_terms": terms})
}

fn path(w: &World, tail: &str) -> String {
    format!("/api/v1/tenders/{}/sections/BD01/award{tail}", w.t())
}

async fn call(c: &Client, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let (st, v) = c.raw(method, path, body.as_ref()).await.unwrap();
    (st.as_u16(), v)
}

async fn post(c: &Client, path: &str, body: Value) -> (u16, Value) {
    call(c, Method::POST, path, Some(body)).await
}

/// The section's award as the agent reads it.
async fn award(w: &World) -> Value {
    call(&w.s.agent, Method::GET, &path(w, ""), None).await.1
}

async fn tender_state(w: &World) -> Value {
    let t: Value = w
        .app
        .client()
        .get(&format!("/api/v1/tenders/{}", w.t()))
        .await
        .unwrap();
    t["state"].clone()
}

/// Publishes the candidates; returns the publicity's end.
async fn publish(w: &World) -> DateTime<Utc> {
    publish_window(w).await.1
}

/// Publishes the candidates; returns the publicity's window.
async fn publish_window(w: &World) -> (DateTime<Utc>, DateTime<Utc>) {
    let (st, v) = post(&w.s.agent, &path(w, "/publicity"), json!({})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["stage"], "publicity");
    let at = |k: &str| serde_json::from_value::<DateTime<Utc>>(v[k].clone()).unwrap();
    (at("publicity_from"), at("publicity_until"))
}

/// Moves the server clock to `at` and logs everyone in again.
async fn clock_to(w: &mut World, at: DateTime<Utc>) {
    w.app.clock.set(at);
    w.relogin().await;
}

/// An objection by bidder `i`, signed over the statement for `round`.
fn objection(w: &World, i: usize, text: &str, round: i32) -> Value {
    let b = &w.bidders[i];
    let creds = pki().get(b.label).credentials();
    let stmt = objection_statement(w.t(), "BD01", round, b.uscc(), &text_digest(text));
    let sig = creds.key.sign(creds.algorithm, &stmt).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({"text": text, "certificate_chain": [b64.encode(&creds.chain[0])],
        "signature": b64.encode(sig), "signature_algorithm": creds.algorithm.as_str()})
}

async fn object(w: &World, i: usize, text: &str) -> (u16, Value) {
    let body = objection(w, i, text, 1);
    post(&w.bidders[i].client, &path(w, "/objections"), body).await
}

async fn answer(w: &World, id: &str, outcome: Value) -> (u16, Value) {
    let p = path(w, &format!("/objections/{id}/answer"));
    post(
        &w.s.agent,
        &p,
        json!({"answer": "经核查，答复如下。", "outcome": outcome}),
    )
    .await
}

/// A refused call: its code, and no row count nor the award's version moved.
async fn refused(w: &World, c: &Client, p: &str, body: Value, status: u16, code: &str) {
    let (rows, before) = (w.app.rows().await, award(w).await);
    let (st, v) = c.raw(Method::POST, p, Some(&body)).await.unwrap();
    assert_problem(st, &v, status, code);
    w.app.rows().await.assert_same(&rows, code);
    assert_eq!(award(w).await["version"], before["version"], "{code}");
}

#[tokio::test]
async fn traditional_award_of_rank_one_then_the_winner_drops_out_to_the_next_in_rank() {
    let mut w = evaluated(traditional(json!({}))).await;
    let (t, bids) = (w.t().to_string(), w.bids.clone());
    assert_eq!(award(&w).await["stage"], "candidates");
    // Not published yet: no award, no objection.
    let win = |b: &str| json!({"winner": b});
    refused(
        &w,
        &w.s.agent,
        &path(&w, "/winner"),
        win(&bids[0]),
        409,
        "award_stage",
    )
    .await;
    let body = objection(&w, 0, "评分有误。", 1);
    let c = w.bidders[0].client.clone();
    refused(
        &w,
        &c,
        &path(&w, "/objections"),
        body,
        409,
        "publicity_not_open",
    )
    .await;

    let (from, until) = publish_window(&w).await;
    assert_eq!(until - from, Duration::days(3));
    assert!(from <= w.app.clock_now() && w.app.clock_now() - from < SEC);
    assert_eq!(tender_state(&w).await, "publicity");
    // Published again: the stage has moved on.
    refused(
        &w,
        &w.s.agent,
        &path(&w, "/publicity"),
        json!({}),
        409,
        "award_stage",
    )
    .await;
    let p: Value = w.bidders[2]
        .client
        .get(&path(&w, "/publicity"))
        .await
        .unwrap();
    assert_eq!(p["publications"][0]["late"], false, "{p}");
    assert_eq!(p["publications"][0]["days"], 3);
    assert!(p["objections"].as_array().unwrap().is_empty());
    let announced: Value = w
        .app
        .client()
        .get(&format!("/api/v1/announcements?tender={t}&limit=100"))
        .await
        .unwrap();
    assert!(
        announced.to_string().contains("award_candidates"),
        "{announced}"
    );

    // A second before the end the award waits; a bidder may not award.
    clock_to(&mut w, until - SEC).await;
    refused(
        &w,
        &w.s.agent,
        &path(&w, "/winner"),
        win(&bids[0]),
        409,
        "publicity_not_over",
    )
    .await;
    let c = w.bidders[0].client.clone();
    refused(
        &w,
        &c,
        &path(&w, "/winner"),
        win(&bids[0]),
        403,
        "forbidden",
    )
    .await;

    clock_to(&mut w, until).await;
    // State-owned and must be tendered (the platform default): rank #1 only, reason or not.
    let departs = json!({"winner": bids[1], "reason": "综合考虑"});
    refused(
        &w,
        &w.s.agent,
        &path(&w, "/winner"),
        departs,
        422,
        "rank_one_required",
    )
    .await;
    let not_candidate = json!({"winner": "nobody"});
    let p = path(&w, "/winner");
    refused(&w, &w.s.agent, &p, not_candidate, 422, "validation_failed").await;
    let (st, v) = post(&w.s.agent, &path(&w, "/winner"), win(&bids[0])).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["stage"].as_str(), v["winner"].as_str()),
        (Some("decided"), Some(&*bids[0]))
    );
    assert!(v["decided_at"].is_string());
    assert_eq!(tender_state(&w).await, "decided");
    // Awarded once.
    refused(
        &w,
        &w.s.agent,
        &path(&w, "/winner"),
        win(&bids[0]),
        409,
        "award_stage",
    )
    .await;

    // The winner gives up: the next in rank; then it fails to post the bond: the third.
    let drop = |r: &str| json!({"reason": r, "statement": "书面放弃中标。"});
    let p = path(&w, "/winner/drop-out");
    let (st, v) = post(&w.s.agent, &p, drop("gave_up")).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["stage"].as_str(), v["winner"].as_str()),
        (Some("decided"), Some(&*bids[1]))
    );
    let c = w.bidders[0].client.clone();
    refused(&w, &c, &p, drop("gave_up"), 403, "forbidden").await;
    let (st, v) = post(&w.s.agent, &p, drop("no_performance_bond")).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["winner"], bids[2].as_str());
    // The last one is found to have broken the law: nobody is left, the section is re-tendered.
    let (st, v) = post(&w.s.agent, &p, drop("broke_the_law")).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["stage"].as_str(), v["winner"].as_str()),
        (Some("failed"), None)
    );
    assert_eq!(tender_state(&w).await, "failed");

    // The chain replays under the offline verifier's rules.
    let entries = verified_entries(&w).await;
    let kinds: Vec<&str> = entries.iter().map(|e| e.leaf.event_type.as_str()).collect();
    for k in [
        "award_candidates_published",
        "award_winner_named",
        "award_winner_dropped_out",
    ] {
        assert!(kinds.contains(&k), "{k}: {kinds:?}");
    }
    tampered_awards_fail(&entries, &t);
}

#[tokio::test]
async fn a_departure_from_rank_one_needs_a_written_reason_where_the_tender_allows_it() {
    let terms = json!({"state_owned_must_tender": false, "publicity_days": 5});
    let mut w = evaluated(traditional(terms)).await;
    let bids = w.bids.clone();
    let (from, until) = publish_window(&w).await;
    assert_eq!(until - from, Duration::days(5));
    clock_to(&mut w, until).await;
    let p = path(&w, "/winner");
    let bare = json!({"winner": bids[1]});
    refused(&w, &w.s.agent, &p, bare, 422, "award_reason_required").await;
    let blank = json!({"winner": bids[1], "reason": "  "});
    refused(&w, &w.s.agent, &p, blank, 422, "award_reason_required").await;
    let reason = "第一名的项目经理在建工程未完工，不能到岗（书面说明附后）。";
    let (st, v) = post(&w.s.agent, &p, json!({"winner": bids[1], "reason": reason})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["winner"].as_str(), v["winner_reason"].as_str()),
        (Some(&*bids[1]), Some(reason))
    );
    let entries = verified_entries(&w).await;
    let decided = entries
        .iter()
        .find(|e| e.leaf.event_type == "award_winner_named")
        .unwrap();
    let body = decided.body.as_ref().unwrap();
    assert_eq!(
        (body["rank"].as_i64(), body["departs"].as_bool()),
        (Some(2), Some(true))
    );
}

#[tokio::test]
async fn objections_inside_the_publicity_only_suspend_the_award_until_dismissed() {
    let mut w = evaluated(traditional(json!({}))).await;
    let bids = w.bids.clone();
    let until = publish(&w).await;
    let objections = path(&w, "/objections");

    // Who may not object: the agent, a bidder of another section; nor with a signature made
    // for another round.
    let body = objection(&w, 0, "评分有误。", 1);
    refused(&w, &w.s.agent, &objections, body.clone(), 403, "forbidden").await;
    let outsider = w.app.enrol("bidder-sm2").await;
    refused(&w, &outsider, &objections, body, 403, "forbidden").await;
    let c = w.bidders[0].client.clone();
    let wrong = objection(&w, 0, "评分有误。", 2);
    refused(
        &w,
        &c,
        &objections,
        wrong,
        422,
        "statement_signature_invalid",
    )
    .await;

    // A second before the end: accepted, and the award waits.
    clock_to(&mut w, until - SEC).await;
    let (st, o) = object(&w, 0, "第二名的业绩证明材料不实。").await;
    assert_eq!(st, 200, "{o}");
    let id = o["id"].as_str().unwrap().to_string();
    let due: DateTime<Utc> = serde_json::from_value(o["answer_due"].clone()).unwrap();
    let raised: DateTime<Utc> = serde_json::from_value(o["raised_at"].clone()).unwrap();
    assert_eq!(due - raised, Duration::days(3));
    assert_eq!(award(&w).await["open_objections"], 1);
    // At the end: refused.
    clock_to(&mut w, until).await;
    let c = w.bidders[1].client.clone();
    let late = objection(&w, 1, "迟到的异议。", 1);
    refused(&w, &c, &objections, late, 409, "publicity_not_open").await;
    let win = json!({"winner": bids[0]});
    refused(
        &w,
        &w.s.agent,
        &path(&w, "/winner"),
        win.clone(),
        409,
        "objections_pending",
    )
    .await;

    // Who reads it: the objector and the tender's side; another bidder does not see it.
    let mine: Value = w.bidders[0]
        .client
        .get(&path(&w, "/publicity"))
        .await
        .unwrap();
    assert_eq!(mine["objections"].as_array().unwrap().len(), 1);
    let theirs: Value = w.bidders[1]
        .client
        .get(&path(&w, "/publicity"))
        .await
        .unwrap();
    assert!(theirs["objections"].as_array().unwrap().is_empty());

    // A bidder does not answer; the tenderer's side dismisses it, once.
    let a = path(&w, &format!("/objections/{id}/answer"));
    let dismissed = json!({"answer": "异议不成立。", "outcome": {"decision": "dismissed"}});
    let c = w.bidders[0].client.clone();
    refused(&w, &c, &a, dismissed.clone(), 403, "forbidden").await;
    let (st, v) = answer(&w, &id, json!({"decision": "dismissed"})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["outcome"]["decision"].as_str(), v["overdue"].as_bool()),
        (Some("dismissed"), Some(false))
    );
    refused(&w, &w.s.agent, &a, dismissed, 409, "conflict").await;
    assert_eq!(award(&w).await["open_objections"], 0);
    let (st, v) = post(&w.s.agent, &path(&w, "/winner"), win).await;
    assert_eq!(st, 200, "{v}");
    verified_entries(&w).await;
}

#[tokio::test]
async fn an_answer_after_three_days_is_flagged_and_a_late_publication_too() {
    let mut w = evaluated(traditional(json!({"publicity_days": 7}))).await;
    // Published four days after the report: accepted, flagged.
    let now = w.app.clock_now();
    clock_to(&mut w, now + Duration::days(4)).await;
    publish(&w).await;
    let p: Value = w.s.agent.get(&path(&w, "/publicity")).await.unwrap();
    assert_eq!(p["publications"][0]["late"], true, "{p}");
    let (st, o) = object(&w, 2, "价格异常低。").await;
    assert_eq!(st, 200, "{o}");
    let id = o["id"].as_str().unwrap().to_string();
    let due: DateTime<Utc> = serde_json::from_value(o["answer_due"].clone()).unwrap();
    clock_to(&mut w, due).await;
    let p: Value = w
        .app
        .enrol("regulator")
        .await
        .get(&path(&w, "/publicity"))
        .await
        .unwrap();
    assert_eq!(p["objections"][0]["overdue"], true, "{p}");
    let (st, v) = answer(&w, &id, json!({"decision": "dismissed"})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["overdue"], true);
}

#[tokio::test]
async fn an_upheld_objection_sends_the_section_to_a_retender_never_to_a_new_round() {
    let w = evaluated(traditional(json!({}))).await;
    publish(&w).await;
    let (_, o) = object(&w, 1, "第一名存在串通投标行为。").await;
    let (_, o2) = object(&w, 2, "同上。").await;
    let id = o["id"].as_str().unwrap().to_string();
    assert_eq!(award(&w).await["open_objections"], 2);
    // A new award round is 评定分离's only.
    let a = path(&w, &format!("/objections/{id}/answer"));
    let body = json!({"answer": "成立。", "outcome": {"decision": "upheld", "back": "new_round"}});
    refused(&w, &w.s.agent, &a, body, 409, "award_stage").await;
    let (st, v) = answer(&w, &id, json!({"decision": "upheld", "back": "retender"})).await;
    assert_eq!(st, 200, "{v}");
    let a = award(&w).await;
    assert_eq!(
        (a["stage"].as_str(), a["open_objections"].as_i64()),
        (Some("failed"), Some(0))
    );
    assert_eq!(tender_state(&w).await, "failed");
    // The other objection was settled with it.
    let p: Value = w.s.agent.get(&path(&w, "/publicity")).await.unwrap();
    let other = p["objections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == o2["id"])
        .unwrap();
    assert_eq!(other["outcome"]["decision"], "upheld", "{p}");
    verified_entries(&w).await;
}

#[tokio::test]
async fn an_upheld_objection_sends_the_section_back_to_its_committee_whose_new_report_restarts_it()
{
    let mut w = evaluated(traditional(json!({}))).await;
    publish(&w).await;
    let (_, o) = object(&w, 1, "第一名资格条件发生变化。").await;
    let id = o["id"].as_str().unwrap().to_string();
    let (st, v) = answer(
        &w,
        &id,
        json!({"decision": "upheld", "back": "reevaluation"}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let a = award(&w).await;
    assert_eq!(a["stage"], "reevaluation", "{a}");
    assert_eq!(tender_state(&w).await, "evaluating");
    let t = w.t().to_string();
    let committee: Value = w.s.agent.get(&w.path()).await.unwrap();
    assert_eq!(committee["state"], "evaluating", "{committee}");

    // The committee re-checks and reports again; the award restarts from the new report.
    w.relogin().await;
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
    let a2 = award(&w).await;
    assert_eq!(
        (a2["stage"].as_str(), a2["award_round"].as_i64()),
        (Some("candidates"), Some(2)),
        "{a2}"
    );
    assert_ne!(a2["report_id"], a["report_id"]);
    assert_eq!(tender_state(&w).await, "evaluated");
    let until = publish(&w).await;
    clock_to(&mut w, until).await;
    let (st, v) = post(
        &w.s.agent,
        &path(&w, "/winner"),
        json!({"winner": w.bids[0]}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    verified_entries(&w).await;
}

/// The tender's entries, after the whole bundle verified under the default rules.
pub(crate) async fn verified_entries(w: &World) -> Vec<etender::audit::verify::VerifiedEntry> {
    let t = w.t();
    etender::audit::checkpoint_now(&w.app.ctx.db, &w.app.ctx.audit_log, "test")
        .await
        .unwrap();
    let regulator = w.app.enrol("regulator").await;
    let bundle: Value = regulator
        .get(&format!("/api/v1/audit/export?tender_id={t}"))
        .await
        .unwrap();
    let bundle: etender::audit::bundle::Bundle = serde_json::from_value(bundle).unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    etender::audit::verify::verify_bundle(
        &bundle,
        &key,
        None,
        &etender::audit::verify::default_rules(),
    )
    .unwrap();
    crate::clarifications::entries_of(&bundle)
}

/// The publicity rule finds exactly one problem containing `reason`.
fn only(es: &[etender::audit::verify::VerifiedEntry], tender: &str, reason: &str) {
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_award_publicity::AwardPublicityReplay;
    let scope = etender::audit::bundle::BundleScope::Tender(tender.to_string());
    let found = AwardPublicityReplay.check(&scope, es);
    assert!(
        found.len() == 1 && found[0].contains(reason),
        "{reason}: {found:?}"
    );
}

/// Copies of a good chain, each changed so that one publicity rule breaks.
fn tampered_awards_fail(es: &[etender::audit::verify::VerifiedEntry], tender: &str) {
    let find = |k: &str| es.iter().position(|e| e.leaf.event_type == k).unwrap();
    let i = find("award_winner_named");
    // The award went to the second-ranked without a reason where rank #1 is required.
    let mut t = es.to_vec();
    let second =
        t[find("award_candidates_published")].body.as_ref().unwrap()["candidates"][1].clone();
    t[i].body.as_mut().unwrap()["winner"] = second;
    let scope = etender::audit::bundle::BundleScope::Tender(tender.to_string());
    use etender::audit::verify::Rule as _;
    let found = etender::audit::verify_award_publicity::AwardPublicityReplay.check(&scope, &t);
    assert!(found.iter().any(|f| f.contains("requires it")), "{found:?}");
    assert!(
        found.iter().any(|f| f.contains("without a written reason")),
        "{found:?}"
    );
    // The award came before the publicity ended.
    let mut t = es.to_vec();
    let p = find("award_candidates_published");
    t[p].body.as_mut().unwrap()["publicity_until"] = json!("2999-01-01T00:00:00Z");
    only(&t, tender, "before its publicity ended");
}

/// A refused client call: its code, and no row count nor the award's version moved.
async fn client_refused<T: std::fmt::Debug>(
    w: &World,
    before: (crate::helpers::Rows, Value),
    result: Result<T, etender::client::ClientError>,
    code: ErrorCode,
) {
    let err = result.expect_err("refused");
    assert_eq!(err.code(), Some(code), "{err}");
    w.app.rows().await.assert_same(&before.0, code.as_str());
    assert_eq!(award(w).await["version"], before.1["version"], "{code:?}");
}

/// The traditional award's steps through the client calls (`client::award`): the candidates
/// published, a re-check (条例56) sent back to the committee, its new report restarting the
/// award, the winner named, and the winner dropping out to the next in rank.
#[tokio::test]
async fn the_client_publishes_rechecks_awards_and_drops_out_a_traditional_section() {
    let mut w = evaluated(traditional(json!({}))).await;
    let t = w.t().to_string();
    let a =
        w.s.agent
            .publish_award_candidates(&t, "BD01")
            .await
            .unwrap();
    assert_eq!(stage_of(&a), "publicity");
    let (_, o) = object(&w, 1, "第一名的财务状况发生重大变化。").await;

    // A re-check needs a reason, and only the tenderer's side asks for it.
    let blank = RecheckRequest { reason: " ".into() };
    let before = (w.app.rows().await, award(&w).await);
    let r = w.s.agent.request_award_recheck(&t, "BD01", &blank).await;
    client_refused(&w, before, r, ErrorCode::ValidationFailed).await;
    let why = RecheckRequest {
        reason: "第一名被列入失信被执行人名单（条例56）。".into(),
    };
    let before = (w.app.rows().await, award(&w).await);
    let r = w.bidders[0]
        .client
        .request_award_recheck(&t, "BD01", &why)
        .await;
    client_refused(&w, before, r, ErrorCode::Forbidden).await;
    let a =
        w.s.agent
            .request_award_recheck(&t, "BD01", &why)
            .await
            .unwrap();
    assert_eq!(
        (stage_of(&a).as_str(), a.open_objections),
        ("reevaluation", 0)
    );
    assert_eq!(tender_state(&w).await, "evaluating");
    // The open objection was settled with the re-check.
    let p = w.s.agent.award_publicity(&t, "BD01").await.unwrap();
    let id = o["id"].as_str().unwrap();
    let settled = p.objections.iter().find(|x| x.id == id);
    assert!(settled.is_some_and(|x| x.outcome.is_some()), "{p:?}");

    // The committee reports again; the award restarts from the new report.
    w.relogin().await;
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
    let a =
        w.s.agent
            .publish_award_candidates(&t, "BD01")
            .await
            .unwrap();
    assert_eq!((stage_of(&a).as_str(), a.award_round), ("publicity", 2));
    let until = a.publicity_until.unwrap();
    clock_to(&mut w, until).await;
    let bids = w.bids.clone();
    let win = AwardWinnerRequest {
        winner: bids[0].clone(),
        reason: None,
    };
    let a = w.s.agent.award_winner(&t, "BD01", &win).await.unwrap();
    assert_eq!(
        (stage_of(&a).as_str(), a.winner.as_deref()),
        ("decided", Some(&*bids[0]))
    );
    let drop = WinnerDropsOutRequest {
        reason: serde_json::from_value(json!("cannot_perform")).unwrap(),
        statement: "中标人书面说明不能履行合同。".into(),
    };
    let a =
        w.s.agent
            .award_winner_drops_out(&t, "BD01", &drop)
            .await
            .unwrap();
    assert_eq!(
        (stage_of(&a).as_str(), a.winner.as_deref()),
        ("decided", Some(&*bids[1]))
    );
    let kinds: Vec<String> = verified_entries(&w)
        .await
        .iter()
        .map(|e| e.leaf.event_type.clone())
        .collect();
    for k in [
        "award_sent_back",
        "award_winner_named",
        "award_winner_dropped_out",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k}: {kinds:?}");
    }
}

fn stage_of(a: &SectionAward) -> String {
    serde_json::to_value(a.stage)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}
