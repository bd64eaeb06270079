//! The award's notices (issue 14 item 4, docs/AWARD.md "Notices"): when a section may be
//! notified, the signed 中标通知书 and 中标结果通知书 (stored, mailed, downloadable by their
//! addressee only, verifiable offline), the result announcement with both committees' names,
//! the OCDS award release, the written report's 15-day limit, and the verifier's rule.
//!
//! The stages before the notices (the candidates' publicity and the tenderer's award, or the
//! award committee and the result's publicity) are other verbs; here they are driven through
//! `support::award` — the same calls those verbs make — so the notices are tested on their own.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::award::{evaluated, separated};
use crate::committee::World;
use crate::helpers::{assert_problem, pki};
use etender::app::support::award;
use etender::client::award_notices::{notices_path, verify_notice, written_report_path};
use etender::db::types::to_db;
use etender::domain::award::stage::StageEvent;

/// The tender's agent signs for the tenderer (its entrustment stands).
fn agent_creds() -> etender::client::Credentials {
    pki().get("agent").credentials()
}

/// Moves BD01's award to where the notices follow: traditional — the candidates publicised and
/// `winner` awarded; 评定分离 — 清标, the committee, its decision for `winner`, the 定标报告
/// signed and the result publicised for 3 days from now. Returns the publicity's end.
pub(crate) async fn drive(w: &World, winner: &str, reason: Option<&str>) -> DateTime<Utc> {
    let (t, now) = (w.t().to_string(), w.app.clock_now());
    let (winner, reason) = (winner.to_string(), reason.map(str::to_string));
    let until = now + Duration::days(3);
    w.app
        .ctx
        .db
        .write(move |c| {
            let mut a = award::load(c, &t, "BD01")?;
            let steps = if a.separated() {
                vec![
                    StageEvent::FileClearing,
                    StageEvent::FormCommittee,
                    StageEvent::Decide,
                    StageEvent::SignReport,
                ]
            } else {
                vec![StageEvent::PublishCandidates, StageEvent::Award]
            };
            a.row.publicity_from = Some(to_db(now));
            a.row.publicity_until = Some(to_db(until));
            for step in steps {
                if matches!(step, StageEvent::Decide | StageEvent::Award) {
                    a.row.winner_bid_id = Some(winner.clone());
                    a.row.winner_reason = reason.clone();
                    a.row.decided_at = Some(to_db(now));
                }
                award::advance(c, now, &mut a, &step)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    until
}

/// Sets BD01's count of open objections (what raising and answering one does to the row).
async fn set_objections(w: &World, n: i32) {
    let (t, now) = (w.t().to_string(), w.app.clock_now());
    w.app
        .ctx
        .db
        .write(move |c| {
            let mut a = award::load(c, &t, "BD01")?;
            a.row.open_objections = n;
            award::save(c, now, &mut a)
        })
        .await
        .unwrap();
}

async fn issue_raw(w: &World) -> (reqwest::StatusCode, Value) {
    let t = w.t();
    let drafts = w.s.agent.notice_drafts(t, "BD01").await;
    // Before the section may be notified even the drafts are refused: sign a stale body then.
    let body = match drafts {
        Ok(d) => serde_json::to_value(
            etender::client::award_notices::sign_notices(&d, &agent_creds()).unwrap(),
        )
        .unwrap(),
        Err(_) => json!({"certificate_chain": [],
            "signature_algorithm": agent_creds().algorithm.as_str(), "signatures": []}),
    };
    w.s.agent
        .raw(Method::POST, &notices_path(t, "BD01"), Some(&body))
        .await
        .unwrap()
}

async fn award_version(w: &World) -> (String, u32) {
    let a = w.s.agent.award(w.t(), "BD01").await.unwrap();
    (
        serde_json::to_value(a.stage).unwrap().to_string(),
        a.version,
    )
}

#[tokio::test]
async fn a_traditional_section_is_notified_after_the_award_and_each_addressee_reads_its_own() {
    let w = evaluated(json!({"kind": "traditional", "candidates": 2})).await;
    let t = w.t().to_string();

    // At the candidates' stage there is nothing to notify: refused, nothing changed.
    let before = w.app.rows().await;
    let stage_before = award_version(&w).await;
    let (st, v) = issue_raw(&w).await;
    assert_problem(st, &v, 409, "award_stage");
    before.assert_same(&w.app.rows().await, "notices before the award");
    assert_eq!(award_version(&w).await, stage_before);

    drive(&w, &w.bids[0], None).await;
    let drafts = w.s.agent.notice_drafts(&t, "BD01").await.unwrap();
    assert_eq!(
        drafts.notices.len(),
        3,
        "one 中标通知书 and two 中标结果通知书"
    );

    // A certificate that is not the tenderer's or the agent's: refused, nothing changed.
    let before = w.app.rows().await;
    let bidder_creds = pki().get("bidder").credentials();
    let forged = etender::client::award_notices::sign_notices(&drafts, &bidder_creds).unwrap();
    let (st, v) =
        w.s.agent
            .raw(
                Method::POST,
                &notices_path(&t, "BD01"),
                Some(&json!(forged)),
            )
            .await
            .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    // One signature short: refused, nothing changed.
    let mut short = etender::client::award_notices::sign_notices(&drafts, &agent_creds()).unwrap();
    short.signatures.pop();
    let (st, v) =
        w.s.agent
            .raw(Method::POST, &notices_path(&t, "BD01"), Some(&json!(short)))
            .await
            .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    // A signature over another notice's statement: refused, nothing changed.
    let mut swapped =
        etender::client::award_notices::sign_notices(&drafts, &agent_creds()).unwrap();
    let first = swapped.signatures[0].signature.clone();
    swapped.signatures[0].signature = swapped.signatures[1].signature.clone();
    swapped.signatures[1].signature = first;
    let (st, v) =
        w.s.agent
            .raw(
                Method::POST,
                &notices_path(&t, "BD01"),
                Some(&json!(swapped)),
            )
            .await
            .unwrap();
    assert_problem(st, &v, 422, "statement_signature_invalid");
    before.assert_same(&w.app.rows().await, "refused notices");

    // Issued: three notices, the announcement, the OCDS release, three mails (one per bidder
    // and none to anyone else), the written report's 15 days; the section is notified and the
    // tender awarded.
    let before = w.app.rows().await;
    let issued =
        w.s.agent
            .issue_notices(&t, "BD01", &agent_creds())
            .await
            .unwrap();
    assert_eq!(issued.notices.len(), 3);
    assert_eq!(
        issued.written_report_due,
        w.app.clock_now().trunc_subsecs(6) + Duration::days(15)
    );
    let after = w.app.rows().await;
    for (table, delta) in [
        ("award_notices", 3),
        ("award_written_reports", 1),
        ("mail_outbox", 3),
        ("announcements", 1),
        ("ocds_releases", 1),
    ] {
        assert_eq!(after.get(table) - before.get(table), delta, "{table}");
    }
    let a = w.s.agent.award(&t, "BD01").await.unwrap();
    assert_eq!(serde_json::to_value(a.stage).unwrap(), "notified");
    let tender: Value = w
        .app
        .client()
        .get(&format!("/api/v1/tenders/{t}"))
        .await
        .unwrap();
    assert_eq!(tender["state"], "awarded", "{tender}");

    // Every bidder reads its own notice, checks its digest and signature offline, and reads
    // no other; the winner's is the 中标通知书.
    let mut seen = 0;
    for b in &w.bidders {
        let mine = match b.client.award_notices(&t, "BD01").await {
            Ok(list) => list,
            Err(e) => {
                assert_eq!(e.code().map(|c| c.as_str()), Some("not_found"));
                continue;
            }
        };
        assert_eq!(mine.len(), 1, "{}: {mine:?}", b.label);
        let n = b.client.award_notice(&t, &mine[0].id).await.unwrap();
        let subject = verify_notice(&n).unwrap();
        assert!(!subject.is_empty());
        let doc: Value = serde_json::from_str(&n.document).unwrap();
        let kind = serde_json::to_value(n.kind).unwrap();
        assert_eq!(kind == json!("award"), n.bid == w.bids[0], "{}", b.label);
        assert_eq!(doc["winner"]["bid"], w.bids[0]);
        assert_eq!(doc["basis"]["report_digest"], a.report_digest);
        for other in issued.notices.iter().filter(|o| o.id != n.id) {
            let (st, v) = b
                .client
                .raw(
                    Method::GET,
                    &etender::client::award_notices::notice_path(&t, &other.id),
                    None,
                )
                .await
                .unwrap();
            assert_problem(st, &v, 404, "not_found");
        }
        seen += 1;
    }
    assert_eq!(seen, 3, "each of the three bidders read its notice");
    // A tampered document no longer verifies.
    let mut bad = issued.notices[0].clone();
    bad.document = bad.document.replace(&w.bids[0], "someone-else");
    assert!(verify_notice(&bad).is_err());
    // A stranger reads nothing; a regulator reads every notice.
    let stranger = w.app.enrol("expert").await;
    for path in [
        notices_path(&t, "BD01"),
        etender::client::award_notices::notice_path(&t, &issued.notices[0].id),
    ] {
        let (st, v) = stranger.raw(Method::GET, &path, None).await.unwrap();
        assert_problem(st, &v, 404, "not_found");
    }
    let regulator = w.app.enrol("regulator").await;
    assert_eq!(regulator.award_notices(&t, "BD01").await.unwrap().len(), 3);

    // The mails: one per addressee, each with its notice's digest.
    let mails = w
        .app
        .ctx
        .db
        .read_primary({
            let t = t.clone();
            move |c| Ok(etender::db::repo::mail::list_for_tender(c, &t)?)
        })
        .await
        .unwrap();
    for n in &issued.notices {
        let m: Vec<_> = mails
            .iter()
            .filter(|m| m.body.contains(&n.digest))
            .collect();
        assert_eq!(m.len(), 1, "one mail carries notice {}", n.id);
        assert!(m[0].kind.starts_with("award_"), "{}", m[0].kind);
    }

    // The result announcement names the winner, its price, the evaluation committee by name
    // and why the winner was chosen.
    let anns: Value = w
        .app
        .client()
        .get(&format!("/api/v1/announcements?tender={t}&limit=200"))
        .await
        .unwrap();
    let ann = anns
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "award_result")
        .unwrap_or_else(|| panic!("{anns}"))
        .clone();
    let body: Value = match &ann["body"] {
        Value::String(s) => serde_json::from_str(s).unwrap(),
        v => v.clone(),
    };
    assert_eq!(body["winner"]["bid"], w.bids[0], "{body}");
    assert!(body["winner"]["price"].is_string(), "{body}");
    let names = body["committees"]["evaluation"].as_array().unwrap();
    assert_eq!(names.len(), 5, "{body}");
    assert!(names
        .iter()
        .all(|m| !m["name"].as_str().unwrap().is_empty()));
    assert!(
        body["reason"].as_str().unwrap().contains("排名第一"),
        "{body}"
    );

    // Notified: a second issue is refused, nothing changed.
    let before = w.app.rows().await;
    let (st, v) = issue_raw(&w).await;
    assert_problem(st, &v, 409, "award_stage");
    before.assert_same(&w.app.rows().await, "notices issued twice");

    // The OCDS package carries the award release; `make test` validates it offline.
    let package: Value = w
        .app
        .client()
        .get(&format!("/api/v1/ocds/tenders/{t}"))
        .await
        .unwrap();
    let release = package["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tag"] == json!(["award"]))
        .unwrap_or_else(|| panic!("{package}"))
        .clone();
    assert_eq!(release["awards"][0]["status"], "active");
    assert_eq!(release["awards"][0]["relatedBids"], json!([w.bids[0]]));
    assert_eq!(release["tender"]["status"], "complete");
    assert_eq!(release["bids"]["details"].as_array().unwrap().len(), 3);
    assert_eq!(package["extensions"], json!([etender::ocds::BID_EXTENSION]));
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("award-notices-ocds.json"),
        serde_json::to_string_pretty(&package).unwrap(),
    )
    .unwrap();

    verify_and_tamper(&w).await;
}

