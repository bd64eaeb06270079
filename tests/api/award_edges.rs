//! The award's workflow edges (issue 14, docs/AWARD.md): a 条例56 re-check of a traditional
//! section that is awarded but not yet notified; the 定标报告's signing time (a written dissent,
//! the silent deemed to agree at the deadline, boundaries a second before and at it); a member
//! leaving the formed award committee before the deciding — an appointed seat appointed again, a
//! drawn seat taken by the draw's next reserve — and the roster witnessed again; the section's
//! evaluators kept off its award committee (refused on appointment, out of the award draw).
//! Every refusal asserts its code and that nothing changed.

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::award::evaluated;
use crate::award_committee::{
    at_committee, award_check_in, separated, statement_body, whole_log, witness_body, Awarding,
    PoolMember,
};
use crate::award_rounds::{chain_verifies, deciding_by, start, tick};
use crate::committee::World;
use crate::fixtures::id_of;
use crate::helpers::assert_problem;
use crate::helpers::pki;
use etender::client::award_notices::notices_path;
use etender::wire::award_committee::{AwardLeaveReason, AwardMemberLeaves};

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
            .request_award_recheck(
                &t,
                "BD01",
                &etender::wire::award_publicity::RecheckRequest {
                    reason: "第一名被列入失信被执行人名单（条例56）。".into(),
                },
            )
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
    let off = until - generated - Duration::minutes(120);
    assert!(off.abs() < Duration::milliseconds(1), "{r}");
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

/// Evaluation expert `i` of the section's committee, added to the tenderer's award pool.
async fn evaluator_in_pool(a: &Awarding, i: usize) -> PoolMember {
    let e = &a.w.experts[a.w.drawn[i]];
    let tenderer = a.w.tenderer().await;
    let tid = id_of(&tenderer).await;
    let body = json!({"person_id": e.person, "region": "429005", "employer": "潜江市城投公司",
        "employer_uscc": null, "department": null, "title": "高级工程师",
        "senior_title": true, "practice_years": 12, "specialties": ["A080101"],
        "phone": "138-0013-8001", "email": "evaluator@example.cn", "avoid_units": []});
    let m: Value = tenderer
        .post(&format!("/api/v1/organisations/{tid}/award-pool"), &body)
        .await
        .unwrap();
    let ident = crate::helpers::Ident {
        label: e.ident.label,
        kind: e.ident.kind,
        issued: e.ident.issued.clone(),
        intermediates: e.ident.intermediates.clone(),
        roles: e.ident.roles.clone(),
        key: e.ident.key.clone(),
    };
    PoolMember {
        client: a.w.app.enrol_ident(&ident).await,
        ident,
        person: e.person.clone(),
        member: m["id"].as_str().unwrap().to_string(),
    }
}

