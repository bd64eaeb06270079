//! 免证明 (issue 16 item 5, docs/LICENCES.md): a bidder's licences fetched by USCC from a real
//! registry simulator, with provenance; a registry that is down, slow, answering garbage or
//! signing badly degrades to the cached record with its age, never to a pass; the committee's
//! qualification review judges each requirement at the bid deadline, an expired licence failing
//! with a reason; wrong roles and bad input change nothing; the fetches' audit rule holds.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDate, SubsecRound};
use etender::audit::verify::{default_rules, verify_bundle, Rule as _};
use etender::domain::licence::{FetchOutcome, Verdict};
use etender::registry::simulator::{sample_record, Mode, Simulator};
use etender::wire::licences::FactsState;
use reqwest::Method;
use serde_json::json;

use crate::committee::{world_on, PRICES};
use crate::helpers::{assert_problem, pki, TestApp};
use crate::sheets::{elect, formed_from};

const TOKEN: &str = "registry-token-for-tests";

async fn registry() -> Simulator {
    Simulator::start(TOKEN)
        .await
        .expect("start the registry simulator")
}

/// A timeout of 400 ms and one retry: a slow registry costs a test under a second.
async fn app_on(sim: &Simulator) -> TestApp {
    let settings = sim.settings(400, 1);
    TestApp::spawn_with(move |s| s.registry = settings).await
}

fn uscc(label: &str) -> String {
    pki().get(label).key.clone()
}

fn in_a_year(app: &TestApp) -> NaiveDate {
    (app.clock_now() + Duration::days(365)).date_naive()
}

