//! Lists cost a fixed number of queries per page, whatever the page size: the public tender
//! list is counted through the real server (every request's statements are counted and exported
//! as `etender_http_request_db_queries`), the registry lists, the announcement feed and the audit
//! trail through their use-cases with `db::queries::counted`. Paging through any list in small
//! pages gives exactly the big page, and a list row is the same body as the single resource.

use etender::app::{audit as audit_uc, identity, tenders};
use etender::audit::sequencer;
use etender::client::Client;
use etender::db::queries::counted;
use etender::db::repo::audit_log::Scope;
use etender::domain::identity::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::fixtures::{custodians, draft, id_of, sign_notice};
use crate::helpers::{assert_problem, extra_org, pki, Ident, TestApp};

/// Create a tender as `creator` (an agent entrusted by `tenderer` when one is given) and publish
/// it with `signer`'s certificate.
async fn publish_new(
    app: &TestApp,
    creator: &Client,
    signer: &Ident,
    tenderer: Option<&Ident>,
    custodians: &[String],
    title: &str,
) -> String {
    let mut body = json!({"title": title, "description": format!("{title} 说明"),
        "draft": draft(app.clock_now(), 30, custodians)});
    if let Some(t) = tenderer {
        let entrustment = app.entrust(t, &id_of(creator).await, title).await;
        body["entrustment_id"] = json!(entrustment);
    }
    let t: Value = creator.post("/api/v1/tenders", &body).await.unwrap();
    let id = t["id"].as_str().unwrap().to_string();
    let sig = sign_notice(creator, &id, &signer.credentials()).await;
    let (st, v) = creator
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{id}/publish"),
            Some(&sig),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    id
}

/// `(requests, requests with at most `le` statements, total statements)` for one route, from
/// the server's own Prometheus histogram.
async fn queries_of(app: &TestApp, route: &str, le: &str) -> (u64, u64, f64) {
    let text = app.metrics_text().await;
    let label = format!("route=\"{route}\"");
    let value = |prefix: &str, extra: Option<&str>| -> f64 {
        text.lines()
            .filter(|l| l.starts_with(prefix) && l.contains(&label))
            .filter(|l| extra.is_none_or(|e| l.contains(e)))
            .filter(|l| l.contains("method=\"GET\""))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
            .sum()
    };
    let count = value("etender_http_request_db_queries_count{", None);
    let within = value(
        "etender_http_request_db_queries_bucket{",
        Some(&format!("le=\"{le}\"")),
    );
    let sum = value("etender_http_request_db_queries_sum{", None);
    (count as u64, within as u64, sum)
}

/// Every item of every page, following `next` from the start with `limit`.
async fn walk(c: &Client, path: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after = String::new();
    loop {
        let page: Value = c
            .get(&format!("{path}?limit={limit}&after={after}"))
            .await
            .unwrap();
        let got = page["items"].as_array().unwrap();
        assert!(got.len() <= limit as usize, "{page}");
        items.extend(got.iter().cloned());
        match page["next"].as_str() {
            Some(n) => after = n.to_string(),
            None => return items,
        }
    }
}

#[tokio::test]
async fn the_public_tender_list_is_two_queries_a_page_and_each_row_is_the_tender() {
    let app = TestApp::spawn().await;
    let custodians = custodians(&app).await;
    let agent = app.enrol("agent").await;
    let tenderer = app.enrol("tenderer").await;
    let agent2_ident = extra_org(20_001, "agent-2", Role::Agent);
    let tenderer2_ident = extra_org(20_002, "tenderer-2", Role::Tenderer);
    let agent2 = app.enrol_ident(&agent2_ident).await;
    let tenderer2 = app.enrol_ident(&tenderer2_ident).await;
    let (agent_ident, tenderer_ident) = (pki().get("agent"), pki().get("tenderer"));

    // Two agents, two tenderers, and tenders a tenderer runs itself (no agent).
    let mut published = Vec::new();
    for (creator, signer, for_tenderer, title) in [
        (&agent, agent_ident, Some(tenderer_ident), "东荆河大道工程"),
        (&tenderer, tenderer_ident, None, "自行招标 办公楼改造"),
        (
            &agent2,
            &agent2_ident,
            Some(&tenderer2_ident),
            "排水管网工程",
        ),
        (&agent, agent_ident, Some(&tenderer2_ident), "路灯工程"),
        (&tenderer2, &tenderer2_ident, None, "自行招标 绿化工程"),
        (&agent2, &agent2_ident, Some(tenderer_ident), "桥梁维修工程"),
    ] {
        let id = publish_new(&app, creator, signer, for_tenderer, &custodians, title).await;
        published.push(id);
    }
    // A draft is not public.
    let entrustment = app
        .entrust(tenderer_ident, &id_of(&agent).await, "未发布")
        .await;
    let _draft: Value = agent
        .post(
            "/api/v1/tenders",
            &json!({"title": "未发布", "description": "草稿", "entrustment_id": entrustment,
                    "draft": draft(app.clock_now(), 30, &custodians)}),
        )
        .await
        .unwrap();

    let public = app.client();
    let (before, _, _) = queries_of(&app, "/api/v1/tenders", "2").await;
    assert_eq!(before, 0, "no list request yet");
    let page: Value = public.get("/api/v1/tenders?limit=200").await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert!(page["next"].is_null(), "{page}");
    let ids: Vec<&str> = items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, published, "publication order, drafts left out");
    // Each row is exactly the tender as the public reads it alone (parties, agent or none,
    // published draft, opening keys of both sections).
    for item in items {
        let one: Value = public
            .get(&format!("/api/v1/tenders/{}", item["id"].as_str().unwrap()))
            .await
            .unwrap();
        assert_eq!(item, &one);
        assert_eq!(item["remedy"].as_array().unwrap().len(), 2, "{item}");
        assert!(item.get("working_copy").is_none(), "{item}");
    }
    let with_agent = items.iter().filter(|t| !t["agent"].is_null()).count();
    assert_eq!(with_agent, 4);
    assert_eq!(items[2]["agent"]["name"], "agent-2 建设有限公司");
    assert_eq!(items[2]["tenderer"]["uscc"], json!(tenderer2_ident.key));

    // Small pages give the same rows in the same order.
    for limit in [1, 2, 4] {
        assert_eq!(&walk(&public, "/api/v1/tenders", limit).await, items);
    }
    let (count, within, sum) = queries_of(&app, "/api/v1/tenders", "2").await;
    // 1 + 6 + 3 + 2 page requests.
    assert_eq!(count, 12);
    assert_eq!(
        within, count,
        "every page within two statements (total {sum})"
    );
    assert!(sum >= count as f64, "each page queried the database");

    let (st, v) = public
        .raw(Method::GET, "/api/v1/tenders?after=abc", None)
        .await
        .unwrap();
    assert_problem(st, &v, 400, "malformed_parameter");
}

