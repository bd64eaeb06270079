//! The whole 评定分离 award of a section through the API only (issue 14, docs/AWARD.md): from the
//! signed 评标报告 through 清标, the award committee formed and witnessed, the 定标会议 with a
//! tie re-voted, the 定标报告 signed by every member (which opens the publicity through the one
//! place every award publicity opens), a bidder's objection suspending the notices until it is
//! dismissed, the notices at the end of the publicity and the tender `awarded` — the result
//! announcement naming the award committee — and the tender's audit export verifying under
//! every default rule. The second test upholds an objection with a new award round: a new
//! committee decides round 2 and the award completes from there.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use etender::audit::verify::Rule as _;
use etender::audit::verify_award_publicity::AwardPublicityReplay;
use etender::audit::verify_validity::ValidityReplay;
use etender::client::Client;
use etender::domain::award::ballot::{self, BallotOf, Cast};
use etender::domain::award::committee as rules;
use etender::domain::award::publicity::{objection_statement, text_digest};
use reqwest::Method;
use serde_json::{json, Value};

use crate::award_committee::{at_committee, separated, Awarding, PoolMember};
use crate::fixtures::id_of;
use crate::helpers::{assert_problem, pki, Ident};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn signed(ident: &Ident, msg: &[u8]) -> Value {
    let creds = ident.credentials();
    let sig = creds.key.sign(creds.algorithm, msg).unwrap();
    json!({"certificate_chain": [B64.encode(&creds.chain[0])],
        "signature": B64.encode(sig), "signature_algorithm": creds.algorithm.as_str()})
}

fn with(mut a: Value, b: Value) -> Value {
    for (k, v) in b.as_object().unwrap() {
        a[k] = v.clone();
    }
    a
}

async fn post(c: &Client, path: &str, body: &Value) -> (u16, Value) {
    let (st, v) = c.raw(Method::POST, path, Some(body)).await.unwrap();
    (st.as_u16(), v)
}

async fn tender_state(a: &Awarding) -> Value {
    a.state().await
}

/// Moves the server clock to `at`; everyone, the pool included, logs in again.
async fn clock_to(a: &mut Awarding, at: DateTime<Utc>) {
    a.w.app.clock.set(at);
    a.w.relogin().await;
    for m in a.pool.iter_mut() {
        m.client = a.w.app.enrol_ident(&m.ident).await;
    }
}

