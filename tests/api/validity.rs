//! 投标有效期 (docs/BIDDING.md, "Bid validity"): the tender's side asks the section's bidders
//! to extend their bids' validity; each answers signed — agreeing extends it, declining (or
//! silence past the due time) makes the bid lapse and its bond due back; a lapsed bid cannot be
//! named winner nor sent a 中标通知书. Wrong roles, bad bodies, late and second answers change
//! nothing; the offline verifier checks every step.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use reqwest::Method;
use serde_json::json;

use crate::award::evaluated_on;
use crate::award_notices::{agent_creds, drive};
use crate::committee::World;
use crate::contracts::{count, creds, entries, export};
use crate::helpers::{assert_problem, TestApp};
use etender::audit::verify::Rule as _;
use etender::audit::verify_validity::ValidityReplay;
use etender::client::validity::{sign_answer, validity_path};
use etender::wire::award::SectionAward;
use etender::wire::award_publicity::AwardWinnerRequest;
use etender::wire::validity::{SectionValidity, ValidityExtension};

async fn traditional() -> World {
    evaluated_on(
        TestApp::spawn().await,
        json!({"kind": "traditional", "candidates": 2}),
    )
    .await
}

fn request_body(new_end: DateTime<Utc>, due: DateTime<Utc>, reason: &str) -> serde_json::Value {
    json!({"new_end": new_end, "answer_due": due, "reason": reason})
}

/// Each bidder's own view: (bidder index, the one extension entry it sees) for the newest
/// extension.
async fn own_views(w: &World) -> Vec<(usize, ValidityExtension)> {
    let mut out = Vec::new();
    for (i, b) in w.bidders.iter().enumerate() {
        let v = b.client.bid_validity(w.t(), "BD01").await.unwrap();
        if let Some(x) = v.extensions.last() {
            assert_eq!(x.asked.len(), 1, "a bidder sees its own bid only: {x:?}");
            out.push((i, x.clone()));
        }
    }
    out
}

fn holder(views: &[(usize, ValidityExtension)], bid: &str) -> (usize, ValidityExtension) {
    views
        .iter()
        .find(|(_, x)| x.asked[0].bid == bid)
        .cloned()
        .expect("every bid asked")
}

