//! The award begins (issue 14, docs/AWARD.md §3): when the tender's reports are complete, each
//! section that has candidates enters the award at the first stage of its mode — the ranked
//! candidates' publicity (traditional) or 清标 (评定分离) — and the tender holds the state of
//! its least advanced section. `evaluated` is the starting point of every award test.

use reqwest::Method;
use serde_json::{json, Value};

use crate::committee::World;
use crate::helpers::{assert_problem, TestApp};
use crate::report::{all_pass, draw_k, evaluating, scores};

/// BD01's evaluation as the fixture tender has it (综合评估法 with a drawn K).
pub(crate) fn evaluation() -> Value {
    json!({
        "kind": "comprehensive_scoring",
        "weights": [
            {"name": "price", "weight": "60"},
            {"name": "technical", "weight": "30"},
            {"name": "commercial", "weight": "10"}
        ],
        "price": {"k_values": ["0.01", "0.02", "0.03"]}
    })
}

/// A 评定分离 award of BD01 by `method` among its three candidates.
pub(crate) fn separated(method: Value) -> Value {
    json!({"kind": "separated", "candidates": 3, "method": method})
}

/// The committee world driven to a tender `evaluated` with a complete, signed 评标报告 for BD01
/// under `award`: three bids, all valid, scored so that the first bid is best, the second next.
pub(crate) async fn evaluated(award: Value) -> World {
    evaluated_on(TestApp::spawn().await, award).await
}

/// [`evaluated`] on `app` (e.g. one pointed at a treasury simulator).
pub(crate) async fn evaluated_on(app: TestApp, award: Value) -> World {
    let mut w = crate::committee::world_on(
        app,
        5,
        Some((evaluation(), award)),
        crate::committee::PRICES,
        None,
        None,
    )
    .await;
    evaluating(&mut w).await;
    draw_k(&w).await;
    w.relogin().await;
    let t = w.t().to_string();
    let bids = w.bids.clone();
    for i in 0..5 {
        let m = &w.experts[w.drawn[i]];
        m.client
            .submit_sheet(&t, "BD01", &all_pass(&bids), &m.ident.credentials())
            .await
            .unwrap();
    }
    let (a, b, c) = (bids[0].as_str(), bids[1].as_str(), bids[2].as_str());
    for i in 0..5 {
        let m = &w.experts[w.drawn[i]];
        let s = scores(&[(a, "27", "9"), (b, "24", "7"), (c, "20", "6")]);
        m.client
            .submit_sheet(&t, "BD01", &s, &m.ident.credentials())
            .await
            .unwrap();
    }
    let leader = &w.experts[w.drawn[0]];
    leader.client.generate_report(&t, "BD01").await.unwrap();
    for i in 0..5 {
        let m = &w.experts[w.drawn[i]];
        m.client
            .sign_report(&t, "BD01", &m.person, None, &m.ident.credentials())
            .await
            .unwrap();
    }
    w
}

#[tokio::test]
async fn the_award_begins_per_section_at_the_first_stage_of_its_mode() {
    let w = evaluated(separated(json!({"kind": "direct_vote"}))).await;
    let t = w.t().to_string();
    let tender: Value = w
        .app
        .client()
        .get(&format!("/api/v1/tenders/{t}"))
        .await
        .unwrap();
    assert_eq!(tender["state"], "clearing", "{tender}");
    let a = w.s.agent.award(&t, "BD01").await.unwrap();
    assert_eq!(serde_json::to_value(a.stage).unwrap(), "clearing");
    assert_eq!(a.mode, "separated");
    let mut expected = w.bids.clone();
    expected.sort();
    let mut got = a.candidates.clone();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!((a.award_round, a.open_objections), (1, 0));
    assert!(a.winner.is_none());
    let report: Value =
        w.s.agent
            .get(&format!(
                "/api/v1/tenders/{t}/sections/BD01/committee/report"
            ))
            .await
            .unwrap();
    assert_eq!(a.report_digest, report["digest"].as_str().unwrap());

    // Regulators read it; bidders and strangers learn nothing while it is being decided; BD02
    // (no bids) is not in the award.
    let regulator = w.app.enrol("regulator").await;
    regulator.award(&t, "BD01").await.unwrap();
    let path = etender::client::award::award_path(&t, "BD01");
    for c in [&w.bidders[0].client, &w.app.enrol("expert").await] {
        let (st, v) = c.raw(Method::GET, &path, None).await.unwrap();
        assert_problem(st, &v, 404, "not_found");
    }
    let (st, v) =
        w.s.agent
            .raw(
                Method::GET,
                &etender::client::award::award_path(&t, "BD02"),
                None,
            )
            .await
            .unwrap();
    assert_problem(st, &v, 404, "not_found");

    // The start is in the audit log.
    etender::audit::sequencer::integrate_now(&w.app.ctx.db, &w.app.ctx.audit_log)
        .await
        .unwrap();
    let trail: Value = regulator
        .get(&format!("/api/v1/audit/trail?tender_id={t}&limit=1000"))
        .await
        .unwrap();
    let types: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert!(types.contains(&"award_begun"), "{types:?}");
    assert!(types.contains(&"tender_award_progressed"), "{types:?}");
}

