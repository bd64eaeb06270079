//! Clarifications (澄清, issue 13 item 4): the committee's leader asks a bidder in writing; the
//! bidder — its organisation principal — answers once, signed with its organisation
//! certificate, before the answer is due by the server's clock; the answer may not change the
//! price; the leader records whether it is accepted. Members and regulators read every
//! clarification, the bidder its own, nobody else anything. Every refusal changes nothing.

use base64::Engine as _;
use chrono::Duration;
use etender::client::{Client, Credentials};
use etender::domain::evaluation::clarification::{answer_statement, Answer, Question};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::committee::{member_of, world_priced, World};
use crate::helpers::{assert_problem, pki};

/// A section whose committee (5 experts) evaluates, member 0 its leader; bidders 0 and 1 bid
/// below the cap, bidder 2 above it (rejected by the opening record).
pub(crate) struct Seated {
    pub w: World,
    /// Member ids, by index into `w.drawn`.
    pub members: Vec<String>,
    pub committee: String,
    pub regulator: Client,
    /// The opened bid of each bidder, by index into `w.bidders`.
    pub bid_of: Vec<String>,
}

impl Seated {
    /// The client of member `i` (index into `w.drawn`).
    pub fn member(&self, i: usize) -> &Client {
        &self.w.experts[self.w.drawn[i]].client
    }

    pub fn section(&self) -> String {
        format!("/api/v1/tenders/{}/sections/BD01", self.w.t())
    }

    pub fn bidder(&self, i: usize) -> &Client {
        &self.w.bidders[i].client
    }

    pub fn uscc(&self, i: usize) -> String {
        pki().get(self.w.bidders[i].label).key.clone()
    }

    pub fn creds(&self, i: usize) -> Credentials {
        pki().get(self.w.bidders[i].label).credentials()
    }

    /// Everyone logs in again after the clock jumps.
    pub async fn relogin(&mut self) {
        self.w.relogin().await;
        self.regulator = self.w.app.enrol("regulator").await;
    }
}

pub(crate) async fn seated() -> Seated {
    let mut w = world_priced(5, ["9100000.00", "9200000.00", "11900000.00"]).await;
    w.open().await;
    w.advance_to_check_in().await;
    for i in w.drawn.clone() {
        assert_eq!(w.check_in(i).await["seat"], "checked_in");
    }
    w.advance_to_evaluation().await;
    let c = w.tenderer().await.form_committee(w.t(), "BD01", &[]).await;
    let c = serde_json::to_value(c.unwrap()).unwrap();
    let members: Vec<String> = (0..5)
        .map(|i| {
            let m = member_of(&c, &w.experts[w.drawn[i]].person);
            m["id"].as_str().unwrap().to_string()
        })
        .collect();
    for i in 0..3 {
        w.experts[w.drawn[i]]
            .client
            .vote_leader(w.t(), "BD01", &members[0])
            .await
            .unwrap();
    }
    let opening = w.bidders[0].client.opening(w.t(), "BD01").await.unwrap();
    let bid_of = w
        .bidders
        .iter()
        .map(|b| {
            let uscc = &pki().get(b.label).key;
            let found = opening.bids.iter().find(|x| &x.bidder_uscc == uscc);
            found.unwrap().bid_id.clone()
        })
        .collect();
    let regulator = w.app.enrol("regulator").await;
    Seated {
        committee: c["id"].as_str().unwrap().to_string(),
        w,
        members,
        regulator,
        bid_of,
    }
}

fn clarify(text: &str) -> Question {
    Question::Clarify { text: text.into() }
}

fn answer(text: &str, confirms: Option<bool>, price: Option<&str>) -> Answer {
    Answer {
        text: text.into(),
        confirms,
        price: price.map(|p| p.parse::<Decimal>().unwrap()),
    }
}

