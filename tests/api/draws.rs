//! Drawing the evaluation experts (issue 12): the frame frozen and committed before the
//! regulator contributes, the draw made, declines and silences replaced by reserves in draw
//! order, names hidden from everyone but each member until the evaluation starts, and the
//! revealed record replayed by `domain::draw::verify`. Bad requests change nothing.

use base64::Engine as _;
use chrono::Duration;
use etender::client::Client;
use etender::domain::draw;
use etender::domain::identity::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::fixtures::{draft_tender, id_of, published_tender, Setup};
use crate::helpers::{assert_problem, extra_person, pki, uscc, TestApp};

pub(crate) const SPECIALTY: &str = "A080101";

/// A member of the library: its client, person id and member id.
pub(crate) struct Expert {
    pub(crate) ident: crate::helpers::Ident,
    pub(crate) client: Client,
    pub(crate) person: String,
    pub(crate) member: String,
}

/// `n` experts in `SPECIALTY`; the first avoids `avoid` (a unit the draw must avoid), the
/// second works for it, the third is suspended: none of those three may ever be drawn.
pub(crate) async fn library(app: &TestApp, n: u32, avoid: &str) -> Vec<Expert> {
    let admin = app.enrol("admin").await;
    let regulator = app.enrol("regulator").await;
    let mut out = Vec::new();
    for i in 0..n {
        let ident = extra_person(5000 + i, &format!("expert-{i}"), vec![Role::Expert]);
        let client = app.enrol_ident(&ident).await;
        let person = id_of(&client).await;
        let employer = if i == 1 {
            avoid.to_string()
        } else {
            uscc(7000 + i)
        };
        let avoid_units = if i == 0 {
            json!([{"uscc": avoid, "name": "招标人", "is_working": false}])
        } else {
            json!([])
        };
        let m: Value = admin
            .post(
                "/api/v1/experts",
                &json!({"person_id": person, "region": "429005", "employer": "单位",
                    "employer_uscc": employer, "department": null, "title": "高级工程师",
                    "senior_title": true, "practice_years": 10, "specialties": [SPECIALTY],
                    "phone": "13800138000", "email": format!("e{i}@example.cn"),
                    "avoid_units": avoid_units}),
            )
            .await
            .unwrap();
        let member = m["id"].as_str().unwrap().to_string();
        if i == 2 {
            let until = app.clock_now() + Duration::days(365);
            let (st, v) = regulator
                .raw(
                    Method::PUT,
                    &format!("/api/v1/experts/{member}/status"),
                    Some(&json!({"status": "suspended", "until": until, "reason": "考核不合格"})),
                )
                .await
                .unwrap();
            assert_eq!(st.as_u16(), 200, "{v}");
        }
        out.push(Expert {
            ident,
            client,
            person,
            member,
        });
    }
    out
}

pub(crate) async fn tenderer_uscc(app: &TestApp) -> String {
    let _ = app.enrol("tenderer").await;
    pki().get("tenderer").key.clone()
}

pub(crate) fn request(app: &TestApp, count: u32, reserves: u32) -> Value {
    let group = json!({"specialty": SPECIALTY, "count": count, "reserves": reserves});
    json!({"evaluation_at": app.clock_now() + Duration::days(40),
        "place": "潜江市公共资源交易中心 评标室3", "remote": false, "groups": [group]})
}

fn draws_path(s: &Setup) -> String {
    format!("/api/v1/tenders/{}/sections/BD01/draws", s.tender)
}

