//! The award's deciding (定标, issue 14, docs/AWARD.md §3), through the API: each method from the
//! convened 定标会议 to the winner — 票决 with a tie re-voted and a member who does not vote, a
//! persistent tie drawn by lot (made by the draws' fallback and replayed), 逐轮票决, 票决抽签,
//! 集体议事, 价格竞争 and 抽签 — the ballots secret from every role until their round closes and
//! then verifying against the members' certificates, the 定标报告 signed by every member (and
//! refused to a non-member) sending the section to publicity, the offline verifier's rules
//! holding over the tender's chain, and each bad input refused with its code, nothing changed.

use base64::Engine;
use chrono::Duration;
use etender::client::Client;
use etender::domain::award::ballot::{self, BallotOf, Cast};
use reqwest::Method;
use serde_json::{json, Value};

use crate::award_committee::{at_committee, statement_body, witness_body, Awarding, PoolMember};
use crate::fixtures::id_of;
use crate::helpers::{assert_problem, pki, Ident};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// 评定分离 by `method`, 3 candidates, a committee of `size` (all appointed, the first the
/// chair), formed and witnessed: the award is at `deciding`.
pub(crate) async fn deciding_by(method: Value, size: u8) -> Awarding {
    let award = json!({"kind": "separated", "candidates": 3, "method": method,
        "committee": {"size": size, "drawn": 0}});
    let a = at_committee(award, u32::from(size)).await;
    let t = a.w.t().to_string();
    for m in &a.pool {
        let body = statement_body(&t, m, None, &m.ident);
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
    let appointed: Vec<&str> = a.pool.iter().map(|m| m.person.as_str()).collect();
    let body = json!({"appointed": appointed, "chair": a.pool[0].person});
    let committee: Value =
        a.w.s
            .agent
            .post(&format!("{}/committee", a.base()), &body)
            .await
            .unwrap();
    let regulator = a.w.app.enrol("regulator").await;
    let rid = id_of(&regulator).await;
    let body = witness_body(&t, &committee, &rid, pki().get("regulator"));
    let (st, v) = regulator
        .raw(
            Method::POST,
            &format!("{}/committee/witness", a.base()),
            Some(&body),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    assert_eq!(a.award().await["stage"], "deciding");
    a
}

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

pub(crate) fn ballot(choices: &[&str]) -> Cast {
    Cast::Ballot {
        choices: choices.iter().map(|c| c.to_string()).collect(),
        reason: None,
    }
}

/// `m` casts `c` in `step`, signed as `signer` (its own identity unless a test says otherwise),
/// posted by `by`.
pub(crate) async fn cast_as(
    a: &Awarding,
    by: &Client,
    member: &str,
    signer: &Ident,
    step: &str,
    c: &Cast,
) -> (reqwest::StatusCode, Value) {
    let of = BallotOf {
        step,
        tender: a.w.t(),
        section: "BD01",
        award_round: 1,
        member,
    };
    let body = with(
        json!({"cast": c}),
        signed(signer, &ballot::statement(&of, c)),
    );
    by.raw(
        Method::POST,
        &format!("{}/steps/{step}/casts", a.base()),
        Some(&body),
    )
    .await
    .unwrap()
}

pub(crate) async fn cast(a: &Awarding, m: &PoolMember, step: &str, c: &Cast) {
    let (st, v) = cast_as(a, &m.client, &m.person, &m.ident, step, c).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["commitment"].as_str().unwrap().len(), 64);
    assert!(v.get("choices").is_none(), "{v}");
}

pub(crate) async fn start(a: &Awarding) -> Value {
    a.w.s
        .agent
        .post(&format!("{}/deciding", a.base()), &json!({}))
        .await
        .unwrap()
}

pub(crate) async fn steps(a: &Awarding) -> Value {
    a.w.s
        .agent
        .get(&format!("{}/steps", a.base()))
        .await
        .unwrap()
}

/// The open step, which must be of `kind` among `among` (sorted) for `reason`.
pub(crate) async fn open_step(a: &Awarding, kind: &str, reason: &str) -> (String, Vec<String>) {
    let v = steps(a).await;
    let open: Vec<&Value> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["closed_at"].is_null())
        .collect();
    assert_eq!(open.len(), 1, "{v}");
    assert_eq!(open[0]["kind"], kind, "{v}");
    assert_eq!(open[0]["reason"], reason, "{v}");
    let among: Vec<String> = serde_json::from_value(open[0]["among"].clone()).unwrap();
    (open[0]["id"].as_str().unwrap().to_string(), among)
}