#[tokio::test]
async fn bidders_extend_or_decline_and_a_lapsed_bid_is_never_awarded() {
    let mut w = traditional().await;
    let t = w.t().to_string();
    let ext_path = format!("{}/extensions", validity_path(&t, "BD01"));
    // The candidates' publicity runs while the bidders are asked.
    let published: SectionAward =
        w.s.agent
            .post(
                &format!("/api/v1/tenders/{t}/sections/BD01/award/publicity"),
                &json!({}),
            )
            .await
            .unwrap();
    let publicity_until = published.publicity_until.unwrap();
    let v0 = w.s.agent.bid_validity(&t, "BD01").await.unwrap();
    assert!(v0.extensions.is_empty());
    assert_eq!(v0.current_end, v0.base_end);
    let now = w.app.clock_now().trunc_subsecs(6);
    assert!(v0.base_end > now);
    let new_end = v0.current_end + Duration::days(30);
    let due = now + Duration::days(3);
    let body = request_body;

    // Bad bodies, wrong roles: each a clear error, nothing written.
    let before = w.app.rows().await;
    for (b, field) in [
        (body(v0.current_end, due, "投诉处理中"), "new_end"),
        (
            body(v0.current_end + Duration::days(181), due, "投诉处理中"),
            "new_end",
        ),
        (
            body(new_end, now - Duration::hours(1), "投诉处理中"),
            "answer_due",
        ),
        (
            body(new_end, v0.current_end + Duration::hours(1), "投诉处理中"),
            "answer_due",
        ),
        (body(new_end, due, "  "), "reason"),
        (body(new_end, due, "投诉\u{0}处理"), "reason"),
    ] {
        let (st, v) =
            w.s.agent
                .raw(Method::POST, &ext_path, Some(&b))
                .await
                .unwrap();
        assert_problem(st, &v, 422, "validation_failed");
        assert!(v["errors"].to_string().contains(field), "{field}: {v}");
    }
    let mut extra = body(new_end, due, "投诉处理中");
    extra["bids"] = json!([]);
    let (st, v) =
        w.s.agent
            .raw(Method::POST, &ext_path, Some(&extra))
            .await
            .unwrap();
    assert_eq!(st, 400, "{v}");
    let good = body(new_end, due, "投诉处理中，评标结果暂停公示");
    let (st, v) = w.bidders[0]
        .client
        .raw(Method::POST, &ext_path, Some(&good))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let (st, v) = w
        .app
        .client()
        .raw(Method::POST, &ext_path, Some(&good))
        .await
        .unwrap();
    assert_problem(st, &v, 401, "unauthenticated");
    let (st, v) =
        w.s.agent
            .raw(
                Method::POST,
                &format!("/api/v1/tenders/{t}/sections/BD99/bid-validity/extensions"),
                Some(&good),
            )
            .await
            .unwrap();
    assert_problem(st, &v, 404, "not_found");
    w.app
        .rows()
        .await
        .assert_same(&before, "refused extension requests");

    // The request asks every opened bid and mails each bidder; two sent at once give one
    // extension and one `conflict` (one is open at a time), never a fault.
    let mails = w.app.rows().await.get("mail_outbox");
    let other = w.app.enrol("agent").await;
    let (a, b) = tokio::join!(
        w.s.agent.raw(Method::POST, &ext_path, Some(&good)),
        other.raw(Method::POST, &ext_path, Some(&good)),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut statuses = [a.0.as_u16(), b.0.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{a:?} {b:?}");
    let refused = if a.0.as_u16() == 409 { &a.1 } else { &b.1 };
    assert_eq!(refused["code"], "conflict", "{refused}");
    let v: SectionValidity =
        serde_json::from_value(if a.0.as_u16() == 201 { a.1 } else { b.1 }).unwrap();
    let x = &v.extensions[0];
    assert_eq!(x.asked.len(), w.bids.len());
    assert_eq!((x.previous_end, x.new_end), (v0.base_end, new_end));
    assert_eq!(v.current_end, new_end);
    assert_eq!(
        w.app.rows().await.get("mail_outbox"),
        mails + w.bids.len() as i64
    );
    let before = w.app.rows().await;
    let (st, v) =
        w.s.agent
            .raw(Method::POST, &ext_path, Some(&good))
            .await
            .unwrap();
    assert_problem(st, &v, 409, "conflict");
    w.app
        .rows()
        .await
        .assert_same(&before, "a second open extension");

    // Readers: each bidder its own bid; an expert nothing.
    let views = own_views(&w).await;
    assert_eq!(views.len(), w.bids.len());
    let expert = w.app.enrol("expert").await;
    let (st, v) = expert
        .raw(Method::GET, &validity_path(&t, "BD01"), None)
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    let regulator = w.app.enrol("regulator").await;
    let seen = regulator.bid_validity(&t, "BD01").await.unwrap();
    assert_eq!(seen.extensions[0].asked.len(), w.bids.len());

    // bids[0] agrees, bids[1] declines, bids[2] stays silent.
    let (first, x0) = holder(&views, &w.bids[0]);
    let (second, x1) = holder(&views, &w.bids[1]);
    let answer_path = format!("{ext_path}/{}/answer", x0.id);
    let before = w.app.rows().await;
    // Another bidder's certificate, a signature over the other answer, someone not asked.
    let foreign = json!(sign_answer(&x1, false, &creds(w.bidders[first].label)).unwrap());
    let (st, v) = w.bidders[second]
        .client
        .raw(Method::POST, &answer_path, Some(&foreign))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "certificate_subject_mismatch");
    let mut forged = json!(sign_answer(&x1, true, &creds(w.bidders[second].label)).unwrap());
    forged["agree"] = json!(false);
    let (st, v) = w.bidders[second]
        .client
        .raw(Method::POST, &answer_path, Some(&forged))
        .await
        .unwrap();
    assert_problem(st, &v, 422, "statement_signature_invalid");
    let (st, v) =
        w.s.agent
            .raw(Method::POST, &answer_path, Some(&forged))
            .await
            .unwrap();
    assert_problem(st, &v, 404, "not_found");
    w.app.rows().await.assert_same(&before, "refused answers");

    let agreed = w.bidders[first]
        .client
        .answer_validity_extension(&x0, true, &creds(w.bidders[first].label))
        .await
        .unwrap();
    let mine = &agreed.extensions[0].asked[0];
    assert!(mine.answer.as_ref().unwrap().agree);
    assert_eq!(mine.valid_until, new_end);
    let before = w.app.rows().await;
    let again = json!(sign_answer(&x0, true, &creds(w.bidders[first].label)).unwrap());
    let (st, v) = w.bidders[first]
        .client
        .raw(Method::POST, &answer_path, Some(&again))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    w.app.rows().await.assert_same(&before, "a second answer");

    let declined = w.bidders[second]
        .client
        .answer_validity_extension(&x1, false, &creds(w.bidders[second].label))
        .await
        .unwrap();
    assert!(declined.extensions[0].asked[0].ended);
    let refunds = w.bidders[second].client.my_bond_refunds().await.unwrap();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(
        serde_json::to_value(refunds[0].ground).unwrap(),
        "validity_declined"
    );
    assert!(w.bidders[first]
        .client
        .my_bond_refunds()
        .await
        .unwrap()
        .is_empty());

    // Once the publicity and the answers are over, a declined candidate is not named winner;
    // a late answer is refused.
    w.app
        .clock
        .set(publicity_until.max(due) + Duration::seconds(1));
    w.relogin().await;
    let before = w.app.rows().await;
    let (st, v) =
        w.s.agent
            .raw(
                Method::POST,
                &format!("/api/v1/tenders/{t}/sections/BD01/award/winner"),
                Some(&json!({"winner": w.bids[1], "reason": "报价更低"})),
            )
            .await
            .unwrap();
    assert_problem(st, &v, 409, "bid_validity_ended");
    w.app.rows().await.assert_same(&before, "a lapsed winner");

    // The deadline watch closes the extension: the silent bid lapses, its bond is due back.
    let third = (0..w.bidders.len())
        .find(|i| *i != first && *i != second)
        .unwrap();
    let x2 = views.iter().find(|(i, _)| *i == third).unwrap().1.clone();
    let late = json!(sign_answer(&x2, true, &creds(w.bidders[third].label)).unwrap());
    let (st, v) = w.bidders[third]
        .client
        .raw(
            Method::POST,
            &format!("{ext_path}/{}/answer", x2.id),
            Some(&late),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "deadline_passed");
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    let after: SectionValidity = w.s.agent.bid_validity(&t, "BD01").await.unwrap();
    let x = &after.extensions[0];
    assert!(x.closed_at.is_some());
    let ended: Vec<bool> = w
        .bids
        .iter()
        .map(|b| x.asked.iter().find(|a| &a.bid == b).unwrap().ended)
        .collect();
    assert_eq!(ended, vec![false, true, true]);
    let refunds = w.bidders[third].client.my_bond_refunds().await.unwrap();
    assert_eq!(refunds.len(), 1);
    // The award dossier shows each candidate's validity.
    let dossier = w.s.agent.award_dossier(&t, "BD01").await.unwrap();
    let shown: Vec<(String, bool)> = dossier
        .candidates
        .iter()
        .map(|c| (c.bid_id.clone(), c.bid_validity_ended))
        .collect();
    assert_eq!(
        shown,
        vec![(w.bids[0].clone(), false), (w.bids[1].clone(), true)]
    );
    assert_eq!(dossier.candidates[0].bid_valid_until, new_end);
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    assert_eq!(
        w.bidders[third]
            .client
            .my_bond_refunds()
            .await
            .unwrap()
            .len(),
        1
    );

    // The bid that agreed is awarded and notified; afterwards nothing is extended.
    w.s.agent
        .award_winner(
            &t,
            "BD01",
            &AwardWinnerRequest {
                winner: w.bids[0].clone(),
                reason: None,
            },
        )
        .await
        .unwrap();
    w.s.agent
        .issue_notices(&t, "BD01", &agent_creds())
        .await
        .unwrap();
    let later = w.app.clock_now() + Duration::days(1);
    let (st, v) =
        w.s.agent
            .raw(
                Method::POST,
                &ext_path,
                Some(&body(new_end + Duration::days(10), later, "再次延长")),
            )
            .await
            .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");

    // The export verifies; tampering is named.
    let bundle = export(&w.app, Some(&t)).await;
    assert_eq!(count(&bundle, "bid_validity_answered"), 2);
    assert_eq!(count(&bundle, "bid_validity_extension_closed"), 1);
    tamper(&bundle, &w.bids);
}

fn tamper(bundle: &etender::audit::bundle::Bundle, bids: &[String]) {
    let scope = etender::audit::bundle::BundleScope::All;
    let good = entries(bundle);
    assert!(ValidityReplay.check(&scope, &good).is_empty());
    let at = |ty: &str| -> Vec<usize> {
        good.iter()
            .enumerate()
            .filter(|(_, e)| e.leaf.event_type == ty)
            .map(|(i, _)| i)
            .collect()
    };
    let found = |es: &[etender::audit::verify::VerifiedEntry], what: &str| {
        let p = ValidityReplay.check(&scope, es);
        assert!(p.iter().any(|p| p.contains(what)), "{what}: {p:?}");
    };
    let answered = at("bid_validity_answered");
    // An agreement turned into a refusal: the document no longer matches, nor the signature.
    let mut es = good.clone();
    es[answered[0]].body.as_mut().unwrap()["agree"] = json!(false);
    found(&es, "answer document is not the one");
    // The document rewritten to match, with its digest: the signature fails.
    let mut es = good.clone();
    let b = es[answered[0]].body.as_mut().unwrap();
    let flipped = b["document"]
        .as_str()
        .unwrap()
        .replace("\"agree\":true", "\"agree\":false");
    b["agree"] = json!(false);
    b["document"] = json!(flipped);
    b["digest"] = json!(etender::audit::sha256_hex(flipped.as_bytes()));
    found(&es, "signature does not verify");
    // An answer repeated.
    let mut es = good.clone();
    es.insert(answered[0] + 1, es[answered[0]].clone());
    found(&es, "answered twice");
    // The close hides the silent bid.
    let closed = at("bid_validity_extension_closed")[0];
    let mut es = good.clone();
    es[closed].body.as_mut().unwrap()["silent"] = json!([]);
    found(&es, "answers other than the chain shows");
    // A request whose answers are due after the end it extends.
    let requested = at("bid_validity_extension_requested")[0];
    let mut es = good.clone();
    let b = es[requested].body.as_mut().unwrap();
    b["answer_due"] = json!(b["new_end"].clone());
    found(&es, "which the rules do not allow");
    // A request from another stated validity, or extending another end than the stated one.
    let mut es = good.clone();
    let b = es[requested].body.as_mut().unwrap();
    b["base_end"] = json!("2030-01-01T00:00:00Z");
    found(&es, "other than the tender states");
    let mut es = good.clone();
    let b = es[requested].body.as_mut().unwrap();
    b["previous_end"] = json!("2030-01-01T00:00:00Z");
    found(&es, "not the stated one");
    // The notices sent to the bid that declined.
    let notices = at("award_notices_issued")[0];
    let mut es = good.clone();
    es[notices].body.as_mut().unwrap()["winner"] = json!(bids[1]);
    found(&es, "whose validity ended");
}

#[tokio::test]
async fn a_bid_whose_validity_ran_out_gets_no_notice_and_cannot_be_extended() {
    let mut w = traditional().await;
    let t = w.t().to_string();
    let until = drive(&w, &w.bids[0], None).await;
    let v = w.s.agent.bid_validity(&t, "BD01").await.unwrap();
    assert!(v.base_end > until);
    w.app.clock.set(v.base_end + Duration::seconds(1));
    w.relogin().await;
    let before = w.app.rows().await;
    let err =
        w.s.agent
            .issue_notices(&t, "BD01", &agent_creds())
            .await
            .unwrap_err();
    assert!(err.to_string().contains("bid_validity_ended"), "{err}");
    let now = w.app.clock_now();
    let (st, body) =
        w.s.agent
            .raw(
                Method::POST,
                &format!("{}/extensions", validity_path(&t, "BD01")),
                Some(&json!({"new_end": now + Duration::days(30),
                "answer_due": now + Duration::days(2), "reason": "评标延误"})),
            )
            .await
            .unwrap();
    assert_problem(st, &body, 409, "bid_validity_ended");
    w.app.rows().await.assert_same(&before, "a lapsed section");
}

/// A tender never published has no bids to extend (found by the schema fuzzer: it was a 500).
#[tokio::test]
async fn a_draft_tender_has_no_validity_to_extend() {
    let app = TestApp::spawn().await;
    let s = crate::fixtures::draft_tender(&app, 30).await;
    let now = app.clock_now();
    let before = app.rows().await;
    let (st, v) = s
        .agent
        .raw(
            Method::POST,
            &format!("{}/extensions", validity_path(&s.tender, "BD01")),
            Some(&request_body(
                now + Duration::days(120),
                now + Duration::days(2),
                "",
            )),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    let (st, v) = s
        .agent
        .raw(Method::GET, &validity_path(&s.tender, "BD01"), None)
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    app.rows().await.assert_same(&before, "a draft's extension");
}

/// 评定分离: the 定标会议 decides among the candidates still valid when it is convened. A
/// candidate whose bidder declined the extension is not among the ballot's choices (naming it
/// is `not_a_candidate`), the convening logs it as lapsed, and the verifier holds the convened
/// setup to exactly the candidates the chain shows still valid then.
#[tokio::test]
async fn a_separated_deciding_leaves_out_a_lapsed_candidate() {
    use crate::award_rounds::{ballot, cast, cast_as, chain_verifies, deciding_by, open_step};
    let a = deciding_by(json!({"kind": "direct_vote"}), 5).await;
    let t = a.w.t().to_string();
    let v0 = a.w.s.agent.bid_validity(&t, "BD01").await.unwrap();
    let now = a.w.app.clock_now().trunc_subsecs(6);
    let asked: SectionValidity =
        a.w.s
            .agent
            .post(
                &format!("{}/extensions", validity_path(&t, "BD01")),
                &request_body(
                    v0.current_end + Duration::days(30),
                    now + Duration::days(3),
                    "定标会议推迟",
                ),
            )
            .await
            .unwrap();
    assert_eq!(asked.extensions[0].asked.len(), a.w.bids.len());
    let views = own_views(&a.w).await;
    let lapsed = a.candidates[1].clone();
    for bid in &a.candidates {
        let (i, x) = holder(&views, bid);
        let b = &a.w.bidders[i];
        b.client
            .answer_validity_extension(&x, *bid != lapsed, &creds(b.label))
            .await
            .unwrap();
    }

    let convened: serde_json::Value =
        a.w.s
            .agent
            .post(&format!("{}/deciding", a.base()), &json!({}))
            .await
            .unwrap();
    assert_eq!(convened["members"].as_array().unwrap().len(), 5);
    let (step, among) = open_step(&a, "vote", "ballot").await;
    let mut valid: Vec<String> = a
        .candidates
        .iter()
        .filter(|b| **b != lapsed)
        .cloned()
        .collect();
    valid.sort();
    assert_eq!(among, valid);
    let before = a.w.app.rows().await;
    let m = &a.pool[0];
    let (st, v) = cast_as(
        &a,
        &m.client,
        &m.person,
        &m.ident,
        &step,
        &ballot(&[&lapsed]),
    )
    .await;
    assert_problem(st, &v, 422, "not_a_candidate");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "a ballot for a lapsed bid");
    for m in &a.pool {
        cast(&a, m, &step, &ballot(&[&valid[0]])).await;
    }
    let award = a.award().await;
    assert_eq!(award["stage"], "reporting", "{award}");
    assert_eq!(award["winner"], valid[0].as_str());

    // The chain verifies; a setup with the lapsed bid back in, or a valid one left out, is named.
    let good = chain_verifies(&a).await;
    let at = good
        .iter()
        .position(|e| {
            e.leaf.event_type == "award_step_opened" && e.body.as_ref().unwrap()["convened"] == true
        })
        .unwrap();
    let body = good[at].body.as_ref().unwrap();
    assert_eq!(body["lapsed"], json!([lapsed]), "{body}");
    let scope = etender::audit::bundle::BundleScope::All;
    assert!(ValidityReplay.check(&scope, &good).is_empty());
    for candidates in [a.candidates.clone(), vec![valid[0].clone()]] {
        let mut es = good.clone();
        es[at].body.as_mut().unwrap()["setup"]["candidates"] = json!(candidates);
        let p = ValidityReplay.check(&scope, &es);
        assert!(
            p.iter()
                .any(|p| p.contains("not among the candidates still in the running")),
            "{candidates:?}: {p:?}"
        );
    }
}

/// With every candidate's validity run out, there is nobody to decide among: convening is
/// refused and nothing changes.
#[tokio::test]
async fn a_deciding_with_every_candidate_lapsed_is_not_convened() {
    let mut a = crate::award_rounds::deciding_by(json!({"kind": "direct_vote"}), 5).await;
    let t = a.w.t().to_string();
    let v = a.w.s.agent.bid_validity(&t, "BD01").await.unwrap();
    a.w.app.clock.set(v.base_end + Duration::seconds(1));
    a.w.relogin().await;
    let before = a.w.app.rows().await;
    let (st, body) =
        a.w.s
            .agent
            .raw(
                Method::POST,
                &format!("{}/deciding", a.base()),
                Some(&json!({})),
            )
            .await
            .unwrap();
    assert_problem(st, &body, 409, "bid_validity_ended");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "a deciding of lapsed bids");
    assert_eq!(a.award().await["stage"], "deciding");
}

