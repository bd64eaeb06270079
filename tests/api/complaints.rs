//! Complaints (投诉, issue 15, docs/SUPERVISION.md §5): filed signed with the supervising
//! department, resting on the complainant's own answered objection where 条例60 requires one,
//! within 10 days; accepted or refused by the department's officers within 3 working days;
//! decided within 30, expert review not counted; the decision signed, served and carried out on
//! the tender (a suspension on complaints ends, the step to redo runs). Every refusal asserts its
//! code and that nothing changed; the log replays every step.

use base64::Engine;
use chrono::{DateTime, Utc};
use etender::client::Client;
use etender::domain::calendar::WorkCalendar;
use etender::domain::complaint::{content_digest, decision_statement, statement};
use etender::domain::identity::Role;
use etender::error::ErrorCode;
use etender::wire::supervision::{
    Complaint, ComplaintOutcome, ComplaintPauseRequest, ComplaintState, ComplaintSubject,
    FileComplaintRequest, HandleComplaintRequest, Redo, RefusalGround,
};
use etender::wire::Page;
use reqwest::Method;
use serde_json::{json, Value};

use crate::fixtures::{draft, draft_tender, id_of, publish, Setup};
use crate::helpers::{assert_problem, extra_person, pki, TestApp};

const ZJJ: &str = "429005-zjj";
const JTJ: &str = "429005-jtj";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// 2027 as a test calendar (元旦 only): the real notice is not published yet, and the decision
/// limits of December complaints reach into it. Loaded through `[calendar] files`, as an
/// operator would load the real one.
fn calendar_2027(dir: &std::path::Path) -> std::path::PathBuf {
    let file = dir.join("holidays-2027-test.json");
    std::fs::write(
        &file,
        json!({"source": "test", "years": [{"year": 2027, "notice": "测试日历（非正式通知）",
            "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}],
            "working_weekends": []}]})
        .to_string(),
    )
    .unwrap();
    file
}