/// The regulator's signed contribution to `d`.
pub(crate) fn contribution(d: &Value, value: [u8; 32], regulator_id: &str) -> Value {
    let creds = pki().get("regulator").credentials();
    let h = |k: &str| -> [u8; 32] {
        hex::decode(d[k].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap()
    };
    let msg =
        draw::contribution_message(&h("frame_digest"), &h("commitment"), regulator_id, &value);
    let sig = creds.key.sign(creds.algorithm, &msg).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({"value": hex::encode(value), "certificate_chain": [b64.encode(&creds.chain[0])],
        "signature": b64.encode(sig), "signature_algorithm": creds.algorithm.as_str()})
}

/// Moving the clock by days ends sessions: everyone logs in again.
pub(crate) async fn relogin(app: &TestApp, experts: &mut [Expert]) {
    for e in experts.iter_mut() {
        e.client = app.enrol_ident(&e.ident).await;
    }
}

/// Seats of each member, by member index, as each sees them itself.
pub(crate) async fn seats(experts: &[Expert]) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for e in experts {
        out.push(e.client.get("/api/v1/me/draw-seats").await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_draw_from_commitment_through_answers_to_a_replayable_reveal() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let avoid = tenderer_uscc(&app).await;
    let mut experts = library(&app, 12, &avoid).await;
    let regulator = app.enrol("regulator").await;
    let regulator_id = id_of(&regulator).await;
    let bidder = app.enrol("bidder").await;

    let (st, d) = s
        .agent
        .raw(Method::POST, &draws_path(&s), Some(&request(&app, 3, 3)))
        .await
        .unwrap();
    assert_eq!(st.as_u16(), 201, "{d}");
    assert_eq!(d["state"], "committed");
    // Avoided, employed by the tenderer, suspended: 12 - 3 eligible.
    assert_eq!(d["groups"][0]["candidates"], 9);
    let id = d["id"].as_str().unwrap().to_string();

    let (st, v) = regulator
        .raw(
            Method::POST,
            &format!("/api/v1/draws/{id}/contributions"),
            Some(
                &json!({"value": "00", "certificate_chain": [], "signature": "",
                "signature_algorithm": "ecdsa_p256_sha256"}),
            ),
        )
        .await
        .unwrap();
    assert!(st.as_u16() == 422 || st.as_u16() == 400, "{v}");
    let (st, v) = s
        .agent
        .raw(
            Method::POST,
            &format!("/api/v1/draws/{id}/contributions"),
            Some(&contribution(&d, [7; 32], &regulator_id)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let made: Value = regulator
        .post(
            &format!("/api/v1/draws/{id}/contributions"),
            &contribution(&d, [7; 32], &regulator_id),
        )
        .await
        .unwrap();
    assert_eq!(made["state"], "drawn");
    assert_eq!(made["groups"][0]["seats"], Value::Null);
    assert_eq!(made["secret"], Value::Null);

    // Nobody but each member sees a name: not the agent, not the regulator, not bidders.
    for c in [&s.agent, &regulator] {
        let v: Value = c.get(&format!("/api/v1/draws/{id}")).await.unwrap();
        assert_eq!(v["groups"][0]["seats"], Value::Null);
        assert!(!v.to_string().contains(&experts[3].person));
    }
    let (st, v) = bidder
        .raw(Method::GET, &format!("/api/v1/draws/{id}"), None)
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    let trail: Value = s
        .agent
        .get(&format!("/api/v1/audit/trail?tender_id={}", s.tender))
        .await
        .unwrap();
    for e in &experts {
        assert!(
            !trail.to_string().contains(&e.person),
            "a name in the trail"
        );
    }

    let before = seats(&experts).await;
    let notified: Vec<usize> = (0..experts.len())
        .filter(|&i| before[i].iter().any(|a| a["seat"] == "notified"))
        .collect();
    assert_eq!(notified.len(), 3, "{before:?}");
    for (never, seen) in before.iter().enumerate().take(3) {
        assert!(seen.is_empty(), "member {never} must never be drawn");
    }
    // One confirms, one declines, one stays silent.
    let (yes, no, silent) = (notified[0], notified[1], notified[2]);
    let answer = |accept: bool| json!({"accept": accept});
    let path = format!("/api/v1/draws/{id}/answer");
    let a: Value = experts[yes]
        .client
        .post(&path, &answer(true))
        .await
        .unwrap();
    assert_eq!(a["seat"], "confirmed");
    let (st, v) = experts[yes]
        .client
        .raw(Method::POST, &path, Some(&answer(false)))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    let a: Value = experts[no]
        .client
        .post(&path, &answer(false))
        .await
        .unwrap();
    assert_eq!(a["seat"], "declined");
    let outsider = &experts[0].client;
    let (st, v) = outsider
        .raw(Method::POST, &path, Some(&answer(true)))
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");

    let after_decline = seats(&experts).await;
    let called: Vec<usize> = (0..experts.len())
        .filter(|&i| !notified.contains(&i) && !after_decline[i].is_empty())
        .collect();
    assert_eq!(called.len(), 1, "one reserve called for the decline");

    // The silent one lapses when its time is up; the next reserve is called.
    app.clock.advance(Duration::minutes(31));
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    relogin(&app, &mut experts).await;
    let (st, v) = experts[silent]
        .client
        .raw(Method::POST, &path, Some(&answer(true)))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    let after_lapse = seats(&experts).await;
    let called2: Vec<usize> = (0..experts.len())
        .filter(|&i| !notified.contains(&i) && !after_lapse[i].is_empty())
        .collect();
    assert_eq!(called2.len(), 3, "{after_lapse:?}");

    // The evaluation starts: everything is revealed and replays.
    app.clock.advance(Duration::days(41));
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    relogin(&app, &mut experts).await;
    let agent = app.enrol("agent").await;
    let regulator = app.enrol("regulator").await;
    let v: Value = agent.get(&format!("/api/v1/draws/{id}")).await.unwrap();
    assert_eq!(v["state"], "revealed");
    assert_eq!(v["secret"].as_str().unwrap().len(), 64);
    let seats_shown = v["groups"][0]["seats"].as_array().unwrap();
    assert_eq!(seats_shown.len(), 6);
    let status = |m: &str| -> String {
        seats_shown
            .iter()
            .find(|x| x["person_id"] == m)
            .map(|x| x["seat"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    // Confirmed, but it never checked in (docs/DRAWS.md §9).
    assert_eq!(status(&experts[yes].person), "absent");
    assert_eq!(status(&experts[no].person), "declined");
    assert_eq!(status(&experts[silent].person), "lapsed");

    app.rows().await;
    let trail: Value = regulator
        .get(&format!(
            "/api/v1/audit/trail?tender_id={}&limit=1000",
            s.tender
        ))
        .await
        .unwrap();
    let revealed = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "draw_revealed")
        .expect("draw_revealed in the tender's chain")
        .clone();
    let record: draw::Record = serde_json::from_value(revealed["body"]["record"].clone()).unwrap();
    assert_eq!(draw::verify(&record), Ok(()));
    let mut forged = record.clone();
    forged.result[0].drawn.swap(0, 1);
    assert!(matches!(
        draw::verify(&forged),
        Err(draw::Mismatch::Result { .. })
    ));
    let mut forged = record.clone();
    forged.secret[0] ^= 1;
    assert_eq!(draw::verify(&forged), Err(draw::Mismatch::Commitment));
    let seat_of = |e: &Expert| {
        seats_shown
            .iter()
            .find(|x| x["member_id"] == e.member)
            .cloned()
    };
    assert_eq!(
        seat_of(&experts[yes]).unwrap()["person_id"],
        experts[yes].person
    );
    assert!(
        seat_of(&experts[0]).is_none(),
        "the avoiding member was never placed"
    );
}

#[tokio::test]
async fn a_missing_contribution_falls_back_to_the_next_checkpoint() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let avoid = tenderer_uscc(&app).await;
    let _experts = library(&app, 8, &avoid).await;
    let d: Value = s
        .agent
        .post(&draws_path(&s), &request(&app, 2, 1))
        .await
        .unwrap();
    let id = d["id"].as_str().unwrap();
    app.clock.advance(Duration::minutes(61));
    let regulator = app.enrol("regulator").await;
    let agent = app.enrol("agent").await;
    let regulator_id = id_of(&regulator).await;
    let (st, v) = regulator
        .raw(
            Method::POST,
            &format!("/api/v1/draws/{id}/contributions"),
            Some(&contribution(&d, [9; 32], &regulator_id)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "deadline_passed");
    // First pass records the miss; the sequencer signs a checkpoint; the next pass draws.
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    let v: Value = agent.get(&format!("/api/v1/draws/{id}")).await.unwrap();
    assert_eq!(v["state"], "committed");
    etender::audit::sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    let v: Value = agent.get(&format!("/api/v1/draws/{id}")).await.unwrap();
    assert_eq!(v["state"], "drawn", "{v}");
    assert_eq!(v["contributions"][0]["contributor"], "fallback:checkpoint");
}

#[tokio::test]
async fn bad_draw_requests_are_refused_by_name_and_change_nothing() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let avoid = tenderer_uscc(&app).await;
    let _experts = library(&app, 6, &avoid).await;
    let bidder = app.enrol("bidder").await;
    let expert = app.enrol("expert").await;
    let base = request(&app, 2, 1);
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        v
    };
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (
            with(&|v| v["groups"][0]["specialty"] = json!("Z999999")),
            422,
            "validation_failed",
            Some("unknown_specialty"),
        ),
        (
            with(&|v| v["groups"][0]["count"] = json!(0)),
            422,
            "validation_failed",
            Some("not_positive"),
        ),
        (
            with(&|v| v["groups"][0]["count"] = json!(-1)),
            400,
            "malformed_body",
            None,
        ),
        (
            with(&|v| {
                let g = v["groups"][0].clone();
                v["groups"] = json!([g.clone(), g]);
            }),
            422,
            "validation_failed",
            Some("duplicate"),
        ),
        (
            with(&|v| v["evaluation_at"] = json!(app.clock_now() - Duration::days(1))),
            422,
            "validation_failed",
            Some("past"),
        ),
        (
            with(&|v| v["region_mode"] = json!("local")),
            422,
            "validation_failed",
            Some("invalid"),
        ),
        (
            with(&|v| v["groups"][0]["reserves"] = json!(2)),
            422,
            "rule_violation",
            Some("pool_too_small"),
        ),
        (
            with(&|v| v["avoid_bidders"] = json!(true)),
            409,
            "invalid_state_transition",
            None,
        ),
        (
            with(&|v| v["extra"] = json!(true)),
            400,
            "malformed_body",
            None,
        ),
    ];
    let before = app.rows().await;
    for (body, status, code, field_code) in cases {
        let (st, v) = s
            .agent
            .raw(Method::POST, &draws_path(&s), Some(&body))
            .await
            .unwrap();
        assert_problem(st, &v, status, code);
        if let Some(fc) = field_code {
            assert!(v["errors"].to_string().contains(fc), "{fc}: {v}");
        }
        if fc_is_pool(field_code) {
            // The shortfall names the specialty and its numbers: 6 - 3 ineligible = 3 < 4.
            assert!(v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("A080101 needs 4 (drawn and reserves), 3 eligible"));
        }
    }
    for c in [&bidder, &expert] {
        let (st, v) = c
            .raw(Method::POST, &draws_path(&s), Some(&base))
            .await
            .unwrap();
        assert_problem(st, &v, 403, "forbidden");
    }
    let (st, v) = s
        .agent
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/sections/NOPE/draws", s.tender),
            Some(&base),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    app.rows()
        .await
        .assert_same(&before, "refused draw requests");

    let (st, _) = s
        .agent
        .raw(Method::POST, &draws_path(&s), Some(&base))
        .await
        .unwrap();
    assert_eq!(st.as_u16(), 201);
    let once = app.rows().await;
    let (st, v) = s
        .agent
        .raw(Method::POST, &draws_path(&s), Some(&base))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    app.rows()
        .await
        .assert_same(&once, "a second draw while one is pending");
}

fn fc_is_pool(code: Option<&str>) -> bool {
    code == Some("pool_too_small")
}

#[tokio::test]
async fn a_failed_section_gets_no_draw() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let avoid = tenderer_uscc(&app).await;
    let _experts = library(&app, 6, &avoid).await;
    // No bids at all: at the deadline the section fails (流标).
    app.clock.advance(Duration::days(31));
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    let agent = app.enrol("agent").await;
    let before = app.rows().await;
    let (st, v) = agent
        .raw(Method::POST, &draws_path(&s), Some(&request(&app, 2, 1)))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    app.rows()
        .await
        .assert_same(&before, "a draw on a failed section");
}

/// A signed check-in body for `e` in draw `d` (`conflict`: party and reason), signed with
/// `signer`'s certificate (the member's own unless a test says otherwise).
pub(crate) fn check_in_body(
    d: &Value,
    e: &Expert,
    conflict: Option<(&str, &str)>,
    signer: &crate::helpers::Ident,
) -> Value {
    let creds = signer.credentials();
    let digest: [u8; 32] = hex::decode(d["frame_digest"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let c = conflict.map(|(party, reason)| draw::checkin::Conflict {
        party: party.into(),
        reason: reason.into(),
    });
    let msg = draw::checkin::statement(
        d["id"].as_str().unwrap(),
        &digest,
        &e.member,
        &e.person,
        c.as_ref(),
    );
    let sig = creds.key.sign(creds.algorithm, &msg).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({"conflict": c, "certificate_chain": [b64.encode(&creds.chain[0])],
        "signature": b64.encode(sig), "signature_algorithm": creds.algorithm.as_str()})
}

/// Which members hold a seat in `state`, by index.
pub(crate) fn holding(seats: &[Vec<Value>], state: &str) -> Vec<usize> {
    (0..seats.len())
        .filter(|&i| seats[i].iter().any(|a| a["seat"] == state))
        .collect()
}

#[tokio::test]
async fn check_in_signs_the_commitment_and_recusals_and_absences_call_reserves_in_order() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let avoid = tenderer_uscc(&app).await;
    let mut experts = library(&app, 12, &avoid).await;
    let regulator = app.enrol("regulator").await;
    let regulator_id = id_of(&regulator).await;
    let d: Value = s
        .agent
        .post(&draws_path(&s), &request(&app, 3, 3))
        .await
        .unwrap();
    let id = d["id"].as_str().unwrap().to_string();
    let evaluation_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(d["evaluation_at"].clone()).unwrap();
    regulator
        .post::<Value, _>(
            &format!("/api/v1/draws/{id}/contributions"),
            &contribution(&d, [3; 32], &regulator_id),
        )
        .await
        .unwrap();
    let drawn = holding(&seats(&experts).await, "notified");
    assert_eq!(drawn.len(), 3);
    for &i in &drawn {
        let a: Value = experts[i]
            .client
            .post(
                &format!("/api/v1/draws/{id}/answer"),
                &json!({"accept": true}),
            )
            .await
            .unwrap();
        assert_eq!(a["seat"], "confirmed");
    }
    let path = format!("/api/v1/draws/{id}/check-in");
    let (a, b, absent) = (drawn[0], drawn[1], drawn[2]);

    // Before the window opens (60 minutes before the evaluation): refused, nothing changed.
    app.clock
        .advance(evaluation_at - app.clock_now() - Duration::minutes(61));
    relogin(&app, &mut experts).await;
    let before = app.rows().await;
    let (st, v) = experts[a]
        .client
        .raw(
            Method::POST,
            &path,
            Some(&check_in_body(&d, &experts[a], None, &experts[a].ident)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    assert!(v["detail"].as_str().unwrap().contains("check-in opens at"));
    app.rows()
        .await
        .assert_same(&before, "check-in before the window");

    app.clock.advance(Duration::minutes(31));
    relogin(&app, &mut experts).await;
    let before = app.rows().await;
    // Not seated; another's certificate; a signature over other bytes; a bad declaration.
    let outsider = &experts[0];
    let (st, v) = outsider
        .client
        .raw(
            Method::POST,
            &path,
            Some(&check_in_body(&d, outsider, None, &outsider.ident)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    let (st, v) = experts[a]
        .client
        .raw(
            Method::POST,
            &path,
            Some(&check_in_body(&d, &experts[a], None, &experts[b].ident)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "certificate_subject_mismatch");
    let mut forged = check_in_body(&d, &experts[a], None, &experts[a].ident);
    forged["conflict"] = json!({"party": "某投标人", "reason": "亲属"});
    let (st, v) = experts[a]
        .client
        .raw(Method::POST, &path, Some(&forged))
        .await
        .unwrap();
    assert_problem(st, &v, 422, "statement_signature_invalid");
    let blank = check_in_body(&d, &experts[a], Some(("", "亲属")), &experts[a].ident);
    let (st, v) = experts[a]
        .client
        .raw(Method::POST, &path, Some(&blank))
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    app.rows().await.assert_same(&before, "refused check-ins");

    // A checks in; twice is refused.
    let ok: Value = experts[a]
        .client
        .post(
            &path,
            &check_in_body(&d, &experts[a], None, &experts[a].ident),
        )
        .await
        .unwrap();
    assert_eq!(ok["seat"], "checked_in");
    let before = app.rows().await;
    let (st, v) = experts[a]
        .client
        .raw(
            Method::POST,
            &path,
            Some(&check_in_body(&d, &experts[a], None, &experts[a].ident)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    app.rows().await.assert_same(&before, "a second check-in");

    // B declares a conflict: recused, and the first reserve is called at once.
    let seats_before = seats(&experts).await;
    let r: Value = experts[b]
        .client
        .post(
            &path,
            &check_in_body(
                &d,
                &experts[b],
                Some(("潜江市某建设有限公司", "近三年曾在该单位任职")),
                &experts[b].ident,
            ),
        )
        .await
        .unwrap();
    assert_eq!(r["seat"], "recused");
    let after = seats(&experts).await;
    let called: Vec<usize> = (0..experts.len())
        .filter(|&i| seats_before[i].is_empty() && !after[i].is_empty())
        .collect();
    assert_eq!(called.len(), 1, "one reserve for the recusal");
    let first_reserve = called[0];
    // The reserve comes and checks in directly.
    let ok: Value = experts[first_reserve]
        .client
        .post(
            &path,
            &check_in_body(
                &d,
                &experts[first_reserve],
                None,
                &experts[first_reserve].ident,
            ),
        )
        .await
        .unwrap();
    assert_eq!(ok["seat"], "checked_in");

    // The third never checks in: 30 minutes after the evaluation it is absent and replaced.
    app.clock.advance(Duration::minutes(30));
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    relogin(&app, &mut experts).await;
    let agent = app.enrol("agent").await;
    let committee: Value = agent
        .get(&format!("/api/v1/draws/{id}/committee"))
        .await
        .unwrap();
    assert_eq!(committee["complete"], false, "{committee}");
    app.clock.advance(Duration::minutes(31));
    let t = etender::app::draws::tick(&app.ctx).await.unwrap();
    assert_eq!(t.absent, 1);
    relogin(&app, &mut experts).await;
    let (st, v) = experts[absent]
        .client
        .raw(
            Method::POST,
            &path,
            Some(&check_in_body(
                &d,
                &experts[absent],
                None,
                &experts[absent].ident,
            )),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    let now_seats = seats(&experts).await;
    let second_reserve = (0..experts.len())
        .find(|&i| i != first_reserve && !drawn.contains(&i) && !now_seats[i].is_empty())
        .expect("a second reserve is called for the absence");
    // Called after the evaluation began: it has its own 30 minutes from the call.
    let ok: Value = experts[second_reserve]
        .client
        .post(
            &path,
            &check_in_body(
                &d,
                &experts[second_reserve],
                None,
                &experts[second_reserve].ident,
            ),
        )
        .await
        .unwrap();
    assert_eq!(ok["seat"], "checked_in");

    let agent = app.enrol("agent").await;
    let committee: Value = agent
        .get(&format!("/api/v1/draws/{id}/committee"))
        .await
        .unwrap();
    assert_eq!(committee["complete"], true, "{committee}");
    let seat_of = |i: usize| {
        committee["seats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["member_id"] == experts[i].member)
            .cloned()
            .unwrap()
    };
    assert_eq!(seat_of(a)["seat"], "checked_in");
    assert_eq!(seat_of(b)["seat"], "recused");
    assert_eq!(seat_of(b)["conflict"]["party"], "潜江市某建设有限公司");
    assert_eq!(seat_of(absent)["seat"], "absent");
    assert_eq!(seat_of(first_reserve)["rank"], 3);
    assert_eq!(seat_of(second_reserve)["rank"], 4);
    assert!(seat_of(a)["checked_in_at"].is_string());

    // The offline verifier: the draw replays and the replacements follow the recorded order.
    let regulator = app.enrol("regulator").await;
    etender::audit::checkpoint_now(&app.ctx.db, &app.ctx.audit_log, "test")
        .await
        .unwrap();
    let bundle: Value = regulator
        .get(&format!("/api/v1/audit/export?tender_id={}", s.tender))
        .await
        .unwrap();
    let bundle: etender::audit::bundle::Bundle = serde_json::from_value(bundle).unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    let rules: Vec<Box<dyn etender::audit::verify::Rule>> =
        vec![Box::new(etender::audit::verify::DrawsReplay)];
    etender::audit::verify::verify_bundle(&bundle, &key, None, &rules).unwrap();
    // The same entries with the absence's replacement moved to a later reserve: the rule names it.
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut entries: Vec<etender::audit::verify::VerifiedEntry> = bundle
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
        .collect();
    let scope = etender::audit::bundle::BundleScope::Tender(s.tender.clone());
    let rule = etender::audit::verify::DrawsReplay;
    use etender::audit::verify::Rule as _;
    assert_eq!(rule.check(&scope, &entries), Vec::<String>::new());
    let absence = entries
        .iter_mut()
        .find(|e| {
            e.leaf.event_type == "draw_seat_replaced"
                && e.body.as_ref().is_some_and(|b| b["reason"] == "absent")
        })
        .unwrap();
    absence.body.as_mut().unwrap()["called_rank"] = json!(5);
    let found = rule.check(&scope, &entries);
    assert!(
        found.len() == 1 && found[0].contains("breaks the draw order"),
        "{found:?}"
    );
    let trail: Value = regulator
        .get(&format!(
            "/api/v1/audit/trail?tender_id={}&limit=1000",
            s.tender
        ))
        .await
        .unwrap();
    let replaced: Vec<(Value, Value, Value)> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "draw_seat_replaced")
        .map(|e| {
            let b = &e["body"];
            (
                b["reason"].clone(),
                b["out_rank"].clone(),
                b["called_rank"].clone(),
            )
        })
        .collect();
    assert_eq!(
        replaced,
        vec![
            (json!("recused"), seat_of(b)["rank"].clone(), json!(3)),
            (json!("absent"), seat_of(absent)["rank"].clone(), json!(4)),
        ]
    );
}

/// Drops the frozen candidate lists (public by design: every eligible expert, drawn or not)
/// from a response, opening JSON carried in strings (audit bodies, leaves in base64), so that
/// what remains may be searched for the drawn people.
fn scrub(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| k.as_str() != "candidates")
                .map(|(k, x)| (k.clone(), scrub(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(scrub).collect()),
        Value::String(s) => {
            let b64 = base64::engine::general_purpose::STANDARD;
            let inner = serde_json::from_str::<Value>(s).ok().or_else(|| {
                let bytes = b64.decode(s).ok()?;
                serde_json::from_slice::<Value>(&bytes).ok()
            });
            match inner {
                Some(j @ (Value::Object(_) | Value::Array(_))) => scrub(&j),
                _ => v.clone(),
            }
        }
        _ => v.clone(),
    }
}

#[tokio::test]
async fn nobody_but_each_member_learns_a_drawn_name_before_the_evaluation() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let avoid = tenderer_uscc(&app).await;
    let experts = library(&app, 12, &avoid).await;
    let regulator = app.enrol("regulator").await;
    let regulator_id = id_of(&regulator).await;
    let d: Value = s
        .agent
        .post(&draws_path(&s), &request(&app, 3, 3))
        .await
        .unwrap();
    let id = d["id"].as_str().unwrap().to_string();
    regulator
        .post::<Value, _>(
            &format!("/api/v1/draws/{id}/contributions"),
            &contribution(&d, [5; 32], &regulator_id),
        )
        .await
        .unwrap();
    // One drawn member declines, so that a reserve is called and replacements are logged too.
    let drawn = holding(&seats(&experts).await, "notified");
    experts[drawn[0]]
        .client
        .post::<Value, _>(
            &format!("/api/v1/draws/{id}/answer"),
            &json!({"accept": false}),
        )
        .await
        .unwrap();
    etender::audit::checkpoint_now(&app.ctx.db, &app.ctx.audit_log, "test")
        .await
        .unwrap();
    // Every person placed by the draw (drawn and reserves): member ids, person ids, names.
    let draw_id = id.clone();
    let placed = app
        .ctx
        .db
        .read(move |c| Ok(etender::db::repo::draws::seats(c, &draw_id)?))
        .await
        .unwrap();
    assert_eq!(placed.len(), 6);
    let mut secrets: Vec<String> = Vec::new();
    for p in &placed {
        secrets.push(p.expert_id.clone());
        secrets.push(p.principal_id.clone());
    }
    let placed_index: Vec<usize> = (0..experts.len())
        .filter(|&i| placed.iter().any(|p| p.expert_id == experts[i].member))
        .collect();
    let unplaced = (0..experts.len())
        .find(|&i| !placed_index.contains(&i))
        .unwrap();
    let now_seats = seats(&experts).await;
    let reserve = placed_index
        .iter()
        .copied()
        .find(|&i| !drawn.contains(&i) && now_seats[i].is_empty())
        .expect("a reserve not yet called");

    let tenderer = app.enrol("tenderer").await;
    let bidder = app.enrol("bidder").await;
    let public = app.client();
    // The reserve's own records name itself, of course; what it must not learn is its place
    // (its draw seats stay empty) or anyone else's.
    let own = |i: usize| vec![experts[i].member.clone(), experts[i].person.clone()];
    let roles: Vec<(&str, &Client, Vec<String>)> = vec![
        ("tenderer", &tenderer, vec![]),
        ("agent", &s.agent, vec![]),
        ("bidder", &bidder, vec![]),
        ("public", &public, vec![]),
        (
            "expert not placed",
            &experts[unplaced].client,
            own(unplaced),
        ),
        ("reserve not called", &experts[reserve].client, own(reserve)),
    ];
    let size = app
        .ctx
        .db
        .read(|c| {
            use diesel::prelude::*;
            use etender::db::schema::audit_log_entries as e;
            Ok(e::table.count().get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    let member = &placed[0].expert_id;
    let checkin = check_in_body(&d, &experts[unplaced], None, &experts[unplaced].ident);
    let t = &s.tender;
    let mut calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/draws/{id}"), None),
        (Method::GET, format!("/api/v1/draws/{id}/committee"), None),
        (Method::GET, "/api/v1/me/draw-seats".into(), None),
        (
            Method::POST,
            format!("/api/v1/draws/{id}/answer"),
            Some(json!({"accept": true})),
        ),
        (
            Method::POST,
            format!("/api/v1/draws/{id}/check-in"),
            Some(checkin),
        ),
        (
            Method::POST,
            format!("/api/v1/draws/{id}/contributions"),
            Some(contribution(&d, [6; 32], &regulator_id)),
        ),
        (Method::POST, draws_path(&s), Some(request(&app, 1, 0))),
        (Method::GET, "/api/v1/experts?limit=100".into(), None),
        (Method::GET, format!("/api/v1/experts/{member}"), None),
        (Method::GET, "/api/v1/me/expert-records".into(), None),
        (
            Method::GET,
            format!("/api/v1/audit/trail?tender_id={t}&limit=1000"),
            None,
        ),
        (Method::GET, "/api/v1/audit/trail?limit=1000".into(), None),
        (
            Method::GET,
            format!("/api/v1/audit/export?tender_id={t}"),
            None,
        ),
        (Method::GET, "/api/v1/audit/export".into(), None),
    ];
    for i in 0..size {
        calls.push((Method::GET, format!("/api/v1/audit/entries/{i}"), None));
    }
    let before = app.rows().await;
    for (role, client, mine) in &roles {
        for (method, path, body) in &calls {
            let (st, v) = client
                .raw(method.clone(), path, body.as_ref())
                .await
                .unwrap();
            assert!(st.as_u16() < 500, "{role} {method} {path}: {st} {v}");
            let seen = scrub(&v).to_string();
            for secret in secrets.iter().filter(|s| !mine.contains(s)) {
                assert!(
                    !seen.contains(secret.as_str()),
                    "{role} {method} {path} reveals {secret}: {v}"
                );
            }
            // The draw's own endpoints: nothing, by the code each role is told.
            let parties = matches!(*role, "tenderer" | "agent");
            let expected: Option<&[u16]> = match (method.as_str(), path.as_str()) {
                _ if *role == "public" && !path.starts_with("/api/v1/audit/entries") => {
                    Some(&[401])
                }
                ("GET", p) if p.ends_with("/committee") => {
                    Some(if parties { &[409] } else { &[404] })
                }
                ("GET", p) if p == format!("/api/v1/draws/{id}") => {
                    Some(if parties { &[200] } else { &[404] })
                }
                ("POST", p) if p.ends_with("/answer") || p.ends_with("/check-in") => {
                    Some(&[404, 422, 403])
                }
                ("POST", p) if p.ends_with("/contributions") => Some(&[403]),
                ("POST", p) if p.ends_with("/draws") => Some(if parties { &[409] } else { &[403] }),
                ("GET", "/api/v1/me/draw-seats") => {
                    assert_eq!(v, json!([]), "{role}");
                    None
                }
                _ => None,
            };
            if let Some(codes) = expected {
                assert!(
                    codes.contains(&st.as_u16()),
                    "{role} {method} {path}: {st} {v}"
                );
            }
        }
    }
    app.rows()
        .await
        .assert_same(&before, "refused attempts to learn the drawn names");
}

#[tokio::test]
async fn the_supervising_departments_experts_are_not_drawn_for_its_tenders() {
    let app = TestApp::spawn().await;
    let admin = app.enrol("admin").await;
    let zjj = "429005-zjj";
    let path = format!("/api/v1/departments/{zjj}");
    let body = json!({"name": "潜江市住房和城乡建设局",
        "kinds": ["房屋建筑和市政基础设施工程"]});

    // Only the trading centre keeps the registry; bad codes and names are refused.
    let s = draft_tender(&app, 30).await;
    let before = app.rows().await;
    let (st, v) = s.agent.raw(Method::PUT, &path, Some(&body)).await.unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let (st, v) = admin
        .raw(Method::PUT, "/api/v1/departments/住建局", Some(&body))
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    let (st, v) = admin
        .raw(
            Method::PUT,
            &path,
            Some(&json!({"name": " ", "kinds": ["a", "a"]})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    assert!(v["errors"].to_string().contains("kinds"), "{v}");
    // A draft naming a department the registry does not hold.
    let mut d = crate::fixtures::draft(app.clock_now(), 30, &s.custodians);
    d["supervising_department"] = json!(zjj);
    let (st, v) = s
        .agent
        .raw(
            Method::PUT,
            &format!("/api/v1/tenders/{}", s.tender),
            Some(&json!({"draft": d})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    assert!(
        v["errors"].to_string().contains("unknown_department"),
        "{v}"
    );
    app.rows()
        .await
        .assert_same(&before, "refused department writes");

    let (st, dep) = admin.raw(Method::PUT, &path, Some(&body)).await.unwrap();
    assert_eq!(st.as_u16(), 200, "{dep}");
    assert_eq!(dep["kinds"], json!(["房屋建筑和市政基础设施工程"]));
    let list: Value = s.agent.get("/api/v1/departments").await.unwrap();
    assert_eq!(list[0]["code"], zjj);
    let (st, t) = s
        .agent
        .raw(
            Method::PUT,
            &format!("/api/v1/tenders/{}", s.tender),
            Some(&json!({"draft": d})),
        )
        .await
        .unwrap();
    assert_eq!(st.as_u16(), 200, "{t}");
    assert_eq!(t["working_copy"]["supervising_department"], zjj);
    let (st, v) = crate::fixtures::publish(&app, &s).await;
    assert_eq!(st, 200, "{v}");

    // Six experts, three of them working for the supervising department.
    let avoid = tenderer_uscc(&app).await;
    let experts = library(&app, 6, &avoid).await;
    let mut of_zjj = Vec::new();
    for i in 0..3 {
        let ident = extra_person(5600 + i, &format!("zjj-{i}"), vec![Role::Expert]);
        let client = app.enrol_ident(&ident).await;
        let person = id_of(&client).await;
        let mut m = json!({"person_id": person, "region": "429005", "employer": "住建局",
            "employer_uscc": null, "department": "429005-none", "title": "高级工程师",
            "senior_title": true, "practice_years": 10, "specialties": [SPECIALTY],
            "phone": "13800138000", "email": format!("z{i}@example.cn"), "avoid_units": []});
        if i == 0 {
            let (st, v) = admin
                .raw(Method::POST, "/api/v1/experts", Some(&m))
                .await
                .unwrap();
            assert_problem(st, &v, 422, "validation_failed");
            assert!(
                v["errors"].to_string().contains("unknown_department"),
                "{v}"
            );
        }
        m["department"] = json!(zjj);
        let v: Value = admin.post("/api/v1/experts", &m).await.unwrap();
        of_zjj.push(v["id"].as_str().unwrap().to_string());
    }
    let (st, v) = s
        .agent
        .raw(Method::POST, &draws_path(&s), Some(&request(&app, 3, 1)))
        .await
        .unwrap();
    // 6 - 3 ineligible (avoiding, employed, suspended) = 3; the department's three are out.
    assert_problem(st, &v, 422, "rule_violation");
    assert!(v["errors"].to_string().contains("needs 4"), "{v}");
    let d: Value = s
        .agent
        .post(&draws_path(&s), &request(&app, 2, 1))
        .await
        .unwrap();
    assert_eq!(d["groups"][0]["candidates"], 3);
    // The exclusion is part of the frozen, committed rules, and none of them is a candidate.
    app.rows().await;
    let regulator = app.enrol("regulator").await;
    let trail: Value = regulator
        .get(&format!(
            "/api/v1/audit/trail?tender_id={}&limit=1000",
            s.tender
        ))
        .await
        .unwrap();
    let requested = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "draw_requested")
        .unwrap()
        .clone();
    let frame: draw::Frame = serde_json::from_value(requested["body"]["frame"].clone()).unwrap();
    let rules: Value = serde_json::from_str(&frame.rules).unwrap();
    assert_eq!(rules["excluded_department"], zjj);
    assert_eq!(
        hex::encode(frame.digest()),
        requested["body"]["frame_digest"].as_str().unwrap()
    );
    for m in &of_zjj {
        assert!(!frame.groups[0].candidates.contains(m));
    }
    assert!(frame.groups[0].candidates.contains(&experts[3].member));
}

/// The draw is made from the frame as `draw_requested` logged it (its only copy): a logged frame
/// that no longer hashes to the committed digest is refused at the contribution, and nothing is
/// drawn, seated or logged.
#[tokio::test]
async fn a_logged_frame_changed_after_the_commitment_is_not_drawn_from() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let avoid = tenderer_uscc(&app).await;
    library(&app, 12, &avoid).await;
    let regulator = app.enrol("regulator").await;
    let regulator_id = id_of(&regulator).await;
    let d: Value = s
        .agent
        .post(&draws_path(&s), &request(&app, 3, 3))
        .await
        .unwrap();
    let id = d["id"].as_str().unwrap().to_string();
    // Once the entry is in the log, one more drawn seat in its frame, with the append-only
    // triggers out of the way (before, the sequencer itself refuses the altered entry).
    etender::audit::sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let mut raw = crate::audit::raw(&app);
    raw.disable_triggers();
    raw.exec(&format!(
        "UPDATE audit_events SET body = replace(body, '\"count\":3', '\"count\":4') \
         WHERE event_type = 'draw_requested' AND subject = '{id}'"
    ))
    .unwrap();
    let before = app.rows().await;
    let (st, v) = regulator
        .raw(
            Method::POST,
            &format!("/api/v1/draws/{id}/contributions"),
            Some(&contribution(&d, [7; 32], &regulator_id)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 500, "internal");
    before.assert_same(&app.rows().await, "a draw from a changed frame");
    let v: Value = s.agent.get(&format!("/api/v1/draws/{id}")).await.unwrap();
    assert_eq!(v["state"], "committed", "{v}");
    assert_eq!(v["contributions"], json!([]), "{v}");
}

/// A request of several specialties freezes each one's members: a member registered in two of
/// them is eligible in both (the draw places it at most once), members of other specialties in
/// neither.
#[tokio::test]
async fn a_request_of_several_specialties_freezes_each_ones_members() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let admin = app.enrol("admin").await;
    let held: [&[&str]; 5] = [
        &["A080101"],
        &["A080101", "A080102"],
        &["A080102"],
        &["A040103"],
        &["A080201"],
    ];
    for (i, specialties) in held.iter().enumerate() {
        let ident = extra_person(5700 + i as u32, &format!("multi-{i}"), vec![Role::Expert]);
        let client = app.enrol_ident(&ident).await;
        let person = id_of(&client).await;
        let _: Value = admin
            .post(
                "/api/v1/experts",
                &json!({"person_id": person, "region": "429005", "employer": "单位",
                    "employer_uscc": uscc(7600 + i as u32), "department": null,
                    "title": "高级工程师", "senior_title": true, "practice_years": 10,
                    "specialties": specialties, "phone": "13800138000",
                    "email": format!("m{i}@example.cn"), "avoid_units": []}),
            )
            .await
            .unwrap();
    }
    let groups = json!([{"specialty": "A080102", "count": 1, "reserves": 0},
        {"specialty": "A080101", "count": 1, "reserves": 0}]);
    let d: Value = s
        .agent
        .post(
            &draws_path(&s),
            &json!({"evaluation_at": app.clock_now() + Duration::days(40),
                "place": "评标室", "remote": false, "groups": groups}),
        )
        .await
        .unwrap();
    let counts: Vec<(String, u64)> = d["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["specialty"].as_str().unwrap().into(),
                g["candidates"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [("A080101", 2), ("A080102", 2)];
    assert_eq!(counts, expected.map(|(c, n)| (c.to_string(), n)), "{d}");
}