/// `m` signs its statement for round 1.
async fn sign_statement(a: &Awarding, m: &PoolMember) {
    let body = statement_body(a.w.t(), m, None, &m.ident);
    let (st, v) = m
        .client
        .raw(
            Method::POST,
            &format!("{}/statements", a.base()),
            Some(&body),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
}

/// The agent's POST refused with `status` and `code`; no row count nor the award's version
/// moved.
async fn agent_refused(a: &Awarding, p: &str, body: Value, status: u16, code: &str) -> Value {
    let (rows, before) = (a.w.app.rows().await, a.award().await);
    let (st, v) = a.w.s.agent.raw(Method::POST, p, Some(&body)).await.unwrap();
    assert_problem(st, &v, status, code);
    a.w.app.rows().await.assert_same(&rows, code);
    assert_eq!(a.award().await["version"], before["version"], "{code}");
    v
}

/// The regulator witnesses `committee` (its current roster).
async fn witness(a: &Awarding, committee: &Value) -> (u16, Value) {
    let regulator = a.w.app.enrol("regulator").await;
    witness_as(a, &regulator, committee).await
}

async fn witness_as(
    a: &Awarding,
    regulator: &etender::client::Client,
    committee: &Value,
) -> (u16, Value) {
    let rid = id_of(regulator).await;
    let body = witness_body(a.w.t(), committee, &rid, pki().get("regulator"));
    let (st, v) = regulator
        .raw(
            Method::POST,
            &format!("{}/committee/witness", a.base()),
            Some(&body),
        )
        .await
        .unwrap();
    (st.as_u16(), v)
}

fn leave(reason: &str, note: &str, chair: Option<&str>) -> Value {
    json!({"reason": reason, "note": note, "chair": chair})
}

#[tokio::test]
async fn an_appointed_member_leaving_before_the_deciding_is_replaced_and_witnessed_again() {
    let mut a = at_committee(separated(5, 0), 7).await;
    let t = a.w.t().to_string();
    for i in 0..5 {
        sign_statement(&a, &a.pool[i]).await;
    }
    // 评定分离: an evaluator of the section is never appointed to its award committee.
    let evaluator = evaluator_in_pool(&a, 0).await;
    sign_statement(&a, &evaluator).await;
    let committee = format!("{}/committee", a.base());
    let person = |i: usize| a.pool[i].person.clone();
    let body = json!({"appointed": [person(0), person(1), person(2), person(3),
        evaluator.person], "chair": person(0)});
    let v = agent_refused(&a, &committee, body, 422, "evaluator_on_award_committee").await;
    assert_eq!(v["errors"][0]["field"], "appointed[4]", "{v}");
    let body = json!({"appointed": [person(0), person(1), person(2), person(3), person(4)],
        "chair": person(0)});
    let formed: Value = a.w.s.agent.post(&committee, &body).await.unwrap();
    let (st, v) = witness(&a, &formed).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(a.award().await["stage"], "deciding");

    // Refusals: no note; the chair leaving without a successor; a chair named when the chair
    // stays; someone not on the committee; a bidder.
    let leaves = |p: &str| format!("{}/committee/members/{p}/leave", a.base());
    let note = "本人近亲属受聘于第一候选人，存在利害关系。";
    agent_refused(
        &a,
        &leaves(&person(1)),
        leave("conflict_found", " ", None),
        422,
        "validation_failed",
    )
    .await;
    let v = agent_refused(
        &a,
        &leaves(&person(0)),
        leave("recused", note, None),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["code"], "required", "{v}");
    agent_refused(
        &a,
        &leaves(&person(1)),
        leave("recused", note, Some(&person(2))),
        422,
        "validation_failed",
    )
    .await;
    agent_refused(
        &a,
        &leaves(&person(5)),
        leave("recused", note, None),
        404,
        "not_found",
    )
    .await;
    let rows = a.w.app.rows().await;
    let (st, v) = a.w.bidders[0]
        .client
        .raw(
            Method::POST,
            &leaves(&person(1)),
            Some(&leave("recused", note, None)),
        )
        .await
        .unwrap();
    assert!(matches!(st.as_u16(), 403 | 404), "{v}");
    a.w.app.rows().await.assert_same(&rows, "a bidder");

    // The chair leaves (a conflict found), naming its successor: back to `committee`.
    let req = AwardMemberLeaves {
        reason: AwardLeaveReason::ConflictFound,
        note: note.into(),
        chair: Some(person(1)),
    };
    let c =
        a.w.s
            .agent
            .award_member_leaves(&t, "BD01", &person(0), &req)
            .await
            .unwrap();
    let c = serde_json::to_value(c).unwrap();
    assert_eq!(a.award().await["stage"], "committee");
    let gone = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["person_id"] == person(0));
    let gone = gone.unwrap();
    assert_eq!(
        (gone["active"].as_bool(), gone["left_reason"].as_str()),
        (Some(false), Some("conflict_found")),
        "{gone}"
    );
    let chair: Vec<&Value> = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "chair")
        .collect();
    assert_eq!(chair.len(), 1);
    assert_eq!(chair[0]["person_id"], person(1).as_str());
    assert_ne!(c["roster_sha256"], formed["roster_sha256"]);
    assert!(c["witnessed_by"].is_null(), "{c}");
    // Nobody convenes a committee with an empty seat, nor witnesses it.
    agent_refused(
        &a,
        &format!("{}/deciding", a.base()),
        json!({}),
        409,
        "award_stage",
    )
    .await;
    let regulator = a.w.app.enrol("regulator").await;
    id_of(&regulator).await;
    let (rows, before) = (a.w.app.rows().await, a.award().await);
    let (st, v) = witness_as(&a, &regulator, &c).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (409, Some("invalid_state_transition")),
        "{v}"
    );
    a.w.app
        .rows()
        .await
        .assert_same(&rows, "witness with a seat empty");
    assert_eq!(a.award().await["version"], before["version"]);

    // The seat is appointed again: not the evaluator, not the member who left, only with a
    // statement signed.
    let appoint = format!("{}/committee/members", a.base());
    agent_refused(
        &a,
        &appoint,
        json!({"person": evaluator.person}),
        422,
        "evaluator_on_award_committee",
    )
    .await;
    let v = agent_refused(
        &a,
        &appoint,
        json!({"person": person(0)}),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["code"], "sat_already", "{v}");
    let v = agent_refused(
        &a,
        &appoint,
        json!({"person": person(5)}),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["code"], "no_statement", "{v}");
    sign_statement(&a, &a.pool[5]).await;
    let c =
        a.w.s
            .agent
            .appoint_award_replacement(&t, "BD01", &person(5))
            .await
            .unwrap();
    let c = serde_json::to_value(c).unwrap();
    let active = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["active"] == true)
        .count();
    assert_eq!(active, 5);
    // No second empty seat to fill.
    sign_statement(&a, &a.pool[6]).await;
    agent_refused(
        &a,
        &appoint,
        json!({"person": person(6)}),
        409,
        "invalid_state_transition",
    )
    .await;
    // The regulator witnesses the roster that results; the committee decides.
    let (st, v) = witness(&a, &c).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(a.award().await["stage"], "deciding");
    start(&a).await;
    // Once convened, nobody is replaced: the member's ballots are recorded as missing.
    agent_refused(
        &a,
        &leaves(&person(2)),
        leave("unreachable", "联系不上。", None),
        409,
        "award_deciding_started",
    )
    .await;
    a.w.relogin().await;

    let es = chain_verifies(&a).await;
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_award_committees::AwardCommitteesReplay as R;
    let scope = etender::audit::bundle::BundleScope::Tender(t.clone());
    assert_eq!(R.check(&scope, &es), Vec::<String>::new());
    let at = |k: &str| es.iter().position(|e| e.leaf.event_type == k).unwrap();
    // The joiner's roster is not the chain's members.
    let mut bad = es.clone();
    bad[at("award_committee_member_joined")]
        .body
        .as_mut()
        .unwrap()["roster_sha256"] = json!("00".repeat(32));
    let found = R.check(&scope, &bad);
    assert!(
        found.iter().any(|f| f.contains("not the members'")),
        "{found:?}"
    );
    // The section's evaluator joins.
    let mut bad = es.clone();
    bad[at("award_committee_member_joined")]
        .body
        .as_mut()
        .unwrap()["person"] = json!(evaluator.person);
    let found = R.check(&scope, &bad);
    assert!(
        found.iter().any(|f| f.contains("evaluation committee")),
        "{found:?}"
    );
    // The deciding convened on the roster before the replacement (the second witness gone).
    let second = es
        .iter()
        .rposition(|e| e.leaf.event_type == "award_committee_witnessed")
        .unwrap();
    let mut bad = es.clone();
    bad[second].leaf.event_type = "award_committee_witnessed_x".into();
    let found = R.check(&scope, &bad);
    assert!(
        found.iter().any(|f| f.contains("never witnessed")),
        "{found:?}"
    );
    // A member leaving after the deciding was convened.
    let mut bad = es.clone();
    let left = at("award_committee_member_left");
    let moved = bad.remove(left);
    bad.push(moved);
    let found = R.check(&scope, &bad);
    assert!(
        found
            .iter()
            .any(|f| f.contains("after the deciding was convened")),
        "{found:?}"
    );
}

