//! 履约评价 and the record the award committee weighs (docs/CONTRACTS.md §6, docs/AWARD.md): the
//! tenderer rates the winner's performance of a signed contract, signed with its organisation
//! certificate — interim ratings, one final rating, the final one also after a termination —
//! and a later dossier shows the bidder's ratings and its credit record (decisions served,
//! bans) beside its price. Wrong roles, wrong states and bad bodies change nothing; the
//! offline verifier checks every rating.

use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::committee::World;
use crate::contracts::{count, creds, entries, export, notified_on, winner_of};
use crate::helpers::{assert_problem, extra_person, TestApp};
use etender::client::contracts::{contract_path, sign_completion, sign_rating, sign_reply};
use etender::clock::Clock as _;
use etender::domain::identity::Role;
use etender::domain::performance::Phase;
use etender::wire::contracts::{ChangeKind, Contract, PerformanceRating, ProposeChangeRequest};

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A notified section whose contract (no bond asked) is drafted; the winner's index.
async fn drafted() -> (World, Contract, usize) {
    let (w, _) = notified_on(TestApp::spawn().await, json!({"clauses": ["保修二年"]})).await;
    let c = w.s.agent.draft_contract(w.t(), "BD01").await.unwrap();
    let (win, _) = winner_of(&w, &c).await;
    (w, c, win)
}

/// Both parties sign the drafted contract.
async fn sign(w: &World, win: usize) -> Contract {
    let t = w.t();
    let b = &w.bidders[win];
    b.client
        .sign_contract(t, "BD01", &creds(b.label))
        .await
        .unwrap();
    let tenderer = w.app.enrol("tenderer").await;
    let c = tenderer
        .sign_contract(t, "BD01", &creds("tenderer"))
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(c.state).unwrap(), "signed");
    c
}

fn ratings_path(t: &str) -> String {
    format!("{}/performance-ratings", contract_path(t, "BD01"))
}

