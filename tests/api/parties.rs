//! Who may act for whom (issue 11, finding 4): organisation roles are granted by the trading
//! centre, never self-assigned; an agent acts for a tenderer only under the tenderer's signed,
//! revocable entrustment; the tender's own parties never bid on it; staff join only by accepting.

use etender::domain::identity::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::bids::{record_bonds, Bidder};
use crate::fixtures::{self, custodians, draft, id_of, published_tender};
use crate::helpers::{assert_problem, extra_org, pki, TestApp};

#[tokio::test]
async fn an_agent_never_entrusted_by_the_tenderer_cannot_act_in_its_name() {
    let app = TestApp::spawn().await;
    let agent = app.enrol("agent").await;
    let tenderer = app.enrol("tenderer").await;
    let tenderer_id = id_of(&tenderer).await;
    let custodians = custodians(&app).await;
    let title = "未经委托的项目";
    let body = |extra: Value| {
        let mut b = json!({"title": title, "tenderer_id": tenderer_id,
            "draft": draft(app.clock_now(), 30, &custodians)});
        if let Value::Object(m) = extra {
            b.as_object_mut().unwrap().extend(m);
        }
        b
    };
    let before = app.rows().await;
    // Naming the tenderer is not enough.
    let (st, v) = agent
        .raw(Method::POST, "/api/v1/tenders", Some(&body(json!({}))))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "not_entrusted");
    // Nor is another agent's entrustment, or one for another project.
    let agent2 = app
        .enrol_ident(&extra_org(40_001, "agent-two", Role::Agent))
        .await;
    let theirs = app
        .entrust(pki().get("tenderer"), &id_of(&agent2).await, title)
        .await;
    let other_project = app
        .entrust(pki().get("tenderer"), &id_of(&agent).await, "另一个项目")
        .await;
    let before_entrusted = app.rows().await;
    for e in [&theirs, &other_project, &"no-such-id".to_string()] {
        let (st, v) = agent
            .raw(
                Method::POST,
                "/api/v1/tenders",
                Some(&body(json!({"entrustment_id": e}))),
            )
            .await
            .unwrap();
        assert_problem(st, &v, 403, "not_entrusted");
    }
    before_entrusted.assert_same(&app.rows().await, "tenders refused without entrustment");
    assert_eq!(
        app.rows().await.get("tenders"),
        before.get("tenders"),
        "no tender was created"
    );

    // An entrustment signed with someone else's certificate is not the tenderer's.
    let agent_id = id_of(&agent).await;
    let e = tenderer
        .entrust(&agent_id, title, &pki().get("bidder").credentials())
        .await
        .unwrap_err();
    assert_eq!(
        e.code().map(|c| c.as_str()),
        Some("certificate_subject_mismatch")
    );

    // With the tenderer's own entrustment for this project it works, once.
    let mine = app.entrust(pki().get("tenderer"), &agent_id, title).await;
    let (st, v) = agent
        .raw(
            Method::POST,
            "/api/v1/tenders",
            Some(&body(json!({"entrustment_id": mine}))),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["tenderer"]["id"], tenderer_id.as_str(), "{v}");
    let before = app.rows().await;
    let (st, v) = agent
        .raw(
            Method::POST,
            "/api/v1/tenders",
            Some(&body(json!({"entrustment_id": mine}))),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "not_entrusted");
    before.assert_same(&app.rows().await, "an entrustment used twice");
}