#[tokio::test]
async fn no_notice_before_the_publicity_ends_nor_with_an_objection_open() {
    let mut w = evaluated(separated(json!({"kind": "direct_vote"}))).await;
    let t = w.t().to_string();
    let until = drive(&w, &w.bids[1], Some("得票最多")).await;

    // A second before the end of the result's publicity: refused, nothing changed.
    w.app.clock.set(until - Duration::seconds(1));
    w.relogin().await;
    let before = w.app.rows().await;
    let version = award_version(&w).await;
    let (st, v) = issue_raw(&w).await;
    assert_problem(st, &v, 409, "deadline_not_reached");
    before.assert_same(&w.app.rows().await, "notices during the publicity");
    assert_eq!(award_version(&w).await, version);

    // At its end, with an objection open: refused, nothing changed.
    set_objections(&w, 1).await;
    w.app.clock.set(until);
    let before = w.app.rows().await;
    let version = award_version(&w).await;
    let (st, v) = issue_raw(&w).await;
    assert_problem(st, &v, 409, "objections_pending");
    before.assert_same(&w.app.rows().await, "notices with an objection open");
    assert_eq!(award_version(&w).await, version);

    // The objection answered: at exactly the end of the publicity the notices go out.
    set_objections(&w, 0).await;
    let issued =
        w.s.agent
            .issue_notices(&t, "BD01", &agent_creds())
            .await
            .unwrap();
    let winner: Vec<_> = issued
        .notices
        .iter()
        .filter(|n| n.bid == w.bids[1])
        .collect();
    assert_eq!(winner.len(), 1);
    assert_eq!(serde_json::to_value(winner[0].kind).unwrap(), "award");
    let doc: Value = serde_json::from_str(&winner[0].document).unwrap();
    assert_eq!(doc["basis"]["mode"], "separated");
    assert_eq!(doc["basis"]["winner_reason"], "得票最多");
    assert_eq!(doc["basis"]["method"], "票决定标法");

    verify_and_tamper(&w).await;
}