/// Before the validity in force ends, the tenderer and its agent are reminded (`[validity]
/// reminder_days_before`, 7 and 2 days), once each, while an extension can still be asked: not
/// while one is open, and an agreed extension's new end gets its own reminders. Driven by the
/// clock; every reminder is logged and the chain verifies.
#[tokio::test]
async fn the_tender_side_is_reminded_before_the_validity_in_force_ends() {
    let mut w = traditional().await;
    let t = w.t().to_string();
    let mails = |r: &crate::helpers::Rows| r.get("mail_outbox");
    async fn tick(w: &World) {
        etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    }
    let v0 = w.s.agent.bid_validity(&t, "BD01").await.unwrap();
    let end = v0.current_end;
    assert!(w.app.clock_now() < end - Duration::days(7));
    // Far from the end: nothing.
    let m0 = mails(&w.app.rows().await);
    tick(&w).await;
    assert_eq!(mails(&w.app.rows().await), m0);
    // Seven days before: the tenderer and the agent, once.
    w.app.clock.set(end - Duration::days(7));
    tick(&w).await;
    let m1 = mails(&w.app.rows().await);
    assert_eq!(m1, m0 + 2);
    tick(&w).await;
    assert_eq!(mails(&w.app.rows().await), m1);
    // An extension is asked: while it is open, no reminder, though the second one's day comes.
    w.relogin().await;
    let new_end = end + Duration::days(30);
    let due = end - Duration::days(1);
    let asked: SectionValidity =
        w.s.agent
            .post(
                &format!("{}/extensions", validity_path(&t, "BD01")),
                &request_body(new_end, due, "评标尚未结束"),
            )
            .await
            .unwrap();
    assert_eq!(asked.extensions.len(), 1);
    let m2 = mails(&w.app.rows().await);
    w.app.clock.set(end - Duration::days(2));
    tick(&w).await;
    assert_eq!(mails(&w.app.rows().await), m2);
    // Every bidder agrees; once the answers are due the extension closes and the new end is in
    // force: nothing until seven days before it.
    w.relogin().await;
    for (i, x) in own_views(&w).await {
        let b = &w.bidders[i];
        b.client
            .answer_validity_extension(&x, true, &creds(b.label))
            .await
            .unwrap();
    }
    w.app.clock.set(due + Duration::seconds(1));
    tick(&w).await;
    assert_eq!(mails(&w.app.rows().await), m2);
    w.app.clock.set(new_end - Duration::days(7));
    tick(&w).await;
    assert_eq!(mails(&w.app.rows().await), m2 + 2);

    let bundle = export(&w.app, Some(&t)).await;
    let sent: Vec<(String, u64)> = entries(&bundle)
        .iter()
        .filter(|e| e.leaf.event_type == "bid_validity_reminder_sent")
        .map(|e| {
            let b = e.body.as_ref().unwrap();
            assert_eq!(e.leaf.actor_role, "system");
            assert_eq!(b["valid_bids"], w.bids.len(), "{b}");
            let at: DateTime<Utc> = serde_json::from_value(b["end"].clone()).unwrap();
            (at.to_rfc3339(), b["reminder"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(sent, vec![(end.to_rfc3339(), 1), (new_end.to_rfc3339(), 1)]);
}

/// A winner dropping out is followed by the next candidate whose bid is still valid: one that
/// declined the extension is passed over (the entry lists it as `lapsed`). A winner whose
/// validity ended drops out for `validity_lapsed` — refused while its bid is valid, nothing
/// changed — and with no valid candidate left the section is tendered again. The verifier
/// replays both and names a tampered `lapsed`, reason or next winner.
#[tokio::test]
async fn a_drop_out_passes_over_lapsed_candidates_and_a_lapsed_winner_can_drop_out() {
    let mut w = evaluated_on(
        TestApp::spawn().await,
        json!({"kind": "traditional", "candidates": 3}),
    )
    .await;
    let t = w.t().to_string();
    let bids = w.bids.clone();
    let award_path = format!("/api/v1/tenders/{t}/sections/BD01/award");
    let published: SectionAward =
        w.s.agent
            .post(&format!("{award_path}/publicity"), &json!({}))
            .await
            .unwrap();
    assert_eq!(published.candidates, bids);
    // bids[0] and bids[2] agree to an extension, bids[1] declines.
    let now = w.app.clock_now().trunc_subsecs(6);
    let v0 = w.s.agent.bid_validity(&t, "BD01").await.unwrap();
    let new_end = v0.current_end + Duration::days(30);
    let due = now + Duration::days(3);
    w.s.agent
        .post::<SectionValidity, _>(
            &format!("{}/extensions", validity_path(&t, "BD01")),
            &request_body(new_end, due, "投诉处理中"),
        )
        .await
        .unwrap();
    let views = own_views(&w).await;
    for (i, bid) in bids.iter().enumerate() {
        let (holder_ix, x) = holder(&views, bid);
        let b = &w.bidders[holder_ix];
        b.client
            .answer_validity_extension(&x, i != 1, &creds(b.label))
            .await
            .unwrap();
    }
    w.app
        .clock
        .set(published.publicity_until.unwrap().max(due) + Duration::seconds(1));
    w.relogin().await;
    w.s.agent
        .award_winner(
            &t,
            "BD01",
            &AwardWinnerRequest {
                winner: bids[0].clone(),
                reason: None,
            },
        )
        .await
        .unwrap();

    // Its validity runs: `validity_lapsed` is refused, nothing changes.
    let drop_out = format!("{award_path}/winner/drop-out");
    let drop = |r: &str| json!({"reason": r, "statement": "书面放弃中标。"});
    let before = w.app.rows().await;
    let (st, v) =
        w.s.agent
            .raw(Method::POST, &drop_out, Some(&drop("validity_lapsed")))
            .await
            .unwrap();
    assert_problem(st, &v, 422, "rule_violation");
    assert_eq!(v["errors"][0]["code"], "validity_in_force", "{v}");
    w.app
        .rows()
        .await
        .assert_same(&before, "a drop-out for a validity in force");

    // It gives up: bids[1] declined, so bids[2] is the winner.
    let (st, v) =
        w.s.agent
            .raw(Method::POST, &drop_out, Some(&drop("gave_up")))
            .await
            .unwrap();
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["stage"].as_str(), v["winner"].as_str()),
        (Some("decided"), Some(&*bids[2]))
    );

    // The extended validity ends before the notices: bids[2] cannot be notified, and drops out
    // for it; nobody valid is left, so the section is tendered again.
    w.app.clock.set(new_end + Duration::seconds(1));
    w.relogin().await;
    let err =
        w.s.agent
            .issue_notices(&t, "BD01", &agent_creds())
            .await
            .unwrap_err();
    assert!(err.to_string().contains("bid_validity_ended"), "{err}");
    let (st, v) =
        w.s.agent
            .raw(Method::POST, &drop_out, Some(&drop("validity_lapsed")))
            .await
            .unwrap();
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["stage"].as_str(), v["winner"].as_str()),
        (Some("failed"), None)
    );

    let bundle = export(&w.app, Some(&t)).await;
    let good = entries(&bundle);
    let scope = etender::audit::bundle::BundleScope::All;
    let publicity = etender::audit::verify_award_publicity::AwardPublicityReplay;
    assert!(ValidityReplay.check(&scope, &good).is_empty());
    assert!(publicity.check(&scope, &good).is_empty());
    let drops: Vec<usize> = good
        .iter()
        .enumerate()
        .filter(|(_, e)| e.leaf.event_type == "award_winner_dropped_out")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(drops.len(), 2);
    let body = |i: usize| good[drops[i]].body.clone().unwrap();
    assert_eq!(body(0)["lapsed"], json!([bids[1]]));
    assert_eq!(body(0)["next_winner"], json!(bids[2]));
    assert_eq!(body(1)["lapsed"], json!([bids[1]]));
    assert_eq!(body(1)["retender"], json!(true));
    let tampered = |i: usize, k: &str, v: serde_json::Value| {
        let mut es = good.clone();
        es[drops[i]].body.as_mut().unwrap()[k] = v;
        let mut found = ValidityReplay.check(&scope, &es);
        found.extend(publicity.check(&scope, &es));
        found
    };
    let named = |found: Vec<String>, what: &str| {
        assert!(found.iter().any(|p| p.contains(what)), "{what}: {found:?}")
    };
    // The declined bid hidden, or a valid one called lapsed.
    named(tampered(0, "lapsed", json!([])), "lists as lapsed");
    named(
        tampered(0, "lapsed", json!([bids[1], bids[2]])),
        "lists as lapsed",
    );
    // The declined bid named the next winner.
    named(
        tampered(0, "next_winner", json!(bids[1])),
        "is not the next candidate in rank",
    );
    // The first winner's drop-out claimed for a validity it still had.
    named(
        tampered(0, "reason", json!("validity_lapsed")),
        "had not ended",
    );
}