#[tokio::test]
async fn a_bidders_licences_are_fetched_with_provenance_and_outages_fall_back_to_the_cache() {
    let sim = registry().await;
    let app = app_on(&sim).await;
    let bidder = app.enrol("bidder").await;
    let me = uscc("bidder");
    sim.put(sample_record(&me, "投标人甲", in_a_year(&app)));

    // Nothing fetched yet: unavailable, never a pass.
    let none = bidder.my_licences().await.unwrap();
    assert_eq!(none.state, FactsState::Unavailable);
    assert!(none.stale && none.record.is_none() && none.age_seconds.is_none());

    let before = app.rows().await;
    let got = bidder.refresh_my_licences().await.unwrap();
    let after = app.rows().await;
    assert_eq!(
        after.get("licence_fetches") - before.get("licence_fetches"),
        1
    );
    assert_eq!(after.get("audit_events") - before.get("audit_events"), 1);
    assert_eq!(got.state, FactsState::Current);
    assert!(!got.stale);
    assert_eq!(got.age_seconds, Some(0));
    let record = got.record.clone().unwrap();
    assert_eq!(record.uscc, me);
    assert_eq!(record.qualifications[0].valid_until, in_a_year(&app));
    let p = got.provenance.clone().unwrap();
    assert_eq!(p.outcome, FetchOutcome::Ok);
    assert_eq!(p.fetched_at, app.clock_now().trunc_subsecs(6));
    assert!(
        p.source.starts_with(&sim.url) && p.source.contains(&me),
        "{}",
        p.source
    );
    assert!(p.digest.as_ref().is_some_and(|d| d.len() == 64));
    assert!(p.signature.is_some() && p.key_id.is_some());
    let good = p.digest.clone();
    assert_eq!(
        bidder
            .my_licences()
            .await
            .unwrap()
            .provenance
            .unwrap()
            .digest,
        good
    );

    // Ten minutes later the registry is down, then slow, then garbled, then signing badly: each
    // attempt is recorded with its outcome, the cached record stays, shown stale with its age.
    app.clock.advance(Duration::minutes(10));
    let modes = [
        (Mode::Down, FetchOutcome::Unreachable, "503"),
        (
            Mode::Slow(StdDuration::from_secs(2)),
            FetchOutcome::Timeout,
            "timeout",
        ),
        (Mode::Garbage, FetchOutcome::Garbage, "not a licence record"),
        (
            Mode::BadSignature,
            FetchOutcome::BadSignature,
            "does not verify",
        ),
    ];
    for (mode, outcome, error) in modes {
        sim.set_mode(mode);
        let before = app.rows().await;
        let got = bidder.refresh_my_licences().await.unwrap();
        let after = app.rows().await;
        assert_eq!(
            after.get("licence_fetches") - before.get("licence_fetches"),
            1
        );
        assert_eq!(got.state, FactsState::Stale, "{mode:?}");
        assert!(got.stale);
        assert_eq!(got.age_seconds, Some(600), "{mode:?}");
        assert_eq!(
            got.provenance.unwrap().digest,
            good,
            "{mode:?}: cache replaced"
        );
        assert_eq!(got.record.unwrap(), record);
        let last = got.last_attempt.unwrap();
        assert_eq!(last.outcome, outcome, "{mode:?}");
        let why = last.error.unwrap();
        assert!(why.contains(error), "{mode:?}: {why}");
        if matches!(outcome, FetchOutcome::Garbage | FetchOutcome::BadSignature) {
            assert!(last.digest.is_some(), "{mode:?}: a body's digest is kept");
        }
    }
    // Down and slow were asked twice (one retry), garbage and bad signature once, plus the first.
    assert_eq!(sim.requests(), 1 + 2 + 2 + 1 + 1);

    // The operator sees the link; a regulator reads the record with its provenance.
    let admin = app.enrol("admin").await;
    let status = admin.registry_status().await.unwrap();
    assert!(status.configured);
    assert_eq!(status.endpoint, sim.url);
    assert_eq!(status.fetches, 5);
    assert_eq!(status.failures, 4);
    assert_eq!(status.last_failure, Some(FetchOutcome::BadSignature));
    assert!(status.last_success_at.unwrap() < status.last_failure_at.unwrap());
    let regulator = app.enrol("regulator").await;
    let seen = regulator.organisation_licences(&me).await.unwrap();
    assert_eq!(seen.provenance.unwrap().digest, good);
    assert_eq!(seen.state, FactsState::Stale);

    // Back to normal: a fresh record replaces the cache.
    sim.set_mode(Mode::Normal);
    let got = bidder.refresh_my_licences().await.unwrap();
    assert_eq!(got.state, FactsState::Current);
    assert_eq!(got.age_seconds, Some(0));
    assert_ne!(got.provenance.unwrap().digest, good);

    // The export verifies; the fetches reordered fail the licence rule.
    app.rows().await;
    let bundle = regulator.audit_export(None, None, None).await.unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    verify_bundle(&bundle, &key, None, &default_rules()).unwrap();
    let mut es = crate::clarifications::entries_of(&bundle);
    let rule = etender::audit::verify_licences::LicencesReplay;
    let scope = etender::audit::bundle::BundleScope::All;
    assert!(rule.check(&scope, &es).is_empty());
    let fetched: Vec<usize> = (0..es.len())
        .filter(|&i| es[i].leaf.event_type == "licences_fetched")
        .collect();
    assert_eq!(fetched.len(), 6);
    es.swap(fetched[0], fetched[5]);
    let problems = rule.check(&scope, &es);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("the last one before it was")),
        "{problems:?}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn wrong_roles_bad_input_and_no_registry_change_nothing() {
    // No registry configured: a refresh says so and records nothing.
    let app = TestApp::spawn().await;
    let bidder = app.enrol("bidder").await;
    let tenderer = app.enrol("tenderer").await;
    let expert = app.enrol("expert").await;
    let regulator = app.enrol("regulator").await;
    let before = app.rows().await;
    let got = bidder.refresh_my_licences().await.unwrap();
    assert_eq!(got.state, FactsState::Unavailable);
    assert!(got.last_attempt.is_none());
    let status = regulator.registry_status().await.unwrap();
    assert!(!status.configured && status.fetches == 0);
    let refusals = [
        (
            &tenderer,
            Method::GET,
            "/api/v1/licences/mine".to_string(),
            403,
            "forbidden",
        ),
        (
            &expert,
            Method::POST,
            "/api/v1/licences/mine/refresh".into(),
            403,
            "forbidden",
        ),
        (
            &bidder,
            Method::GET,
            format!("/api/v1/supervision/licences/{}", uscc("bidder")),
            403,
            "forbidden",
        ),
        (
            &regulator,
            Method::GET,
            "/api/v1/supervision/licences/not-a-uscc".into(),
            422,
            "validation_failed",
        ),
        (
            &bidder,
            Method::GET,
            "/api/v1/registry/status".into(),
            403,
            "forbidden",
        ),
        (
            &regulator,
            Method::POST,
            "/api/v1/tenders/none/sections/BD01/licences/refresh".into(),
            403,
            "forbidden",
        ),
        (
            &regulator,
            Method::GET,
            "/api/v1/tenders/none/sections/BD01/licences".into(),
            404,
            "not_found",
        ),
        (
            &bidder,
            Method::GET,
            "/api/v1/tenders/none/sections/BD01/licences".into(),
            403,
            "forbidden",
        ),
    ];
    for (who, method, path, status, code) in refusals {
        let (st, v) = who.raw(method.clone(), &path, None).await.unwrap();
        assert_problem(st, &v, status, code);
        if code == "validation_failed" {
            assert_eq!(v["errors"][0]["field"], "uscc", "{v}");
        }
    }
    let (st, v) = app
        .client()
        .raw(Method::POST, "/api/v1/licences/mine/refresh", None)
        .await
        .unwrap();
    assert_problem(st, &v, 401, "unauthenticated");
    before.assert_same(&app.rows().await, "refusals and an unconfigured registry");
}

