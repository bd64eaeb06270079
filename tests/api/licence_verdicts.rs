//! The licence verdicts frozen into the evaluation (issue 16 item 5, docs/LICENCES.md §9): when
//! the committee's leader is elected each opened bid's verdicts are frozen from the records
//! held — the registry down at that moment, so the bidders' own earlier fetches are judged
//! stale with their age and a bidder never fetched is `unverified`; an expired 安全生产许可证
//! fails qualification automatically with its reason in the report, and a member's pass of it
//! is refused; a licence valid through the deadline's day counts; the offline verifier replays
//! it and a tampered export fails.

use base64::Engine as _;
use chrono::Duration;
use etender::audit::bundle::BundleScope;
use etender::audit::verify::{default_rules, verify_bundle, Rule as _, VerifiedEntry};
use etender::audit::verify_licence_verdicts::LicenceVerdictsReplay;
use etender::domain::evaluation::rejection::RejectionReason;
use etender::domain::evaluation::report::Document;
use etender::domain::licence::{FactsState, Standing, Verdict};
use etender::registry::simulator::{sample_record, Mode, Simulator};
use serde_json::{json, Value};

use crate::committee::{world_on, PRICES};
use crate::helpers::{pki, TestApp};
use crate::report::{all_pass, bodies_of, draw_k, evaluating, scores};

const TOKEN: &str = "registry-token-for-tests";