#[tokio::test]
async fn a_traditional_award_begins_with_the_ranked_candidates() {
    let w = evaluated(json!({"kind": "traditional", "candidates": 2})).await;
    let t = w.t().to_string();
    let a = w.s.agent.award(&t, "BD01").await.unwrap();
    assert_eq!(serde_json::to_value(a.stage).unwrap(), "candidates");
    assert_eq!(a.mode, "traditional");
    // Rank order: the best-scored bid first.
    assert_eq!(a.candidates, [w.bids[0].clone(), w.bids[1].clone()]);
    let tender: Value = w
        .app
        .client()
        .get(&format!("/api/v1/tenders/{t}"))
        .await
        .unwrap();
    assert_eq!(tender["state"], "evaluated", "{tender}");
}

/// The tender's audit export, verified offline with every rule, and its entries as the rules
/// see them (for tampering with a copy).
pub(crate) async fn exported_entries(
    w: &World,
) -> (
    etender::audit::bundle::BundleScope,
    Vec<etender::audit::verify::VerifiedEntry>,
) {
    etender::audit::checkpoint_now(&w.app.ctx.db, &w.app.ctx.audit_log, "test")
        .await
        .unwrap();
    let regulator = w.app.enrol("regulator").await;
    let bundle: Value = regulator
        .get(&format!("/api/v1/audit/export?tender_id={}", w.t()))
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
    let b64 = base64::engine::general_purpose::STANDARD;
    let entries = bundle
        .entries
        .iter()
        .map(|e| etender::audit::verify::VerifiedEntry {
            leaf: etender::audit::leaf::LeafEntry::from_bytes(
                &base64::Engine::decode(&b64, &e.leaf).unwrap(),
            )
            .unwrap(),
            leaf_hash: [0; 32],
            body: e
                .event
                .as_ref()
                .map(|ev| serde_json::from_str(&ev.body).unwrap()),
        })
        .collect();
    (
        etender::audit::bundle::BundleScope::Tender(w.t().to_string()),
        entries,
    )
}

#[tokio::test]
async fn the_verifier_checks_the_award_starts_from_the_complete_report() {
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_award_start::AwardStartReplay;
    let w = evaluated(separated(json!({"kind": "lottery"}))).await;
    let (scope, entries) = exported_entries(&w).await;
    assert_eq!(
        AwardStartReplay.check(&scope, &entries),
        Vec::<String>::new()
    );
    let at = |k: &str| entries.iter().position(|e| e.leaf.event_type == k).unwrap();
    let only = |es: Vec<etender::audit::verify::VerifiedEntry>, reason: &str| {
        let found = AwardStartReplay.check(&scope, &es);
        assert!(
            found.iter().any(|f| f.contains(reason)),
            "{reason}: {found:?}"
        );
    };
    let begun = at("award_begun");
    let tamper = |key: &str, value: Value| {
        let mut es = entries.clone();
        es[begun].body.as_mut().unwrap()[key] = value;
        es
    };
    only(
        tamper("candidates", json!([w.bids[0], w.bids[1]])),
        "candidates the report does not name",
    );
    only(tamper("report_digest", json!("00")), "a digest");
    only(tamper("stage", json!("committee")), "a first stage");
    only(tamper("mode", json!("traditional")), "an award mode");
    // Begun before the report was complete.
    let mut es = entries.clone();
    let completed = at("evaluation_report_completed");
    let moved = es.remove(begun);
    es.insert(completed, moved);
    only(es, "before it was complete");
    // A tender state that does not follow from its sections.
    let mut es = entries.clone();
    let progressed = at("tender_award_progressed");
    es[progressed].body.as_mut().unwrap()["state"] = json!("awarded");
    only(es, "does not follow from its sections");
}