/// The members `who` of the pool sign their statements for `round`, the agent forms the
/// committee of them (the first the chair) and a regulator witnesses it: the award is at
/// `deciding`, and the 定标会议 is convened.
async fn committee_decides(a: &Awarding, round: u32, who: &[usize]) {
    let t = a.w.t().to_string();
    for &i in who {
        let m = &a.pool[i];
        let msg = rules::statement(&t, "BD01", round, &m.member, &m.person, None);
        let body = with(json!({"conflict": null}), signed(&m.ident, &msg));
        let (st, v) = post(&m.client, &format!("{}/statements", a.base()), &body).await;
        assert_eq!(st, 200, "{v}");
    }
    let appointed: Vec<&str> = who.iter().map(|&i| a.pool[i].person.as_str()).collect();
    let body = json!({"appointed": appointed, "chair": appointed[0]});
    let committee: Value =
        a.w.s
            .agent
            .post(&format!("{}/committee", a.base()), &body)
            .await
            .unwrap();
    assert_eq!(committee["award_round"], round, "{committee}");
    let regulator = a.w.app.enrol("regulator").await;
    let rid = id_of(&regulator).await;
    let roster: [u8; 32] = hex::decode(committee["roster_sha256"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let msg = rules::witness_statement(&t, "BD01", round, &roster, &rid);
    let path = format!("{}/committee/witness", a.base());
    let (st, v) = post(&regulator, &path, &signed(pki().get("regulator"), &msg)).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(a.award().await["stage"], "deciding");
    let convened: Value =
        a.w.s
            .agent
            .post(&format!("{}/deciding", a.base()), &json!({}))
            .await
            .unwrap();
    assert_eq!(convened["members"].as_array().unwrap().len(), who.len());
}

/// The open step of the deciding: its id and the candidates it asks about (sorted).
async fn open_step(a: &Awarding, reason: &str) -> (String, Vec<String>) {
    let v: Value =
        a.w.s
            .agent
            .get(&format!("{}/steps", a.base()))
            .await
            .unwrap();
    let open: Vec<&Value> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["closed_at"].is_null())
        .collect();
    assert_eq!(open.len(), 1, "{v}");
    assert_eq!(
        (&open[0]["kind"], &open[0]["reason"]),
        (&json!("vote"), &json!(reason))
    );
    let among = serde_json::from_value(open[0]["among"].clone()).unwrap();
    (open[0]["id"].as_str().unwrap().to_string(), among)
}

/// `m` votes for `choice` in `step` of award round `round`, signing its ballot.
async fn vote(a: &Awarding, round: u32, m: &PoolMember, step: &str, choice: &str) {
    let cast = Cast::Ballot {
        choices: vec![choice.to_string()],
        reason: None,
    };
    let of = BallotOf {
        step,
        tender: a.w.t(),
        section: "BD01",
        award_round: round,
        member: &m.person,
    };
    let body = with(
        json!({"cast": cast}),
        signed(&m.ident, &ballot::statement(&of, &cast)),
    );
    let path = format!("{}/steps/{step}/casts", a.base());
    let (st, v) = post(&m.client, &path, &body).await;
    assert_eq!(st, 200, "{v}");
}

/// The members `who` sign the 定标报告 of `round`: the section goes to publicity. Returns the
/// window, which is the section's default publicity (3 days) from the last signature.
async fn report_signed(a: &Awarding, round: u32, who: &[usize]) -> (DateTime<Utc>, DateTime<Utc>) {
    let report: Value =
        a.w.s
            .agent
            .get(&format!("{}/report", a.base()))
            .await
            .unwrap();
    let digest: [u8; 32] = hex::decode(report["digest"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    for &i in who {
        let m = &a.pool[i];
        let msg = ballot::report_statement(a.w.t(), "BD01", round, &digest, &m.person);
        let body = with(json!({"digest": report["digest"]}), signed(&m.ident, &msg));
        let path = format!("{}/report/signatures", a.base());
        let (st, v) = post(&m.client, &path, &body).await;
        assert_eq!(st, 200, "{v}");
    }
    let award = a.award().await;
    assert_eq!(award["stage"], "publicity", "{award}");
    assert_eq!(award["award_round"], round, "{award}");
    let at = |k: &str| serde_json::from_value::<DateTime<Utc>>(award[k].clone()).unwrap();
    let (from, until) = (at("publicity_from"), at("publicity_until"));
    assert_eq!(until - from, Duration::days(3));
    // The window is a publication like the traditional candidates', on time by definition.
    let p: Value =
        a.w.s
            .agent
            .get(&format!("{}/publicity", a.base()))
            .await
            .unwrap();
    let last = p["publications"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (&last["days"], &last["late"], &last["award_round"]),
        (&json!(3), &json!(false), &json!(round)),
        "{p}"
    );
    assert_eq!(
        serde_json::from_value::<DateTime<Utc>>(last["publicity_until"].clone()).unwrap(),
        until
    );
    (from, until)
}

/// Bidder `i` objects to the result of `round`; returns the objection's id.
async fn object(a: &Awarding, i: usize, round: i32, text: &str) -> String {
    let b = &a.w.bidders[i];
    let stmt = objection_statement(a.w.t(), "BD01", round, b.uscc(), &text_digest(text));
    let body = with(json!({"text": text}), signed(pki().get(b.label), &stmt));
    let (st, o) = post(&b.client, &format!("{}/objections", a.base()), &body).await;
    assert_eq!(st, 200, "{o}");
    o["id"].as_str().unwrap().to_string()
}

async fn answer(a: &Awarding, id: &str, outcome: Value) -> Value {
    let path = format!("{}/objections/{id}/answer", a.base());
    let body = json!({"answer": "经核查，答复如下。", "outcome": outcome});
    let (st, v) = post(&a.w.s.agent, &path, &body).await;
    assert_eq!(st, 200, "{v}");
    v
}

/// The agent signs for the tenderer (its entrustment stands).
fn agent_creds() -> etender::client::Credentials {
    pki().get("agent").credentials()
}

/// Issuing the notices is refused with `code` and changes nothing. The drafts may be refused
/// too: then a body signed over nothing is sent.
async fn notices_refused(a: &Awarding, code: &str) {
    let t = a.w.t();
    let (rows, version) = (a.w.app.rows().await, a.award().await["version"].clone());
    let body = match a.w.s.agent.notice_drafts(t, "BD01").await {
        Ok(d) => serde_json::to_value(
            etender::client::award_notices::sign_notices(&d, &agent_creds()).unwrap(),
        )
        .unwrap(),
        Err(_) => json!({"certificate_chain": [],
            "signature_algorithm": agent_creds().algorithm.as_str(), "signatures": []}),
    };
    let path = etender::client::award_notices::notices_path(t, "BD01");
    let (st, v) =
        a.w.s
            .agent
            .raw(Method::POST, &path, Some(&body))
            .await
            .unwrap();
    assert_problem(st, &v, 409, code);
    a.w.app.rows().await.assert_same(&rows, code);
    assert_eq!(a.award().await["version"], version, "{code}");
}

/// The notices go out: the winner's 中标通知书, the tender `awarded`, and the result
/// announcement naming the award committee `who` (chair first, then by name).
async fn notified(a: &Awarding, winner: &str, who: &[usize]) {
    let t = a.w.t().to_string();
    let issued =
        a.w.s
            .agent
            .issue_notices(&t, "BD01", &agent_creds())
            .await
            .unwrap();
    assert_eq!(issued.notices.len(), a.candidates.len());
    let to_winner: Vec<_> = issued.notices.iter().filter(|n| n.bid == winner).collect();
    assert_eq!(to_winner.len(), 1);
    assert_eq!(serde_json::to_value(to_winner[0].kind).unwrap(), "award");
    assert_eq!(a.award().await["stage"], "notified");
    assert_eq!(tender_state(a).await, "awarded");

    let anns: Value =
        a.w.app
            .client()
            .get(&format!("/api/v1/announcements?tender={t}&limit=200"))
            .await
            .unwrap();
    // The newest award round's result (a winner that dropped out has an earlier one).
    let body: Value = anns
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "award_result")
        .map(|x| match &x["body"] {
            Value::String(s) => serde_json::from_str(s).unwrap(),
            v => v.clone(),
        })
        .max_by_key(|b: &Value| b["award_round"].as_u64())
        .unwrap_or_else(|| panic!("{anns}"));
    assert_eq!(body["winner"]["bid"], winner, "{body}");
    let names = |i: usize| format!("award-{i} 李四");
    let mut members: Vec<String> = who[1..].iter().map(|&i| names(i)).collect();
    members.sort();
    let mut expected = vec![json!({"name": names(who[0]), "role": "chair"})];
    expected.extend(members.iter().map(|n| json!({"name": n, "role": "member"})));
    assert_eq!(body["committees"]["award"], json!(expected), "{body}");
    assert_eq!(
        body["committees"]["evaluation"].as_array().unwrap().len(),
        5
    );
}

#[tokio::test]
async fn a_separated_award_runs_from_the_evaluation_report_to_the_notices() {
    let mut a = at_committee(separated(5, 0), 5).await;
    assert_eq!(a.award().await["stage"], "committee");
    let all = [0, 1, 2, 3, 4];
    committee_decides(&a, 1, &all).await;

    // The first ballot ties two candidates: they are voted on again.
    let (s1, among) = open_step(&a, "ballot").await;
    let (x, y, z) = (among[0].clone(), among[1].clone(), among[2].clone());
    for (i, c) in [&x, &x, &y, &y, &z].into_iter().enumerate() {
        vote(&a, 1, &a.pool[i], &s1, c).await;
    }
    let (s2, among2) = open_step(&a, "revote").await;
    assert_eq!(among2, vec![x.clone(), y.clone()]);
    for (i, c) in [&y, &y, &y, &x, &x].into_iter().enumerate() {
        vote(&a, 1, &a.pool[i], &s2, c).await;
    }
    let award = a.award().await;
    assert_eq!(
        (&award["stage"], &award["winner"]),
        (&json!("reporting"), &json!(y))
    );

    let (from, until) = report_signed(&a, 1, &all).await;
    assert_eq!(tender_state(&a).await, "publicity");

    // A bidder objects during the publicity: the notices wait for the answer.
    clock_to(&mut a, from + Duration::days(1)).await;
    let loser = a.w.bids.iter().position(|b| *b != y).unwrap();
    let id = object(&a, loser, 1, "中标候选人的类似业绩不实。").await;
    assert_eq!(a.award().await["open_objections"], 1);
    clock_to(&mut a, until).await;
    notices_refused(&a, "objections_pending").await;
    // Dismissed (the publicity is over, but the section is still in it until notified).
    let v = answer(&a, &id, json!({"decision": "dismissed"})).await;
    assert_eq!(v["outcome"]["decision"], "dismissed", "{v}");
    assert_eq!(a.award().await["open_objections"], 0);

    notified(&a, &y, &all).await;
    let (scope, entries) = crate::award::exported_entries(&a.w).await;
    let count = |k: &str| entries.iter().filter(|e| e.leaf.event_type == k).count();
    assert_eq!(count("award_ballot_cast"), 10);
    assert_eq!(count("award_report_signed"), 5);
    assert_eq!(count("award_objection_raised"), 1);
    assert_eq!(count("award_notices_issued"), 1);
    // The committee's decision precedes the publicity by design; a traditional award (the
    // tenderer naming the winner) may not.
    let mut es = entries.clone();
    let decided = es
        .iter()
        .position(|e| e.leaf.event_type == "award_decided")
        .unwrap();
    es[decided].leaf.event_type = "award_winner_named".into();
    let found = AwardPublicityReplay.check(&scope, &es);
    assert!(
        found
            .iter()
            .any(|f| f.contains("awarded before its publicity ended")),
        "{found:?}"
    );
}

#[tokio::test]
async fn an_objection_upheld_with_a_new_round_is_decided_by_a_new_committee() {
    let mut a = at_committee(separated(5, 0), 10).await;
    let (first, second) = ([0, 1, 2, 3, 4], [5, 6, 7, 8, 9]);
    committee_decides(&a, 1, &first).await;
    let (s1, among) = open_step(&a, "ballot").await;
    for &i in &first {
        vote(&a, 1, &a.pool[i], &s1, &among[0]).await;
    }
    let (from, _) = report_signed(&a, 1, &first).await;
    assert_eq!(a.award().await["winner"], among[0]);

    // Upheld: a new award round, back at `committee`, the window closed.
    clock_to(&mut a, from + Duration::days(1)).await;
    let loser = a.w.bids.iter().position(|b| *b != among[0]).unwrap();
    let id = object(&a, loser, 1, "定标委员会成员与中标候选人存在利害关系。").await;
    let v = answer(&a, &id, json!({"decision": "upheld", "back": "new_round"})).await;
    assert_eq!(v["outcome"]["back"], "new_round", "{v}");
    let award = a.award().await;
    assert_eq!(
        (
            &award["stage"],
            &award["award_round"],
            &award["open_objections"]
        ),
        (&json!("committee"), &json!(2), &json!(0)),
        "{award}"
    );
    assert!(
        award["winner"].is_null() && award["publicity_until"].is_null(),
        "{award}"
    );
    assert_eq!(tender_state(&a).await, "deciding");
    notices_refused(&a, "award_stage").await;

    // Round 2: a new committee, a new decision, a new publicity.
    committee_decides(&a, 2, &second).await;
    let (s2, among2) = open_step(&a, "ballot").await;
    assert_eq!(among2, among);
    for &i in &second {
        vote(&a, 2, &a.pool[i], &s2, &among[1]).await;
    }
    let award = a.award().await;
    assert_eq!(
        (&award["award_round"], &award["winner"]),
        (&json!(2), &json!(among[1]))
    );
    let (_, until) = report_signed(&a, 2, &second).await;
    let p: Value =
        a.w.s
            .agent
            .get(&format!("{}/publicity", a.base()))
            .await
            .unwrap();
    assert_eq!(p["publications"].as_array().unwrap().len(), 2, "{p}");

    clock_to(&mut a, until).await;
    notified(&a, &among[1], &second).await;
    let (_, entries) = crate::award::exported_entries(&a.w).await;
    let count = |k: &str| entries.iter().filter(|e| e.leaf.event_type == k).count();
    assert_eq!(count("award_committee_formed"), 2);
    assert_eq!(count("award_report_completed"), 2);
}

/// 评定分离 (条例55): the winner gives up during its publicity. Nobody is named in its place: the
/// section goes back to `committee` for award round 2, whose new committee decides among the
/// candidates still in the running — the winner that dropped out is not among them — and the
/// award completes from there; the chain verifies under every default rule.
#[tokio::test]
async fn a_separated_winner_that_drops_out_is_replaced_through_a_new_round() {
    winner_drops_out(false).await;
}

/// The same after the notices went out: the 中标通知书 already issued is the notices' concern;
/// the award goes back to `committee` and round 2 sends its own.
#[tokio::test]
async fn a_notified_separated_winner_that_drops_out_is_replaced_through_a_new_round() {
    winner_drops_out(true).await;
}

async fn winner_drops_out(after_notices: bool) {
    let mut a = at_committee(separated(5, 0), 10).await;
    let (first, second) = ([0, 1, 2, 3, 4], [5, 6, 7, 8, 9]);
    let drop_out = format!("{}/winner/drop-out", a.base());
    let body = json!({"reason": "gave_up", "statement": "中标候选人书面声明放弃中标。"});
    // Nothing to drop out before a winner is decided and its report signed.
    let before = a.w.app.rows().await;
    let (st, v) = post(&a.w.s.agent, &drop_out, &body).await;
    assert_eq!((st, v["code"].as_str()), (409, Some("award_stage")), "{v}");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "a drop-out with no winner");

    committee_decides(&a, 1, &first).await;
    let (s1, among) = open_step(&a, "ballot").await;
    for &i in &first {
        vote(&a, 1, &a.pool[i], &s1, &among[0]).await;
    }
    let (from, until) = report_signed(&a, 1, &first).await;
    let gone = among[0].clone();
    assert_eq!(a.award().await["winner"], gone.as_str());

    if after_notices {
        clock_to(&mut a, until).await;
        notified(&a, &gone, &first).await;
    } else {
        clock_to(&mut a, from + Duration::days(1)).await;
    }
    let (st, v) = post(&a.w.s.agent, &drop_out, &body).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (&v["stage"], &v["award_round"], &v["winner"]),
        (&json!("committee"), &json!(2), &Value::Null),
        "{v}"
    );
    assert!(v["publicity_until"].is_null(), "{v}");
    assert_eq!(tender_state(&a).await, "deciding");
    notices_refused(&a, "award_stage").await;

    // Round 2: a new committee, convened among the two candidates left.
    committee_decides(&a, 2, &second).await;
    let (s2, among2) = open_step(&a, "ballot").await;
    let left: Vec<String> = among.iter().filter(|b| **b != gone).cloned().collect();
    assert_eq!(among2, left);
    for &i in &second {
        vote(&a, 2, &a.pool[i], &s2, &left[1]).await;
    }
    assert_eq!(a.award().await["winner"], left[1].as_str());
    let (_, until) = report_signed(&a, 2, &second).await;
    clock_to(&mut a, until).await;
    notified(&a, &left[1], &second).await;

    let (scope, entries) = crate::award::exported_entries(&a.w).await;
    let dropped: Vec<&Value> = entries
        .iter()
        .filter(|e| e.leaf.event_type == "award_winner_dropped_out")
        .map(|e| e.body.as_ref().unwrap())
        .collect();
    assert_eq!(dropped.len(), 1);
    assert_eq!(
        (
            &dropped[0]["winner"],
            &dropped[0]["new_round"],
            &dropped[0]["retender"]
        ),
        (&json!(gone), &json!(2), &json!(false))
    );
    let convened: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.leaf.event_type == "award_step_opened" && e.body.as_ref().unwrap()["convened"] == true
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(convened.len(), 2);
    let second_setup = entries[convened[1]].body.as_ref().unwrap();
    assert_eq!(second_setup["dropped_out"], json!([gone]), "{second_setup}");
    // Round 2 convened with the dropped-out winner back among the candidates: named.
    let mut es = entries.clone();
    es[convened[1]].body.as_mut().unwrap()["setup"]["candidates"] = json!(a.candidates);
    let found = ValidityReplay.check(&scope, &es);
    assert!(
        found
            .iter()
            .any(|f| f.contains("not among the candidates still in the running")),
        "{found:?}"
    );
}
