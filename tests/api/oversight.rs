//! The regulator's view per department (issue 15 item 7, docs/SUPERVISION.md "The regulator's
//! view per department"): a department's officers page the tenders it supervises as they stand
//! and the 偏离度 flags of their evaluations; another department's officer sees none of them, a
//! regulator of no department and every other role are refused, and refusals write nothing.

use chrono::{DateTime, Utc};
use etender::app::{identity, supervision};
use etender::client::Client;
use etender::db::queries::counted;
use etender::domain::identity::Role;
use etender::domain::schedule::legal_date;
use etender::wire::oversight::{
    BreachKind, CommitteeState, DeadlineKind, DeviationAlert, OpeningPhase, SectionStage,
    StateKind, SupervisedTender,
};
use etender::wire::supervision::{
    Complaint, ComplaintSubject, FileComplaintRequest, HandleComplaintRequest,
};
use etender::wire::Page;
use reqwest::Method;
use serde_json::{json, Value};

use crate::fixtures::{draft, draft_tender, id_of, publish, published_tender, schedule};
use crate::helpers::{assert_problem, extra_person, pki, TestApp};

const ZJJ: &str = "429005-zjj";
const JTJ: &str = "429005-jtj";

async fn put(admin: &Client, path: &str, body: Value) {
    let (st, v) = admin.raw(Method::PUT, path, Some(&body)).await.unwrap();
    assert_eq!(st, 200, "{v}");
}

async fn department(admin: &Client, code: &str, name: &str) {
    put(
        admin,
        &format!("/api/v1/departments/{code}"),
        json!({"name": name, "kinds": ["房屋建筑和市政基础设施工程"]}),
    )
    .await;
}

async fn officer_of(admin: &Client, code: &str, who: &Client, cert: &str) {
    let path = format!("/api/v1/departments/{code}/officers/{}", id_of(who).await);
    put(
        admin,
        &path,
        json!({"certificate_no": cert, "specialty": "招标投标监督"}),
    )
    .await;
}

/// The other department (交通局) with its officer, and a regulator of no department.
async fn outsiders(app: &TestApp, admin: &Client) -> (Client, Client) {
    department(admin, JTJ, "潜江市交通运输局").await;
    let theirs = app
        .enrol_ident(&extra_person(5901, "jtj-officer-v", vec![Role::Regulator]))
        .await;
    officer_of(admin, JTJ, &theirs, "鄂执 420291").await;
    let unassigned = app
        .enrol_ident(&extra_person(5902, "unassigned-v", vec![Role::Regulator]))
        .await;
    (theirs, unassigned)
}