#[tokio::test]
async fn an_expired_permit_fails_qualification_with_its_reason_and_an_outage_is_unverified() {
    let sim = Simulator::start(TOKEN).await.unwrap();
    let settings = sim.settings(400, 1);
    let app = TestApp::spawn_with(move |s| s.registry = settings).await;
    let requirements = json!({
        "qualifications": [{"class": "施工总承包", "speciality": "建筑工程", "min_grade": "二级"}],
        "safety_permit": true,
    });
    let mut w = world_on(app, 5, None, PRICES, None, Some(requirements)).await;
    let deadline = crate::bids::deadline_of(&w.app, w.t()).await;
    let day = etender::domain::licence::deadline_day(deadline);
    let uscc = |label: &str| pki().get(label).key.clone();
    let (boundary, expired, never) = (uscc("bidder"), uscc("bidder-rsa"), uscc("bidder-ed25519"));
    // Every licence of the first runs out on the deadline's own day: it counts.
    sim.put(sample_record(&boundary, "甲", day));
    // The second's 安全生产许可证 lapsed the day before the deadline's day.
    let mut lapsed = sample_record(&expired, "乙", day + Duration::days(400));
    lapsed.safety_permits[0].valid_until = day - Duration::days(1);
    let permit = lapsed.safety_permits[0].number.clone();
    sim.put(lapsed);
    sim.put(sample_record(&never, "丙", day + Duration::days(400)));
    // The first two fetch their own records while bidding; the third never does.
    for b in w.bidders.iter().filter(|b| b.label != "bidder-ed25519") {
        let got = b.client.refresh_my_licences().await.unwrap();
        assert_eq!(got.state, FactsState::Current);
    }

    // The registry is down when the review starts: the election freezes what is held.
    sim.set_mode(Mode::Down);
    evaluating(&mut w).await;
    let t = w.t().to_string();
    let member = |i: usize| &w.experts[w.drawn[i]];
    let review = member(0).client.section_licences(&t, "BD01").await.unwrap();
    assert!(review.frozen_at.is_some());
    let frozen = |u: &str| {
        review
            .bids
            .iter()
            .find_map(|b| b.frozen.clone().filter(|f| f.bidder == u))
            .unwrap()
    };
    let (good, bad, unknown) = (frozen(&boundary), frozen(&expired), frozen(&never));
    assert_eq!(good.standing, Standing::Met, "{:?}", good.verdicts);
    assert_eq!(good.state, FactsState::Stale);
    assert!(good.age_seconds.unwrap() > 0 && good.digest.is_some());
    assert_eq!(good.verdicts[1].valid_until, Some(day));
    assert_eq!(bad.standing, Standing::NotMet);
    assert_eq!(bad.verdicts[1].verdict, Verdict::NotMet);
    assert_eq!(
        bad.verdicts[1].certificate.as_deref(),
        Some(permit.as_str())
    );
    assert_eq!(unknown.standing, Standing::Unverified);
    assert_eq!(unknown.state, FactsState::Unavailable);
    assert!(
        unknown.fetch_id.is_none()
            && unknown
                .verdicts
                .iter()
                .all(|v| v.verdict == Verdict::Unknown)
    );

    // The registry is back and answers a renewed permit: the live view follows the registry's
    // answer of now, the frozen verdicts — what counts — stay as the review started.
    sim.set_mode(Mode::Normal);
    sim.put(sample_record(&expired, "乙", day + Duration::days(400)));
    let live = member(1)
        .client
        .refresh_section_licences(&t, "BD01")
        .await
        .unwrap();
    let again = live
        .bids
        .iter()
        .find(|b| b.licences.uscc == expired)
        .unwrap();
    assert_eq!(again.overall, Verdict::Met);
    assert_eq!(again.frozen.as_ref(), Some(&bad));

    let k = draw_k(&w).await;
    w.relogin().await;
    let member = |i: usize| &w.experts[w.drawn[i]];
    let creds = |i: usize| member(i).ident.credentials();
    // The frozen verdicts are the committee's material: in camera for the tender's parties
    // while it evaluates (招标投标法44), read by regulators.
    etender::audit::sequencer::integrate_now(&w.app.ctx.db, &w.app.ctx.audit_log)
        .await
        .unwrap();
    let kind = "licence_verdicts_frozen";
    let regulator = w.app.enrol("regulator").await;
    let seen = bodies_of(&regulator, &t, kind).await;
    assert_eq!(seen.len(), 1, "frozen once");
    assert_eq!(
        seen[0].as_ref().unwrap()["bids"].as_array().unwrap().len(),
        3
    );
    assert_eq!(bodies_of(&w.s.agent, &t, kind).await, vec![None]);
    // A member passing the lapsed bid is refused, naming the reason; nothing is kept.
    let every = vec![good.bid.clone(), bad.bid.clone(), unknown.bid.clone()];
    let before = w.app.rows().await;
    let err = member(1)
        .client
        .submit_sheet(&t, "BD01", &all_pass(&every), &creds(1))
        .await
        .unwrap_err();
    assert_eq!(
        err.code().map(|c| c.as_str()),
        Some("licence_not_met"),
        "{err}"
    );
    assert!(format!("{err}").contains(&permit), "{err}");
    // It is out already: no motion to reject it again.
    let err = member(2)
        .client
        .propose_rejection(
            &t,
            "BD01",
            &bad.bid,
            RejectionReason::QualificationNotMet,
            "安全生产许可证过期",
        )
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.as_str()), Some("conflict"), "{err}");
    before.assert_same(
        &w.app.rows().await,
        "a refused pass of a lapsed bid and a motion",
    );

    // The members pass the other two on every line (the unverified one on their own evidence).
    let reviewed = vec![good.bid.clone(), unknown.bid.clone()];
    for i in 0..5 {
        let s = all_pass(&reviewed);
        member(i)
            .client
            .submit_sheet(&t, "BD01", &s, &creds(i))
            .await
            .unwrap();
    }
    for i in 0..5 {
        let s = scores(&[(&good.bid, "26", "8"), (&unknown.bid, "24", "7")]);
        member(i)
            .client
            .submit_sheet(&t, "BD01", &s, &creds(i))
            .await
            .unwrap();
    }
    let report = member(0).client.generate_report(&t, "BD01").await.unwrap();
    let doc: Document =
        serde_json::from_value(serde_json::to_value(&report.document).unwrap()).unwrap();
    assert_eq!(doc.inputs.licences.len(), 3);
    assert!(!k.is_empty());
    let rejection = doc
        .derivation
        .rejected
        .iter()
        .find(|r| r.bid == bad.bid)
        .expect("the lapsed bid is rejected");
    assert_eq!(rejection.reason, RejectionReason::QualificationNotMet);
    assert_eq!((rejection.votes_for, rejection.votes_against), (0, 0));
    let expiry = format!("expired on {}", day - Duration::days(1));
    assert!(
        rejection.grounds.contains("安全生产许可证")
            && rejection.grounds.contains(&permit)
            && rejection.grounds.contains(&expiry),
        "{}",
        rejection.grounds
    );
    assert!(!doc.derivation.review.iter().any(|o| o.bid == bad.bid));
    assert_eq!(doc.derivation.valid, {
        let mut v = reviewed.clone();
        v.sort();
        v
    });

    verify_and_tamper(&w.app, &bad.bid).await;
    sim.stop().await;
}

fn body(es: &mut [VerifiedEntry], i: usize) -> &mut Value {
    es[i].body.as_mut().unwrap()
}