#[tokio::test]
async fn the_tenderer_rates_a_signed_contract_once_finally_and_the_dossier_shows_it() {
    let (mut w, draft, win) = drafted().await;
    let t = w.t().to_string();
    let path = ratings_path(&t);
    let tenderer = w.app.enrol("tenderer").await;
    let rate = |c: &Contract, phase, score: &str, remarks: &str| {
        json!(sign_rating(c, phase, dec(score), remarks, &creds("tenderer")).unwrap())
    };

    // A draft is not rated.
    let before = w.app.rows().await;
    let (st, v) = tenderer
        .raw(
            Method::POST,
            &path,
            Some(&rate(&draft, Phase::Interim, "85", "按期")),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    w.app.rows().await.assert_same(&before, "a draft rated");
    let c = sign(&w, win).await;

    // Wrong roles, bad bodies, a foreign certificate, a digest of another document, a forged
    // signature: each a clear error, nothing written.
    let good = rate(
        &c,
        Phase::Interim,
        "85.5",
        "主体结构按期封顶，质量验收一次通过。",
    );
    let loser = &w.bidders[(win + 1) % w.bidders.len()].client;
    let regulator = w.app.enrol("regulator").await;
    let expert = w.app.enrol("expert").await;
    let before = w.app.rows().await;
    for (who, status, code) in [
        (&w.bidders[win].client, 403, "forbidden"),
        (&regulator, 403, "forbidden"),
        (loser, 404, "not_found"),
        (&expert, 404, "not_found"),
    ] {
        let (st, v) = who.raw(Method::POST, &path, Some(&good)).await.unwrap();
        assert_problem(st, &v, status, code);
    }
    let (st, v) = w
        .app
        .client()
        .raw(Method::POST, &path, Some(&good))
        .await
        .unwrap();
    assert_problem(st, &v, 401, "unauthenticated");
    for (score, remarks, field) in [
        ("100.5", "好", "score"),
        ("-1", "差", "score"),
        ("85.25", "好", "score"),
        ("85", "", "remarks"),
        ("85", " 前后空格 ", "remarks"),
        ("85", "含\u{7}控制符", "remarks"),
    ] {
        let mut body = good.clone();
        body["score"] = json!(score);
        body["remarks"] = json!(remarks);
        let (st, v) = tenderer
            .raw(Method::POST, &path, Some(&body))
            .await
            .unwrap();
        assert_problem(st, &v, 422, "validation_failed");
        assert!(v["errors"].to_string().contains(field), "{field}: {v}");
    }
    let long = "很".repeat(2001);
    let mut body = good.clone();
    body["remarks"] = json!(long);
    let (st, v) = tenderer
        .raw(Method::POST, &path, Some(&body))
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    let mut body = good.clone();
    body["grade"] = json!("excellent");
    let (st, v) = tenderer
        .raw(Method::POST, &path, Some(&body))
        .await
        .unwrap();
    assert_problem(st, &v, 400, "malformed_body");
    // Signed for 85.5, sent as 95: the server's document has another digest.
    let mut body = good.clone();
    body["score"] = json!("95");
    let (st, v) = tenderer
        .raw(Method::POST, &path, Some(&body))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    // The winner's certificate on the tenderer's rating.
    let b = &w.bidders[win];
    let foreign =
        json!(sign_rating(&c, Phase::Interim, dec("85.5"), "x", &creds(b.label)).unwrap());
    let (st, v) = tenderer
        .raw(Method::POST, &path, Some(&foreign))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let forged = rate(&c, Phase::Interim, "85.5", "另一份评价");
    let mut body = good.clone();
    body["signature"]["signature"] = forged["signature"]["signature"].clone();
    let (st, v) = tenderer
        .raw(Method::POST, &path, Some(&body))
        .await
        .unwrap();
    assert_problem(st, &v, 422, "statement_signature_invalid");
    w.app.rows().await.assert_same(&before, "refused ratings");

    // An interim rating, then the final one; the grade follows the score.
    let r: Value = tenderer.post(&path, &good).await.unwrap();
    assert_eq!(
        (r["grade"].as_str(), r["score"].as_str()),
        (Some("good"), Some("85.5"))
    );
    assert_eq!(r["winner_uscc"], c.winner.uscc);

    // The winner replies once (申辩), signed with its own certificate; nobody else does.
    let r: PerformanceRating = serde_json::from_value(r).unwrap();
    let reply_path = format!("{path}/{}/reply", r.id);
    let text = "文明施工整改已于当周完成，扣分依据不足。";
    let body = json!(sign_reply(&r, text, &creds(b.label)).unwrap());
    let before = w.app.rows().await;
    for (who, status, code) in [
        (&tenderer, 403, "forbidden"),
        (&regulator, 403, "forbidden"),
        (loser, 404, "not_found"),
    ] {
        let (st, v) = who
            .raw(Method::POST, &reply_path, Some(&body))
            .await
            .unwrap();
        assert_problem(st, &v, status, code);
    }
    let (st, v) = w.bidders[win]
        .client
        .raw(Method::POST, &format!("{path}/nope/reply"), Some(&body))
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    for bad in ["", " 空格 "] {
        let mut b2 = body.clone();
        b2["text"] = json!(bad);
        let (st, v) = w.bidders[win]
            .client
            .raw(Method::POST, &reply_path, Some(&b2))
            .await
            .unwrap();
        assert_problem(st, &v, 422, "validation_failed");
    }
    let as_tenderer = json!(sign_reply(&r, text, &creds("tenderer")).unwrap());
    let (st, v) = w.bidders[win]
        .client
        .raw(Method::POST, &reply_path, Some(&as_tenderer))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    w.app.rows().await.assert_same(&before, "refused replies");
    let replied = w.bidders[win]
        .client
        .reply_to_rating(&t, "BD01", &r, text, &creds(b.label))
        .await
        .unwrap();
    assert_eq!(replied.reply.as_ref().map(|x| x.text.as_str()), Some(text));
    assert_eq!(replied.reply_due, r.rated_at + chrono::Duration::days(15));
    let before = w.app.rows().await;
    let (st, v) = w.bidders[win]
        .client
        .raw(Method::POST, &reply_path, Some(&body))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    w.app.rows().await.assert_same(&before, "a second reply");

    // Two final ratings sent at once: one is given, the other refused — never a fault.
    let c = tenderer.contract(&t, "BD01").await.unwrap();
    let first = rate(&c, Phase::Completion, "92", "竣工验收合格，工期提前。");
    let second = rate(&c, Phase::Completion, "90", "竣工验收合格。");
    let other = w.app.enrol("tenderer").await;
    let (a, b2) = tokio::join!(
        tenderer.raw(Method::POST, &path, Some(&first)),
        other.raw(Method::POST, &path, Some(&second)),
    );
    let (a, b2) = (a.unwrap(), b2.unwrap());
    let mut statuses = [a.0.as_u16(), b2.0.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{a:?} {b2:?}");
    let fin: PerformanceRating =
        serde_json::from_value(if a.0.as_u16() == 201 { a.1 } else { b2.1 }).unwrap();
    assert_eq!(serde_json::to_value(fin.grade).unwrap(), "excellent");
    // Nothing follows the final rating.
    let before = w.app.rows().await;
    for phase in [Phase::Interim, Phase::Completion] {
        let c = tenderer.contract(&t, "BD01").await.unwrap();
        let (st, v) = tenderer
            .raw(
                Method::POST,
                &path,
                Some(&rate(&c, phase, "60", "补充评价")),
            )
            .await
            .unwrap();
        assert_problem(st, &v, 409, "conflict");
    }
    w.app
        .rows()
        .await
        .assert_same(&before, "a rating after the final one");

    // Its parties and regulators read them; a losing bidder does not.
    for who in [&tenderer, &w.bidders[win].client, &regulator] {
        let list = who.performance_ratings(&t, "BD01").await.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(serde_json::to_value(list[0].phase).unwrap(), "interim");
    }
    let (st, v) = loser.raw(Method::GET, &path, None).await.unwrap();
    assert_problem(st, &v, 404, "not_found");

    // A ban recorded against another candidate's bidder: in that candidate's credit record.
    let other = w.bidders.iter().find(|x| x.label != b.label).unwrap();
    let other_uscc = crate::helpers::pki().get(other.label).key.clone();
    ban(&w, &other_uscc).await;
    let d: Value =
        w.s.agent
            .get(&format!("/api/v1/tenders/{t}/sections/BD01/award/dossier"))
            .await
            .unwrap();
    let cands = d["candidates"].as_array().unwrap();
    let winner = cands
        .iter()
        .find(|x| x["bidder_uscc"] == c.winner.uscc)
        .unwrap();
    let ratings = winner["performance_ratings"].as_array().unwrap();
    let scores: Vec<&str> = ratings
        .iter()
        .map(|r| r["score"].as_str().unwrap())
        .collect();
    let final_score = fin.score.to_string();
    assert_eq!(scores, [final_score.as_str(), "85.5"], "newest first");
    assert_eq!(ratings[1]["reply"]["text"], text);
    assert!(ratings[0]["reply"].is_null());
    assert_eq!(winner["credit_record"]["bans"], json!([]));
    assert_eq!(
        (
            &winner["credit_record"]["grade"],
            &winner["credit_record"]["graded"]
        ),
        (&json!("b"), &json!(false))
    );
    assert_eq!(winner["credit_record"]["looks_back_years"], 3);
    if let Some(x) = cands
        .iter()
        .find(|x| x["bidder_uscc"] == other_uscc.as_str())
    {
        assert_eq!(x["performance_ratings"], json!([]));
        let bans = x["credit_record"]["bans"].as_array().unwrap();
        assert_eq!(bans.len(), 1, "{x}");
        assert_eq!(bans[0]["decision_no"], "潜住建罚〔2026〕9号");
        assert_eq!(x["credit_record"]["decisions"], json!([]));
        assert_eq!(
            (&x["credit_record"]["grade"], &x["credit_record"]["graded"]),
            (&json!("d"), &json!(true))
        );
    } else {
        panic!("the banned bidder {other_uscc} is not among the candidates: {d}");
    }

    // The final rating's 15 days run out: no reply after them.
    w.app.clock.set(fin.reply_due);
    w.relogin().await;
    let before = w.app.rows().await;
    let late = json!(sign_reply(&fin, "迟到的申辩", &creds(w.bidders[win].label)).unwrap());
    let (st, v) = w.bidders[win]
        .client
        .raw(
            Method::POST,
            &format!("{path}/{}/reply", fin.id),
            Some(&late),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "deadline_passed");
    w.app.rows().await.assert_same(&before, "a late reply");

    // The export verifies; the verifier refuses a rating altered, re-graded or repeated, and a
    // reply altered, repeated or late.
    let bundle = export(&w.app, Some(&t)).await;
    assert_eq!(count(&bundle, "contract_performance_rated"), 2);
    tamper(&bundle);
}

/// A regulator of a department of its own records a one-year ban on `uscc` from today and
/// grades it D.
async fn ban(w: &World, uscc: &str) {
    let admin = w.app.enrol("admin").await;
    let (st, v) = admin
        .raw(
            Method::PUT,
            "/api/v1/departments/QJ-ZJJ-CREDIT",
            Some(
                &json!({"name": "潜江市住房和城乡建设局", "kinds": ["房屋建筑和市政基础设施工程"]}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let officer = extra_person(7201, "officer-credit", vec![Role::Regulator]);
    let officer = w.app.enrol_ident(&officer).await;
    let id = crate::fixtures::id_of(&officer).await;
    let (st, v) = admin
        .raw(
            Method::PUT,
            &format!("/api/v1/departments/QJ-ZJJ-CREDIT/officers/{id}"),
            Some(&json!({"certificate_no": "鄂执 420009", "specialty": "招标投标监督"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let today = (w.app.clock.now() + chrono::Duration::hours(8)).date_naive();
    let body = json!({"uscc": uscc, "name": "某建设集团有限公司", "first_day": today,
        "years": 1, "decision_no": "潜住建罚〔2026〕9号",
        "legal_basis": "招标投标法实施条例第67条"});
    let (st, v) = officer
        .raw(Method::POST, "/api/v1/bidding-bans", Some(&body))
        .await
        .unwrap();
    assert_eq!(st, 201, "{v}");
    let (st, v) = officer
        .raw(
            Method::PUT,
            &format!("/api/v1/supervision/objects/organisation/{uscc}/grade"),
            Some(&json!({"grade": "d"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
}

/// The contracts rule passes the ratings as logged and names each tampering.
fn tamper(bundle: &etender::audit::bundle::Bundle) {
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_contracts::ContractsReplay;
    let scope = etender::audit::bundle::BundleScope::All;
    let good = entries(bundle);
    assert!(ContractsReplay.check(&scope, &good).is_empty());
    let at: Vec<usize> = good
        .iter()
        .enumerate()
        .filter(|(_, e)| e.leaf.event_type == "contract_performance_rated")
        .map(|(i, _)| i)
        .collect();
    let found = |es: &[etender::audit::verify::VerifiedEntry], what: &str| {
        let p = ContractsReplay.check(&scope, es);
        assert!(p.iter().any(|p| p.contains(what)), "{what}: {p:?}");
    };
    // The score in the entry raised: the document says otherwise.
    let mut es = good.clone();
    es[at[0]].body.as_mut().unwrap()["score"] = json!("95");
    found(&es, "document's score");
    // The document re-graded: it no longer hashes to the digest signed.
    let mut es = good.clone();
    let b = es[at[0]].body.as_mut().unwrap();
    let doc = b["document"]
        .as_str()
        .unwrap()
        .replace("\"good\"", "\"excellent\"");
    b["document"] = json!(doc);
    found(&es, "does not hash");
    // Digest and document both rewritten: the grade is not the score's, and the signature fails.
    let mut es = good.clone();
    let b = es[at[0]].body.as_mut().unwrap();
    b["document"] = json!(doc);
    b["digest"] = json!(etender::audit::sha256_hex(doc.as_bytes()));
    found(&es, "document's grade");
    found(&es, "signature does not verify");
    // A second final rating.
    let mut es = good.clone();
    es.push(es[at[1]].clone());
    found(&es, "after the final one");
    let reply = good
        .iter()
        .position(|e| e.leaf.event_type == "contract_performance_replied")
        .unwrap();
    let mut es = good.clone();
    let b = es[reply].body.as_mut().unwrap();
    b["document"] = json!(b["document"]
        .as_str()
        .unwrap()
        .replace("依据不足", "依据充分"));
    found(&es, "reply whose document does not hash");
    let mut es = good.clone();
    es.push(es[reply].clone());
    found(&es, "a second reply");
    let mut es = good.clone();
    es[reply].leaf.occurred_at = "2099-01-01T00:00:00.000000Z".into();
    found(&es, "after its 15 days");
    let mut es = good.clone();
    let cert = es[at[0]].body.as_ref().unwrap()["certificate"].clone();
    es[reply].body.as_mut().unwrap()["certificate"] = cert;
    found(&es, "not its organisation's");
}

#[tokio::test]
async fn a_terminated_contract_takes_its_final_rating_and_no_other() {
    let (w, _, win) = drafted().await;
    let t = w.t().to_string();
    sign(&w, win).await;
    let tenderer = w.app.enrol("tenderer").await;
    let b = &w.bidders[win];
    let term = tenderer
        .propose_contract_change(
            &t,
            "BD01",
            &ProposeChangeRequest {
                kind: ChangeKind::Termination,
                reason: "supplier_breach".into(),
                note: "承包人严重拖延工期".into(),
                terms: None,
            },
        )
        .await
        .unwrap();
    tenderer
        .sign_contract_change(&t, "BD01", &term.id, &creds("tenderer"))
        .await
        .unwrap();
    let c = b
        .client
        .sign_contract_change(&t, "BD01", &term.id, &creds(b.label))
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(c.state).unwrap(), "terminated");
    let before = w.app.rows().await;
    let body = json!(sign_rating(
        &c,
        Phase::Interim,
        dec("40"),
        "工期严重滞后",
        &creds("tenderer")
    )
    .unwrap());
    let (st, v) = tenderer
        .raw(Method::POST, &ratings_path(&t), Some(&body))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    w.app
        .rows()
        .await
        .assert_same(&before, "an interim rating after the end");
    let r = tenderer
        .rate_performance(
            &t,
            "BD01",
            Phase::Completion,
            dec("40"),
            "工期严重滞后，合同解除。",
            &creds("tenderer"),
        )
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(r.grade).unwrap(), "unqualified");
    let bundle = export(&w.app, Some(&t)).await;
    assert_eq!(count(&bundle, "contract_performance_rated"), 1);
}

/// 履约完成: the tenderer's side records, signed, that the works were completed and accepted;
/// the contract becomes `completed` — no interim rating, change or second completion after
/// it, the final rating still — and its OCDS release says it is no longer in force. Wrong
/// roles, wrong states, dates outside the signing and today, foreign certificates and forged
/// signatures change nothing; the verifier checks the completion and names each tampering.
#[tokio::test]
async fn a_performed_contract_is_completed_once_by_the_tenderer_and_then_only_rated() {
    let (mut w, draft, win) = drafted().await;
    let t = w.t().to_string();
    let path = format!("{}/completion", contract_path(&t, "BD01"));
    let tenderer = w.app.enrol("tenderer").await;
    let today = etender::domain::schedule::legal_date(w.app.clock.now());
    let complete = |c: &Contract, on: chrono::NaiveDate, remarks: &str, label: &str| {
        json!(sign_completion(c, on, remarks, &creds(label)).unwrap())
    };
    let remarks = "工程于竣工验收合格，各方签署竣工验收报告。";

    // A draft is not completed.
    let before = w.app.rows().await;
    let (st, v) = tenderer
        .raw(
            Method::POST,
            &path,
            Some(&complete(&draft, today, remarks, "tenderer")),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    w.app.rows().await.assert_same(&before, "a draft completed");
    let c = sign(&w, win).await;

    // Two months later (the test certificates last a year), the works are accepted.
    w.app
        .clock
        .set(w.app.clock.now() + chrono::Duration::days(60));
    w.relogin().await;
    let tenderer = w.app.enrol("tenderer").await;
    let today = etender::domain::schedule::legal_date(w.app.clock.now());
    let accepted = today - chrono::Duration::days(3);
    let good = complete(&c, accepted, remarks, "tenderer");
    let loser = &w.bidders[(win + 1) % w.bidders.len()].client;
    let regulator = w.app.enrol("regulator").await;
    let before = w.app.rows().await;
    for (who, status, code) in [
        (&w.bidders[win].client, 403, "forbidden"),
        (&regulator, 403, "forbidden"),
        (loser, 404, "not_found"),
    ] {
        let (st, v) = who.raw(Method::POST, &path, Some(&good)).await.unwrap();
        assert_problem(st, &v, status, code);
    }
    let (st, v) = w
        .app
        .client()
        .raw(Method::POST, &path, Some(&good))
        .await
        .unwrap();
    assert_problem(st, &v, 401, "unauthenticated");
    let signed_on = etender::domain::schedule::legal_date(c.signed_at.unwrap());
    for (on, text, field) in [
        (
            signed_on - chrono::Duration::days(1),
            remarks,
            "completed_on",
        ),
        (today + chrono::Duration::days(1), remarks, "completed_on"),
        (accepted, "", "remarks"),
        (accepted, " 前后空格 ", "remarks"),
    ] {
        let mut body = good.clone();
        body["completed_on"] = json!(on);
        body["remarks"] = json!(text);
        let (st, v) = tenderer
            .raw(Method::POST, &path, Some(&body))
            .await
            .unwrap();
        assert_problem(st, &v, 422, "validation_failed");
        assert!(v["errors"].to_string().contains(field), "{field}: {v}");
    }
    // Signed with the winner's certificate; signed over other remarks; a forged signature.
    let (st, v) = tenderer
        .raw(
            Method::POST,
            &path,
            Some(&complete(&c, accepted, remarks, w.bidders[win].label)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let mut other = good.clone();
    other["remarks"] = json!("另一份说明");
    let (st, v) = tenderer
        .raw(Method::POST, &path, Some(&other))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    let mut forged = good.clone();
    let fake = complete(
        &c,
        accepted - chrono::Duration::days(1),
        remarks,
        "tenderer",
    );
    forged["signature"]["signature"] = fake["signature"]["signature"].clone();
    let (st, v) = tenderer
        .raw(Method::POST, &path, Some(&forged))
        .await
        .unwrap();
    assert_problem(st, &v, 422, "statement_signature_invalid");
    let (st, _) = tenderer
        .raw(
            Method::POST,
            &path,
            Some(&json!({"completed_on": "yesterday"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 400);
    w.app
        .rows()
        .await
        .assert_same(&before, "refused completions");

    // Completed: the winner is told; the contract shows the record.
    let mails = w.app.rows().await.get("mail_outbox");
    let done = tenderer
        .complete_contract(&t, "BD01", accepted, remarks, &creds("tenderer"))
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(done.state).unwrap(), "completed");
    let k = done.completion.as_ref().unwrap();
    assert_eq!((k.completed_on, k.remarks.as_str()), (accepted, remarks));
    assert_eq!(w.app.rows().await.get("mail_outbox"), mails + 1);
    let seen = w.bidders[win].client.contract(&t, "BD01").await.unwrap();
    assert_eq!(seen.completion.unwrap().digest, k.digest);

    // Nothing changes it after; the final rating still comes.
    let before = w.app.rows().await;
    let (st, v) = tenderer
        .raw(
            Method::POST,
            &path,
            Some(&complete(&done, accepted, remarks, "tenderer")),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    let interim =
        json!(sign_rating(&done, Phase::Interim, dec("90"), "良好", &creds("tenderer")).unwrap());
    let (st, v) = tenderer
        .raw(Method::POST, &ratings_path(&t), Some(&interim))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    let (st, v) = tenderer
        .raw(
            Method::POST,
            &format!("{}/changes", contract_path(&t, "BD01")),
            Some(&json!({"kind": "termination", "reason": "supplier_breach",
                "note": "竣工后解除"})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    w.app
        .rows()
        .await
        .assert_same(&before, "a completed contract changed");
    tenderer
        .rate_performance(
            &t,
            "BD01",
            Phase::Completion,
            dec("92"),
            "按期竣工，质量优良。",
            &creds("tenderer"),
        )
        .await
        .unwrap();

    // The OCDS release: no longer in force.
    let package: Value = w
        .app
        .client()
        .get(&format!("/api/v1/ocds/tenders/{t}"))
        .await
        .unwrap();
    let ended: Vec<&Value> = package["releases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["tag"] == json!(["contractTermination"]))
        .collect();
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0]["contracts"][0]["status"], "terminated");

    // The verifier.
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_contracts::ContractsReplay;
    let bundle = export(&w.app, Some(&t)).await;
    assert_eq!(count(&bundle, "contract_completed"), 1);
    let scope = etender::audit::bundle::BundleScope::All;
    let good = entries(&bundle);
    assert!(ContractsReplay.check(&scope, &good).is_empty());
    let at = good
        .iter()
        .position(|e| e.leaf.event_type == "contract_completed")
        .unwrap();
    let found = |es: &[etender::audit::verify::VerifiedEntry], what: &str| {
        let p = ContractsReplay.check(&scope, es);
        assert!(p.iter().any(|p| p.contains(what)), "{what}: {p:?}");
    };
    let mut es = good.clone();
    es[at].body.as_mut().unwrap()["completed_on"] = json!("2020-01-01");
    found(&es, "document's completed_on");
    let mut es = good.clone();
    let b = es[at].body.as_mut().unwrap();
    let doc = b["document"].as_str().unwrap().replace("合格", "不合格");
    b["document"] = json!(doc);
    found(&es, "does not hash");
    b_digest_and_signature(&good, at, &doc, &found);
    // A second completion, and an interim rating after it.
    let mut es = good.clone();
    es.push(es[at].clone());
    found(&es, "after the contract ended");
    let rated = good
        .iter()
        .position(|e| e.leaf.event_type == "contract_performance_rated")
        .unwrap();
    let mut es = good.clone();
    let mut interim = es[rated].clone();
    interim.body.as_mut().unwrap()["phase"] = json!("interim");
    es.push(interim);
    found(&es, "after the contract ended");
}

/// The completion's document and digest both rewritten: the signature no longer verifies.
fn b_digest_and_signature(
    good: &[etender::audit::verify::VerifiedEntry],
    at: usize,
    doc: &str,
    found: &dyn Fn(&[etender::audit::verify::VerifiedEntry], &str),
) {
    let mut es = good.to_vec();
    let b = es[at].body.as_mut().unwrap();
    b["document"] = json!(doc);
    b["digest"] = json!(etender::audit::sha256_hex(doc.as_bytes()));
    found(&es, "signature does not verify");
}