pub(crate) async fn tick(a: &Awarding) {
    etender::worker::deadline_tick(&a.w.app.ctx).await.unwrap();
}

/// Moves the clock on; everyone logs in again (a session lasts 15 minutes).
async fn later(a: &mut Awarding, minutes: i64) {
    a.w.app.clock.advance(Duration::minutes(minutes));
    a.w.relogin().await;
    for m in a.pool.iter_mut() {
        m.client = a.w.app.enrol_ident(&m.ident).await;
    }
}

/// Past a ballot round's time (`[award_rounds] round_minutes`, 30 by default).
async fn round_time_over(a: &mut Awarding) {
    later(a, 31).await;
    tick(a).await;
}

/// Past a lot's contribution time: the draws' fallback (the regulator gave no value) makes
/// it, and the award records it.
async fn lot_made(a: &mut Awarding) {
    let minutes = a.w.app.ctx.settings.experts.draws.contribution_minutes;
    later(a, i64::from(minutes) + 1).await;
    tick(a).await;
    // The fallback value is the first checkpoint after the missed contribution.
    etender::audit::sequencer::integrate_now(&a.w.app.ctx.db, &a.w.app.ctx.audit_log)
        .await
        .unwrap();
    tick(a).await;
}

/// Every revealed ballot of every closed step verifies against its member's certificate over
/// the statement rebuilt from what was revealed.
fn ballots_verify(a: &Awarding, v: &Value) -> usize {
    let mut n = 0;
    for s in v["steps"].as_array().unwrap() {
        if s["closed_at"].is_null() {
            assert!(s["casts"].as_array().unwrap().is_empty(), "{s}");
            continue;
        }
        for c in s["casts"].as_array().unwrap() {
            if c["kind"] == "missing" {
                continue;
            }
            let choices: Vec<String> = serde_json::from_value(c["choices"].clone()).unwrap();
            let reason = c["reason"].as_str().map(str::to_string);
            let cast = Cast::from_parts(c["kind"].as_str().unwrap(), choices, reason).unwrap();
            let member = c["member"].as_str().unwrap();
            let of = BallotOf {
                step: s["id"].as_str().unwrap(),
                tender: a.w.t(),
                section: "BD01",
                award_round: 1,
                member,
            };
            let msg = ballot::statement(&of, &cast);
            let cert = B64.decode(c["certificate"].as_str().unwrap()).unwrap();
            let (_, x509) = x509_parser::parse_x509_certificate(&cert).unwrap();
            let alg = etender::crypto::keys::SignatureAlgorithm::parse(
                c["signature_algorithm"].as_str().unwrap(),
            )
            .unwrap();
            let sig = B64.decode(c["signature"].as_str().unwrap()).unwrap();
            let spki = x509.public_key().raw;
            etender::crypto::keys::verify_signature(spki, alg, &msg, &sig).unwrap();
            let owner = a.pool.iter().find(|m| m.person == member).unwrap();
            assert_eq!(
                cert,
                owner.ident.credentials().chain[0],
                "signed with its member's own certificate"
            );
            n += 1;
        }
    }
    n
}

/// Every member signs the 定标报告; the section goes to publicity for 3 days.
async fn sign_report(a: &Awarding) -> Value {
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
    let text = report["document_text"].as_str().unwrap();
    assert_eq!(
        hex::encode(ring::digest::digest(&ring::digest::SHA256, text.as_bytes())),
        report["digest"].as_str().unwrap()
    );
    for m in &a.pool {
        let msg = ballot::report_statement(a.w.t(), "BD01", 1, &digest, &m.person);
        let body = with(json!({"digest": report["digest"]}), signed(&m.ident, &msg));
        let (st, v) = m
            .client
            .raw(
                Method::POST,
                &format!("{}/report/signatures", a.base()),
                Some(&body),
            )
            .await
            .unwrap();
        assert_eq!(st, 200, "{v}");
    }
    let award = a.award().await;
    assert_eq!(award["stage"], "publicity", "{award}");
    let from: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(award["publicity_from"].clone()).unwrap();
    let until: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(award["publicity_until"].clone()).unwrap();
    assert_eq!(until - from, Duration::days(3));
    report
}