async fn department(admin: &Client, code: &str, name: &str) {
    let (st, v) = admin
        .raw(
            Method::PUT,
            &format!("/api/v1/departments/{code}"),
            Some(&json!({"name": name, "kinds": ["房屋建筑和市政基础设施工程"]})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
}

async fn officer_of(admin: &Client, code: &str, person: &str, cert: &str) {
    let (st, v) = admin
        .raw(
            Method::PUT,
            &format!("/api/v1/departments/{code}/officers/{person}"),
            Some(&json!({"certificate_no": cert, "specialty": "招标投标监督"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
}

/// A published tender supervised by 住建局.
async fn supervised_tender(app: &TestApp) -> Setup {
    let s = draft_tender(app, 30).await;
    let mut d = draft(app.clock_now(), 30, &s.custodians);
    d["supervising_department"] = json!(ZJJ);
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
    s
}

fn uscc(label: &str) -> String {
    pki().get(label).key.clone()
}

/// The request signed by `label`'s organisation certificate over `signed_text` (the request's
/// own text unless a test wants a signature over something else).
fn signed(mut req: FileComplaintRequest, label: &str, signed_text: Option<&str>) -> Value {
    let creds = pki().get(label).credentials();
    let text = signed_text.unwrap_or(&req.text).to_string();
    let msg = statement(
        &req.tender,
        req.section.as_deref(),
        req.subject,
        req.objection.as_deref(),
        &uscc(label),
        &content_digest(&text),
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    req.certificate_chain = creds.chain.iter().map(|c| b64.encode(c)).collect();
    req.signature = b64.encode(creds.key.sign(creds.algorithm, &msg).unwrap());
    req.signature_algorithm = creds.algorithm.as_str().into();
    serde_json::to_value(req).unwrap()
}

fn request(
    tender: &str,
    subject: ComplaintSubject,
    objection: Option<&str>,
) -> FileComplaintRequest {
    FileComplaintRequest {
        tender: tender.into(),
        section: None,
        subject,
        objection: objection.map(str::to_string),
        known_on: None,
        text: "招标文件设置的资质条件排斥潜在投标人，请求责令修改。证据：招标文件第三章。".into(),
        certificate_chain: vec![],
        signature: String::new(),
        signature_algorithm: String::new(),
    }
}

/// A refused call: its status and code, and not a row written.
async fn refused(
    app: &TestApp,
    c: &Client,
    m: Method,
    p: &str,
    body: Option<Value>,
    st: u16,
    code: &str,
) {
    let before = app.rows().await;
    let (status, v) = c.raw(m, p, body.as_ref()).await.unwrap();
    assert_problem(status, &v, st, code);
    app.rows().await.assert_same(&before, code);
}

fn decision_body(id: &str, outcome: ComplaintOutcome, text: &str, signed_text: &str) -> Value {
    let creds = pki().get("regulator").credentials();
    let msg = decision_statement(id, outcome, &content_digest(signed_text));
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({"outcome": outcome, "text": text,
        "certificate_chain": creds.chain.iter().map(|c| b64.encode(c)).collect::<Vec<_>>(),
        "signature": b64.encode(creds.key.sign(creds.algorithm, &msg).unwrap()),
        "signature_algorithm": creds.algorithm.as_str()})
}

async fn tender_state(app: &TestApp, t: &str) -> Value {
    let v: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{t}"))
        .await
        .unwrap();
    v["state"].clone()
}

async fn verified(app: &TestApp, tender: &str) -> Vec<etender::audit::verify::VerifiedEntry> {
    etender::audit::checkpoint_now(&app.ctx.db, &app.ctx.audit_log, "test")
        .await
        .unwrap();
    let regulator = app.enrol("regulator").await;
    let bundle: Value = regulator
        .get(&format!("/api/v1/audit/export?tender_id={tender}"))
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
    crate::clarifications::entries_of(&bundle)
}

fn complaint_problems(es: &[etender::audit::verify::VerifiedEntry], tender: &str) -> Vec<String> {
    use etender::audit::verify::Rule as _;
    let scope = etender::audit::bundle::BundleScope::Tender(tender.to_string());
    etender::audit::verify_complaints::ComplaintsReplay.check(&scope, es)
}

#[tokio::test]
async fn a_documents_complaint_from_objection_to_a_decision_that_orders_the_documents_amended() {
    // Monday 7 December 2026, 10:00 Shanghai.
    let dir = tempfile::tempdir().unwrap();
    let file = calendar_2027(dir.path());
    let app = TestApp::spawn_at(at("2026-12-07T02:00:00Z"), |s| {
        s.calendar.files = vec![file.clone()]
    })
    .await;
    let cal = WorkCalendar::shipped()
        .overlaid(WorkCalendar::parse(&std::fs::read_to_string(&file).unwrap()).unwrap())
        .unwrap();
    let admin = app.enrol("admin").await;
    department(&admin, ZJJ, "潜江市住房和城乡建设局").await;
    department(&admin, JTJ, "潜江市交通运输局").await;
    let ours = app.enrol("regulator").await;
    officer_of(&admin, ZJJ, &id_of(&ours).await, "鄂执 420101").await;
    let theirs_ident = extra_person(5801, "jtj-officer", vec![Role::Regulator]);
    let theirs = app.enrol_ident(&theirs_ident).await;
    officer_of(&admin, JTJ, &id_of(&theirs).await, "鄂执 420201").await;
    let unassigned = app
        .enrol_ident(&extra_person(5802, "unassigned", vec![Role::Regulator]))
        .await;
    let s = supervised_tender(&app).await;
    let t = s.tender.clone();
    let bidder = app.enrol("bidder").await;
    let other = app.enrol("bidder-sm2").await;

    // No objection first: refused (条例60), and nothing written.
    let bare = signed(
        request(&t, ComplaintSubject::Documents, None),
        "bidder",
        None,
    );
    refused(
        &app,
        &bidder,
        Method::POST,
        "/api/v1/complaints",
        Some(bare),
        422,
        "complaint_needs_objection",
    )
    .await;
    // An objection of someone else's: refused alike.
    let (st, o) = other
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{t}/objections"),
            Some(&json!({"objection": "资格条件排斥潜在投标人"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{o}");
    let theirs_objection = o["id"].as_str().unwrap().to_string();
    let body = signed(
        request(&t, ComplaintSubject::Documents, Some(&theirs_objection)),
        "bidder",
        None,
    );
    refused(
        &app,
        &bidder,
        Method::POST,
        "/api/v1/complaints",
        Some(body),
        422,
        "complaint_needs_objection",
    )
    .await;
    // Its own objection, still inside its answer period: premature.
    let (st, o) = bidder
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{t}/objections"),
            Some(&json!({"objection": "资质等级要求过高，排斥潜在投标人"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{o}");
    let objection = o["id"].as_str().unwrap().to_string();
    let body = signed(
        request(&t, ComplaintSubject::Documents, Some(&objection)),
        "bidder",
        None,
    );
    refused(
        &app,
        &bidder,
        Method::POST,
        "/api/v1/complaints",
        Some(body.clone()),
        409,
        "objection_awaiting_answer",
    )
    .await;
    for id in [&objection, &theirs_objection] {
        let (st, v) = s
            .agent
            .raw(
                Method::POST,
                &format!("/api/v1/tenders/{t}/objections/{id}/answer"),
                Some(&json!({"answer": "资质条件符合法规，维持原文件。"})),
            )
            .await
            .unwrap();
        assert_eq!(st, 200, "{v}");
    }
    // Answered: bad signatures, another's certificate, a person, malformed fields are refused.
    let wrong = signed(
        request(&t, ComplaintSubject::Documents, Some(&objection)),
        "bidder",
        Some("别的内容"),
    );
    refused(
        &app,
        &bidder,
        Method::POST,
        "/api/v1/complaints",
        Some(wrong),
        422,
        "statement_signature_invalid",
    )
    .await;
    let theirs_cert = signed(
        request(&t, ComplaintSubject::Documents, Some(&objection)),
        "bidder-sm2",
        None,
    );
    let before = app.rows().await;
    let (st, v) = bidder
        .raw(Method::POST, "/api/v1/complaints", Some(&theirs_cert))
        .await
        .unwrap();
    assert!(st.as_u16() == 403 || st.as_u16() == 422, "{st} {v}");
    app.rows()
        .await
        .assert_same(&before, "another organisation's certificate");
    let expert = app.enrol("expert").await;
    refused(
        &app,
        &expert,
        Method::POST,
        "/api/v1/complaints",
        Some(body.clone()),
        403,
        "forbidden",
    )
    .await;
    let mut long = request(&t, ComplaintSubject::Documents, Some(&objection));
    long.text = "长".repeat(20_001);
    refused(
        &app,
        &bidder,
        Method::POST,
        "/api/v1/complaints",
        Some(signed(long, "bidder", None)),
        422,
        "validation_failed",
    )
    .await;
    let mut dated = request(&t, ComplaintSubject::Documents, Some(&objection));
    dated.known_on = Some("2026-12-01".parse().unwrap());
    refused(
        &app,
        &bidder,
        Method::POST,
        "/api/v1/complaints",
        Some(signed(dated, "bidder", None)),
        422,
        "validation_failed",
    )
    .await;

    // Filed: its 3 working days run Tue 8, Wed 9, Thu 10 December.
    let (st, c) = bidder
        .raw(Method::POST, "/api/v1/complaints", Some(&body))
        .await
        .unwrap();
    assert_eq!(st, 201, "{c}");
    let c: Complaint = serde_json::from_value(c).unwrap();
    assert_eq!(c.state, ComplaintState::Filed);
    assert_eq!(c.department.as_deref(), Some(ZJJ));
    assert_eq!(c.acceptance_due, Some(at("2026-12-10T16:00:00Z")));
    assert!(c.decision_due.is_none() && !c.overdue);
    let id = c.id.clone();
    let one = format!("/api/v1/complaints/{id}");

    // Who reads it: the complainant and the department; not another bidder, the tender's side
    // or another department.
    let mine: Complaint = bidder.get(&one).await.unwrap();
    assert_eq!(mine.id, id);
    for (who, cl) in [
        ("another bidder", &other),
        ("the agent", &s.agent),
        ("交通局", &theirs),
    ] {
        let (st, v) = cl.raw(Method::GET, &one, None).await.unwrap();
        assert_problem(st, &v, 404, "not_found");
        let _ = who;
    }
    let listed: Page<Complaint> = ours
        .get(&format!("/api/v1/complaints?tender={t}&open=true"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert!(listed.next.is_none());
    let theirs_list: Page<Complaint> = theirs.get("/api/v1/complaints").await.unwrap();
    assert!(theirs_list.items.is_empty());
    let agents: Page<Complaint> = s.agent.get("/api/v1/complaints").await.unwrap();
    assert!(agents.items.is_empty());

    // Handling: not a bidder, not another department, not a regulator of none.
    let handling = format!("{one}/handling");
    let accept = json!({"action": "accept"});
    refused(
        &app,
        &bidder,
        Method::POST,
        &handling,
        Some(accept.clone()),
        403,
        "forbidden",
    )
    .await;
    refused(
        &app,
        &theirs,
        Method::POST,
        &handling,
        Some(accept.clone()),
        403,
        "other_department",
    )
    .await;
    refused(
        &app,
        &unassigned,
        Method::POST,
        &handling,
        Some(accept.clone()),
        403,
        "other_department",
    )
    .await;
    refused(
        &app,
        &ours,
        Method::POST,
        &handling,
        Some(json!({"action": "refuse", "ground": "no_clear_claim", "reason": ""})),
        422,
        "validation_failed",
    )
    .await;
    // Nor decided, paused or withdrawn by the department before it is accepted.
    refused(
        &app,
        &ours,
        Method::POST,
        &format!("{one}/pauses"),
        Some(json!({"action": "start", "reason": "专家评审"})),
        409,
        "invalid_state_transition",
    )
    .await;
    let dismissed = ComplaintOutcome::Dismissed;
    refused(
        &app,
        &ours,
        Method::POST,
        &format!("{one}/decision"),
        Some(decision_body(&id, dismissed, "驳回。", "驳回。")),
        409,
        "invalid_state_transition",
    )
    .await;
    refused(
        &app,
        &ours,
        Method::POST,
        &format!("{one}/withdrawal"),
        None,
        403,
        "forbidden",
    )
    .await;

    let c = ours
        .handle_complaint(&id, &HandleComplaintRequest::Accept {})
        .await
        .unwrap();
    assert_eq!(c.state, ComplaintState::Accepted);
    // 30 working days: 18 left in December 2026, then 12 in January 2027 (元旦 off).
    assert_eq!(c.decision_due, Some(at("2027-01-19T16:00:00Z")));
    assert_eq!(
        c.decision_due,
        etender::domain::complaint::decision_due(&cal, c.handled_at.unwrap(), &[]).unwrap()
    );
    refused(
        &app,
        &ours,
        Method::POST,
        &handling,
        Some(accept),
        409,
        "invalid_state_transition",
    )
    .await;
    // The department orders the tender suspended while it handles the complaint (条例62).
    let (st, v) = ours
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{t}/actions"),
            Some(&json!({"action": "suspend", "reason": "complaint", "note": "投诉处理期间暂停"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    assert_eq!(tender_state(&app, &t).await, "suspended");

    // Expert review Tue 8 to Thu 10 December: three working days not counted.
    app.clock.set(at("2026-12-08T01:00:00Z"));
    let ours = app.enrol("regulator").await;
    let review = ComplaintPauseRequest::Start {
        reason: "委托专家评审资质条件".into(),
    };
    let c = ours.pause_complaint(&id, &review).await.unwrap();
    assert_eq!((c.state, c.decision_due), (ComplaintState::Paused, None));
    app.clock.set(at("2026-12-10T09:00:00Z"));
    let ours = app.enrol("regulator").await;
    let bidder = app.enrol("bidder").await;
    let c = ours
        .pause_complaint(&id, &ComplaintPauseRequest::End {})
        .await
        .unwrap();
    assert_eq!(c.state, ComplaintState::Accepted);
    assert_eq!(c.decision_due, Some(at("2027-01-22T16:00:00Z")));
    assert_eq!(c.pauses.len(), 1);

    // The decision: signed by the officer over what it says; a whole-tender complaint cannot
    // send a section back; a bidder does not decide.
    let decision = format!("{one}/decision");
    let amend = ComplaintOutcome::Upheld {
        redo: Redo::AmendDocuments,
    };
    let text = "经审查，招标文件设定的资质等级高于项目实际需要，投诉成立，责令招标人修改招标文件。";
    refused(
        &app,
        &ours,
        Method::POST,
        &decision,
        Some(decision_body(&id, amend, text, "别的决定")),
        422,
        "statement_signature_invalid",
    )
    .await;
    let back = ComplaintOutcome::Upheld {
        redo: Redo::Reevaluation,
    };
    refused(
        &app,
        &ours,
        Method::POST,
        &decision,
        Some(decision_body(&id, back, text, text)),
        409,
        "redo_not_possible",
    )
    .await;
    refused(
        &app,
        &bidder,
        Method::POST,
        &decision,
        Some(decision_body(&id, amend, text, text)),
        403,
        "forbidden",
    )
    .await;
    refused(
        &app,
        &theirs_client(&app, &theirs_ident).await,
        Method::POST,
        &decision,
        Some(decision_body(&id, amend, text, text)),
        403,
        "other_department",
    )
    .await;
    let mails = app.rows().await.get("mail_outbox");
    let c = ours
        .decide_complaint(&id, amend, text, &pki().get("regulator").credentials())
        .await
        .unwrap();
    assert_eq!(c.state, ComplaintState::Decided);
    assert_eq!(c.outcome, Some(amend));
    assert!(!c.overdue && c.decision_due.is_none());
    // Served: the complainant and the tender's side are mailed; the suspension ended with it.
    assert!(app.rows().await.get("mail_outbox") > mails);
    assert_eq!(tender_state(&app, &t).await, "published");
    // Made public: the decision and its text in the tender's announcements.
    let anns: Value = app
        .client()
        .get(&format!("/api/v1/announcements?tender={t}&limit=200"))
        .await
        .unwrap();
    let ann = anns
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "complaint_decision")
        .unwrap_or_else(|| panic!("no complaint decision announced: {anns}"));
    assert!(ann["title"].as_str().unwrap().contains("投诉成立"), "{ann}");
    let body: Value = match &ann["body"] {
        Value::String(s) => serde_json::from_str(s).unwrap(),
        v => v.clone(),
    };
    assert_eq!(
        (body["complaint"].as_str(), body["text"].as_str()),
        (Some(id.as_str()), Some(text))
    );
    refused(
        &app,
        &ours,
        Method::POST,
        &decision,
        Some(decision_body(&id, amend, text, text)),
        409,
        "invalid_state_transition",
    )
    .await;
    refused(
        &app,
        &bidder,
        Method::POST,
        &format!("{one}/withdrawal"),
        None,
        409,
        "invalid_state_transition",
    )
    .await;

    // What the department found becomes a case (行政处罚) with the complaint as its source — its
    // own department's complaint only, and only one that exists.
    let clue = |source: &str| {
        json!({"source": {"kind": "complaint", "id": source},
            "party": {"kind": "organisation", "uscc": uscc("agent"), "name": "某招标代理有限公司"},
            "summary": "招标文件设置与项目不相适应的资质条件", "occurred_on": "2026-12-01"})
    };
    refused(
        &app,
        &ours,
        Method::POST,
        "/api/v1/cases",
        Some(clue("nonesuch")),
        422,
        "validation_failed",
    )
    .await;
    let theirs = theirs_client(&app, &theirs_ident).await;
    refused(
        &app,
        &theirs,
        Method::POST,
        "/api/v1/cases",
        Some(clue(&id)),
        422,
        "validation_failed",
    )
    .await;
    let (st, case) = ours
        .raw(Method::POST, "/api/v1/cases", Some(&clue(&id)))
        .await
        .unwrap();
    assert_eq!(st, 201, "{case}");

    // The log replays it; copies with a step out of order, a forged decision or a withdrawal
    // by another fail the complaint rule, each with its own reason.
    let es = verified(&app, &t).await;
    assert!(complaint_problems(&es, &t).is_empty());
    let find = |k: &str| es.iter().position(|e| e.leaf.event_type == k).unwrap();
    let mut no_accept = es.to_vec();
    no_accept.remove(find("complaint_accepted"));
    let found = complaint_problems(&no_accept, &t);
    assert!(
        found.iter().any(|f| f.contains("not allowed from filed")),
        "{found:?}"
    );
    let mut forged = es.to_vec();
    forged[find("complaint_decided")].body.as_mut().unwrap()["outcome"] = json!("dismissed");
    let found = complaint_problems(&forged, &t);
    assert!(
        found.iter().any(|f| f.contains("decision's signature")),
        "{found:?}"
    );
    let mut reworded = es.to_vec();
    reworded[find("complaint_decided")].body.as_mut().unwrap()["text"] = json!("驳回投诉。");
    let found = complaint_problems(&reworded, &t);
    assert!(
        found.iter().any(|f| f.contains("not the one signed")),
        "{found:?}"
    );
    let mut by_bidder = es.to_vec();
    by_bidder[find("complaint_accepted")].leaf.actor_role = "bidder".into();
    let found = complaint_problems(&by_bidder, &t);
    assert!(
        found.iter().any(|f| f.contains("not the department")),
        "{found:?}"
    );
    let mut filed = es.to_vec();
    filed[find("complaint_filed")].body.as_mut().unwrap()["text_sha256"] = json!("00");
    let found = complaint_problems(&filed, &t);
    assert!(
        found.iter().any(|f| f.contains("complaint's signature")),
        "{found:?}"
    );
}

async fn theirs_client(app: &TestApp, ident: &crate::helpers::Ident) -> Client {
    app.enrol_ident(ident).await
}

#[tokio::test]
async fn the_filing_and_acceptance_limits_at_their_boundaries_and_a_withdrawal() {
    // Known on Monday 7 December: the 10 days end with Thursday 17 December.
    let app = TestApp::spawn_at(at("2026-12-17T15:59:59Z"), |_| {}).await;
    let s = crate::fixtures::published_tender(&app, 30).await;
    let t = s.tender.clone();
    let bidder = app.enrol("bidder").await;
    let mut other = request(&t, ComplaintSubject::Other, None);
    other.known_on = Some("2026-12-07".parse().unwrap());
    other.text = "招标代理机构工作人员向特定投标人透露其他潜在投标人名称。".into();
    // An `other` complaint needs its day, rests on no objection, and the day is not tomorrow.
    let mut undated = other.clone();
    undated.known_on = None;
    refused(
        &app,
        &bidder,
        Method::POST,
        "/api/v1/complaints",
        Some(signed(undated, "bidder", None)),
        422,
        "validation_failed",
    )
    .await;
    let mut with_objection = other.clone();
    with_objection.objection = Some("x".into());
    refused(
        &app,
        &bidder,
        Method::POST,
        "/api/v1/complaints",
        Some(signed(with_objection, "bidder", None)),
        422,
        "validation_failed",
    )
    .await;
    let mut tomorrow = other.clone();
    tomorrow.known_on = Some("2026-12-19".parse().unwrap());
    refused(
        &app,
        &bidder,
        Method::POST,
        "/api/v1/complaints",
        Some(signed(tomorrow, "bidder", None)),
        422,
        "validation_failed",
    )
    .await;
    let mut elsewhere = other.clone();
    elsewhere.section = Some("BD99".into());
    refused(
        &app,
        &bidder,
        Method::POST,
        "/api/v1/complaints",
        Some(signed(elsewhere, "bidder", None)),
        404,
        "not_found",
    )
    .await;

    // The last second of the 10th day: filed. A tender naming no department: any regulator's.
    let c = bidder
        .file_complaint(
            other.clone(),
            &uscc("bidder"),
            &pki().get("bidder").credentials(),
        )
        .await
        .unwrap();
    assert_eq!(c.department, None);
    assert_eq!(c.known_at, at("2026-12-06T16:00:00Z"));
    // Received Thursday 17 December: Fri 18, Mon 21, Tue 22.
    assert_eq!(c.acceptance_due, Some(at("2026-12-22T16:00:00Z")));
    // Midnight: too late.
    app.clock.set(at("2026-12-17T16:00:00Z"));
    let bidder = app.enrol("bidder").await;
    let err = bidder
        .file_complaint(other, &uscc("bidder"), &pki().get("bidder").credentials())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::ComplaintTooLate), "{err}");

    // Accepted at the limit's first late instant: recorded late, the complaint overdue; the
    // 30 working days reach into 2027, whose notice the calendar lacks: unknown, not guessed.
    app.clock.set(at("2026-12-22T16:00:00Z"));
    let regulator = app.enrol("regulator").await;
    let bidder = app.enrol("bidder").await;
    let c = regulator
        .handle_complaint(&c.id, &HandleComplaintRequest::Accept {})
        .await
        .unwrap();
    assert!(c.overdue, "{c:?}");
    assert_eq!(c.decision_due, None);
    assert!(
        c.due_unknown
            .as_deref()
            .unwrap_or_default()
            .contains("2027"),
        "{c:?}"
    );

    // The complainant withdraws; nothing more may follow.
    let c = bidder.withdraw_complaint(&c.id).await.unwrap();
    assert_eq!(c.state, ComplaintState::Withdrawn);
    let err = regulator
        .pause_complaint(
            &c.id,
            &ComplaintPauseRequest::Start {
                reason: "检测".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::InvalidStateTransition));

    // A second complaint refused at acceptance with its ground, within the limit.
    app.clock.set(at("2026-12-23T02:00:00Z"));
    let bidder = app.enrol("bidder").await;
    let regulator = app.enrol("regulator").await;
    let mut again = request(&t, ComplaintSubject::Other, None);
    again.known_on = Some("2026-12-22".parse().unwrap());
    let c = bidder
        .file_complaint(again, &uscc("bidder"), &pki().get("bidder").credentials())
        .await
        .unwrap();
    let refuse = HandleComplaintRequest::Refuse {
        ground: RefusalGround::AlreadyHandled,
        reason: "同一事项已作出处理决定。".into(),
    };
    let c = regulator.handle_complaint(&c.id, &refuse).await.unwrap();
    assert_eq!(c.state, ComplaintState::Refused);
    assert_eq!(c.refusal, Some(RefusalGround::AlreadyHandled));
    assert!(!c.overdue);
    let es = verified(&app, &t).await;
    assert!(complaint_problems(&es, &t).is_empty());
    // A withdrawal by another than the complainant is named.
    let mut forged = es.to_vec();
    let w = forged
        .iter()
        .position(|e| e.leaf.event_type == "complaint_withdrawn")
        .unwrap();
    forged[w].leaf.actor_id = "someone-else".into();
    let found = complaint_problems(&forged, &t);
    assert!(
        found
            .iter()
            .any(|f| f.contains("another than the complainant")),
        "{found:?}"
    );
}

/// The section's award as the agent reads it.
async fn award_of(w: &crate::committee::World) -> Value {
    let p = format!("/api/v1/tenders/{}/sections/BD01/award", w.t());
    w.s.agent.get(&p).await.unwrap()
}

/// Bidder `i` objects to the result and the agent dismisses the objection; returns its id.
async fn objected_and_dismissed(w: &crate::committee::World, i: usize) -> String {
    let b = &w.bidders[i];
    let text = "第一名的项目经理有在建工程，不满足招标文件要求。";
    let o = b
        .client
        .raise_award_objection(
            w.t(),
            "BD01",
            1,
            b.uscc(),
            text,
            &pki().get(b.label).credentials(),
        )
        .await
        .unwrap();
    let p = format!(
        "/api/v1/tenders/{}/sections/BD01/award/objections/{}/answer",
        w.t(),
        o.id
    );
    let (st, v) = w
        .s
        .agent
        .raw(
            Method::POST,
            &p,
            Some(&json!({"answer": "经核查，异议不成立。", "outcome": {"decision": "dismissed"}})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    o.id
}

#[tokio::test]
async fn complaints_on_the_evaluation_result_suspend_the_award_then_dismissed_or_sent_back() {
    let traditional = json!({"kind": "traditional", "candidates": 3, "award_terms": {}});
    let mut w = crate::award::evaluated(traditional).await;
    let (st, v) =
        w.s.agent
            .raw(
                Method::POST,
                &format!("/api/v1/tenders/{}/sections/BD01/award/publicity", w.t()),
                Some(&json!({})),
            )
            .await
            .unwrap();
    assert_eq!(st, 200, "{v}");
    let t = w.t().to_string();
    let objection = objected_and_dismissed(&w, 1).await;
    let second_objection = objected_and_dismissed(&w, 2).await;
    let b = &w.bidders[1];
    let mut req = request(&t, ComplaintSubject::EvaluationResult, Some(&objection));
    req.text = "异议答复未核实项目经理在建情况，请求责令重新评审。".into();
    // The evaluation result is a section's.
    let no_section = signed(req.clone(), b.label, None);
    refused(
        &w.app,
        &b.client,
        Method::POST,
        "/api/v1/complaints",
        Some(no_section),
        422,
        "validation_failed",
    )
    .await;
    req.section = Some("BD01".into());
    // Another bidder cannot rest its complaint on this objection.
    let c0 = w.bidders[0].client.clone();
    let borrowed = signed(req.clone(), w.bidders[0].label, None);
    refused(
        &w.app,
        &c0,
        Method::POST,
        "/api/v1/complaints",
        Some(borrowed),
        422,
        "complaint_needs_objection",
    )
    .await;
    let c = b
        .client
        .file_complaint(req, b.uscc(), &pki().get(b.label).credentials())
        .await
        .unwrap();
    // Known when the publicity started, not when the complainant says.
    let publicity_from: DateTime<Utc> =
        serde_json::from_value(award_of(&w).await["publicity_from"].clone()).unwrap();
    assert_eq!(c.known_at, publicity_from);
    let regulator = w.app.enrol("regulator").await;
    regulator
        .handle_complaint(&c.id, &HandleComplaintRequest::Accept {})
        .await
        .unwrap();
    let (st, v) = regulator
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{t}/actions"),
            Some(&json!({"action": "suspend", "reason": "complaint", "note": "投诉处理期间暂停"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    // The award waits: the winner cannot be named while the tender is suspended.
    let until: DateTime<Utc> =
        serde_json::from_value(award_of(&w).await["publicity_until"].clone()).unwrap();
    w.app.clock.set(until);
    w.relogin().await;
    let regulator = w.app.enrol("regulator").await;
    let bids = w.bids.clone();
    let (st, v) =
        w.s.agent
            .raw(
                Method::POST,
                &format!("/api/v1/tenders/{t}/sections/BD01/award/winner"),
                Some(&json!({"winner": bids[0]})),
            )
            .await
            .unwrap();
    assert!(st.is_client_error(), "{st} {v}");
    // A new award round is not for a traditional section: nothing happens.
    let creds = pki().get("regulator").credentials();
    let new_round = ComplaintOutcome::Upheld {
        redo: Redo::NewAwardRound,
    };
    let err = regulator
        .decide_complaint(&c.id, new_round, "重新定标。", &creds)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::RedoNotPossible), "{err}");
    assert_eq!(tender_state(&w.app, &t).await, "suspended");

    // Dismissed: the tender resumes and the award goes on where it was.
    let text = "经调查，第一名项目经理已办理在建工程变更，投诉缺乏事实根据，驳回投诉。";
    let d = regulator
        .decide_complaint(&c.id, ComplaintOutcome::Dismissed, text, &creds)
        .await
        .unwrap();
    assert_eq!(d.outcome, Some(ComplaintOutcome::Dismissed));
    assert_eq!(tender_state(&w.app, &t).await, "publicity");
    assert_eq!(award_of(&w).await["stage"], "publicity");

    // A second complainant (its objection dismissed during the publicity too), upheld: the
    // section goes back to its committee.
    let b = &w.bidders[2];
    let mut req = request(
        &t,
        ComplaintSubject::EvaluationResult,
        Some(&second_objection),
    );
    req.section = Some("BD01".into());
    req.text = "评标委员会未按招标文件规定的标准评审业绩。".into();
    let c = b
        .client
        .file_complaint(req, b.uscc(), &pki().get(b.label).credentials())
        .await
        .unwrap();
    regulator
        .handle_complaint(&c.id, &HandleComplaintRequest::Accept {})
        .await
        .unwrap();
    let back = ComplaintOutcome::Upheld {
        redo: Redo::Reevaluation,
    };
    let d = regulator
        .decide_complaint(&c.id, back, "投诉成立，责令原评标委员会重新评审。", &creds)
        .await
        .unwrap();
    assert_eq!(d.state, ComplaintState::Decided);
    assert_eq!(award_of(&w).await["stage"], "reevaluation");
    let es = verified(&w.app, &t).await;
    assert!(complaint_problems(&es, &t).is_empty());
    let sent = es
        .iter()
        .find(|e| e.leaf.event_type == "award_sent_back")
        .unwrap();
    assert_eq!(sent.body.as_ref().unwrap()["complaint"], json!(c.id));
}
