//! The API contract where it was once loose: refusals the documents promise, no-ops that are not
//! recorded twice, and the audit log's documented vocabulary. (Every response of every test is
//! also checked against the OpenAPI document by the harness: `TestApp`'s drop.)

use etender::client::Client;
use reqwest::Method;
use serde_json::{json, Value};

use crate::bids::{record_bonds, Bidder};
use crate::fixtures::{draft_tender, id_of, published_tender};
use crate::helpers::{assert_problem, pki, TestApp};

/// The tender as one of its parties sees it (drafts too).
async fn tender_state(party: &Client, id: &str) -> (String, Value) {
    let t: Value = party.get(&format!("/api/v1/tenders/{id}")).await.unwrap();
    (
        t["state"].as_str().unwrap().to_string(),
        t["state_detail"].clone(),
    )
}

#[tokio::test]
async fn a_lifecycle_action_with_an_unknown_field_is_a_malformed_body() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let before = (app.rows().await, tender_state(&s.agent, &s.tender).await);
    let path = format!("/api/v1/tenders/{}/actions", s.tender);
    for body in [
        json!({"action": "suspend", "reason": "other", "note": "n", "urgent": true}),
        json!({"action": "resume", "note": "not a field of resume"}),
        json!({"action": "terminate", "reason": "r", "effective": "now"}),
    ] {
        let (st, v) = s.agent.raw(Method::POST, &path, Some(&body)).await.unwrap();
        assert_problem(st, &v, 400, "malformed_body");
    }
    assert_eq!(
        (app.rows().await, tender_state(&s.agent, &s.tender).await),
        before
    );
}

#[tokio::test]
async fn suspending_again_for_the_same_reason_is_refused_and_not_recorded() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let path = format!("/api/v1/tenders/{}/actions", s.tender);
    let suspend = |reason: &str| json!({"action": "suspend", "reason": reason, "note": "法院裁定"});
    let (st, v) = s
        .agent
        .raw(Method::POST, &path, Some(&suspend("other")))
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let before = (app.rows().await, tender_state(&s.agent, &s.tender).await);
    let (st, v) = s
        .agent
        .raw(Method::POST, &path, Some(&suspend("other")))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    assert!(
        v["detail"].as_str().unwrap().contains("already suspended"),
        "{v}"
    );
    assert_eq!(
        (app.rows().await, tender_state(&s.agent, &s.tender).await),
        before,
        "a refused suspension changed state or was recorded"
    );
    // A regulator's complaint is a new reason: taken, and recorded once.
    let regulator = app.enrol("regulator").await;
    let audit_before = app.rows().await.get("audit_events");
    let (st, v) = regulator
        .raw(Method::POST, &path, Some(&suspend("complaint")))
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state_detail"]["reason"], "complaint", "{v}");
    assert_eq!(app.rows().await.get("audit_events"), audit_before + 1);
    let (st, v) = regulator
        .raw(Method::POST, &path, Some(&suspend("complaint")))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    assert_eq!(app.rows().await.get("audit_events"), audit_before + 1);
}

#[tokio::test]
async fn attaching_a_staff_member_again_changes_nothing_and_is_not_recorded() {
    let app = TestApp::spawn().await;
    // Enrolling agent staff attaches them to the agent once.
    let staff = app.enrol("agent-staff").await;
    let agent = app.enrol("agent").await;
    let (staff_id, agent_id) = (id_of(&staff).await, id_of(&agent).await);
    let path = format!("/api/v1/organisations/{agent_id}/staff");
    let before = app.rows().await;
    let person_before: Value = staff.get("/api/v1/me").await.unwrap();
    for _ in 0..2 {
        let (st, v) = agent
            .raw(Method::POST, &path, Some(&json!({"person_id": staff_id})))
            .await
            .unwrap();
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["organisation_id"], agent_id.as_str(), "{v}");
    }
    assert_eq!(
        app.rows().await,
        before,
        "a repeated attachment was recorded"
    );
    let person_after: Value = staff.get("/api/v1/me").await.unwrap();
    assert_eq!(person_after, person_before);
    let staff_events = app
        .ctx
        .db
        .read_primary(move |c| Ok(etender::db::repo::audit::for_subject(c, &staff_id)?))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "staff_attached")
        .count();
    assert_eq!(staff_events, 1);
}