#[tokio::test]
async fn the_written_report_is_due_within_fifteen_days_and_flagged_to_regulators_after() {
    let mut w = evaluated(json!({"kind": "traditional", "candidates": 2})).await;
    let t = w.t().to_string();
    drive(&w, &w.bids[0], None).await;
    let issued =
        w.s.agent
            .issue_notices(&t, "BD01", &agent_creds())
            .await
            .unwrap();
    let due = issued.written_report_due;

    // The report to sign names every notice by digest; bidders and strangers cannot read it.
    let r = w.s.agent.written_report(&t, "BD01").await.unwrap();
    assert_eq!((r.due_at, r.overdue, r.filed_at), (due, false, None));
    let doc: Value = serde_json::from_str(&r.document).unwrap();
    assert_eq!(doc["notices"].as_array().unwrap().len(), 3);
    for c in [&w.bidders[0].client, &w.app.enrol("expert").await] {
        let (st, v) = c
            .raw(Method::GET, &written_report_path(&t, "BD01"), None)
            .await
            .unwrap();
        assert_problem(st, &v, 404, "not_found");
    }
    // Only regulators list overdue reports.
    let (st, v) =
        w.s.agent
            .raw(Method::GET, "/api/v1/award/written-reports/overdue", None)
            .await
            .unwrap();
    assert_problem(st, &v, 403, "forbidden");

    // At the deadline itself the report is still in time: nothing flagged.
    w.app.clock.set(due);
    w.relogin().await;
    let regulator = w.app.enrol("regulator").await;
    let before = w.app.rows().await;
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    before.assert_same(&w.app.rows().await, "tick at the deadline");
    assert!(regulator
        .overdue_written_reports()
        .await
        .unwrap()
        .is_empty());

    // A second later it is overdue: flagged once (an audit entry), listed for regulators.
    w.app.clock.set(due + Duration::seconds(1));
    let before = w.app.rows().await;
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    let after = w.app.rows().await;
    let moved: Vec<String> = before
        .changes(
            &after,
            &[("audit_events", 1, "award_written_report_overdue")],
        )
        .into_iter()
        .filter(|c| !c.starts_with("audit_") || c.starts_with("audit_events"))
        .collect();
    assert!(moved.is_empty(), "tick after the deadline: {moved:?}");
    let overdue = regulator.overdue_written_reports().await.unwrap();
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(
        (overdue[0].tender.as_str(), overdue[0].due_at),
        (t.as_str(), due)
    );
    assert!(overdue[0].overdue_flagged_at.is_some());
    let before = w.app.rows().await;
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    before.assert_same(&w.app.rows().await, "a flagged report is not flagged again");

    // A filing over another digest, or with a bidder's certificate: refused, nothing changed.
    let before = w.app.rows().await;
    let (st, v) =
        w.s.agent
            .raw(
                Method::POST,
                &written_report_path(&t, "BD01"),
                Some(&json!({"digest": "00".repeat(32), "certificate_chain": [],
                    "signature": "", "signature_algorithm": "ecdsa-p256-sha256"})),
            )
            .await
            .unwrap();
    assert!(st.is_client_error(), "{st} {v}");
    let e =
        w.s.agent
            .file_written_report(&t, "BD01", &pki().get("bidder").credentials())
            .await
            .unwrap_err();
    assert_eq!(e.code().map(|c| c.as_str()), Some("forbidden"));
    before.assert_same(&w.app.rows().await, "refused filings");

    // Filed late: recorded as late, off the overdue list; a second filing is refused.
    let filed =
        w.s.agent
            .file_written_report(&t, "BD01", &agent_creds())
            .await
            .unwrap();
    assert!(filed.filed_at.is_some() && filed.overdue && filed.signature.is_some());
    assert_eq!(filed.digest, r.digest, "the filed report is the one read");
    assert!(regulator
        .overdue_written_reports()
        .await
        .unwrap()
        .is_empty());
    let seen = regulator.written_report(&t, "BD01").await.unwrap();
    assert_eq!(seen.digest, filed.digest);
    let before = w.app.rows().await;
    let e =
        w.s.agent
            .file_written_report(&t, "BD01", &agent_creds())
            .await
            .unwrap_err();
    assert_eq!(
        e.code().map(|c| c.as_str()),
        Some("invalid_state_transition")
    );
    before.assert_same(&w.app.rows().await, "a second filing");
}

