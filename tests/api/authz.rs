//! Deny-by-default, proven: every endpoint × every role (and no token). Only the intended
//! callers get past authorisation; the rest get 401 (no/invalid token), 403 or — where even the
//! existence of an object is private — 404. Every refusal, whatever its reason, leaves every
//! table as it was.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;

const CALLERS: [&str; 11] = [
    "anonymous",
    "tenderer",
    "agent",
    "bidder",
    "agent-staff",
    "expert",
    "committee",
    "regulator",
    "admin",
    "custodian",
    "nobody",
];

struct Endpoint {
    method: Method,
    /// Template as in the OpenAPI document.
    template: &'static str,
    path: String,
    body: Option<Value>,
    /// Callers that must get through; `None` = public (everyone, with or without a token).
    allowed: Option<&'static [&'static str]>,
}

const AUTHENTICATED: &[&str] = &[
    "tenderer",
    "agent",
    "bidder",
    "agent-staff",
    "expert",
    "committee",
    "regulator",
    "admin",
    "custodian",
    "nobody",
];

#[tokio::test]
async fn every_endpoint_with_every_role() {
    let app = TestApp::spawn().await;
    let mut clients = BTreeMap::new();
    for who in CALLERS {
        let c = if who == "anonymous" {
            app.client()
        } else {
            app.enrol(who).await
        };
        clients.insert(who, c);
    }
    let id_of = |v: Value| v["id"].as_str().unwrap().to_string();
    let agent_id = id_of(clients["agent"].get("/api/v1/me").await.unwrap());
    let spare = app.enrol("spare").await;
    let spare_id = id_of(spare.get("/api/v1/me").await.unwrap());
    // An organisation whose requested role awaits the trading centre, and an entrustment the
    // tenderer may revoke without touching the fixture's tender.
    let pending =
        crate::helpers::extra_org(30_001, "pending", etender::domain::identity::Role::Bidder);
    let pending_id = id_of(
        app.register_only(&pending)
            .await
            .get("/api/v1/me")
            .await
            .unwrap(),
    );
    let spare_entrustment = app
        .entrust(crate::helpers::pki().get("tenderer"), &agent_id, "备用委托")
        .await;
    // The audit rows below need integrated entries: entry 0 is the tenderer's registration.
    etender::audit::sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let tenderer_registration = {
        let t = id_of(clients["tenderer"].get("/api/v1/me").await.unwrap());
        let rows = app
            .ctx
            .db
            .read_primary(move |c| Ok(etender::db::repo::audit::for_subject(c, &t)?))
            .await
            .unwrap();
        rows.into_iter()
            .find(|e| e.event_type == "organisation_registered")
            .unwrap()
    };
    let entry0: Value = clients["regulator"]
        .get("/api/v1/audit/entries/0")
        .await
        .unwrap();
    assert_eq!(entry0["event_id"], tenderer_registration.id.as_str());

    // A published tender run by the agent for the tenderer, with a document, a question and an
    // objection (which suspends it; the matrix answers it).
    let setup = crate::fixtures::published_tender(&app, 30).await;
    let t = setup.tender.clone();
    let doc = setup.document.clone();
    let tenderer_id = id_of(clients["tenderer"].get("/api/v1/me").await.unwrap());
    let question: Value = clients["bidder"]
        .post(
            &format!("/api/v1/tenders/{t}/questions"),
            &json!({"question": "Q?"}),
        )
        .await
        .unwrap();
    let qid = id_of(question);
    let objection: Value = clients["bidder"]
        .post(
            &format!("/api/v1/tenders/{t}/objections"),
            &json!({"objection": "O"}),
        )
        .await
        .unwrap();
    let oid = id_of(objection);
    let draft = crate::fixtures::draft(app.clock_now(), 30, &setup.custodians);
    let junk_sig = json!({
        "certificate_chain": ["AAAA"], "signature": "AAAA", "signature_algorithm": "ed25519"
    });
    let junk_proof = json!({
        "challenge_id": "x", "certificate_chain": [], "signature": "",
        "signature_algorithm": "ed25519"
    });
    const PARTIES: &[&str] = &["tenderer", "agent", "agent-staff"];

    let e = |method: Method,
             template: &'static str,
             path: String,
             body: Option<Value>,
             allowed: Option<&'static [&'static str]>| Endpoint {
        method,
        template,
        path,
        body,
        allowed,
    };
    // A member of the expert library (the `expert` caller) for the library's rows.
    let expert_id = id_of(clients["expert"].get("/api/v1/me").await.unwrap());
    let admission = |person: &str| {
        json!({"person_id": person, "region": "429005", "employer": "设计院",
            "employer_uscc": null, "department": null, "title": "高级工程师",
            "senior_title": true, "practice_years": 12, "specialties": ["A080101"],
            "phone": "13800138000", "email": "e@example.cn", "avoid_units": []})
    };
    let member: Value = clients["admin"]
        .post("/api/v1/experts", &admission(&expert_id))
        .await
        .unwrap();
    let member = id_of(member);
    let until = app.clock_now() + chrono::Duration::days(30);
    // A case of 住建局 against the bidder, told of its penalty (its period running): the party
    // reads it and defends itself; a regulator of no department passes authorisation and is
    // refused as `other_department`.
    let case = notified_case(&app).await;
    let endpoints = vec![
        e(Method::GET, "/healthz", "/healthz".into(), None, None),
        e(Method::GET, "/readyz", "/readyz".into(), None, None),
        e(
            Method::GET,
            "/api/v1/time",
            "/api/v1/time".into(),
            None,
            None,
        ),
        e(
            Method::POST,
            "/api/v1/auth/challenges",
            "/api/v1/auth/challenges".into(),
            None,
            None,
        ),
        // Public endpoints that then fail validation: authorisation is not what stops them.
        e(
            Method::POST,
            "/api/v1/auth/tokens",
            "/api/v1/auth/tokens".into(),
            Some(json!({"kind": "person", "proof": junk_proof})),
            None,
        ),
        e(
            Method::POST,
            "/api/v1/organisations",
            "/api/v1/organisations".into(),
            Some(json!({
                "proof": junk_proof, "roles": ["bidder"], "contact_email": "a@b.cn"
            })),
            None,
        ),
        e(
            Method::POST,
            "/api/v1/people",
            "/api/v1/people".into(),
            Some(json!({"proof": junk_proof, "contact_email": "a@b.cn"})),
            None,
        ),
        e(
            Method::GET,
            "/api/v1/me",
            "/api/v1/me".into(),
            None,
            Some(AUTHENTICATED),
        ),
        e(
            Method::GET,
            "/api/v1/organisations",
            "/api/v1/organisations".into(),
            None,
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::GET,
            "/api/v1/organisations/{id}",
            format!("/api/v1/organisations/{agent_id}"),
            None,
            Some(&["agent", "agent-staff", "regulator", "admin"]),
        ),
        e(
            Method::POST,
            "/api/v1/organisations/{id}/staff",
            format!("/api/v1/organisations/{agent_id}/staff"),
            Some(json!({"person_id": spare_id})),
            Some(&["agent", "admin"]),
        ),
        // Withdrawing the invitation just made: the agent does, the administrator finds nothing
        // left to do (200 all the same).
        e(
            Method::DELETE,
            "/api/v1/organisations/{id}/staff/{person}",
            format!("/api/v1/organisations/{agent_id}/staff/{spare_id}"),
            None,
            Some(&["agent", "admin"]),
        ),
        // Only the invited person accepts, and the spare person is none of the callers.
        e(
            Method::POST,
            "/api/v1/organisations/{id}/staff/{person}/acceptance",
            format!("/api/v1/organisations/{agent_id}/staff/{spare_id}/acceptance"),
            None,
            Some(&[]),
        ),
        e(
            Method::PUT,
            "/api/v1/organisations/{id}/roles/{role}",
            format!("/api/v1/organisations/{pending_id}/roles/bidder"),
            None,
            Some(&["admin"]),
        ),
        e(
            Method::DELETE,
            "/api/v1/organisations/{id}/roles/{role}",
            format!("/api/v1/organisations/{pending_id}/roles/bidder"),
            None,
            Some(&["admin"]),
        ),
        e(
            Method::POST,
            "/api/v1/entrustments",
            "/api/v1/entrustments".into(),
            Some(json!({
                "agent_id": agent_id, "project": "P", "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"
            })),
            Some(&["tenderer"]),
        ),
        e(
            Method::POST,
            "/api/v1/entrustments/{id}/revocation",
            format!("/api/v1/entrustments/{spare_entrustment}/revocation"),
            None,
            Some(&["tenderer"]),
        ),
        e(
            Method::GET,
            "/api/v1/people",
            "/api/v1/people".into(),
            None,
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::PUT,
            "/api/v1/people/{id}/roles/{role}",
            format!("/api/v1/people/{spare_id}/roles/expert"),
            None,
            Some(&["admin"]),
        ),
        e(
            Method::DELETE,
            "/api/v1/people/{id}/roles/{role}",
            format!("/api/v1/people/{spare_id}/roles/expert"),
            None,
            Some(&["admin"]),
        ),
        e(
            Method::GET,
            "/api/v1/sandbox/clock",
            "/api/v1/sandbox/clock".into(),
            None,
            Some(&["admin"]),
        ),
        e(
            Method::POST,
            "/api/v1/sandbox/clock",
            "/api/v1/sandbox/clock".into(),
            Some(json!({"advance_seconds": 0})),
            Some(&["admin"]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders",
            "/api/v1/tenders".into(),
            Some(json!({"title": "T", "tenderer_id": tenderer_id, "draft": draft})),
            Some(PARTIES),
        ),
        e(
            Method::GET,
            "/api/v1/tenders",
            "/api/v1/tenders".into(),
            None,
            None,
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}",
            format!("/api/v1/tenders/{t}"),
            None,
            None,
        ),
        e(
            Method::PUT,
            "/api/v1/tenders/{id}",
            format!("/api/v1/tenders/{t}"),
            Some(json!({"draft": draft})),
            Some(PARTIES),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/notice",
            format!("/api/v1/tenders/{t}/notice"),
            None,
            Some(PARTIES),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/publish",
            format!("/api/v1/tenders/{t}/publish"),
            Some(junk_sig.clone()),
            Some(PARTIES),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/amendments",
            format!("/api/v1/tenders/{t}/amendments"),
            Some(json!({"rationale": "r", "impact": "editorial", "signature": junk_sig})),
            Some(PARTIES),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/versions",
            format!("/api/v1/tenders/{t}/versions"),
            None,
            None,
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/documents",
            format!("/api/v1/tenders/{t}/documents?title=x&file_name=x.pdf"),
            Some(json!("bytes")),
            Some(PARTIES),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/documents",
            format!("/api/v1/tenders/{t}/documents"),
            None,
            None,
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/documents/{doc}/content",
            format!("/api/v1/tenders/{t}/documents/{doc}/content"),
            None,
            None,
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/bids/{bid}/parts/{index}/content",
            format!("/api/v1/tenders/{t}/sections/BD01/bids/none/parts/1/content"),
            None,
            // No bid is opened in this fixture: the regulator gets through to `not_found`,
            // everyone else is refused; bids::sealed_bids_… reads real opened bids by role.
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/collusion-signals",
            format!("/api/v1/tenders/{t}/sections/BD01/collusion-signals"),
            None,
            // Not opened in this fixture: the regulator gets through to `not_found`, everyone
            // else is refused; collusion::… reads real signals by role.
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/licences",
            format!("/api/v1/tenders/{t}/sections/BD01/licences"),
            None,
            // Not opened in this fixture: the regulator gets through to `not_found`, everyone
            // else is refused; licences::… reads a real committee's review by role.
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/licences/refresh",
            format!("/api/v1/tenders/{t}/sections/BD01/licences/refresh"),
            None,
            // Only an evaluating committee's members refresh; there is none in this fixture.
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/licences/mine",
            "/api/v1/licences/mine".into(),
            None,
            Some(&["bidder"]),
        ),
        e(
            Method::POST,
            "/api/v1/licences/mine/refresh",
            "/api/v1/licences/mine/refresh".into(),
            None,
            // No registry is configured here: the bidder gets its (unavailable) record back.
            Some(&["bidder"]),
        ),
        e(
            Method::GET,
            "/api/v1/supervision/licences/{uscc}",
            format!(
                "/api/v1/supervision/licences/{}",
                crate::helpers::pki().get("bidder").key
            ),
            None,
            Some(&["regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/registry/status",
            "/api/v1/registry/status".into(),
            None,
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/award",
            format!("/api/v1/tenders/{t}/sections/BD01/award"),
            None,
            // Not in the award in this fixture: nobody gets further than `not_found`;
            // award::… reads real awards by role.
            Some(&[]),
        ),
        // Not in the award in this fixture either: parties get through to `not_found`, bidders
        // of no section and everyone else are refused; award_publicity::… acts on real awards.
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/publicity",
            format!("/api/v1/tenders/{t}/sections/BD01/award/publicity"),
            Some(json!({})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/award/publicity",
            format!("/api/v1/tenders/{t}/sections/BD01/award/publicity"),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/objections",
            format!("/api/v1/tenders/{t}/sections/BD01/award/objections"),
            Some(json!({"text": "异议", "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/objections/{objection}/answer",
            format!("/api/v1/tenders/{t}/sections/BD01/award/objections/none/answer"),
            Some(json!({"answer": "答复", "outcome": {"decision": "dismissed"}})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/winner",
            format!("/api/v1/tenders/{t}/sections/BD01/award/winner"),
            Some(json!({"winner": "none"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/winner/drop-out",
            format!("/api/v1/tenders/{t}/sections/BD01/award/winner/drop-out"),
            Some(json!({"reason": "gave_up", "statement": "放弃"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/recheck",
            format!("/api/v1/tenders/{t}/sections/BD01/award/recheck"),
            Some(json!({"reason": "情况变化"})),
            Some(&[]),
        ),
        // The deciding: the section is not in the award here, so nobody gets further than
        // `not_found` (or `forbidden`); award_rounds::… drives each by role on real committees.
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/deciding",
            format!("/api/v1/tenders/{t}/sections/BD01/award/deciding"),
            None,
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/award/steps",
            format!("/api/v1/tenders/{t}/sections/BD01/award/steps"),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/steps/{step}/casts",
            format!("/api/v1/tenders/{t}/sections/BD01/award/steps/none/casts"),
            Some(json!({"cast": {"kind": "ballot", "choices": ["none"]},
                "certificate_chain": ["AAAA"], "signature": "AAAA",
                "signature_algorithm": "ed25519"})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/award/report",
            format!("/api/v1/tenders/{t}/sections/BD01/award/report"),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/report/signatures",
            format!("/api/v1/tenders/{t}/sections/BD01/award/report/signatures"),
            Some(
                json!({"digest": "00".repeat(32), "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"}),
            ),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/clearing",
            format!("/api/v1/tenders/{t}/sections/BD01/award/clearing"),
            Some(json!({"report": {"candidates": [], "summary": "无"},
                "certificate_chain": ["AAAA"], "signature": "AAAA",
                "signature_algorithm": "ed25519"})),
            // Not in the award: its parties get through to `not_found`, others are refused;
            // award_committee::… files real reports.
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/statements",
            format!("/api/v1/tenders/{t}/sections/BD01/award/statements"),
            Some(json!({"certificate_chain": ["AAAA"], "signature": "AAAA",
                "signature_algorithm": "ed25519"})),
            // Only members of this tenderer's pool (none here); award_committee::… signs.
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/committee",
            format!("/api/v1/tenders/{t}/sections/BD01/award/committee"),
            Some(json!({"appointed": [], "chair": "x"})),
            // Not in the award: parties get through to `not_found`.
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/committee/witness",
            format!("/api/v1/tenders/{t}/sections/BD01/award/committee/witness"),
            Some(json!({"certificate_chain": ["AAAA"], "signature": "AAAA",
                "signature_algorithm": "ed25519"})),
            // Regulators only, and they get through to `not_found` here.
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/committee/members/{person}/leave",
            format!("/api/v1/tenders/{t}/sections/BD01/award/committee/members/none/leave"),
            Some(json!({"reason": "recused", "note": "回避"})),
            // The tender's parties only, and the section is not in the award here.
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/committee/members",
            format!("/api/v1/tenders/{t}/sections/BD01/award/committee/members"),
            Some(json!({"person": "none"})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/award/committee",
            format!("/api/v1/tenders/{t}/sections/BD01/award/committee"),
            None,
            // No committee: hidden from everyone.
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/award/dossier",
            format!("/api/v1/tenders/{t}/sections/BD01/award/dossier"),
            None,
            // Not in the award: hidden from everyone.
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/award/notices/draft",
            format!("/api/v1/tenders/{t}/sections/BD01/award/notices/draft"),
            None,
            // Not in the award: the parties get through to `not_found`, the others are refused;
            // award_notices::… issues real notices.
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/notices",
            format!("/api/v1/tenders/{t}/sections/BD01/award/notices"),
            Some(
                json!({"certificate_chain": ["AAAA"], "signature_algorithm": "ed25519",
                "signatures": []}),
            ),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/award/notices",
            format!("/api/v1/tenders/{t}/sections/BD01/award/notices"),
            None,
            // None issued: the parties and regulators read the empty list; a bidder has none
            // of its own (404).
            Some(&["tenderer", "agent", "agent-staff", "regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/award/notices/{id}",
            format!("/api/v1/tenders/{t}/award/notices/none"),
            None,
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/award/written-report",
            format!("/api/v1/tenders/{t}/sections/BD01/award/written-report"),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/award/written-report",
            format!("/api/v1/tenders/{t}/sections/BD01/award/written-report"),
            Some(
                json!({"digest": "00".repeat(32), "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"}),
            ),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/award/written-reports/overdue",
            "/api/v1/award/written-reports/overdue".into(),
            None,
            Some(&["regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/archive",
            format!("/api/v1/tenders/{t}/archive"),
            None,
            // Not awarded yet: the parties and its regulator get through to a state refusal;
            // archive::… exports real archives.
            Some(&["tenderer", "agent", "agent-staff", "regulator"]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/committee",
            format!("/api/v1/tenders/{t}/sections/BD01/committee"),
            Some(json!({"representatives": []})),
            // The tender is not evaluating: its parties get through to a state refusal;
            // committee::… forms real committees.
            Some(PARTIES),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/committee",
            format!("/api/v1/tenders/{t}/sections/BD01/committee"),
            None,
            // No committee yet: hidden from everyone.
            Some(&[]),
        ),
        // Clarifications and motions: no committee in this fixture, so nobody gets through;
        // clarifications::… and motions::… exercise every role on a sitting committee.
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/clarifications",
            format!("/api/v1/tenders/{t}/sections/BD01/clarifications"),
            Some(
                json!({"bid_id": "none", "question": {"kind": "clarify", "text": "Q"},
                "due_at": "2030-01-01T00:00:00Z"}),
            ),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/clarifications",
            format!("/api/v1/tenders/{t}/sections/BD01/clarifications"),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/clarifications/{clarification}/answer",
            format!("/api/v1/tenders/{t}/sections/BD01/clarifications/none/answer"),
            Some(json!({"answer": {"text": "A"}, "certificate_chain": [],
                "signature": "", "signature_algorithm": "ecdsa_p256_sha256"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/clarifications/{clarification}/decision",
            format!("/api/v1/tenders/{t}/sections/BD01/clarifications/none/decision"),
            Some(json!({"accepted": true, "reason": "R"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/motions",
            format!("/api/v1/tenders/{t}/sections/BD01/motions"),
            Some(json!({"bid_id": "none", "reason": "not_responsive", "statement": "S"})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/motions",
            format!("/api/v1/tenders/{t}/sections/BD01/motions"),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/motions/{motion}/votes",
            format!("/api/v1/tenders/{t}/sections/BD01/motions/none/votes"),
            Some(json!({"in_favour": true})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/committee/representatives",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/representatives"),
            Some(json!({"replaces": "none", "person_id": "none"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/committee/time-requests",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/time-requests"),
            Some(json!({"reason": "工程量清单复杂"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/committee/extension",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/extension"),
            Some(json!({"until": until})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/committee/report",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/report"),
            None,
            // No committee: no leader to generate it; committee::… and report::… run real ones.
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/committee/report",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/report"),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/committee/report/signatures",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/report/signatures"),
            Some(json!({"assent": "agreed", "digest": "00".repeat(32),
                "certificate_chain": ["AAAA"], "signature": "AAAA",
                "signature_algorithm": "ed25519"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/committee/leader-votes",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/leader-votes"),
            Some(json!({"member_id": "none"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/committee/members/{member}/leave",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/members/none/leave"),
            Some(json!({"reason": "ill", "note": "x"})),
            Some(&[]),
        ),
        // The members' sheets and 偏离度 flags: no committee here, so hidden from everyone;
        // sheets::… drives them on real committees, by member, non-member and regulator.
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/committee/sheets",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/sheets"),
            Some(json!({"sheet": {"stage": "preliminary", "verdicts": []},
                "certificate_chain": ["AAAA"], "signature": "AAAA",
                "signature_algorithm": "ed25519"})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/committee/my-sheets",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/my-sheets"),
            None,
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/committee/sheets/{stage}",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/sheets/preliminary"),
            None,
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{tender}/sections/{section}/committee/deviation-flags",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/deviation-flags"),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{tender}/sections/{section}/committee/deviation-flags/{flag}/reason",
            format!("/api/v1/tenders/{t}/sections/BD01/committee/deviation-flags/none/reason"),
            Some(
                json!({"reason": "x", "certificate_chain": ["AAAA"], "signature": "AAAA",
                "signature_algorithm": "ed25519"}),
            ),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/downloads",
            format!("/api/v1/tenders/{t}/downloads"),
            None,
            Some(PARTIES),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/questions",
            format!("/api/v1/tenders/{t}/questions"),
            None,
            None,
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/questions/{question}/answer",
            format!("/api/v1/tenders/{t}/questions/{qid}/answer"),
            Some(json!({"answer": "A"})),
            Some(PARTIES),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/objections",
            format!("/api/v1/tenders/{t}/objections"),
            None,
            Some(AUTHENTICATED),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/objections/{objection}/answer",
            format!("/api/v1/tenders/{t}/objections/{oid}/answer"),
            Some(json!({"answer": "A"})),
            Some(PARTIES),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/questions",
            format!("/api/v1/tenders/{t}/questions"),
            Some(json!({"question": "Q2"})),
            Some(&["bidder"]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/objections",
            format!("/api/v1/tenders/{t}/objections"),
            Some(json!({"objection": "O2"})),
            Some(&["bidder"]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/actions",
            format!("/api/v1/tenders/{t}/actions"),
            Some(json!({"action": "resume"})),
            Some(&["tenderer", "agent", "agent-staff", "regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/announcements",
            "/api/v1/announcements".into(),
            None,
            None,
        ),
        e(
            Method::GET,
            "/api/v1/ocds/tenders/{id}",
            format!("/api/v1/ocds/tenders/{t}"),
            None,
            None,
        ),
        e(
            Method::GET,
            "/api/v1/audit/public-key",
            "/api/v1/audit/public-key".into(),
            None,
            None,
        ),
        e(
            Method::GET,
            "/api/v1/audit/checkpoint",
            "/api/v1/audit/checkpoint".into(),
            None,
            None,
        ),
        e(
            Method::GET,
            "/api/v1/audit/proofs/inclusion",
            "/api/v1/audit/proofs/inclusion?index=0".into(),
            None,
            None,
        ),
        e(
            Method::GET,
            "/api/v1/audit/proofs/consistency",
            "/api/v1/audit/proofs/consistency?old_size=1&new_size=2".into(),
            None,
            None,
        ),
        // Entry 0 is the tenderer's registration: its subject and actor, and overseers.
        e(
            Method::GET,
            "/api/v1/audit/entries/{index}",
            "/api/v1/audit/entries/0".into(),
            None,
            Some(&["tenderer", "regulator", "admin"]),
        ),
        // Tender trails: overseers and the tender's own parties; never bidders.
        e(
            Method::GET,
            "/api/v1/audit/trail",
            format!("/api/v1/audit/trail?tender_id={t}"),
            None,
            Some(&["regulator", "admin", "tenderer", "agent", "agent-staff"]),
        ),
        e(
            Method::GET,
            "/api/v1/audit/export",
            "/api/v1/audit/export".into(),
            None,
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::GET,
            "/api/v1/audit/receipts/{event_id}",
            format!("/api/v1/audit/receipts/{}", tenderer_registration.id),
            None,
            Some(&["tenderer", "regulator"]),
        ),
        // Witnesses: overseers register them (a bogus key is refused after authorisation),
        // everyone lists them, and a cosignature's signature is its own credential.
        e(
            Method::POST,
            "/api/v1/audit/witnesses",
            "/api/v1/audit/witnesses".into(),
            Some(json!({"name": "w.test/x", "verifier_key": "w.test/x+00000000+AAAA"})),
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::GET,
            "/api/v1/audit/witnesses",
            "/api/v1/audit/witnesses".into(),
            None,
            None,
        ),
        e(
            Method::POST,
            "/api/v1/audit/cosignatures",
            "/api/v1/audit/cosignatures".into(),
            Some(json!({"tree_size": 1, "cosignature": "\u{2014} w.test/x AAAAAAAA"})),
            None,
        ),
        // Bids. Objects with bogus ids are private to their owner: everyone gets 404 there.
        e(
            Method::GET,
            "/api/v1/tenders/{id}/sections/{code}/bid-bonds/account",
            format!("/api/v1/tenders/{t}/sections/BD01/bid-bonds/account"),
            None,
            Some(&["bidder"]),
        ),
        // Bonds come only from the bank and guarantee issuers, which authenticate by their
        // signature, not a session: everyone reaches the check (and, unsigned, fails it).
        e(
            Method::POST,
            "/api/v1/bank/bond-arrivals",
            "/api/v1/bank/bond-arrivals".into(),
            Some(json!({"account": "6217990000000000000", "amount": "1.00",
                "reference": "AUTHZ-BANK", "arrived_at": "2026-01-01T00:00:00Z"})),
            None,
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/sections/{code}/bid-bonds/mine",
            format!("/api/v1/tenders/{t}/sections/BD01/bid-bonds/mine"),
            None,
            Some(&["bidder"]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/sections/{code}/bids/mine",
            format!("/api/v1/tenders/{t}/sections/BD01/bids/mine"),
            None,
            Some(&["bidder"]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{code}/bid-uploads",
            format!("/api/v1/tenders/{t}/sections/BD01/bid-uploads"),
            Some(json!({"manifest": {}, "certificate_chain": []})),
            Some(&["bidder"]),
        ),
        e(
            Method::GET,
            "/api/v1/bid-uploads/{upload_id}",
            "/api/v1/bid-uploads/00000000-0000-0000-0000-000000000000".into(),
            None,
            Some(&[]),
        ),
        // Without Upload-Offset: a bidder gets past authorisation to a malformed_parameter.
        e(
            Method::PUT,
            "/api/v1/bid-uploads/{upload_id}/parts/{index}",
            "/api/v1/bid-uploads/00000000-0000-0000-0000-000000000000/parts/0".into(),
            None,
            Some(&["bidder"]),
        ),
        e(
            Method::POST,
            "/api/v1/bid-uploads/{upload_id}/submit",
            "/api/v1/bid-uploads/00000000-0000-0000-0000-000000000000/submit".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::DELETE,
            "/api/v1/bid-uploads/{upload_id}",
            "/api/v1/bid-uploads/00000000-0000-0000-0000-000000000000".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/bids/{bid_id}/receipt",
            "/api/v1/bids/00000000-0000-0000-0000-000000000000/receipt".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{code}/bids/mine/withdrawal",
            format!("/api/v1/tenders/{t}/sections/BD01/bids/mine/withdrawal"),
            Some(junk_sig.clone()),
            Some(&["bidder"]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{code}/bids/mine/confirmation",
            format!("/api/v1/tenders/{t}/sections/BD01/bids/mine/confirmation"),
            Some(junk_sig.clone()),
            Some(&["bidder"]),
        ),
        e(
            Method::PUT,
            "/api/v1/me/envelope-key",
            "/api/v1/me/envelope-key".into(),
            Some(json!({
                "public_key": "00".repeat(32), "certificate_chain": ["AAAA"], "signature": "AAAA",
                "signature_algorithm": "ed25519"
            })),
            Some(&["custodian"]),
        ),
        // Only custodians register keys; the fixture's custodian has one, nobody else does.
        e(
            Method::GET,
            "/api/v1/me/envelope-key",
            "/api/v1/me/envelope-key".into(),
            None,
            Some(&["custodian"]),
        ),
        // The opening has not started: public view and role-checked actions say so (409).
        e(
            Method::GET,
            "/api/v1/tenders/{id}/sections/{code}/opening",
            format!("/api/v1/tenders/{t}/sections/BD01/opening"),
            None,
            None,
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{code}/opening/decryption",
            format!("/api/v1/tenders/{t}/sections/BD01/opening/decryption"),
            Some(json!({"keys": []})),
            Some(&["bidder"]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/sections/{code}/opening/shares/mine",
            format!("/api/v1/tenders/{t}/sections/BD01/opening/shares/mine"),
            None,
            Some(&["custodian"]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{code}/opening/shares",
            format!("/api/v1/tenders/{t}/sections/BD01/opening/shares"),
            Some(json!({
                "releases": [{"bid_id": "b", "share_index": 1, "share": "00".repeat(32),
                              "signature": "AAAA"}],
                "certificate_chain": ["AAAA"], "signature_algorithm": "ed25519"
            })),
            Some(&["custodian"]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{code}/opening/responses",
            format!("/api/v1/tenders/{t}/sections/BD01/opening/responses"),
            Some(json!({"kind": "confirm"})),
            Some(&["bidder"]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{code}/opening/responses/{response_id}/answer",
            format!("/api/v1/tenders/{t}/sections/BD01/opening/responses/x/answer"),
            Some(json!({"answer": "a"})),
            Some(PARTIES),
        ),
        e(
            Method::GET,
            "/api/v1/specialties",
            "/api/v1/specialties".into(),
            None,
            None,
        ),
        e(
            Method::GET,
            "/api/v1/calendar",
            "/api/v1/calendar".into(),
            None,
            None,
        ),
        e(
            Method::POST,
            "/api/v1/experts",
            "/api/v1/experts".into(),
            Some(admission(&spare_id)),
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::GET,
            "/api/v1/experts",
            "/api/v1/experts".into(),
            None,
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::GET,
            "/api/v1/experts/{id}",
            format!("/api/v1/experts/{member}"),
            None,
            Some(&["expert", "regulator", "admin"]),
        ),
        e(
            Method::PUT,
            "/api/v1/experts/{id}/status",
            format!("/api/v1/experts/{member}/status"),
            Some(json!({"status": "suspended", "until": until, "reason": "r"})),
            Some(&["regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/me/expert-records",
            "/api/v1/me/expert-records".into(),
            None,
            Some(AUTHENTICATED),
        ),
        // Only members have a profile: anyone else gets `not_found`.
        e(
            Method::PUT,
            "/api/v1/me/expert-profile",
            "/api/v1/me/expert-profile".into(),
            Some(json!({"phone": "13800138000", "email": "e@example.cn", "avoid_units": []})),
            Some(&["expert"]),
        ),
        e(
            Method::POST,
            "/api/v1/organisations/{id}/award-pool",
            format!("/api/v1/organisations/{tenderer_id}/award-pool"),
            Some(admission(&spare_id)),
            Some(&["tenderer"]),
        ),
        e(
            Method::GET,
            "/api/v1/organisations/{id}/award-pool",
            format!("/api/v1/organisations/{tenderer_id}/award-pool"),
            None,
            Some(&["tenderer", "regulator", "admin"]),
        ),
        // No draw exists at this id: parties and overseers get past authorisation to 404 alike,
        // so the rows check who is refused before the lookup (a role without the permission).
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{code}/draws",
            format!("/api/v1/tenders/{t}/sections/BD01/draws"),
            Some(
                json!({"evaluation_at": until, "place": "p", "remote": false,
                "groups": [{"specialty": "Z999999", "count": 1, "reserves": 0}]}),
            ),
            Some(PARTIES),
        ),
        e(
            Method::GET,
            "/api/v1/draws/{id}",
            "/api/v1/draws/none".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/draws",
            format!("/api/v1/tenders/{t}/draws"),
            None,
            Some(&["tenderer", "agent", "agent-staff", "regulator", "admin"]),
        ),
        e(
            Method::POST,
            "/api/v1/draws/{id}/contributions",
            "/api/v1/draws/none/contributions".into(),
            Some(
                json!({"value": "00".repeat(32), "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"}),
            ),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/me/draw-seats",
            "/api/v1/me/draw-seats".into(),
            None,
            Some(AUTHENTICATED),
        ),
        e(
            Method::POST,
            "/api/v1/draws/{id}/answer",
            "/api/v1/draws/none/answer".into(),
            Some(json!({"accept": true})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/draws/{id}/check-in",
            "/api/v1/draws/none/check-in".into(),
            Some(json!({"conflict": null, "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/draws/{id}/committee",
            "/api/v1/draws/none/committee".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/departments",
            "/api/v1/departments".into(),
            None,
            Some(AUTHENTICATED),
        ),
        e(
            Method::PUT,
            "/api/v1/departments/{code}",
            "/api/v1/departments/429005-zjj".into(),
            Some(json!({"name": "潜江市住房和城乡建设局", "kinds": ["房屋建筑"]})),
            Some(&["admin"]),
        ),
        e(
            Method::PUT,
            "/api/v1/departments/{code}/officers/{person}",
            "/api/v1/departments/429005-zjj/officers/nobody".into(),
            Some(json!({"certificate_no": "鄂执 1", "specialty": "招投标监督"})),
            Some(&["admin"]),
        ),
        e(
            Method::GET,
            "/api/v1/departments/{code}/officers",
            "/api/v1/departments/429005-zjj/officers".into(),
            None,
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::POST,
            "/api/v1/bidding-bans",
            "/api/v1/bidding-bans".into(),
            Some(json!({"uscc": "91420000000000000X", "name": "某公司",
                "first_day": "2026-12-01", "years": 1, "decision_no": "罚〔2026〕1号",
                "legal_basis": "招标投标法实施条例第67条"})),
            Some(&["regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/bidding-bans",
            "/api/v1/bidding-bans".into(),
            None,
            None,
        ),
        // An empty text: organisations get past authorisation to the validation (422).
        e(
            Method::POST,
            "/api/v1/complaints",
            "/api/v1/complaints".into(),
            Some(
                json!({"tender": t, "subject": "other", "known_on": "2026-12-04", "text": "",
                "certificate_chain": ["AAAA"], "signature": "AAAA",
                "signature_algorithm": "ed25519"}),
            ),
            Some(&["tenderer", "agent", "bidder"]),
        ),
        e(
            Method::GET,
            "/api/v1/complaints",
            "/api/v1/complaints".into(),
            None,
            Some(&["tenderer", "agent", "bidder", "regulator", "admin"]),
        ),
        e(
            Method::GET,
            "/api/v1/complaints/{id}",
            "/api/v1/complaints/none".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/complaints/{id}/handling",
            "/api/v1/complaints/none/handling".into(),
            Some(json!({"action": "accept"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/complaints/{id}/pauses",
            "/api/v1/complaints/none/pauses".into(),
            Some(json!({"action": "end"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/complaints/{id}/decision",
            "/api/v1/complaints/none/decision".into(),
            Some(json!({"outcome": {"kind": "dismissed"}, "text": "驳回",
                "certificate_chain": ["AAAA"], "signature": "AAAA",
                "signature_algorithm": "ed25519"})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/supervision/collusion-signals",
            "/api/v1/supervision/collusion-signals".into(),
            None,
            Some(&["regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/supervision/tenders",
            "/api/v1/supervision/tenders".into(),
            None,
            Some(&["regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/supervision/deviation-alerts",
            "/api/v1/supervision/deviation-alerts".into(),
            None,
            Some(&["regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/supervision/breaches",
            "/api/v1/supervision/breaches".into(),
            None,
            Some(&["regulator"]),
        ),
        e(
            Method::POST,
            "/api/v1/complaints/{id}/withdrawal",
            "/api/v1/complaints/none/withdrawal".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/supervision/sheets/{sheet}",
            "/api/v1/supervision/sheets/items".into(),
            None,
            Some(&["regulator", "admin"]),
        ),
        // An empty file: past authorisation to a validation failure.
        e(
            Method::POST,
            "/api/v1/supervision/sheets/{sheet}",
            "/api/v1/supervision/sheets/items".into(),
            None,
            Some(&["regulator", "admin"]),
        ),
        // The regulator is an officer of no department here: past authorisation to
        // other_department.
        e(
            Method::PUT,
            "/api/v1/supervision/items/{code}",
            "/api/v1/supervision/items/ZJ-001".into(),
            Some(
                json!({"code": "ZJ-001", "name": "招标投标活动监管", "legal_basis": "招标投标法第七条",
                "lead_department": "429005-zjj", "co_departments": [], "risk_level": "high",
                "object_kind": "organisation"}),
            ),
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::PUT,
            "/api/v1/supervision/items/{code}/manual/{seq}",
            "/api/v1/supervision/items/ZJ-001/manual/1".into(),
            Some(
                json!({"item_code": "ZJ-001", "seq": 1, "requirement": "公开发布招标公告",
                "basis": "招标投标法第十六条", "common_violation": "未公开发布"}),
            ),
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::PUT,
            "/api/v1/supervision/checks/{code}",
            "/api/v1/supervision/checks/ZJ-001-01".into(),
            Some(
                json!({"code": "ZJ-001-01", "item_code": "ZJ-001", "content": "公告是否合规",
                "method": "查阅资料", "department": "429005-zjj"}),
            ),
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::PUT,
            "/api/v1/supervision/plans/{code}",
            "/api/v1/supervision/plans/P1".into(),
            Some(
                json!({"code": "P1", "name": "抽查计划", "lead_department": "429005-zjj",
                "period_from": "2027-01-01", "period_to": "2027-12-31", "items": ["ZJ-001"],
                "sampling_ratio": "0.05", "grades": ["c"], "departments": ["429005-zjj"]}),
            ),
            Some(&["regulator"]),
        ),
        // No plan P1 exists (the regulator above is no officer): a regulator gets not_found.
        e(
            Method::POST,
            "/api/v1/supervision/plans/{code}/publish",
            "/api/v1/supervision/plans/P1/publish".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::PUT,
            "/api/v1/supervision/objects/{kind}/{id}/grade",
            "/api/v1/supervision/objects/organisation/91420000000000000X/grade".into(),
            Some(json!({"grade": "c"})),
            Some(&["regulator"]),
        ),
        e(
            Method::POST,
            "/api/v1/cases",
            "/api/v1/cases".into(),
            Some(json!({"source": {"kind": "inspection", "id": "检1"},
                "party": {"kind": "organisation", "uscc": crate::helpers::pki().get("bidder").key,
                    "name": "某公司"},
                "summary": "s", "occurred_on": "2026-12-01"})),
            Some(&["regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/cases/{id}",
            format!("/api/v1/cases/{case}"),
            None,
            Some(&["regulator", "bidder"]),
        ),
        e(
            Method::POST,
            "/api/v1/cases/{id}/acts",
            format!("/api/v1/cases/{case}/acts"),
            Some(json!({"act": "register"})),
            Some(&["regulator"]),
        ),
        e(
            Method::POST,
            "/api/v1/cases/{id}/evidence",
            format!(
                "/api/v1/cases/{case}/evidence?kind=document&title=t&file_name=f&second_officer=x"
            ),
            None,
            Some(&["regulator"]),
        ),
        e(
            Method::POST,
            "/api/v1/cases/{id}/party",
            format!("/api/v1/cases/{case}/party"),
            Some(json!({"act": "defend", "statement": "陈述"})),
            Some(&["bidder"]),
        ),
        e(
            Method::GET,
            "/api/v1/cases",
            "/api/v1/cases".into(),
            None,
            Some(&["regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/credit-list",
            "/api/v1/credit-list".into(),
            None,
            None,
        ),
        // Logout last: it ends each caller's session.
        // No plan P1, round or task R1 exists: a regulator gets not_found, others forbidden.
        e(
            Method::POST,
            "/api/v1/supervision/plans/{code}/rounds",
            "/api/v1/supervision/plans/P1/rounds".into(),
            Some(json!({"teams": 1})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/supervision/rounds/{id}",
            "/api/v1/supervision/rounds/R1".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/supervision/rounds/{id}/contribution",
            "/api/v1/supervision/rounds/R1/contribution".into(),
            Some(
                json!({"value": "00".repeat(32), "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"}),
            ),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/supervision/rounds/{id}/tasks",
            "/api/v1/supervision/rounds/R1/tasks".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/supervision/inspection-tasks/{id}",
            "/api/v1/supervision/inspection-tasks/R1".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/supervision/inspection-tasks/{id}/evidence",
            "/api/v1/supervision/inspection-tasks/R1/evidence?title=t&file_name=f".into(),
            None,
            Some(&[]),
        ),
        e(
            Method::PUT,
            "/api/v1/supervision/inspection-tasks/{id}/results",
            "/api/v1/supervision/inspection-tasks/R1/results".into(),
            Some(json!({"visited_on": "2026-12-07", "results": []})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/supervision/inspection-tasks/{id}/signatures",
            "/api/v1/supervision/inspection-tasks/R1/signatures".into(),
            Some(json!({"results_digest": "x", "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/inspection-results",
            "/api/v1/inspection-results".into(),
            None,
            None,
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/contract",
            format!("/api/v1/tenders/{t}/sections/BD01/contract"),
            None,
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/sections/{section}/contract",
            format!("/api/v1/tenders/{t}/sections/BD01/contract"),
            None,
            Some(&[]),
        ),
        e(
            Method::PUT,
            "/api/v1/tenders/{id}/sections/{section}/contract/terms",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/terms"),
            Some(
                json!({"price": "1.00", "duration_days": 1, "quality": "合格",
                    "project_manager": "张工"}),
            ),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/contract/performance-bond",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/performance-bond"),
            Some(json!({"kind": "cash", "amount": "1.00", "issuer": "b", "reference": "r"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/contract/completion",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/completion"),
            Some(
                json!({"completed_on": "2026-12-01", "remarks": "竣工验收合格",
                "signature": {"digest": "x", "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"}}),
            ),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/contract/performance-ratings",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/performance-ratings"),
            Some(json!({"phase": "interim", "score": "85", "remarks": "按期",
                "signature": {"digest": "x", "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"}})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/contract/performance-ratings/{rating}/reply",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/performance-ratings/r/reply"),
            Some(json!({"text": "申辩",
                "signature": {"digest": "x", "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"}})),
            Some(&[]),
        ),
        // No opened bid in this fixture: the tender's side gets through to
        // `invalid_state_transition`; nobody was asked, so every answer is `not_found`.
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/bid-validity/extensions",
            format!("/api/v1/tenders/{t}/sections/BD01/bid-validity/extensions"),
            Some(json!({"new_end": "2030-01-01T00:00:00Z",
                "answer_due": "2029-12-01T00:00:00Z", "reason": "投诉处理中"})),
            Some(&["tenderer", "agent", "agent-staff"]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/bid-validity/extensions/{extension}/answer",
            format!("/api/v1/tenders/{t}/sections/BD01/bid-validity/extensions/x/answer"),
            Some(json!({"agree": true, "certificate_chain": [],
                "signature": "", "signature_algorithm": "ecdsa_p256_sha256"})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/sections/{section}/bid-validity",
            format!("/api/v1/tenders/{t}/sections/BD01/bid-validity"),
            None,
            Some(&["tenderer", "agent", "agent-staff", "regulator"]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/sections/{section}/contract/performance-ratings",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/performance-ratings"),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/contract/signatures",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/signatures"),
            Some(json!({"digest": "x", "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/contract/changes",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/changes"),
            Some(json!({"kind": "termination", "reason": "mutual_agreement", "note": "n"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/contract/changes/{change}/signatures",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/changes/C1/signatures"),
            Some(json!({"digest": "x", "certificate_chain": ["AAAA"],
                "signature": "AAAA", "signature_algorithm": "ed25519"})),
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/contract/changes/{change}/decline",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/changes/C1/decline"),
            Some(json!({"note": "n"})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/sections/{section}/bond-refunds",
            format!("/api/v1/tenders/{t}/sections/BD01/bond-refunds"),
            None,
            Some(&["tenderer", "agent", "agent-staff", "regulator", "admin"]),
        ),
        e(
            Method::GET,
            "/api/v1/bond-refunds/mine",
            "/api/v1/bond-refunds/mine".into(),
            None,
            Some(&["bidder"]),
        ),
        e(
            Method::GET,
            "/api/v1/bond-refunds",
            "/api/v1/bond-refunds".into(),
            None,
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::POST,
            "/api/v1/bond-refunds/{id}/refund",
            "/api/v1/bond-refunds/R1/refund".into(),
            Some(json!({"bank_reference": "x"})),
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/tenders/{id}/sections/{section}/contract/payments",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/payments"),
            None,
            Some(&[]),
        ),
        e(
            Method::POST,
            "/api/v1/tenders/{id}/sections/{section}/contract/payments/pull",
            format!("/api/v1/tenders/{t}/sections/BD01/contract/payments/pull"),
            None,
            Some(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/treasury/status",
            "/api/v1/treasury/status".into(),
            None,
            Some(&["regulator", "admin"]),
        ),
        e(
            Method::DELETE,
            "/api/v1/auth/session",
            "/api/v1/auth/session".into(),
            None,
            Some(AUTHENTICATED),
        ),
    ];

    // The table covers every operation the server documents.
    let doc: Value = app.client().get("/openapi.json").await.unwrap();
    let mut documented = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let tested: BTreeSet<String> = endpoints
        .iter()
        .map(|e| format!("{} {}", e.method, e.template))
        .collect();
    assert_eq!(
        documented, tested,
        "the authorisation table and the API differ"
    );

    let mut failures = Vec::new();
    let mut rows = app.rows().await;
    for ep in &endpoints {
        for who in CALLERS {
            let (status, body) = clients[who]
                .raw(ep.method.clone(), &ep.path, ep.body.as_ref())
                .await
                .unwrap();
            let after = app.rows().await;
            let changed = rows.changes(&after, &[]);
            rows = after;
            let code = body["code"].as_str().unwrap_or("");
            // Refusals by authentication/authorisation only: a public endpoint that rejects a bogus
            // proof (challenge_unknown) let the caller through and failed later.
            let denied = matches!(
                code,
                "unauthenticated" | "token_invalid" | "token_expired" | "forbidden"
            ) || (status == 404 && code == "not_found");
            let should_pass = match ep.allowed {
                None => true,
                Some(list) => list.contains(&who),
            };
            if should_pass == denied {
                failures.push(format!(
                    "{} {} as {who}: {status} {body}",
                    ep.method, ep.template,
                ));
            }
            // A refusal, whatever its reason, leaves every table as it was.
            if status.is_client_error() && !changed.is_empty() {
                failures.push(format!(
                    "{} {} as {who}: refused with {status} {code} but changed rows: {}",
                    ep.method,
                    ep.template,
                    changed.join("; ")
                ));
            }
            if !should_pass && who == "anonymous" && code != "unauthenticated" {
                failures.push(format!(
                    "{} {} anonymous: expected unauthenticated, got {status} {body}",
                    ep.method, ep.template
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation mismatches:\n{}",
        failures.join("\n")
    );
}

/// A case of 住建局 against the bidder in its party's period, written straight to the database
/// (the officers who would have taken it there are not among the callers).
async fn notified_case(app: &TestApp) -> String {
    use etender::db::types::to_db;
    let now = app.clock_now();
    let id = uuid::Uuid::now_v7().to_string();
    let row = etender::db::repo::cases::CaseRow {
        id: id.clone(),
        department_code: "429005-zjj".into(),
        state: "notified".into(),
        source_kind: "inspection".into(),
        source_id: "检1".into(),
        party_kind: "organisation".into(),
        party_uscc: Some(crate::helpers::pki().get("bidder").key.clone()),
        party_person: None,
        party_name: "某公司".into(),
        summary: "s".into(),
        occurred_on: to_db(now),
        grave: false,
        opened_by: "x".into(),
        opened_at: to_db(now),
        registered_at: Some(to_db(now)),
        extended_days: 0,
        decision_due: Some(to_db(now + chrono::Duration::days(90))),
        notice: Some(
            json!({"facts": "f", "legal_basis": "b", "penalties": [{"kind": "warning"}],
                "hearing_rights": false, "notified_at": now,
                "reply_due": now + chrono::Duration::days(5)})
            .to_string(),
        ),
        notified_at: Some(to_db(now)),
        reply_due: Some(to_db(now + chrono::Duration::days(5))),
        hearing_rights: false,
        defence: None,
        hearing: None,
        decision: None,
        decision_no: None,
        decided_at: None,
        serve_due: None,
        served_at: None,
        served_late: false,
        executed_at: None,
        outcome: None,
        updated_at: to_db(now),
    };
    let dep = etender::db::repo::experts::DepartmentRow {
        code: "429005-zjj".into(),
        name: "潜江市住房和城乡建设局".into(),
        kinds: "[]".into(),
        updated_by: "x".into(),
        updated_at: to_db(now),
    };
    app.ctx
        .db
        .write(move |c| {
            etender::db::repo::experts::put_department(c, &dep)?;
            etender::db::repo::cases::insert(c, &row)?;
            Ok(())
        })
        .await
        .unwrap();
    id
}