#[tokio::test]
async fn registry_lists_feeds_and_the_trail_cost_the_same_queries_for_any_page_size() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        app.enrol_ident(&extra_org(20_100 + i, &format!("reg-{i}"), Role::Bidder))
            .await;
    }
    for label in ["custodian", "custodian-2", "expert", "agent-staff"] {
        app.enrol(label).await;
    }
    let regulator = app.enrol("regulator").await;
    let (actor, auth) = counted(identity::authenticate(&app.ctx, regulator.token().unwrap())).await;
    let actor = actor.unwrap();

    let (all, n) = counted(identity::list_organisations(
        &app.ctx,
        &actor,
        None,
        Some(200),
    ))
    .await;
    let all = all.unwrap();
    // Five bidders and the agent (enrolled to take on its staff member).
    assert_eq!(all.items.len(), 6);
    assert!(all.items.iter().any(|o| !o.roles.is_empty()));
    assert!(
        n <= 2,
        "organisations page of {}: {n} queries",
        all.items.len()
    );
    let (one, n) = counted(identity::list_organisations(
        &app.ctx,
        &actor,
        None,
        Some(1),
    ))
    .await;
    assert_eq!(one.unwrap().items.len(), 1);
    assert!(n <= 2, "organisations page of 1: {n} queries");

    let (people, n) = counted(identity::list_people(&app.ctx, &actor, None, Some(200))).await;
    let people = people.unwrap();
    assert!(people.items.len() >= 5);
    assert!(n <= 2, "people page of {}: {n} queries", people.items.len());

    // Through the server, each page costs authentication plus those two, at any size.
    let orgs_value = serde_json::to_value(&all).unwrap();
    assert_eq!(
        walk(&regulator, "/api/v1/organisations", 2).await,
        orgs_value["items"].as_array().unwrap().clone()
    );
    let people_value = serde_json::to_value(&people).unwrap();
    assert_eq!(
        walk(&regulator, "/api/v1/people", 3).await,
        people_value["items"].as_array().unwrap().clone()
    );
    for route in ["/api/v1/organisations", "/api/v1/people"] {
        let le = (auth + 2).to_string();
        let (count, within, sum) = queries_of(&app, route, &le).await;
        assert!(count >= 2, "{route}: {count}");
        assert_eq!(
            within, count,
            "{route}: {sum} statements in {count} requests"
        );
    }

    let (feed, n) = counted(tenders::announcements(&app.ctx, None, None, Some(200))).await;
    feed.unwrap();
    assert!(n <= 1, "announcements: {n} queries");

    sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let (trail, n) = counted(audit_uc::trail(
        &app.ctx,
        &actor,
        Scope::All,
        None,
        Some(1000),
    ))
    .await;
    let trail = trail.unwrap();
    assert!(trail.items.len() > 10, "{}", trail.items.len());
    assert!(trail.next.is_none());
    assert!(n <= 2, "trail of {}: {n} queries", trail.items.len());
    // Paging the trail gives the same entries, and the last page names no next.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = audit_uc::trail(&app.ctx, &actor, Scope::All, after, Some(4))
            .await
            .unwrap();
        paged.extend(page.items.iter().map(|e| e.index));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let whole: Vec<u64> = trail.items.iter().map(|e| e.index).collect();
    assert_eq!(paged, whole);
    let (st, v) = regulator
        .raw(
            Method::GET,
            &format!("/api/v1/audit/trail?after={}", u64::MAX),
            None,
        )
        .await
        .unwrap();
    assert_problem(st, &v, 400, "malformed_parameter");
}