/// A tender published naming `department` as supervising it.
async fn tender_of(app: &TestApp, department: &str) -> String {
    let s = draft_tender(app, 30).await;
    let mut d = draft(app.clock_now(), 30, &s.custodians);
    d["supervising_department"] = json!(department);
    let (st, v) = s
        .agent
        .raw(
            Method::PUT,
            &format!("/api/v1/tenders/{}", s.tender),
            Some(&json!({"draft": d})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let (st, v) = publish(app, &s).await;
    assert_eq!(st, 200, "{v}");
    s.tender
}

/// Every page of `path` (which has no query yet) `limit` at a time.
async fn walk<T: serde::de::DeserializeOwned>(c: &Client, path: &str, limit: i64) -> Vec<T> {
    let (mut all, mut after) = (Vec::new(), None::<String>);
    loop {
        let mut p = format!("{path}?limit={limit}");
        if let Some(a) = &after {
            p.push_str(&format!("&after={a}"));
        }
        let page: Page<T> = c.get(&p).await.unwrap();
        assert!(page.items.len() <= limit as usize);
        all.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => return all,
        }
    }
}

/// A refused read: its status and code, and not a row written.
async fn refused(app: &TestApp, c: &Client, path: &str, status: u16, code: &str) {
    let before = app.rows().await;
    let (st, v) = c.raw(Method::GET, path, None).await.unwrap();
    assert_problem(st, &v, status, code);
    before.assert_same(&app.rows().await, path);
}

const TENDERS: &str = "/api/v1/supervision/tenders";
const ALERTS: &str = "/api/v1/supervision/deviation-alerts";
const BREACHES: &str = "/api/v1/supervision/breaches";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_department_pages_its_tenders_and_the_limits_broken_on_them() {
    // Monday 7 December 2026, 10:00 in Shanghai: a complaint filed now is to be accepted or
    // refused by Thursday's end (2026-12-10T16:00Z).
    let app = TestApp::spawn_at(at("2026-12-07T02:00:00Z"), |_| {}).await;
    let admin = app.enrol("admin").await;
    department(&admin, ZJJ, "潜江市住房和城乡建设局").await;
    let ours = app.enrol("regulator").await;
    officer_of(&admin, ZJJ, &ours, "鄂执 420101").await;
    outsiders(&app, &admin).await;

    // Before any tender: an empty page.
    let empty: Page<SupervisedTender> = ours.get(TENDERS).await.unwrap();
    assert!(empty.items.is_empty() && empty.next.is_none());

    let mut mine = vec![tender_of(&app, ZJJ).await, tender_of(&app, ZJJ).await];
    mine.sort();
    // Named by the other department, and naming none: not ours.
    let jtj = tender_of(&app, JTJ).await;
    let _none = published_tender(&app, 30).await;

    let all: Page<SupervisedTender> = ours.get(TENDERS).await.unwrap();
    let ids: Vec<&str> = all.items.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, mine, "by id, only the department's");
    assert!(all.next.is_none());
    let public: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{}", mine[0]))
        .await
        .unwrap();
    let t = &all.items[0];
    assert_eq!(t.state, StateKind::Published);
    assert_eq!(t.title, public["title"].as_str().unwrap());
    assert_eq!(t.tenderer.uscc, pki().get("tenderer").key);
    let codes: Vec<&str> = t.sections.iter().map(|s| s.code.as_str()).collect();
    let drafted: Vec<String> = public["published"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, drafted);
    assert!(t.sections.iter().all(|s| s.stage == SectionStage::Bidding
        && s.opening.is_none()
        && s.committee.is_none()
        && s.award.is_none()));
    let deadline = t.next_deadline.clone().unwrap();
    assert_eq!(deadline.kind, DeadlineKind::BidDeadline);
    assert_eq!(deadline.section, None);
    assert_eq!(deadline.at, schedule(&public).bid_deadline);
    assert_eq!((t.open_complaints, t.open_cases), (0, 0));

    // One page at a time gives the same tenders; a page of 0 is clamped to 1 (docs/API.md).
    let paged: Vec<SupervisedTender> = walk(&ours, TENDERS, 1).await;
    let paged: Vec<&str> = paged.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(paged, mine);
    let one: Page<SupervisedTender> = ours.get(&format!("{TENDERS}?limit=0")).await.unwrap();
    assert_eq!(one.items.len(), 1);
    assert_eq!(one.next.as_deref(), Some(mine[0].as_str()));

    // By lifecycle state.
    let published: Page<SupervisedTender> = ours
        .get(&format!("{TENDERS}?state=published"))
        .await
        .unwrap();
    assert_eq!(published.items.len(), 2);
    let suspended: Page<SupervisedTender> = ours
        .get(&format!("{TENDERS}?state=suspended"))
        .await
        .unwrap();
    assert!(suspended.items.is_empty());

    // A complaint on the first: counted while open.
    let bidder = app.enrol("bidder").await;
    let ident = pki().get("bidder");
    let req = FileComplaintRequest {
        tender: mine[0].clone(),
        section: None,
        subject: ComplaintSubject::Other,
        objection: None,
        known_on: Some(legal_date(app.clock_now())),
        text: "代理机构在开标前向个别投标人透露其他潜在投标人名称。证据：聊天记录。".into(),
        certificate_chain: vec![],
        signature: String::new(),
        signature_algorithm: String::new(),
    };
    let mut filed = Vec::new();
    for tender in [&mine[0], &mine[0], &jtj] {
        let req = FileComplaintRequest {
            tender: tender.clone(),
            ..req.clone()
        };
        let c = bidder
            .file_complaint(req, &ident.key, &ident.credentials())
            .await
            .unwrap();
        filed.push(c.id);
    }
    let all: Page<SupervisedTender> = ours.get(TENDERS).await.unwrap();
    let counts: Vec<u32> = all.items.iter().map(|t| t.open_complaints).collect();
    assert_eq!(counts, [2, 0]);

    // The complaints list pages too (by id, filing order), `open` kept: the department's two,
    // the complainant's three.
    let mut ours_filed = filed[..2].to_vec();
    ours_filed.sort();
    let paged: Vec<Complaint> = walk(&ours, "/api/v1/complaints", 1).await;
    let paged: Vec<&str> = paged.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(paged, ours_filed);
    let open = ours.complaints(None, true, None, Some(1)).await.unwrap();
    assert_eq!(open.items[0].id, ours_filed[0]);
    let rest = ours
        .complaints(None, true, open.next.as_deref(), Some(1))
        .await
        .unwrap();
    assert_eq!(
        (rest.items[0].id.as_str(), rest.next),
        (ours_filed[1].as_str(), None)
    );
    let own: Vec<Complaint> = walk(&bidder, "/api/v1/complaints", 2).await;
    assert_eq!(own.len(), 3);

    // The same statements for a page of one as for a page of all (no query per tender).
    let (actor, _) = counted(identity::authenticate(&app.ctx, ours.token().unwrap())).await;
    let actor = actor.unwrap();
    let page_of = |limit: i64| {
        let (ctx, actor) = (&app.ctx, &actor);
        async move {
            let (p, n) = counted(supervision::supervised_tenders(
                ctx,
                actor,
                vec![],
                None,
                Some(limit),
            ))
            .await;
            (p.unwrap().items.len(), n)
        }
    };
    let ((small, n1), (large, n2)) = (page_of(1).await, page_of(200).await);
    assert_eq!((small, large), (1, 2));
    assert_eq!(n1, n2, "statements a page");
    assert!(n2 <= 11, "{n2} statements");

    // Breaches: none while the complaints' 3 working days run, to their last second.
    let (theirs_ident, unassigned_ident) = (
        extra_person(5901, "jtj-officer-v", vec![Role::Regulator]),
        extra_person(5902, "unassigned-v", vec![Role::Regulator]),
    );
    app.clock.set(at("2026-12-10T15:59:59Z"));
    let ours = app.enrol("regulator").await;
    assert!(ours
        .breaches(None, None, None)
        .await
        .unwrap()
        .items
        .is_empty());
    // At the limit the two are broken, still open; the other department's one is theirs.
    app.clock.set(at("2026-12-10T16:00:00Z"));
    let ours = app.enrol("regulator").await;
    let broken = ours.breaches(None, None, None).await.unwrap();
    let mut keys: Vec<String> = ours_filed
        .iter()
        .map(|id| format!("complaint_acceptance/{id}"))
        .collect();
    keys.sort();
    let got: Vec<&str> = broken.items.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(got, keys);
    for b in &broken.items {
        assert_eq!(b.kind, BreachKind::ComplaintAcceptance);
        assert_eq!(b.subject.tender.as_deref(), Some(mine[0].as_str()));
        assert!(ours_filed.contains(b.subject.complaint.as_ref().unwrap()));
        assert_eq!(b.due, at("2026-12-10T16:00:00Z"));
        assert_eq!((b.done_at, b.late_by_seconds), (None, 0));
    }
    let theirs = app.enrol_ident(&theirs_ident).await;
    let theirs_broken = theirs.breaches(None, None, None).await.unwrap();
    let theirs_keys: Vec<&str> = theirs_broken.items.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(theirs_keys, [format!("complaint_acceptance/{}", filed[2])]);

    // Accepted eight hours late: still a breach, now done, by eight hours.
    app.clock.set(at("2026-12-11T00:00:00Z"));
    let ours = app.enrol("regulator").await;
    ours.handle_complaint(&ours_filed[0], &HandleComplaintRequest::Accept {})
        .await
        .unwrap();
    app.clock.set(at("2026-12-11T02:00:00Z"));
    let ours = app.enrol("regulator").await;
    let first = ours.breaches(None, None, Some(1)).await.unwrap();
    assert_eq!(first.items[0].key, keys[0]);
    assert_eq!(first.items[0].done_at, Some(at("2026-12-11T00:00:00Z")));
    assert_eq!(first.items[0].late_by_seconds, 8 * 3600);
    let second = ours
        .breaches(None, first.next.as_deref(), Some(1))
        .await
        .unwrap();
    assert_eq!(
        (second.items[0].key.as_str(), second.next),
        (keys[1].as_str(), None)
    );
    assert_eq!(second.items[0].done_at, None);
    assert_eq!(second.items[0].late_by_seconds, 10 * 3600);
    // One statement a source whatever the page.
    let (actor, _) = counted(identity::authenticate(&app.ctx, ours.token().unwrap())).await;
    let actor = actor.unwrap();
    let (one, n1) = counted(supervision::breaches(&app.ctx, &actor, None, None, Some(1))).await;
    let (all, n2) = counted(supervision::breaches(&app.ctx, &actor, None, None, None)).await;
    assert_eq!((one.unwrap().items.len(), all.unwrap().items.len()), (1, 2));
    assert_eq!(n1, n2, "statements a page");
    let by_kind = ours
        .breaches(Some(BreachKind::ComplaintAcceptance), None, None)
        .await
        .unwrap();
    assert_eq!(by_kind.items.len(), 2);
    let other_kind = ours
        .breaches(Some(BreachKind::CaseService), None, None)
        .await
        .unwrap();
    assert!(other_kind.items.is_empty());
    for bad in [
        "?kind=slow",
        "?after=nonsense",
        "?after=slow/x",
        "?limit=many",
    ] {
        let path = format!("{BREACHES}{bad}");
        refused(&app, &ours, &path, 400, "malformed_parameter").await;
    }

    // A case on the accepted complaint counts on its tender; once registered, its decision
    // limit (90 days) is a breach from its instant on while undecided.
    let clue = json!({"source": {"kind": "complaint", "id": ours_filed[0]},
        "party": {"kind": "organisation", "uscc": pki().get("bidder").key, "name": "某公司"},
        "summary": "透露潜在投标人名称", "occurred_on": "2026-12-01"});
    let (st, case) = ours
        .raw(Method::POST, "/api/v1/cases", Some(&clue))
        .await
        .unwrap();
    assert_eq!(st, 201, "{case}");
    let case = case["id"].as_str().unwrap().to_string();
    let listed: Page<SupervisedTender> = ours.get(TENDERS).await.unwrap();
    let cases: Vec<u32> = listed.items.iter().map(|t| t.open_cases).collect();
    assert_eq!(cases, [1, 0]);
    let register = json!({"act": "register"});
    let (st, c) = ours
        .raw(
            Method::POST,
            &format!("/api/v1/cases/{case}/acts"),
            Some(&register),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{c}");
    let due: DateTime<Utc> = serde_json::from_value(c["decision_due"].clone()).unwrap();
    let decisions = |c: Client| async move {
        c.breaches(Some(BreachKind::CaseDecision), None, None)
            .await
            .unwrap()
            .items
    };
    app.clock.set(due - chrono::Duration::seconds(1));
    assert!(decisions(app.enrol("regulator").await).await.is_empty());
    app.clock.set(due);
    let ours = app.enrol("regulator").await;
    let owed = decisions(ours.clone()).await;
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].key, format!("case_decision/{case}"));
    assert_eq!(owed[0].subject.case.as_deref(), Some(case.as_str()));
    assert_eq!((owed[0].due, owed[0].done_at), (due, None));

    // The other department sees its own only; nobody else gets through.
    let unassigned = app.enrol_ident(&unassigned_ident).await;
    let bidder = app.enrol("bidder").await;
    let theirs = app.enrol_ident(&theirs_ident).await;
    let theirs_page: Page<SupervisedTender> = theirs.get(TENDERS).await.unwrap();
    let theirs_ids: Vec<&str> = theirs_page.items.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(theirs_ids, [jtj.as_str()]);
    for path in [TENDERS, BREACHES] {
        refused(&app, &unassigned, path, 403, "other_department").await;
        for label in ["tenderer", "agent", "expert", "admin"] {
            let c = app.enrol(label).await;
            refused(&app, &c, path, 403, "forbidden").await;
        }
        refused(&app, &bidder, path, 403, "forbidden").await;
        refused(&app, &app.client(), path, 401, "unauthenticated").await;
    }
    // Bad parameters: an unknown state, an unknown parameter, a page size that is no number.
    for bad in ["?state=sleeping", "?status=published", "?limit=many"] {
        refused(
            &app,
            &ours,
            &format!("{TENDERS}{bad}"),
            400,
            "malformed_parameter",
        )
        .await;
    }
}