/// The offline verifier's rules hold over the tender's chain (the award's among them).
pub(crate) async fn chain_verifies(a: &Awarding) -> Vec<etender::audit::verify::VerifiedEntry> {
    etender::audit::checkpoint_now(&a.w.app.ctx.db, &a.w.app.ctx.audit_log, "test")
        .await
        .unwrap();
    let regulator = a.w.app.enrol("regulator").await;
    let bundle: Value = regulator
        .get(&format!("/api/v1/audit/export?tender_id={}", a.w.t()))
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

fn winner_of(award: &Value) -> String {
    award["winner"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn direct_vote_a_tie_is_revoted_a_silent_member_is_missing_and_the_report_signed() {
    let mut a = deciding_by(json!({"kind": "direct_vote"}), 5).await;
    let v = start(&a).await;
    assert_eq!(v["members"].as_array().unwrap().len(), 5);
    let (s1, among) = open_step(&a, "vote", "ballot").await;
    let mut sorted = a.candidates.clone();
    sorted.sort();
    assert_eq!(among, sorted);
    let (x, y) = (among[0].as_str(), among[1].as_str());
    let p = &a.pool;
    cast(&a, &p[0], &s1, &ballot(&[x])).await;
    cast(&a, &p[1], &s1, &ballot(&[x])).await;
    cast(&a, &p[2], &s1, &ballot(&[y])).await;
    cast(&a, &p[3], &s1, &ballot(&[y])).await;
    // p[4] does not vote: the round's time ends, its ballot is recorded as missing.
    round_time_over(&mut a).await;
    let p = &a.pool;
    let (s2, among2) = open_step(&a, "vote", "revote").await;
    assert_eq!(among2, vec![x.to_string(), y.to_string()]);
    let v = steps(&a).await;
    let first = &v["steps"][0];
    assert_eq!(first["tally"], json!([[x, 2], [y, 2], [&among[2], 0]]));
    let missing: Vec<&Value> = first["casts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "missing")
        .collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["member"], p[4].person.as_str());
    // The re-vote: the last member's ballot closes it at once, and the award is decided.
    for (i, m) in p.iter().enumerate() {
        cast(&a, m, &s2, &ballot(&[if i < 3 { y } else { x }])).await;
    }
    let award = a.award().await;
    assert_eq!(award["stage"], "reporting", "{award}");
    assert_eq!(winner_of(&award), y);
    assert_eq!(ballots_verify(&a, &steps(&a).await), 9);
    // A non-member's signature of the 定标报告 is refused and changes nothing.
    let report: Value =
        a.w.s
            .agent
            .get(&format!("{}/report", a.base()))
            .await
            .unwrap();
    let doc = &report["document"];
    assert_eq!(doc["winner"], y);
    assert_eq!(doc["steps"].as_array().unwrap().len(), 2);
    assert_eq!(doc["method_name"], "票决定标法");
    let digest: [u8; 32] = hex::decode(report["digest"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let outsider = pki().get("agent");
    let agent_id = id_of(&a.w.s.agent).await;
    let msg = ballot::report_statement(a.w.t(), "BD01", 1, &digest, &agent_id);
    let before = a.w.app.rows().await;
    let (st, body) =
        a.w.s
            .agent
            .raw(
                Method::POST,
                &format!("{}/report/signatures", a.base()),
                Some(&with(
                    json!({"digest": report["digest"]}),
                    signed(outsider, &msg),
                )),
            )
            .await
            .unwrap();
    assert_problem(st, &body, 403, "not_an_award_member");
    before.assert_same(&a.w.app.rows().await, "a non-member's signature");
    sign_report(&a).await;
    let entries = chain_verifies(&a).await;
    let count = |k: &str| entries.iter().filter(|e| e.leaf.event_type == k).count();
    assert_eq!(count("award_ballot_cast"), 9);
    assert_eq!(count("award_step_closed"), 2);
    assert_eq!(count("award_report_signed"), 5);
    // While a round is open its log entries carry commitments, never choices.
    for e in entries
        .iter()
        .filter(|e| e.leaf.event_type == "award_ballot_cast")
    {
        let b = e.body.as_ref().unwrap();
        assert!(
            b.get("choices").is_none() && b["commitment"].is_string(),
            "{b}"
        );
    }
}

#[tokio::test]
async fn nobody_reads_an_open_rounds_ballots_and_bad_input_changes_nothing() {
    let mut a = deciding_by(json!({"kind": "direct_vote", "absolute_majority": true}), 5).await;
    start(&a).await;
    let (s1, among) = open_step(&a, "vote", "ballot").await;
    let (x, y) = (among[0].as_str(), among[1].as_str());
    let p = &a.pool;
    cast(&a, &p[0], &s1, &ballot(&[x])).await;
    cast(&a, &p[1], &s1, &ballot(&[y])).await;
    // Every role tries to read the open round's ballots: nobody gets any.
    let tenderer = a.w.tenderer().await;
    let regulator = a.w.app.enrol("regulator").await;
    let admin = a.w.app.enrol("admin").await;
    let bidder = a.w.bidders[0].client.clone();
    let public = a.w.app.client();
    let readers: Vec<(&str, &Client)> = vec![
        ("agent", &a.w.s.agent),
        ("tenderer", &tenderer),
        ("regulator", &regulator),
        ("administrator", &admin),
        ("member who voted", &p[0].client),
        ("member who did not", &p[3].client),
        ("bidder", &bidder),
        ("public", &public),
    ];
    for (who, c) in &readers {
        for path in ["steps", "report"] {
            let (st, v) = c
                .raw(Method::GET, &format!("{}/{path}", a.base()), None)
                .await
                .unwrap();
            if st == 200 {
                for s in v["steps"].as_array().into_iter().flatten() {
                    assert!(s["casts"].as_array().unwrap().is_empty(), "{who}: {s}");
                    assert!(s["tally"].as_array().unwrap().is_empty(), "{who}: {s}");
                    assert_eq!(s["cast"], 2, "{who}");
                }
                assert!(!v.to_string().contains("\"choices\""), "{who}: {v}");
            } else {
                assert!(st == 404 || st == 401 || st == 403, "{who}: {st} {v}");
            }
        }
    }
    // The award's own view carries no ballot either.
    let award = a.award().await;
    assert!(!award.to_string().contains("choices"), "{award}");

    let before = a.w.app.rows().await;
    // A vote for a non-candidate, or for two in a one-name round.
    let (st, v) = cast_as(
        &a,
        &p[2].client,
        &p[2].person,
        &p[2].ident,
        &s1,
        &ballot(&["x"]),
    )
    .await;
    assert_problem(st, &v, 422, "not_a_candidate");
    let (st, v) = cast_as(
        &a,
        &p[2].client,
        &p[2].person,
        &p[2].ident,
        &s1,
        &ballot(&[x, y]),
    )
    .await;
    assert_problem(st, &v, 422, "not_a_candidate");
    // A second vote in the round.
    let (st, v) = cast_as(
        &a,
        &p[0].client,
        &p[0].person,
        &p[0].ident,
        &s1,
        &ballot(&[y]),
    )
    .await;
    assert_problem(st, &v, 409, "ballot_already_cast");
    // A vote from a non-member (the agent, and a bidder), signed with its own certificate.
    let agent_id = id_of(&a.w.s.agent).await;
    let (st, v) = cast_as(
        &a,
        &a.w.s.agent,
        &agent_id,
        pki().get("agent"),
        &s1,
        &ballot(&[x]),
    )
    .await;
    assert_problem(st, &v, 403, "not_an_award_member");
    // A member's ballot signed with another member's key.
    let (st, v) = cast_as(
        &a,
        &p[2].client,
        &p[2].person,
        &p[3].ident,
        &s1,
        &ballot(&[x]),
    )
    .await;
    assert_eq!(st.as_u16(), 403, "{v}");
    // An opinion where a ballot is asked for.
    let opinion = Cast::Opinion {
        candidate: x.into(),
        reason: "业绩更优".into(),
    };
    let (st, v) = cast_as(&a, &p[2].client, &p[2].person, &p[2].ident, &s1, &opinion).await;
    assert_problem(st, &v, 422, "validation_failed");
    before.assert_same(&a.w.app.rows().await, "refused ballots");
    // After the round's time, before the tick: closed all the same.
    later(&mut a, 31).await;
    let p = &a.pool;
    let before = a.w.app.rows().await;
    let (st, v) = cast_as(
        &a,
        &p[2].client,
        &p[2].person,
        &p[2].ident,
        &s1,
        &ballot(&[x]),
    )
    .await;
    assert_problem(st, &v, 409, "round_closed");
    before.assert_same(&a.w.app.rows().await, "a ballot after the round");
    tick(&a).await;
    // Closed: 1 vs 1 of 5 with 3 missing is no majority — re-voted — and now every ballot of
    // the first round is readable and verifies against its member's certificate.
    let (s2, _) = open_step(&a, "vote", "revote").await;
    assert_eq!(ballots_verify(&a, &steps(&a).await), 2);
    let before = a.w.app.rows().await;
    let (st, v) = cast_as(
        &a,
        &p[2].client,
        &p[2].person,
        &p[2].ident,
        &s1,
        &ballot(&[x]),
    )
    .await;
    assert_problem(st, &v, 409, "round_closed");
    before.assert_same(&a.w.app.rows().await, "a ballot in a closed round");
    // A start when the deciding has begun.
    let (st, v) =
        a.w.s
            .agent
            .raw(
                Method::POST,
                &format!("{}/deciding", a.base()),
                Some(&json!({})),
            )
            .await
            .unwrap();
    assert_problem(st, &v, 409, "conflict");
    // Three of five for one: a majority of the whole committee.
    for m in &p[..3] {
        cast(&a, m, &s2, &ballot(&[x])).await;
    }
    round_time_over(&mut a).await;
    assert_eq!(winner_of(&a.award().await), x);
    chain_verifies(&a).await;
}

#[tokio::test]
async fn a_persistent_tie_is_drawn_by_lot_and_the_lot_replays() {
    let mut a = deciding_by(json!({"kind": "direct_vote"}), 5).await;
    start(&a).await;
    let p = &a.pool;
    let (s1, among) = open_step(&a, "vote", "ballot").await;
    let (x, y, z) = (among[0].as_str(), among[1].as_str(), among[2].as_str());
    for (i, m) in p.iter().enumerate() {
        let c = [x, x, y, y, z][i];
        cast(&a, m, &s1, &ballot(&[c])).await;
    }
    // Re-voted twice (the default) and still 2 : 2 with one member silent: a lot.
    for _ in 0..2 {
        let (s, among) = open_step(&a, "vote", "revote").await;
        assert_eq!(among, vec![x.to_string(), y.to_string()]);
        for i in 0..4 {
            cast(&a, &a.pool[i], &s, &ballot(&[[x, y][i % 2]])).await;
        }
        round_time_over(&mut a).await;
    }
    let (_, among) = open_step(&a, "lot", "persistent_tie").await;
    assert_eq!(among, vec![x.to_string(), y.to_string()]);
    let draw = steps(&a).await["steps"][3]["draw"]
        .as_str()
        .unwrap()
        .to_string();
    lot_made(&mut a).await;
    let award = a.award().await;
    assert_eq!(award["stage"], "reporting", "{award}");
    let v = steps(&a).await;
    let order: Vec<String> = serde_json::from_value(v["steps"][3]["order"].clone()).unwrap();
    assert_eq!(winner_of(&award), order[0]);
    // The lottery is the platform's one draw: readable and replayable like any other.
    let regulator = a.w.app.enrol("regulator").await;
    let d: Value = regulator
        .get(&format!("/api/v1/draws/{draw}"))
        .await
        .unwrap();
    assert_eq!(d["lottery"]["draws"], "award_lot", "{d}");
    let report: Value =
        a.w.s
            .agent
            .get(&format!("{}/report", a.base()))
            .await
            .unwrap();
    assert_eq!(report["document"]["steps"][3]["lot"]["draw"], draw.as_str());
    assert_eq!(report["document"]["reason"], "lot");
    sign_report(&a).await;
    chain_verifies(&a).await;
}

#[tokio::test]
async fn elimination_drops_the_fewest_each_round() {
    let mut a = deciding_by(json!({"kind": "elimination_vote"}), 5).await;
    start(&a).await;
    let p = &a.pool;
    let (s1, among) = open_step(&a, "vote", "ballot").await;
    let (x, y, z) = (among[0].as_str(), among[1].as_str(), among[2].as_str());
    // 2 : 2 : 1 — z drops out.
    for (i, m) in p.iter().enumerate() {
        cast(&a, m, &s1, &ballot(&[[x, x, y, y, z][i]])).await;
    }
    let (s2, among) = open_step(&a, "vote", "ballot").await;
    assert_eq!(among, vec![x.to_string(), y.to_string()]);
    // 2 : 1 with two silent — y drops out; x is the last standing.
    cast(&a, &p[0], &s2, &ballot(&[x])).await;
    cast(&a, &p[1], &s2, &ballot(&[x])).await;
    cast(&a, &p[2], &s2, &ballot(&[y])).await;
    round_time_over(&mut a).await;
    let award = a.award().await;
    assert_eq!(winner_of(&award), x);
    let report: Value =
        a.w.s
            .agent
            .get(&format!("{}/report", a.base()))
            .await
            .unwrap();
    assert_eq!(report["document"]["reason"], "last_standing");
    sign_report(&a).await;
    chain_verifies(&a).await;
}

#[tokio::test]
async fn vote_then_lottery_shortlists_then_draws() {
    let mut a = deciding_by(json!({"kind": "vote_then_lottery", "shortlist": 2}), 5).await;
    start(&a).await;
    let p = &a.pool;
    let (s1, among) = open_step(&a, "vote", "shortlist").await;
    let (x, y, z) = (among[0].as_str(), among[1].as_str(), among[2].as_str());
    for (i, m) in p.iter().enumerate() {
        let pair = [[x, y], [x, z], [x, y], [y, z], [x, y]][i];
        cast(&a, m, &s1, &ballot(&pair)).await;
    }
    let (_, among) = open_step(&a, "lot", "final_lot").await;
    assert_eq!(among, vec![x.to_string(), y.to_string()]);
    lot_made(&mut a).await;
    let award = a.award().await;
    assert!(winner_of(&award) == x || winner_of(&award) == y, "{award}");
    sign_report(&a).await;
    chain_verifies(&a).await;
}

#[tokio::test]
async fn collective_deliberation_opinions_then_the_chair_decides() {
    let a = deciding_by(json!({"kind": "collective_deliberation"}), 5).await;
    start(&a).await;
    let p = &a.pool;
    let (s1, among) = open_step(&a, "deliberation", "deliberation").await;
    let (x, y) = (among[0].as_str(), among[1].as_str());
    let decision = Cast::Decision {
        candidate: y.into(),
        reason: "综合履约评价与清标结论, 择优选定".into(),
    };
    // The chair decides only once every member's opinion is in.
    let before = a.w.app.rows().await;
    let (st, v) = cast_as(&a, &p[0].client, &p[0].person, &p[0].ident, &s1, &decision).await;
    assert_problem(st, &v, 409, "invalid_state_transition");
    before.assert_same(&a.w.app.rows().await, "a decision before the opinions");
    for (i, m) in p.iter().enumerate() {
        let opinion = Cast::Opinion {
            candidate: [x, y][i % 2].into(),
            reason: format!("第{i}位委员的书面意见: 业绩与信誉"),
        };
        cast(&a, m, &s1, &opinion).await;
    }
    // An opinion without a reason, and a decision by a member who is not the chair.
    let before = a.w.app.rows().await;
    let (st, v) = cast_as(&a, &p[1].client, &p[1].person, &p[1].ident, &s1, &decision).await;
    assert_problem(st, &v, 403, "not_an_award_member");
    before.assert_same(&a.w.app.rows().await, "a decision by a member");
    cast(&a, &p[0], &s1, &decision).await;
    let award = a.award().await;
    assert_eq!(winner_of(&award), y);
    assert!(award["winner_reason"]
        .as_str()
        .unwrap()
        .contains("择优选定"));
    let v = steps(&a).await;
    assert_eq!(ballots_verify(&a, &v), 6);
    sign_report(&a).await;
    chain_verifies(&a).await;
}

#[tokio::test]
async fn price_competition_decides_at_once_and_a_lottery_by_lot() {
    let a = deciding_by(json!({"kind": "price_competition"}), 5).await;
    start(&a).await;
    let award = a.award().await;
    assert_eq!(award["stage"], "reporting", "{award}");
    let report: Value =
        a.w.s
            .agent
            .get(&format!("{}/report", a.base()))
            .await
            .unwrap();
    let prices = report["document"]["setup"]["prices"].as_object().unwrap();
    assert_eq!(prices.len(), 3);
    let lowest = prices
        .iter()
        .min_by_key(|(_, p)| {
            p.as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .unwrap()
        .0;
    assert_eq!(&winner_of(&award), lowest);
    assert_eq!(report["document"]["reason"], "lowest_price");
    sign_report(&a).await;
    chain_verifies(&a).await;

    let mut a = deciding_by(json!({"kind": "lottery"}), 5).await;
    start(&a).await;
    let (_, among) = open_step(&a, "lot", "final_lot").await;
    assert_eq!(among.len(), 3);
    lot_made(&mut a).await;
    let award = a.award().await;
    assert!(among.contains(&winner_of(&award)), "{award}");
    sign_report(&a).await;
    chain_verifies(&a).await;
}