/// The export verifies with the notices in it; notices early, for a non-candidate, or with a
/// signature that is not the tenderer's do not.
async fn verify_and_tamper(w: &World) {
    use base64::Engine;
    use etender::audit::verify::{Rule as _, VerifiedEntry};
    use etender::audit::verify_award_notices::AwardNoticesReplay;
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
    let scope = etender::audit::bundle::BundleScope::Tender(w.t().to_string());
    assert_eq!(
        AwardNoticesReplay.check(&scope, &entries),
        Vec::<String>::new()
    );
    let at = entries
        .iter()
        .position(|e| e.leaf.event_type == "award_notices_issued")
        .unwrap();
    let only = |es: Vec<VerifiedEntry>, reason: &str| {
        let found = AwardNoticesReplay.check(&scope, &es);
        assert!(
            found.iter().any(|f| f.contains(reason)),
            "{reason}: {found:?}"
        );
    };
    let separated = entries[at].body.as_ref().unwrap()["mode"] == "separated";
    let mut es = entries.clone();
    let body = es[at].body.as_mut().unwrap();
    if separated {
        body["publicity_until"] = json!("2999-01-01T00:00:00Z");
        only(es, "before the publicity ended");
    } else {
        body["decided_at"] = json!("2999-01-01T00:00:00Z");
        only(es, "before the tenderer's award");
    }
    let mut es = entries.clone();
    es[at].body.as_mut().unwrap()["winner"] = json!("someone-else");
    only(es, "is not one of the report's candidates");
    let mut es = entries.clone();
    let body = es[at].body.as_mut().unwrap();
    let sig = body["notices"][1]["signature"].clone();
    body["notices"][0]["signature"] = sig;
    only(es, "does not verify");
    let mut es = entries.clone();
    es[at].body.as_mut().unwrap()["signer"] = json!("someone-else");
    only(es, "neither the tenderer nor its agent");
    let mut es = entries;
    es[at].body.as_mut().unwrap()["open_objections"] = json!(1);
    only(es, "objection open");
}