/// An answer body signed by `creds` over the statement for `signed_answer` (normally the one
/// sent).
fn answer_body(
    q: &Value,
    uscc: &str,
    sent: &Answer,
    signed: &Answer,
    creds: &Credentials,
) -> Value {
    let digest: [u8; 32] = hex::decode(q["question_sha256"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let sig = creds
        .key
        .sign(creds.algorithm, &answer_statement(&digest, uscc, signed))
        .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({"answer": sent, "certificate_chain": [b64.encode(&creds.chain[0])],
        "signature": b64.encode(sig), "signature_algorithm": creds.algorithm.as_str()})
}

async fn list(c: &Client, s: &Seated) -> Result<Value, (reqwest::StatusCode, Value)> {
    let (st, v) = c
        .raw(
            Method::GET,
            &format!("{}/clarifications", s.section()),
            None,
        )
        .await
        .unwrap();
    if st.is_success() {
        Ok(v)
    } else {
        Err((st, v))
    }
}

/// The clarification `id` as the regulator reads it.
async fn one(s: &Seated, id: &str) -> Value {
    let all = list(&s.regulator, s).await.unwrap();
    all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == id)
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn the_leader_asks_the_bidder_answers_signed_and_the_committee_decides() {
    let s = seated().await;
    let (t, now) = (s.w.t().to_string(), s.w.app.clock_now());
    let due = now + Duration::hours(4);
    let before = s.w.app.rows().await;
    let q = s
        .member(0)
        .ask_clarification(
            &t,
            "BD01",
            &s.bid_of[0],
            clarify("第3.2节工期与进度计划不一致，请说明。"),
            due,
        )
        .await
        .unwrap();
    assert!(q.open);
    assert_eq!(q.bidder_uscc, s.uscc(0));
    // The bidder is mailed.
    let after = s.w.app.rows().await;
    assert_eq!(after.get("mail_outbox"), before.get("mail_outbox") + 1);
    assert_eq!(
        after.get("clarifications"),
        before.get("clarifications") + 1
    );

    // The bidder sees its own open question; another bidder sees nothing of it; members and
    // regulators see it; the tender's agent and the public learn nothing.
    let mine = s.bidder(0).clarifications(&t, "BD01").await.unwrap();
    assert_eq!(mine.items.len(), 1);
    assert!(mine.items[0].open);
    let theirs = s.bidder(1).clarifications(&t, "BD01").await.unwrap();
    assert!(theirs.items.is_empty());
    for c in [s.member(3), &s.regulator] {
        assert_eq!(c.clarifications(&t, "BD01").await.unwrap().items.len(), 1);
    }
    let (st, v) = list(&s.w.s.agent, &s).await.unwrap_err();
    assert_problem(st, &v, 404, "not_found");
    let (st, _) = list(&s.w.app.client(), &s).await.unwrap_err();
    assert_eq!(st.as_u16(), 401);

    // The bidder answers, signed; stating its own price is no change.
    let answered = s
        .bidder(0)
        .answer_clarification(
            &mine.items[0],
            &s.uscc(0),
            answer("工期以540日历天为准，报价不变。", None, Some("9100000")),
            &s.creds(0),
        )
        .await
        .unwrap();
    assert!(!answered.open);
    assert!(answered.answer_signature.is_some());
    let decided = s
        .member(0)
        .decide_clarification(&t, "BD01", &q.id, true, "说明与投标文件一致，予以采纳")
        .await
        .unwrap();
    assert_eq!(decided.accepted, Some(true));

    // A proposed correction, confirmed at the corrected price.
    let q2 = s
        .member(0)
        .ask_clarification(
            &t,
            "BD01",
            &s.bid_of[1],
            Question::ConfirmCorrection {
                text: "大写金额与小写金额不一致，以大写金额为准。".into(),
                corrected_price: "9150000.00".parse().unwrap(),
            },
            due,
        )
        .await
        .unwrap();
    let mine = s.bidder(1).clarifications(&t, "BD01").await.unwrap();
    assert_eq!(mine.items.len(), 1);
    s.bidder(1)
        .answer_clarification(
            &mine.items[0],
            &s.uscc(1),
            answer("确认。", Some(true), Some("9150000.00")),
            &s.creds(1),
        )
        .await
        .unwrap();
    assert!(one(&s, &q2.id).await["answer"]["confirms"] == true);

    // The chain has every step; the answer's signature is in its entry, and the offline
    // verifier's rules hold — and fail on tampered copies.
    etender::audit::checkpoint_now(&s.w.app.ctx.db, &s.w.app.ctx.audit_log, "test")
        .await
        .unwrap();
    let bundle: Value = s
        .regulator
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
    let entries = entries_of(&bundle);
    let count = |k: &str| entries.iter().filter(|e| e.leaf.event_type == k).count();
    assert_eq!(count("clarification_asked"), 2);
    assert_eq!(count("clarification_answered"), 2);
    assert_eq!(count("clarification_decided"), 1);
    let answered_entry = entries
        .iter()
        .find(|e| e.leaf.event_type == "clarification_answered")
        .unwrap();
    let body = answered_entry.body.as_ref().unwrap();
    assert_eq!(
        body["signature"],
        answered.answer_signature.unwrap().as_str()
    );
    assert!(body["certificate"].as_str().unwrap().len() > 100);
    tampered_clarifications_fail(&entries, &t);
}

pub(crate) fn entries_of(
    bundle: &etender::audit::bundle::Bundle,
) -> Vec<etender::audit::verify::VerifiedEntry> {
    let b64 = base64::engine::general_purpose::STANDARD;
    bundle
        .entries
        .iter()
        .map(|e| etender::audit::verify::VerifiedEntry {
            leaf: etender::audit::leaf::LeafEntry::from_bytes(&b64.decode(&e.leaf).unwrap())
                .unwrap(),
            leaf_hash: [0; 32],
            body: e
                .event
                .as_ref()
                .map(|ev| serde_json::from_str(&ev.body).unwrap()),
        })
        .collect()
}

/// The rule finds exactly one problem containing `reason`.
pub(crate) fn only(es: &[etender::audit::verify::VerifiedEntry], tender: &str, reason: &str) {
    use etender::audit::verify::{ClarificationsMotionsReplay, Rule as _};
    let scope = etender::audit::bundle::BundleScope::Tender(tender.to_string());
    let found = ClarificationsMotionsReplay.check(&scope, es);
    assert!(
        found.len() == 1 && found[0].contains(reason),
        "{reason}: {found:?}"
    );
}

fn tampered_clarifications_fail(es: &[etender::audit::verify::VerifiedEntry], tender: &str) {
    use etender::audit::verify::{ClarificationsMotionsReplay, Rule as _};
    let scope = etender::audit::bundle::BundleScope::Tender(tender.to_string());
    assert!(ClarificationsMotionsReplay.check(&scope, es).is_empty());
    let find = |k: &str| es.iter().position(|e| e.leaf.event_type == k).unwrap();
    // The answer's text changed after signing.
    let mut t = es.to_vec();
    let i = find("clarification_answered");
    t[i].body.as_mut().unwrap()["answer"]["text"] = json!("报价调整。");
    only(&t, tender, "does not verify");
    // Signed by another key: the certificate swapped for another bidder's.
    let mut t = es.to_vec();
    let other = es
        .iter()
        .rposition(|e| e.leaf.event_type == "clarification_answered")
        .unwrap();
    assert_ne!(other, i);
    let cert = t[other].body.as_ref().unwrap()["certificate"].clone();
    t[i].body.as_mut().unwrap()["certificate"] = cert;
    only(&t, tender, "does not verify");
    // The question recorded is not the one the digest binds.
    let mut t = es.to_vec();
    let a = find("clarification_asked");
    t[a].body.as_mut().unwrap()["question"]["text"] = json!("另一个问题");
    only(&t, tender, "not the question's");
    // Answered twice.
    let mut t = es.to_vec();
    t.push(t[i].clone());
    only(&t, tender, "answered twice");
}

#[tokio::test]
async fn clarification_refusals_name_the_code_and_change_nothing() {
    let mut s = seated().await;
    let t = s.w.t().to_string();
    let section = s.section();
    let due = s.w.app.clock_now() + Duration::hours(2);
    let ask = |bid: &str, due: chrono::DateTime<chrono::Utc>| {
        json!({"bid_id": bid, "question": {"kind": "clarify", "text": "请说明。"},
            "due_at": due})
    };
    let path = format!("{section}/clarifications");

    // Asking: only the leader; not a bid the opening record rejects; due in the future and
    // within the bids' validity; a bidder cannot send one unasked.
    let outsider = s.w.app.enrol("tenderer").await;
    let before = s.w.app.rows().await;
    for (who, c, body, status, code) in [
        (
            "a member",
            s.member(1),
            ask(&s.bid_of[0], due),
            403,
            "forbidden",
        ),
        (
            "the tenderer",
            &outsider,
            ask(&s.bid_of[0], due),
            403,
            "forbidden",
        ),
        (
            "a bidder, unasked",
            s.bidder(0),
            ask(&s.bid_of[0], due),
            403,
            "forbidden",
        ),
        (
            "above the cap",
            s.member(0),
            ask(&s.bid_of[2], due),
            409,
            "conflict",
        ),
        (
            "no such bid",
            s.member(0),
            ask("nope", due),
            404,
            "not_found",
        ),
        (
            "due in the past",
            s.member(0),
            ask(&s.bid_of[0], due - Duration::hours(3)),
            422,
            "validation_failed",
        ),
        (
            "due after the bids' validity",
            s.member(0),
            ask(&s.bid_of[0], due + Duration::days(400)),
            422,
            "validation_failed",
        ),
    ] {
        let (st, v) = c.raw(Method::POST, &path, Some(&body)).await.unwrap();
        assert_problem(st, &v, status, code);
        let _ = who;
    }
    s.w.app
        .rows()
        .await
        .assert_same(&before, "refused questions");

    let q = s
        .member(0)
        .ask_clarification(&t, "BD01", &s.bid_of[0], clarify("请说明工期。"), due)
        .await
        .unwrap();
    let qv = serde_json::to_value(&q).unwrap();
    let answer_path = format!("{section}/clarifications/{}/answer", q.id);
    let good = answer("工期540日历天。", None, None);
    let b0 = (s.uscc(0), s.creds(0));

    // Answering: only the bidder asked, its own certificate, a signature over what it sends,
    // no change of price; then once.
    let before = s.w.app.rows().await;
    let other = answer_body(&qv, &s.uscc(1), &good, &good, &s.creds(1));
    let forged = answer_body(&qv, &b0.0, &good, &answer("别的", None, None), &b0.1);
    let priced = answer("报价调整为9000000元。", None, Some("9000000"));
    let repriced = answer_body(&qv, &b0.0, &priced, &priced, &b0.1);
    let own = answer_body(&qv, &b0.0, &good, &good, &b0.1);
    let wrong_cert = answer_body(&qv, &b0.0, &good, &good, &s.creds(1));
    for (who, c, body, status, code) in [
        ("another bidder", s.bidder(1), &other, 404, "not_found"),
        ("a member", s.member(0), &own, 404, "not_found"),
        (
            "a bad signature",
            s.bidder(0),
            &forged,
            422,
            "statement_signature_invalid",
        ),
        (
            "a price change",
            s.bidder(0),
            &repriced,
            422,
            "clarification_changes_price",
        ),
        (
            "another's certificate",
            s.bidder(0),
            &wrong_cert,
            403,
            "certificate_subject_mismatch",
        ),
    ] {
        let (st, v) = c.raw(Method::POST, &answer_path, Some(body)).await.unwrap();
        assert_problem(st, &v, status, code);
        assert!(one(&s, &q.id).await["answer"].is_null(), "{who}");
    }
    // No route takes a clarification nobody asked for.
    let (st, v) = s
        .bidder(0)
        .raw(
            Method::POST,
            &format!("{section}/clarifications/unasked/answer"),
            Some(&own),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    // Deciding before the answer, or by a member who is not the leader.
    let decide = format!("{section}/clarifications/{}/decision", q.id);
    let body = json!({"accepted": true, "reason": "采纳"});
    let (st, v) = s
        .member(0)
        .raw(Method::POST, &decide, Some(&body))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    s.w.app.rows().await.assert_same(&before, "refused answers");
    assert!(one(&s, &q.id).await["accepted"].is_null());

    let (st, v) = s
        .bidder(0)
        .raw(Method::POST, &answer_path, Some(&own))
        .await
        .unwrap();
    assert!(st.is_success(), "{v}");
    let before = s.w.app.rows().await;
    let answered_at = one(&s, &q.id).await["answered_at"].clone();
    let (st, v) = s
        .bidder(0)
        .raw(Method::POST, &answer_path, Some(&own))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    let (st, v) = s
        .member(1)
        .raw(Method::POST, &decide, Some(&body))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    s.w.app.rows().await.assert_same(&before, "a second answer");
    let now = one(&s, &q.id).await;
    assert_eq!(now["answered_at"], answered_at);
    assert!(now["accepted"].is_null());

    // Late: the server's clock passes the time the answer was due.
    let late = s
        .member(0)
        .ask_clarification(&t, "BD01", &s.bid_of[1], clarify("请说明质量标准。"), due)
        .await
        .unwrap();
    let late_v = serde_json::to_value(&late).unwrap();
    s.w.app.clock.advance(Duration::hours(3));
    s.relogin().await;
    let before = s.w.app.rows().await;
    let body = answer_body(&late_v, &s.uscc(1), &good, &good, &s.creds(1));
    let (st, v) = s
        .bidder(1)
        .raw(
            Method::POST,
            &format!("{section}/clarifications/{}/answer", late.id),
            Some(&body),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "deadline_passed");
    s.w.app.rows().await.assert_same(&before, "a late answer");
    let now = one(&s, &late.id).await;
    assert!(now["answer"].is_null());
    assert_eq!(now["open"], false);
}