/// docs/API.md shows the login message; what the server asks clients to sign is exactly that,
/// final line feed included.
#[tokio::test]
async fn the_login_message_is_the_documented_one() {
    let app = TestApp::spawn().await;
    let c = app.client().challenge().await.unwrap();
    let api_md = include_str!("../../docs/API.md");
    let block = api_md
        .split("The message is")
        .nth(1)
        .and_then(|rest| rest.split("```\n").nth(1))
        .expect("docs/API.md shows the login message in a code block");
    let documented = block
        .replace("<identity.audience>", &app.settings.identity.audience)
        .replace("<challenge_id>", &c.challenge_id)
        .replace("<nonce>", &c.nonce);
    assert_eq!(c.message, documented);
    assert!(c.message.ends_with(&format!("nonce:{}\n", c.nonce)));
    assert!(
        api_md.contains("ends with a line feed"),
        "API.md says the last line ends with a line feed"
    );
}

/// Bid events are sealed: only the bidder reads their entries and receipts, regulators
/// included — as docs/API.md and docs/AUDIT-LOG.md say.
#[tokio::test]
async fn bid_events_are_read_by_the_bidder_alone() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let bidder = Bidder::enrol(&app, "bidder").await;
    record_bonds(&app, &s.tender, "BD01", "200000.00", &[&bidder]).await;
    let sealed = bidder.seal(&s.tender, "BD01", "9800000.00", 2048).await;
    let receipt = bidder.submit(&s.tender, "BD01", &sealed).await;
    etender::audit::sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let event = receipt.audit.event_id.clone();
    let (row, _) = app
        .ctx
        .db
        .read_primary(move |c| Ok(etender::db::repo::audit_log::entry_for_event(c, &event)?))
        .await
        .unwrap()
        .expect("the submission is in the log");
    let entry = format!("/api/v1/audit/entries/{}", row.log_index);
    let receipt_path = format!("/api/v1/audit/receipts/{}", receipt.audit.event_id);
    let (st, v) = bidder.client.raw(Method::GET, &entry, None).await.unwrap();
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["event_type"], "bid_submitted");
    // The receipt is text/plain, so every caller asks plainly.
    let http = reqwest::Client::new();
    for (who, expected) in [
        ("bidder", 200),
        ("regulator", 404),
        ("admin", 404),
        ("agent", 404),
    ] {
        let c = if who == "bidder" {
            bidder.client.clone()
        } else {
            app.enrol(who).await
        };
        let token = c.token().unwrap().to_string();
        let res = http
            .get(format!("{}{receipt_path}", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected, "{who} reading the receipt");
        let res = http
            .get(format!("{}{entry}", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected, "{who} reading the entry");
        if expected == 404 {
            let v: Value = res.json().await.unwrap();
            assert_eq!(v["code"], "not_found");
        }
    }
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

/// docs/AUDIT-LOG.md: `subject` is a principal, tender, bid, document or other object's UUID, or
/// `sandbox_clock`; `section_id` is a section code of the entry's tender; `actor_role` is a role
/// name (several joined by `+`), or `organisation`/`person` (a principal acting before it holds a
/// role), `system` or `public`; `actor_id` is a principal UUID, `system` or `anonymous`.
#[tokio::test]
async fn audit_entries_use_the_documented_vocabulary() {
    let app = TestApp::spawn_sandbox().await;
    let s = published_tender(&app, 30).await;
    let admin = app.enrol("admin").await;
    let (st, v) = admin
        .raw(
            Method::POST,
            "/api/v1/sandbox/clock",
            Some(&json!({"advance_seconds": 60})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    // Anonymous and logged-in downloads, a bond and a bid: every kind of actor and subject.
    let (st, _) = crate::fixtures::download(&app.client(), &s).await;
    assert_eq!(st, 200);
    let bidder = Bidder::enrol(&app, "bidder").await;
    let (st, _) = crate::fixtures::download(&bidder.client, &s).await;
    assert_eq!(st, 200);
    record_bonds(&app, &s.tender, "BD01", "200000.00", &[&bidder]).await;
    let sealed = bidder.seal(&s.tender, "BD01", "9800000.00", 1024).await;
    bidder.submit(&s.tender, "BD01", &sealed).await;
    let _draft = draft_tender(&app, 30).await;
    etender::audit::sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();

    let rows = app
        .ctx
        .db
        .read_primary(|c| {
            use etender::db::repo::audit_log::{entries, Scope};
            Ok(entries(c, &Scope::All, 0, i64::MAX, 10_000)?)
        })
        .await
        .unwrap();
    assert!(rows.len() > 20, "{} entries", rows.len());
    let roles: Vec<&str> = etender::domain::identity::Role::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    let sections = ["BD01", "BD02"];
    let mut seen_roles = std::collections::BTreeSet::new();
    for (e, _) in &rows {
        let leaf = etender::audit::leaf::LeafEntry::from_bytes(&e.leaf).unwrap();
        let what = format!("{} #{}", leaf.event_type, leaf.index);
        assert!(
            is_uuid(&leaf.subject) || ["sandbox_clock", "sealed"].contains(&leaf.subject.as_str()),
            "{what}: subject {}",
            leaf.subject
        );
        if let Some(sec) = &leaf.section_id {
            assert!(sections.contains(&sec.as_str()), "{what}: section {sec}");
        }
        let role_ok = leaf.actor_role.split('+').all(|r| roles.contains(&r))
            || ["organisation", "person", "system", "public", "bond_issuer"]
                .contains(&leaf.actor_role.as_str());
        assert!(role_ok, "{what}: actor_role {}", leaf.actor_role);
        assert!(
            is_uuid(&leaf.actor_id)
                || ["system", "anonymous", "sealed"].contains(&leaf.actor_id.as_str()),
            "{what}: actor_id {}",
            leaf.actor_id
        );
        seen_roles.insert(leaf.actor_role.clone());
    }
    // The flow above exercised the non-role actors too (not `public`: anonymous downloads are
    // counted, not logged one by one — tests/api/limits.rs).
    for r in ["organisation", "person", "administrator", "bidder"] {
        assert!(seen_roles.contains(r), "no {r} actor in {seen_roles:?}");
    }
    assert!(rows.iter().any(|(e, _)| {
        etender::audit::leaf::LeafEntry::from_bytes(&e.leaf)
            .is_ok_and(|l| l.subject == "sandbox_clock")
    }));
}

/// Found by the schema-driven fuzzer: amending a tender that was never published answered 500.
#[tokio::test]
async fn amending_a_draft_is_an_invalid_transition() {
    let app = TestApp::spawn().await;
    let s = draft_tender(&app, 30).await;
    let sig =
        crate::fixtures::sign_notice(&s.agent, &s.tender, &pki().get("agent").credentials()).await;
    let before = (app.rows().await, tender_state(&s.agent, &s.tender).await);
    let (st, v) = s
        .agent
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/amendments", s.tender),
            Some(&json!({"rationale": "r", "impact": "editorial", "signature": sig})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    assert_eq!(
        (app.rows().await, tender_state(&s.agent, &s.tender).await),
        before
    );
}

/// Found by the fuzzer: a jump of the sandbox clock beyond any calendar panicked.
#[tokio::test]
async fn the_sandbox_clock_refuses_a_jump_beyond_a_century() {
    let app = TestApp::spawn_sandbox().await;
    let admin = app.enrol("admin").await;
    let before = (app.rows().await, app.clock_now());
    for body in [
        json!({"advance_seconds": i64::MAX}),
        json!({"advance_seconds": 36_501_i64 * 86_400}),
        json!({"set_to": "9999-12-31T00:00:00Z"}),
    ] {
        let (st, v) = admin
            .raw(Method::POST, "/api/v1/sandbox/clock", Some(&body))
            .await
            .unwrap();
        assert_problem(st, &v, 422, "validation_failed");
    }
    let after = (app.rows().await, app.clock_now());
    assert_eq!(after.0, before.0);
    assert!(after.1 - before.1 < chrono::Duration::minutes(1));
}

/// A document's media type is served back with it, so it must be a well-formed one.
#[tokio::test]
async fn a_document_with_a_malformed_media_type_is_refused() {
    let app = TestApp::spawn().await;
    let s = draft_tender(&app, 30).await;
    let docs_before: Value = s
        .agent
        .get(&format!("/api/v1/tenders/{}/documents", s.tender))
        .await
        .unwrap();
    let res = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/tenders/{}/documents?title=t&file_name=a.pdf",
            app.base, s.tender
        ))
        .bearer_auth(s.agent.token().unwrap())
        .header("content-type", "not a media type")
        .body("%PDF-1.7")
        .send()
        .await
        .unwrap();
    let st = res.status();
    let v: Value = res.json().await.unwrap();
    assert_problem(st, &v, 415, "unsupported_media_type");
    let docs_after: Value = s
        .agent
        .get(&format!("/api/v1/tenders/{}/documents", s.tender))
        .await
        .unwrap();
    assert_eq!(docs_after, docs_before);
}