#[tokio::test]
async fn deviation_alerts_show_the_departments_flags_and_whether_each_reason_was_filed() {
    let w = crate::committee::world_supervised(5, (ZJJ, "潜江市住房和城乡建设局")).await;
    let (w, m) = crate::sheets::formed_from(w).await;
    crate::sheets::elect(&w, &m).await;
    let (t, bids) = (w.t().to_string(), w.bids.clone());
    let app = &w.app;
    let ours = app.enrol("regulator").await;
    let admin = app.enrol("admin").await;
    let (theirs, unassigned) = outsiders(app, &admin).await;

    // Evaluating, not flagged yet: the tender stands in its evaluation.
    let none: Page<DeviationAlert> = ours.get(ALERTS).await.unwrap();
    assert!(none.items.is_empty());
    let page: Page<SupervisedTender> = ours.get(TENDERS).await.unwrap();
    let tender = page.items.iter().find(|x| x.id == t).unwrap();
    assert_eq!(tender.state, StateKind::Evaluating);
    let bd01 = &tender.sections[0];
    assert_eq!(bd01.code, "BD01");
    assert_eq!(bd01.stage, SectionStage::Evaluation);
    assert_eq!(bd01.opening, Some(OpeningPhase::Closed));
    assert_eq!(bd01.committee, Some(CommitteeState::Evaluating));

    // Every bid passes the 初步评审; the last member scores the first bid's technical item far
    // below the others (10 against 25), so that item and its sum are flagged.
    for x in &m {
        let s = crate::sheets::preliminary(&bids, &[]);
        x.client
            .submit_sheet(&t, "BD01", &s, &x.creds)
            .await
            .unwrap();
    }
    for (i, x) in m.iter().enumerate() {
        let technical = if i == 6 { "10" } else { "25" };
        let s = crate::sheets::scoring(&[
            (bids[0].as_str(), technical, "8"),
            (bids[1].as_str(), "24.5", "9"),
            (bids[2].as_str(), "24", "9"),
        ]);
        x.client
            .submit_sheet(&t, "BD01", &s, &x.creds)
            .await
            .unwrap();
    }
    let flags = ours.deviation_flags(&t, "BD01").await.unwrap();
    assert_eq!(flags.flags.len(), 2);

    let alerts = ours.deviation_alerts(None, None).await.unwrap();
    assert!(alerts.next.is_none());
    let mut ids: Vec<&str> = flags.flags.iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    let got: Vec<&str> = alerts.items.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(got, ids, "by flag id");
    for a in &alerts.items {
        let f = flags.flags.iter().find(|f| f.id == a.id).unwrap();
        assert_eq!(
            (a.tender.as_str(), a.section.as_str()),
            (t.as_str(), "BD01")
        );
        assert_eq!(a.committee_id, flags.committee_id);
        assert_eq!(a.member_id, m[6].id);
        assert_eq!(a.bid_id, bids[0]);
        assert_eq!(a.criterion, f.criterion);
        assert_eq!((a.score, a.others_mean), (f.score, f.others_mean));
        assert!(!a.reason_filed && a.reason_filed_at.is_none());
    }

    // The member files one reason: that alert says so.
    let f = &flags.flags[0];
    m[6].client
        .file_deviation_reason(
            &t,
            "BD01",
            f,
            "施工组织设计未附进度计划，按细则扣分",
            &m[6].creds,
        )
        .await
        .unwrap();
    let first = ours.deviation_alerts(None, Some(1)).await.unwrap();
    let second = ours
        .deviation_alerts(first.next.as_deref(), Some(1))
        .await
        .unwrap();
    assert!(second.next.is_none());
    let filed: Vec<(String, bool)> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|a| (a.id.clone(), a.reason_filed))
        .collect();
    for (id, was) in filed {
        assert_eq!(was, id == f.id, "{id}");
    }

    // One statement a page, whatever its size.
    let (actor, _) = counted(identity::authenticate(&app.ctx, ours.token().unwrap())).await;
    let actor = actor.unwrap();
    let (one, n1) = counted(supervision::deviation_alerts(
        &app.ctx,
        &actor,
        None,
        Some(1),
    ))
    .await;
    let (all, n2) = counted(supervision::deviation_alerts(&app.ctx, &actor, None, None)).await;
    assert_eq!((one.unwrap().items.len(), all.unwrap().items.len()), (1, 2));
    assert_eq!(n1, n2, "statements a page");

    // A case opened on an alert counts on the tender.
    let clue = json!({"source": {"kind": "deviation_alert", "id": f.id},
        "party": {"kind": "organisation", "uscc": pki().get("bidder").key, "name": "某公司"},
        "summary": "评分偏离且理由不足", "occurred_on": legal_date(app.clock_now())});
    let (st, v) = ours
        .raw(Method::POST, "/api/v1/cases", Some(&clue))
        .await
        .unwrap();
    assert_eq!(st, 201, "{v}");
    let page: Page<SupervisedTender> = ours.get(TENDERS).await.unwrap();
    let tender = page.items.iter().find(|x| x.id == t).unwrap();
    assert_eq!((tender.open_complaints, tender.open_cases), (0, 1));

    // Another department's officer sees none; the rest are refused.
    let theirs_alerts = theirs.deviation_alerts(None, None).await.unwrap();
    assert!(theirs_alerts.items.is_empty());
    let theirs_tenders = theirs.supervised_tenders(None, None, None).await.unwrap();
    assert!(theirs_tenders.items.is_empty());
    refused(app, &unassigned, ALERTS, 403, "other_department").await;
    for c in [&m[0].client, &w.s.agent] {
        refused(app, c, ALERTS, 403, "forbidden").await;
    }
    for bad in ["?limit=x", "?kind=deviation"] {
        refused(
            app,
            &ours,
            &format!("{ALERTS}{bad}"),
            400,
            "malformed_parameter",
        )
        .await;
    }
}