#[tokio::test]
async fn a_revoked_entrustment_stops_the_agent_and_its_staff() {
    let app = TestApp::spawn().await;
    let s = fixtures::draft_tender(&app, 30).await;
    let staff = app.enrol("agent-staff").await;
    let notice = format!("/api/v1/tenders/{}/notice", s.tender);
    let (st, _) = staff.raw(Method::GET, &notice, None).await.unwrap();
    assert_eq!(st, 200);

    // Only the tenderer revokes.
    let revoke = format!("/api/v1/entrustments/{}/revocation", s.entrustment);
    let before = app.rows().await;
    let (st, v) = s.agent.raw(Method::POST, &revoke, None).await.unwrap();
    assert_problem(st, &v, 403, "forbidden");
    before.assert_same(&app.rows().await, "the agent revoking its own entrustment");

    let tenderer = app.enrol("tenderer").await;
    let (st, v) = tenderer.raw(Method::POST, &revoke, None).await.unwrap();
    assert_eq!(st, 200, "{v}");
    assert!(v["revoked_at"].is_string(), "{v}");
    app.rows().await; // the trail lists integrated entries
    let trail: Value = app
        .enrol("regulator")
        .await
        .get(&format!("/api/v1/audit/trail?tender_id={}", s.tender))
        .await
        .unwrap();
    assert!(
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event_type"] == "entrustment_revoked"),
        "{trail}"
    );

    // From now on the agent and its staff run nothing: the tender is not theirs (404).
    let before = app.rows().await;
    for c in [&s.agent, &staff] {
        let (st, v) = c.raw(Method::GET, &notice, None).await.unwrap();
        assert_problem(st, &v, 404, "not_found");
        let sig =
            fixtures::sign_notice(&tenderer, &s.tender, &pki().get("agent").credentials()).await;
        let (st, v) = c
            .raw(
                Method::POST,
                &format!("/api/v1/tenders/{}/publish", s.tender),
                Some(&sig),
            )
            .await
            .unwrap();
        assert_problem(st, &v, 404, "not_found");
    }
    // Nor does the agent's signature count for the tenderer any more.
    let sig = fixtures::sign_notice(&tenderer, &s.tender, &pki().get("agent").credentials()).await;
    let (st, v) = tenderer
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/publish", s.tender),
            Some(&sig),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    // Revoking twice is refused.
    let (st, v) = tenderer.raw(Method::POST, &revoke, None).await.unwrap();
    assert_problem(st, &v, 409, "conflict");
    before.assert_same(&app.rows().await, "the agent after revocation");

    // The tenderer still runs its tender itself.
    let sig =
        fixtures::sign_notice(&tenderer, &s.tender, &pki().get("tenderer").credentials()).await;
    let (st, v) = tenderer
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/publish", s.tender),
            Some(&sig),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
}