#[tokio::test]
async fn a_tender_with_blank_or_unknown_licence_requirements_is_refused() {
    let app = TestApp::spawn().await;
    let s = crate::fixtures::draft_tender(&app, 30).await;
    let mut d = crate::fixtures::draft(app.clock_now(), 30, &s.custodians);
    let path = format!("/api/v1/tenders/{}", s.tender);
    // A tender in draft has no bidders' facts to review (and no published draft to judge by).
    let regulator = app.enrol("regulator").await;
    let drafted = format!("/api/v1/tenders/{}/sections/BD01/licences", s.tender);
    let (st, v) = regulator.raw(Method::GET, &drafted, None).await.unwrap();
    assert_problem(st, &v, 404, "not_found");
    // An unknown key is refused as the draft is saved.
    d["sections"][0]["licence_requirements"] = json!({"qualifications": [], "grade": "一级"});
    let before = app.rows().await;
    let (st, v) = s
        .agent
        .raw(Method::PUT, &path, Some(&json!({"draft": d})))
        .await
        .unwrap();
    assert!(st.is_client_error(), "{st} {v}");
    before.assert_same(&app.rows().await, "a draft with an unknown key");
    // A blank class is refused at publication, naming the field.
    d["sections"][0]["licence_requirements"] = json!({
        "qualifications": [{"class": " ", "speciality": "建筑工程", "min_grade": "二级"}],
    });
    let (st, v) = s
        .agent
        .raw(Method::PUT, &path, Some(&json!({"draft": d})))
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let before = app.rows().await;
    let (st, v) = crate::fixtures::publish(&app, &s).await;
    assert_problem(st, &v, 422, "rule_violation");
    assert!(
        v["errors"]
            .to_string()
            .contains("sections[0].licence_requirements.qualifications[0].class"),
        "{v}"
    );
    before.assert_same(&app.rows().await, "a refused publication");
}