/// Migration 000047 fills `tender_departments` from the latest published drafts of the tenders
/// that existed before it: its statement, run again on an emptied table, restores the view.
#[tokio::test]
async fn the_migration_fills_in_the_departments_of_existing_tenders() {
    let app = TestApp::spawn().await;
    let admin = app.enrol("admin").await;
    department(&admin, ZJJ, "潜江市住房和城乡建设局").await;
    let ours = app.enrol("regulator").await;
    officer_of(&admin, ZJJ, &ours, "鄂执 420101").await;
    let t = tender_of(&app, ZJJ).await;
    published_tender(&app, 30).await;
    let ids =
        |p: Page<SupervisedTender>| -> Vec<String> { p.items.into_iter().map(|t| t.id).collect() };
    assert_eq!(
        ids(ours.get(TENDERS).await.unwrap()),
        std::slice::from_ref(&t)
    );

    let backend = if crate::helpers::is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let up = std::fs::read_to_string(format!(
        "{}/migrations/{backend}/2026-12-05-000047_tender_departments/up.sql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let fill = up[up.find("INSERT INTO").unwrap()..].to_string();
    let sql = |text: String| {
        let db = app.ctx.db.clone();
        async move {
            db.write(move |c| {
                use diesel::connection::SimpleConnection;
                Ok(c.batch_execute(&text)?)
            })
            .await
            .unwrap()
        }
    };
    sql("DELETE FROM tender_departments".into()).await;
    assert!(ids(ours.get(TENDERS).await.unwrap()).is_empty());
    sql(fill).await;
    assert_eq!(ids(ours.get(TENDERS).await.unwrap()), [t]);
}

/// An objection to the documents: its answer limit is the tender's next deadline while it waits
/// (the tender suspended), and a breach from that instant, done once answered late.
#[tokio::test]
async fn an_objection_unanswered_is_the_next_deadline_then_a_breach() {
    let app = TestApp::spawn_at(at("2026-12-07T02:00:00Z"), |_| {}).await;
    let admin = app.enrol("admin").await;
    department(&admin, ZJJ, "潜江市住房和城乡建设局").await;
    let ours = app.enrol("regulator").await;
    officer_of(&admin, ZJJ, &ours, "鄂执 420101").await;
    let t = tender_of(&app, ZJJ).await;
    let bidder = app.enrol("bidder").await;
    let (st, o) = bidder
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{t}/objections"),
            Some(&json!({"objection": "资格条件排斥潜在投标人"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{o}");
    let (id, due): (String, DateTime<Utc>) = (
        o["id"].as_str().unwrap().into(),
        serde_json::from_value(o["answer_due"].clone()).unwrap(),
    );
    let page = ours.supervised_tenders(None, None, None).await.unwrap();
    let tender = &page.items[0];
    assert_eq!(tender.state, StateKind::Suspended);
    let next = tender.next_deadline.clone().unwrap();
    assert_eq!(
        (next.kind, next.section, next.at),
        (DeadlineKind::DocumentsObjectionAnswer, None, due)
    );
    let suspended = ours
        .supervised_tenders(Some(StateKind::Suspended), None, None)
        .await
        .unwrap();
    assert_eq!(suspended.items.len(), 1);

    let objections = |c: Client| async move {
        c.breaches(Some(BreachKind::DocumentsObjection), None, None)
            .await
            .unwrap()
            .items
    };
    app.clock.set(due - chrono::Duration::seconds(1));
    assert!(objections(app.enrol("regulator").await).await.is_empty());
    app.clock.set(due + chrono::Duration::hours(1));
    let owed = objections(app.enrol("regulator").await).await;
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].subject.objection.as_deref(), Some(id.as_str()));
    assert_eq!(owed[0].subject.tender.as_deref(), Some(t.as_str()));
    assert_eq!((owed[0].done_at, owed[0].late_by_seconds), (None, 3600));
    // Past its limit the deadline is no longer ahead.
    let page = ours_again(&app).await;
    assert!(page.items[0]
        .next_deadline
        .as_ref()
        .is_none_or(|d| d.at > due));

    let agent = app.enrol("agent").await;
    let (st, v) = agent
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{t}/objections/{id}/answer"),
            Some(&json!({"answer": "资质条件符合法规，维持原文件。"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let done = objections(app.enrol("regulator").await).await;
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].done_at, Some(due + chrono::Duration::hours(1)));
}

async fn ours_again(app: &TestApp) -> Page<SupervisedTender> {
    let ours = app.enrol("regulator").await;
    ours.supervised_tenders(None, None, None).await.unwrap()
}