#[tokio::test]
async fn roles_an_organisation_names_at_registration_are_only_requests() {
    let app = TestApp::spawn().await;
    let ident = extra_org(40_010, "self-made-tenderer", Role::Tenderer);
    let c = app.register_only(&ident).await;
    let me: Value = c.get("/api/v1/me").await.unwrap();
    assert_eq!(me["roles"], json!([]), "{me}");
    let org: Value = c
        .get(&format!(
            "/api/v1/organisations/{}",
            me["id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    assert_eq!(org["requested_roles"], json!(["tenderer"]), "{org}");

    // Until granted it acts in no such role.
    let custodians = custodians(&app).await;
    let regulator = app.enrol("regulator").await;
    let before = app.rows().await;
    let (st, v) = c
        .raw(
            Method::POST,
            "/api/v1/tenders",
            Some(&json!({"title": "自封的招标人",
                "draft": draft(app.clock_now(), 30, &custodians)})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    // Nobody but an administrator grants it.
    let id = me["id"].as_str().unwrap();
    let grant = format!("/api/v1/organisations/{id}/roles/tenderer");
    let (st, v) = c.raw(Method::PUT, &grant, None).await.unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let (st, v) = regulator.raw(Method::PUT, &grant, None).await.unwrap();
    assert_problem(st, &v, 403, "forbidden");
    before.assert_same(&app.rows().await, "self-granted roles");

    // The administrator grants after review: recorded, and the role takes effect.
    let admin = app.enrol("admin").await;
    let o: Value = admin.call(Method::PUT, &grant, None).await.unwrap();
    assert_eq!(o["roles"], json!(["tenderer"]), "{o}");
    assert_eq!(o["requested_roles"], json!([]), "{o}");
    let me: Value = c.get("/api/v1/me").await.unwrap();
    assert_eq!(me["roles"], json!(["tenderer"]), "{me}");
    app.rows().await; // the trail lists integrated entries
    let trail: Value = admin
        .get(&format!("/api/v1/audit/trail?subject={id}"))
        .await
        .unwrap();
    let events: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert!(events.contains(&"role_granted"), "{events:?}");

    // A refused request leaves the organisation without the role, recorded too.
    let other = extra_org(40_011, "self-made-agent", Role::Agent);
    let oc = app.register_only(&other).await;
    let oid = id_of(&oc).await;
    let o: Value = admin
        .call(
            Method::DELETE,
            &format!("/api/v1/organisations/{oid}/roles/agent"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (o["roles"].clone(), o["requested_roles"].clone()),
        (json!([]), json!([]))
    );
    let me: Value = oc.get("/api/v1/me").await.unwrap();
    assert_eq!(me["roles"], json!([]), "{me}");
}

#[tokio::test]
async fn the_tenders_own_tenderer_agent_and_their_staff_cannot_bid_on_it() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let t = setup.tender.clone();
    // The tenderer and the agent are (also) admitted as bidders, with bonds recorded.
    let mut conflicted = Vec::new();
    for label in ["tenderer", "agent"] {
        let b = Bidder::enrol(&app, label).await;
        app.grant_org_roles(&id_of(&b.client).await, &[Role::Bidder])
            .await;
        conflicted.push(b);
    }
    record_bonds(
        &app,
        &t,
        "BD01",
        "200000.00",
        &conflicted.iter().collect::<Vec<_>>(),
    )
    .await;
    let honest = Bidder::enrol(&app, "bidder").await;
    let sealed = honest.seal(&t, "BD01", "10000000.00", 100).await;
    let before = app.rows().await;
    for b in &conflicted {
        let creds = pki().get(b.label).credentials();
        let e = b
            .client
            .open_upload(&t, "BD01", &sealed.manifest, &creds)
            .await
            .unwrap_err();
        assert_eq!(
            e.code().map(|c| c.as_str()),
            Some("conflict_of_interest"),
            "{}",
            b.label
        );
    }
    before.assert_same(&app.rows().await, "bids by the tender's own parties");
    // A person on the tenderer's staff never bids, for anyone.
    let tenderer = &conflicted[0].client;
    let spare = app.enrol("spare").await;
    let spare_id = id_of(&spare).await;
    let tid = id_of(tenderer).await;
    let _: Value = tenderer
        .post(
            &format!("/api/v1/organisations/{tid}/staff"),
            &json!({"person_id": spare_id}),
        )
        .await
        .unwrap();
    spare.accept_staff(&tid, &spare_id).await.unwrap();
    let before = app.rows().await;
    let e = spare
        .open_upload(
            &t,
            "BD01",
            &sealed.manifest,
            &pki().get("spare").credentials(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code().map(|c| c.as_str()), Some("forbidden"));
    before.assert_same(&app.rows().await, "a bid by the tenderer's staff");
}

#[tokio::test]
async fn staff_are_attached_only_when_the_person_accepts_and_can_be_detached() {
    let app = TestApp::spawn().await;
    let agent = app.enrol("agent").await;
    let agent_id = id_of(&agent).await;
    let spare = app.enrol("spare").await;
    let spare_id = id_of(&spare).await;
    let staff_path = format!("/api/v1/organisations/{agent_id}/staff");
    let p: Value = agent
        .post(&staff_path, &json!({"person_id": spare_id}))
        .await
        .unwrap();
    // Invited, not attached: no agent_staff role, no tender access.
    assert_eq!(p["organisation_id"], Value::Null, "{p}");
    let me: Value = spare.get("/api/v1/me").await.unwrap();
    assert_eq!(me["roles"], json!([]), "{me}");
    assert_eq!(me["organisation_id"], Value::Null, "{me}");

    // Someone else cannot accept in their name.
    let accept = format!("{staff_path}/{spare_id}/acceptance");
    let nobody = app.enrol("nobody").await;
    let before = app.rows().await;
    for c in [&agent, &nobody] {
        let (st, v) = c.raw(Method::POST, &accept, None).await.unwrap();
        assert_problem(st, &v, 403, "forbidden");
    }
    before.assert_same(&app.rows().await, "acceptance by others");

    let p = spare.accept_staff(&agent_id, &spare_id).await.unwrap();
    assert_eq!(p.organisation_id.as_deref(), Some(agent_id.as_str()));
    let me: Value = spare.get("/api/v1/me").await.unwrap();
    assert_eq!(me["roles"], json!(["agent_staff"]), "{me}");
    // Accepting again: the invitation is gone.
    let before = app.rows().await;
    let (st, v) = spare.raw(Method::POST, &accept, None).await.unwrap();
    assert_problem(st, &v, 404, "not_found");
    before.assert_same(&app.rows().await, "a second acceptance");

    // Detached (here by the person), they act for the agent no more.
    let (st, v) = spare
        .raw(Method::DELETE, &format!("{staff_path}/{spare_id}"), None)
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let me: Value = spare.get("/api/v1/me").await.unwrap();
    assert_eq!(me["roles"], json!([]), "{me}");
    app.rows().await; // the trail lists integrated entries
    let trail: Value = app
        .enrol("admin")
        .await
        .get(&format!("/api/v1/audit/trail?subject={spare_id}"))
        .await
        .unwrap();
    let events: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    for e in ["staff_invited", "staff_attached", "staff_detached"] {
        assert!(events.contains(&e), "{e} in {events:?}");
    }
}