#[tokio::test]
async fn the_committee_sees_each_bidders_facts_and_an_expired_licence_fails_with_its_reason() {
    let sim = registry().await;
    let app = app_on(&sim).await;
    let requirements = json!({
        "qualifications": [{"class": "施工总承包", "speciality": "建筑工程", "min_grade": "二级"}],
        "safety_permit": true,
        "project_manager": {"speciality": "建筑工程", "min_level": "一级"},
    });
    let w = world_on(app, 5, None, PRICES, None, Some(requirements)).await;
    let deadline = crate::bids::deadline_of(&w.app, w.t()).await;
    let day = etender::domain::licence::deadline_day(deadline);
    let (ok, expiring, unlisted) = (uscc("bidder"), uscc("bidder-rsa"), uscc("bidder-ed25519"));
    sim.put(sample_record(&ok, "甲", day + Duration::days(400)));
    // Expired the day before the deadline's day (China time).
    sim.put(sample_record(&expiring, "乙", day - Duration::days(1)));

    // Before the opening nobody reads a section's bidders' facts.
    let regulator = w.app.enrol("regulator").await;
    let path = format!("/api/v1/tenders/{}/sections/BD01/licences", w.t());
    let (st, v) = regulator.raw(Method::GET, &path, None).await.unwrap();
    assert_problem(st, &v, 404, "not_found");

    let (w, m) = formed_from(w).await;
    elect(&w, &m).await;
    // The clock moved days on to the evaluation: the regulator logs in again.
    let regulator = w.app.enrol("regulator").await;
    let review = m[0]
        .client
        .refresh_section_licences(w.t(), "BD01")
        .await
        .unwrap();
    assert_eq!(review.bid_deadline, deadline);
    assert_eq!(review.bids.len(), 3);
    let of = |review: &etender::wire::licences::LicenceReview, u: &str| {
        review
            .bids
            .iter()
            .find(|b| b.licences.uscc == u)
            .cloned()
            .unwrap()
    };
    let good = of(&review, &ok);
    assert_eq!(good.overall, Verdict::Met, "{:?}", good.verdicts);
    assert_eq!(good.verdicts.len(), 3);
    assert!(good.licences.provenance.as_ref().unwrap().digest.is_some());
    let bad = of(&review, &expiring);
    assert_eq!(bad.overall, Verdict::NotMet);
    let why = bad.verdicts[0].reason.clone().unwrap();
    let number = bad.licences.record.as_ref().unwrap().qualifications[0]
        .number
        .clone();
    assert!(why.contains(&number), "{why}");
    assert!(
        why.contains(&format!("expired on {}", day - Duration::days(1))),
        "{why}"
    );
    assert_eq!(
        bad.verdicts[0].certificate.as_deref(),
        Some(number.as_str())
    );
    let none = of(&review, &unlisted);
    assert_eq!(none.overall, Verdict::Unknown);
    assert_eq!(none.licences.state, FactsState::Unavailable);
    assert_eq!(
        none.licences.last_attempt.as_ref().unwrap().outcome,
        FetchOutcome::NotListed
    );

    // The boundary: valid through the deadline's own day counts.
    sim.put(sample_record(&expiring, "乙", day));
    let review = m[1]
        .client
        .refresh_section_licences(w.t(), "BD01")
        .await
        .unwrap();
    assert_eq!(of(&review, &expiring).overall, Verdict::Met);

    // The registry goes down: the review shows the cached facts, stale with their age.
    w.app.clock.advance(Duration::minutes(10));
    sim.set_mode(Mode::Down);
    let review = m[0]
        .client
        .refresh_section_licences(w.t(), "BD01")
        .await
        .unwrap();
    let stale = of(&review, &ok);
    assert_eq!(stale.licences.state, FactsState::Stale);
    assert_eq!(stale.licences.age_seconds, Some(600));
    assert_eq!(stale.overall, Verdict::Met);

    // Regulators read the review from the cache; bidders, the tenderer and outsiders do not,
    // and nobody but a member refreshes it.
    let seen = regulator.section_licences(w.t(), "BD01").await.unwrap();
    assert_eq!(seen.bids.len(), 3);
    let tenderer = w.tenderer().await;
    let before = w.app.rows().await;
    for c in [&w.bidders[0].client, &tenderer, &w.s.agent] {
        let (st, v) = c.raw(Method::GET, &path, None).await.unwrap();
        assert_problem(st, &v, 403, "forbidden");
    }
    for c in [&regulator, &w.bidders[0].client] {
        let refresh = format!("{path}/refresh");
        let (st, v) = c.raw(Method::POST, &refresh, None).await.unwrap();
        assert_problem(st, &v, 403, "forbidden");
    }
    before.assert_same(&w.app.rows().await, "refused reads and refreshes");

    // The whole log verifies with the committee's fetches in it.
    let bundle = regulator.audit_export(None, None, None).await.unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    verify_bundle(&bundle, &key, None, &default_rules()).unwrap();
    sim.stop().await;
}