/// The whole log verifies; each tampering of the freeze fails the rule, naming it.
async fn verify_and_tamper(app: &TestApp, lapsed: &str) {
    etender::audit::checkpoint_now(&app.ctx.db, &app.ctx.audit_log, "test")
        .await
        .unwrap();
    let regulator = app.enrol("regulator").await;
    let bundle = regulator.audit_export(None, None, None).await.unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    verify_bundle(&bundle, &key, None, &default_rules()).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let entries: Vec<VerifiedEntry> = bundle
        .entries
        .iter()
        .map(|e| VerifiedEntry {
            leaf: etender::audit::leaf::LeafEntry::from_bytes(&b64.decode(&e.leaf).unwrap())
                .unwrap(),
            leaf_hash: [0; 32],
            body: e
                .event
                .as_ref()
                .map(|ev| serde_json::from_str(&ev.body).unwrap()),
        })
        .collect();
    let rule = LicenceVerdictsReplay;
    let scope = BundleScope::All;
    assert_eq!(rule.check(&scope, &entries), Vec::<String>::new());
    let at = |k: &str| entries.iter().position(|e| e.leaf.event_type == k).unwrap();
    let frozen = at("licence_verdicts_frozen");
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.leaf.event_type == "licence_verdicts_frozen")
            .count(),
        1
    );
    let fails = |es: Vec<VerifiedEntry>, why: &str| {
        let found = rule.check(&scope, &es);
        assert!(found.iter().any(|f| f.contains(why)), "{why}: {found:?}");
    };
    let lapsed_index = entries[frozen].body.as_ref().unwrap()["bids"]
        .as_array()
        .unwrap()
        .iter()
        .position(|b| b["bid"] == lapsed)
        .unwrap();
    // The lapsed permit's verdict flipped to met, with the overall made to follow.
    let mut es = entries.clone();
    let b = &mut body(&mut es, frozen)["bids"][lapsed_index];
    b["verdicts"][1]["verdict"] = json!("met");
    b["verdicts"][1]["reason"] = Value::Null;
    b["overall"] = json!("met");
    b["standing"] = json!("met");
    fails(es, "met without a certificate valid on the deadline's day");
    // Only the standing flipped.
    let mut es = entries.clone();
    body(&mut es, frozen)["bids"][lapsed_index]["standing"] = json!("unverified");
    fails(es, "does not follow from its verdicts");
    // Frozen after a preliminary sheet.
    let mut es = entries.clone();
    let sheet = es
        .iter()
        .position(|e| {
            e.leaf.event_type == "evaluation_sheet_submitted"
                && e.body.as_ref().unwrap()["stage"] == "preliminary"
        })
        .unwrap();
    let moved = es.remove(frozen);
    es.insert(sheet, moved);
    fails(es, "after a preliminary sheet");
    // Frozen twice.
    let mut es = entries.clone();
    es.insert(frozen + 1, entries[frozen].clone());
    fails(es, "frozen before");
    // Judged on another record than the bidder's newest good fetch.
    let mut es = entries.clone();
    body(&mut es, frozen)["bids"][lapsed_index]["digest"] = json!("00".repeat(32));
    fails(es, "not the newest good fetch");
    // A report whose inputs leave the frozen verdicts out.
    let mut es = entries.clone();
    let report = at("evaluation_report_generated");
    body(&mut es, report)["document"]["inputs"]["licences"] = json!([]);
    fails(es, "not those frozen for the section");
}

/// The verdicts are frozen once per section: a leader who leaves and the re-election after it
/// freeze nothing again, and fetch nothing either.
#[tokio::test]
async fn a_second_election_freezes_nothing_again() {
    let sim = Simulator::start(TOKEN).await.unwrap();
    let settings = sim.settings(400, 1);
    let app = TestApp::spawn_with(move |s| s.registry = settings).await;
    let requirements = json!({"safety_permit": true});
    let mut w = world_on(app, 5, None, PRICES, None, Some(requirements)).await;
    let day = etender::domain::licence::deadline_day(crate::bids::deadline_of(&w.app, w.t()).await);
    for b in &w.bidders {
        let u = pki().get(b.label).key.clone();
        sim.put(sample_record(&u, "某公司", day + Duration::days(30)));
    }
    evaluating(&mut w).await;
    let t = w.t().to_string();
    let (frozen, fetched) = counts(&w).await;
    assert_eq!(frozen, 1);
    assert_eq!(fetched, 3, "the electing vote fetched every opened bidder");
    let c = w.experts[w.drawn[0]]
        .client
        .committee(&t, "BD01")
        .await
        .unwrap();
    let leader = c.leader.clone().unwrap();
    let gone = w.experts[w.drawn[0]]
        .client
        .leave_committee(
            &t,
            "BD01",
            &leader,
            etender::domain::evaluation::committee::LeaveReason::Ill,
            "突发疾病",
        )
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(gone.state).unwrap(), "forming");
    let next = gone
        .members
        .iter()
        .find(|m| m.active && m.person_id == w.experts[w.drawn[1]].person)
        .unwrap()
        .id
        .clone();
    let mut last = None;
    for i in 1..5 {
        last = Some(
            w.experts[w.drawn[i]]
                .client
                .vote_leader(&t, "BD01", &next)
                .await
                .unwrap(),
        );
        if last.as_ref().unwrap().leader.is_some() {
            break;
        }
    }
    assert_eq!(
        serde_json::to_value(last.unwrap().state).unwrap(),
        "evaluating"
    );
    assert_eq!(
        counts(&w).await,
        (1, 3),
        "frozen once, nothing fetched again"
    );
    sim.stop().await;
}

/// How many `licence_verdicts_frozen` entries the tender's trail has, and fetch rows there are.
async fn counts(w: &crate::committee::World) -> (usize, i64) {
    let ctx = &w.app.ctx;
    etender::audit::sequencer::integrate_now(&ctx.db, &ctx.audit_log)
        .await
        .unwrap();
    let regulator = w.app.enrol("regulator").await;
    let frozen = bodies_of(&regulator, w.t(), "licence_verdicts_frozen").await;
    (
        frozen.len(),
        w.app.rows().await.get("licence_fetches") as i64,
    )
}