#[tokio::test]
async fn a_drawn_member_leaving_is_replaced_by_the_draws_next_reserve_never_an_evaluator() {
    // All drawn, so that no reserve is an appointed member already.
    let mut a = at_committee(separated(5, 5), 8).await;
    let t = a.w.t().to_string();
    // The section's evaluator is in the pool, but out of the award draw's eligible list.
    let mut evaluator = evaluator_in_pool(&a, 0).await;
    let draws = format!("/api/v1/tenders/{t}/sections/BD01/draws");
    let evaluation_at = a.w.app.clock_now() + Duration::hours(2);
    let request = json!({"purpose": "award_committee", "evaluation_at": evaluation_at,
        "place": "潜江市公共资源交易中心 定标室1", "remote": false,
        "groups": [{"specialty": "pool", "count": 5, "reserves": 2}]});
    let draw: Value = a.w.s.agent.post(&draws, &request).await.unwrap();
    assert_eq!(draw["groups"][0]["candidates"], 8, "{draw}");
    let id = draw["id"].as_str().unwrap().to_string();
    let regulator = a.w.app.enrol("regulator").await;
    let rid = id_of(&regulator).await;
    regulator
        .post::<Value, _>(
            &format!("/api/v1/draws/{id}/contributions"),
            &crate::draws::contribution(&draw, [9; 32], &rid),
        )
        .await
        .unwrap();
    let answer = format!("/api/v1/draws/{id}/answer");
    let notified = |m: &PoolMember| {
        let c = m.client.clone();
        async move {
            let seats: Vec<Value> = c.get("/api/v1/me/draw-seats").await.unwrap();
            seats.iter().any(|s| s["seat"] == "notified")
        }
    };
    let mut drawn = Vec::new();
    for (i, m) in a.pool.iter().enumerate() {
        if notified(m).await {
            drawn.push(i);
            m.client
                .post::<Value, _>(&answer, &json!({"accept": true}))
                .await
                .unwrap();
        }
    }
    assert_eq!(drawn.len(), 5);
    assert!(!notified(&evaluator).await);
    let to = evaluation_at - Duration::minutes(30);
    a.w.app.clock.advance(to - a.w.app.clock_now());
    a.w.relogin().await;
    for m in a.pool.iter_mut() {
        m.client = a.w.app.enrol_ident(&m.ident).await;
    }
    evaluator.client = a.w.app.enrol_ident(&evaluator.ident).await;
    let check_in = format!("/api/v1/draws/{id}/check-in");
    for &i in &drawn {
        let m = &a.pool[i];
        m.client
            .post::<Value, _>(&check_in, &award_check_in(&draw, m, &m.ident, false))
            .await
            .unwrap();
    }
    let rest: Vec<usize> = (0..8).filter(|i| !drawn.contains(i)).collect();
    let person = |i: usize| a.pool[i].person.clone();
    let body = json!({"appointed": [], "chair": person(drawn[0])});
    let formed: Value =
        a.w.s
            .agent
            .post(&format!("{}/committee", a.base()), &body)
            .await
            .unwrap();
    let (st, v) = witness(&a, &formed).await;
    assert_eq!(st, 200, "{v}");

    // A drawn member falls ill: its seat goes out and the next reserve is called.
    let req = AwardMemberLeaves {
        reason: AwardLeaveReason::Unreachable,
        note: "突发疾病住院，无法参加定标会议。".into(),
        chair: None,
    };
    a.w.s
        .agent
        .award_member_leaves(&t, "BD01", &person(drawn[1]), &req)
        .await
        .unwrap();
    assert_eq!(a.award().await["stage"], "committee");
    let mut reserve = None;
    for &i in &rest {
        if notified(&a.pool[i]).await {
            reserve = Some(i);
        }
    }
    let r = reserve.expect("a reserve is called");
    assert!(!notified(&evaluator).await);
    let m = &a.pool[r];
    m.client
        .post::<Value, _>(&answer, &json!({"accept": true}))
        .await
        .unwrap();
    m.client
        .post::<Value, _>(&check_in, &award_check_in(&draw, m, &m.ident, false))
        .await
        .unwrap();
    // Its check-in seated it on the committee, in the seat left.
    let c: Value =
        a.w.s
            .agent
            .get(&format!("{}/committee", a.base()))
            .await
            .unwrap();
    let joined = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["person_id"] == person(r))
        .cloned()
        .unwrap();
    assert_eq!(
        (joined["how"].as_str(), joined["active"].as_bool()),
        (Some("drawn"), Some(true)),
        "{joined}"
    );
    assert_eq!(joined["draw_id"], id.as_str());
    let (st, v) = witness(&a, &c).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(a.award().await["stage"], "deciding");

    // At the 定标会 the draw is revealed; the verifier finds the reserve checked in at its rank.
    a.w.app.clock.advance(evaluation_at - a.w.app.clock_now());
    etender::app::draws::tick(&a.w.app.ctx).await.unwrap();
    a.w.relogin().await;
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_award_committees::AwardCommitteesReplay as R;
    let (scope, es) = crate::award::exported_entries(&a.w).await;
    assert_eq!(R.check(&scope, &es), Vec::<String>::new());
    let joined_at = es
        .iter()
        .position(|e| e.leaf.event_type == "award_committee_member_joined")
        .unwrap();
    let mut bad = es.clone();
    let b = bad[joined_at].body.as_mut().unwrap();
    b["draw_rank"] = json!(b["draw_rank"].as_i64().unwrap() + 1);
    let found = R.check(&scope, &bad);
    assert!(
        found.iter().any(|f| f.contains("does not hold rank")),
        "{found:?}"
    );

    // The frozen draw lists the evaluator's pool record as excluded; a frame naming it fails.
    let all = whole_log(&a.w).await;
    let requested = all
        .iter()
        .position(|e| {
            e.leaf.event_type == "draw_requested" && e.body.as_ref().unwrap()["draw"] == id.as_str()
        })
        .unwrap();
    let frame = &all[requested].body.as_ref().unwrap()["frame"];
    let rules: Value = serde_json::from_str(frame["rules"].as_str().unwrap()).unwrap();
    assert_eq!(
        rules["excluded_evaluators"],
        json!([evaluator.member]),
        "{rules}"
    );
    let candidates = frame["groups"][0]["candidates"].as_array().unwrap();
    assert!(!candidates.contains(&json!(evaluator.member)), "{frame}");
    let scope = etender::audit::bundle::BundleScope::All;
    assert_eq!(R.check(&scope, &all), Vec::<String>::new());
    let mut bad = all.clone();
    bad[requested].body.as_mut().unwrap()["frame"]["groups"][0]["candidates"]
        .as_array_mut()
        .unwrap()
        .push(json!(evaluator.member));
    let found = R.check(&scope, &bad);
    assert!(
        found.iter().any(|f| f.contains("eligible list")),
        "{found:?}"
    );
}
