//! 双随机一公开 (issue 15 item 4, docs/SUPERVISION.md §9): a joint 住建 + 公共资源交易 round drawn
//! from a published plan through the verifiable draw, its tasks staffed one officer of each
//! department, results recorded with evidence, signed by the whole team and published; bad
//! input, wrong roles and the fallback; the export passes the offline verifier and a tampered
//! assignment does not.

use etender::audit::verify::{default_rules, verify_bundle, Rule as _};
use etender::client::Client;
use etender::domain::calendar::WorkCalendar;
use etender::domain::identity::Role;
use etender::domain::inspection::{ItemResult, Outcome, RoundState, TaskState};
use etender::wire::artefacts::{CheckItem, CreditGrade, ObjectKind, PlanDraft, RiskLevel};
use etender::wire::artefacts::{GradeRequest, SupervisionItem};
use etender::wire::inspections::RecordResultsRequest;
use reqwest::Method;
use serde_json::{json, Value};

use crate::fixtures::id_of;
use crate::helpers::{assert_problem, extra_person, TestApp};

const ZJJ: &str = "429005-zjj";
const GGZY: &str = "429005-ggzy";

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

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

async fn put(admin: &Client, path: &str, body: Value) {
    let (st, v) = admin.raw(Method::PUT, path, Some(&body)).await.unwrap();
    assert_eq!(st, 200, "{path}: {v}");
}

/// The departments, their officers (three each) and the plan's item and check items; returns
/// the officers' clients with their credentials (ZJJ's first is `regulator`).
struct World {
    app: TestApp,
    admin: Client,
    zjj: Vec<(Client, String, etender::client::Credentials)>,
    ggzy: Vec<(Client, String, etender::client::Credentials)>,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let file = calendar_2027(dir.path());
    // Monday 7 December 2026, 10:00 Shanghai.
    let app = TestApp::spawn_at(at("2026-12-07T02:00:00Z"), |s| {
        s.calendar.files = vec![file.clone()];
        // Within a login's lifetime, so the late contribution meets the deadline, not expiry.
        s.inspections.contribution_minutes = 5;
    })
    .await;
    std::mem::forget(dir);
    let admin = app.enrol("admin").await;
    let kinds = json!(["房屋建筑和市政基础设施工程"]);
    put(
        &admin,
        &format!("/api/v1/departments/{ZJJ}"),
        json!({"name": "潜江市住房和城乡建设局", "kinds": kinds}),
    )
    .await;
    put(
        &admin,
        &format!("/api/v1/departments/{GGZY}"),
        json!({"name": "潜江市公共资源交易监督管理局", "kinds": kinds}),
    )
    .await;
    let mut zjj = Vec::new();
    let mut ggzy = Vec::new();
    for n in 0..6u32 {
        let extra;
        let ident = if n == 0 {
            crate::helpers::pki().get("regulator")
        } else {
            extra = extra_person(5900 + n, &format!("inspector-{n}"), vec![Role::Regulator]);
            &extra
        };
        let client = app.enrol_ident(ident).await;
        let id = id_of(&client).await;
        let dep = if n < 3 { ZJJ } else { GGZY };
        put(
            &admin,
            &format!("/api/v1/departments/{dep}/officers/{id}"),
            json!({"certificate_no": format!("鄂执 4201{n:02}"), "specialty": "招投标监督",
                "avoid_units": []}),
        )
        .await;
        let entry = (client, id, ident.credentials());
        if n < 3 {
            zjj.push(entry)
        } else {
            ggzy.push(entry)
        }
    }
    let lead = &zjj[0].0;
    lead.put_supervision_item(&SupervisionItem {
        code: "ZJ-001".into(),
        name: "依法必须招标项目的招标投标活动".into(),
        legal_basis: "《中华人民共和国招标投标法》第七条".into(),
        lead_department: ZJJ.into(),
        co_departments: vec![GGZY.into()],
        risk_level: RiskLevel::High,
        object_kind: ObjectKind::Organisation,
    })
    .await
    .unwrap();
    for (code, dep, content) in [
        ("ZJ-001-01", ZJJ, "项目经理是否按投标承诺到岗履职"),
        ("ZJ-001-02", GGZY, "是否存在围标串标、借用资质投标"),
    ] {
        lead.put_check_item(&CheckItem {
            code: code.into(),
            item_code: "ZJ-001".into(),
            content: content.into(),
            method: "现场检查".into(),
            department: dep.into(),
        })
        .await
        .unwrap();
    }
    // The organisations in the register (the objects): three firms.
    for label in ["bidder", "tenderer", "agent"] {
        app.enrol(label).await;
    }
    World {
        app,
        admin,
        zjj,
        ggzy,
    }
}

fn plan(ratio: &str) -> PlanDraft {
    PlanDraft {
        code: "2026-ZJ-J1".into(),
        name: "2026年度招标投标领域跨部门联合双随机抽查".into(),
        lead_department: ZJJ.into(),
        period_from: "2026-12-01".parse().unwrap(),
        period_to: "2027-06-30".parse().unwrap(),
        items: vec!["ZJ-001".into()],
        sampling_ratio: ratio.parse().unwrap(),
        grades: vec![
            CreditGrade::A,
            CreditGrade::B,
            CreditGrade::C,
            CreditGrade::D,
        ],
        departments: vec![ZJJ.into(), GGZY.into()],
    }
}

#[tokio::test]
async fn a_joint_round_is_drawn_staffed_inspected_signed_published_and_replayed() {
    let w = world().await;
    let (lead, lead_id, _) = &w.zjj[0];
    let (other, other_id, other_creds) = &w.ggzy[0];
    lead.put_inspection_plan(&plan("1")).await.unwrap();
    let uscc = crate::helpers::pki().get("bidder").key.clone();
    lead.set_credit_grade(
        "organisation",
        &uscc,
        &GradeRequest {
            grade: CreditGrade::C,
        },
    )
    .await
    .unwrap();

    // Before publication, from another department, with bad counts: refused, nothing written.
    let before = w.app.rows().await;
    let path = "/api/v1/supervision/plans/2026-ZJ-J1/rounds";
    let (st, v) = lead
        .raw(Method::POST, path, Some(&json!({"teams": 1})))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    lead.publish_inspection_plan("2026-ZJ-J1").await.unwrap();
    let before_round = w.app.rows().await;
    let (st, v) = other
        .raw(Method::POST, path, Some(&json!({"teams": 1})))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "other_department");
    for (teams, status, code) in [(0, 422, "validation_failed"), (4, 422, "rule_violation")] {
        let (st, v) = lead
            .raw(Method::POST, path, Some(&json!({"teams": teams})))
            .await
            .unwrap();
        assert_problem(st, &v, status, code);
        if teams == 4 {
            assert!(v["detail"].as_str().unwrap().contains(GGZY), "{v}");
        }
    }
    let (st, v) = w
        .admin
        .raw(Method::POST, path, Some(&json!({"teams": 1})))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    w.app
        .rows()
        .await
        .assert_same(&before_round, "refused round requests");
    drop(before);

    // The round: committed, then the other department's contribution draws it.
    let round = lead
        .request_inspection_round("2026-ZJ-J1", 2)
        .await
        .unwrap();
    assert_eq!(round.state, RoundState::Committed);
    let codes: Vec<_> = round.groups.iter().map(|g| g.code.as_str()).collect();
    assert!(
        codes.contains(&"o.organisation.c") && codes.contains(&"p.429005-ggzy"),
        "{codes:?}"
    );
    let lead_creds = crate::helpers::pki().get("regulator").credentials();
    let err = lead
        .contribute_to_round(&round, lead_id, [1; 32], &lead_creds)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(etender::error::ErrorCode::Forbidden));
    let err = other
        .contribute_to_round(&round, other_id, [2; 32], &lead_creds)
        .await
        .unwrap_err();
    assert!(err.code().is_some(), "another's certificate: {err}");
    let drawn = other
        .contribute_to_round(&round, other_id, [3; 32], other_creds)
        .await
        .unwrap();
    assert_eq!(drawn.state, RoundState::Drawn);
    assert!(drawn.secret.is_some());
    let err = other
        .contribute_to_round(&round, other_id, [3; 32], other_creds)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(etender::error::ErrorCode::InvalidStateTransition)
    );

    // Every organisation is drawn at ratio 1; each task has one officer of each department.
    let tasks = lead.inspection_tasks(&round.id, None).await.unwrap().items;
    let orgs = w
        .app
        .ctx
        .db
        .read(|c| Ok(etender::db::repo::inspections::organisation_usccs(c)?))
        .await
        .unwrap();
    assert_eq!(tasks.len(), orgs.len());
    assert_eq!(drawn.tasks.assigned as usize, orgs.len());
    for t in &tasks {
        assert!(t.staffed && t.state == TaskState::Assigned);
        let deps: Vec<_> = t.team.iter().map(|m| m.department.as_str()).collect();
        assert_eq!(deps, [GGZY, ZJJ]);
        assert_eq!(t.checklist.len(), 2);
    }

    // The first task: bad results refused, then evidence, results, signatures, publication.
    let task = &tasks[0];
    let member = |d: &str| {
        let person = &task.team.iter().find(|m| m.department == d).unwrap().person;
        w.zjj
            .iter()
            .chain(&w.ggzy)
            .find(|(_, id, _)| id == person)
            .unwrap()
    };
    let (zc, _, zcreds) = member(ZJJ);
    let (gc, _, gcreds) = member(GGZY);
    let outsider = w
        .zjj
        .iter()
        .find(|(_, id, _)| !task.team.iter().any(|m| &m.person == id))
        .unwrap();
    let today: chrono::NaiveDate = "2026-12-07".parse().unwrap();
    let good = |evidence: Vec<String>| RecordResultsRequest {
        visited_on: today,
        results: vec![
            ItemResult {
                check: "ZJ-001-02".into(),
                outcome: Outcome::NonCompliant,
                note: "两家投标人的投标文件由同一台电脑编制".into(),
                evidence,
            },
            ItemResult {
                check: "ZJ-001-01".into(),
                outcome: Outcome::Compliant,
                note: String::new(),
                evidence: vec![],
            },
        ],
    };
    let rows = w.app.rows().await;
    let tpath = format!("/api/v1/supervision/inspection-tasks/{}/results", task.id);
    let bad = [
        (
            json!({"visited_on": "2026-12-07", "results": [
            {"check": "ZJ-001-01", "outcome": "compliant"}]}),
            "missing_check",
        ),
        (
            json!({"visited_on": "2026-12-07", "results": [
            {"check": "ZJ-001-01", "outcome": "compliant"},
            {"check": "ZJ-001-02", "outcome": "non_compliant"}]}),
            "required",
        ),
        (
            json!({"visited_on": "2026-12-07", "results": [
            {"check": "ZJ-001-01", "outcome": "compliant", "evidence": ["ab"]},
            {"check": "ZJ-001-02", "outcome": "compliant"}]}),
            "unknown_evidence",
        ),
        (
            json!({"visited_on": "2026-12-08", "results": []}),
            "out_of_range",
        ),
        (
            json!({"visited_on": "2026-12-07", "results": [
            {"check": "ZJ-009", "outcome": "compliant"}]}),
            "unknown_check",
        ),
    ];
    for (body, code) in bad {
        let (st, v) = zc.raw(Method::PUT, &tpath, Some(&body)).await.unwrap();
        assert_problem(st, &v, 422, "validation_failed");
        assert!(v["errors"].to_string().contains(code), "{code}: {v}");
    }
    let (st, v) = outsider
        .0
        .raw(Method::PUT, &tpath, Some(&json!(good(vec![]))))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let (st, v) = w
        .admin
        .raw(Method::PUT, &tpath, Some(&json!(good(vec![]))))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    w.app.rows().await.assert_same(&rows, "refused results");

    let t = zc
        .add_inspection_evidence(
            &task.id,
            "现场检查笔录",
            "笔录.pdf",
            b"%PDF-1.7 record".to_vec(),
        )
        .await
        .unwrap();
    let sha = t.evidence[0].sha256.clone();
    let t = gc
        .record_inspection_results(&task.id, &good(vec![sha.clone()]))
        .await
        .unwrap();
    assert_eq!((t.state, t.findings), (TaskState::Recorded, 1));
    assert_eq!(t.results[0].check, "ZJ-001-01", "kept in checklist order");
    let cal = WorkCalendar::shipped()
        .overlaid(
            WorkCalendar::parse(
                &std::fs::read_to_string(&w.app.settings.calendar.files[0]).unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
    let last = cal.add_working_days(today, 20).unwrap();
    assert_eq!(
        t.publish_due,
        Some(etender::domain::schedule::start_of_legal_day(
            last.succ_opt().unwrap()
        ))
    );
    assert!(!t.overdue);
    let t = zc.sign_inspection_results(&t, zcreds).await.unwrap();
    assert_eq!((t.state, t.signatures.len()), (TaskState::Recorded, 1));
    let err = zc.sign_inspection_results(&t, zcreds).await.unwrap_err();
    assert_eq!(
        err.code(),
        Some(etender::error::ErrorCode::InvalidStateTransition)
    );
    // Re-recorded: the signature is cleared; a signature over the old digest is refused.
    let mut changed = good(vec![sha]);
    changed.results[1].note = "项目经理在岗，已核对考勤".into();
    let t2 = zc
        .record_inspection_results(&task.id, &changed)
        .await
        .unwrap();
    assert!(t2.signatures.is_empty());
    let err = gc.sign_inspection_results(&t, gcreds).await.unwrap_err();
    assert_eq!(err.code(), Some(etender::error::ErrorCode::Conflict));
    let t3 = gc.sign_inspection_results(&t2, gcreds).await.unwrap();
    assert_eq!(t3.state, TaskState::Recorded);
    let t4 = zc.sign_inspection_results(&t2, zcreds).await.unwrap();
    assert_eq!(t4.state, TaskState::Published);
    let (st, v) = zc
        .raw(Method::PUT, &tpath, Some(&json!(changed)))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");

    // A case may rest on the published finding; not on a task still without results.
    let object = &task.object.id;
    let clue = |id: &str| {
        json!({"source": {"kind": "inspection", "id": id},
        "party": {"kind": "organisation", "uscc": object, "name": "某公司"},
        "summary": "联合抽查发现围标串标线索", "occurred_on": "2026-12-01"})
    };
    let (st, v) = zc
        .raw(Method::POST, "/api/v1/cases", Some(&clue(&tasks[1].id)))
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    assert!(v["errors"].to_string().contains("no_finding"), "{v}");
    let (st, v) = zc
        .raw(Method::POST, "/api/v1/cases", Some(&clue(&task.id)))
        .await
        .unwrap();
    assert_eq!(st, 201, "{v}");

    // Public: the result, not who inspected.
    let public = w
        .app
        .client()
        .inspection_results(Some("2026-ZJ-J1"), None)
        .await
        .unwrap();
    assert_eq!(public.items.len(), 1);
    assert_eq!(public.items[0].findings, 1);
    let text = serde_json::to_string(&public).unwrap();
    for m in &task.team {
        assert!(
            !text.contains(&m.person),
            "an inspector's id in the public results"
        );
    }
    let (st, v) = w
        .app
        .client()
        .raw(
            Method::GET,
            &format!("/api/v1/supervision/rounds/{}", round.id),
            None,
        )
        .await
        .unwrap();
    assert_problem(st, &v, 401, "unauthenticated");

    // The export verifies (the draw replays, the assignment replays); a tampered team fails.
    w.app.rows().await;
    let bundle = lead.audit_export(None, None, None).await.unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    verify_bundle(&bundle, &key, None, &default_rules()).unwrap();
    let mut es = crate::clarifications::entries_of(&bundle);
    let rule = etender::audit::verify_inspections::InspectionsReplay;
    let scope = etender::audit::bundle::BundleScope::All;
    assert!(rule.check(&scope, &es).is_empty());
    let e = es
        .iter_mut()
        .find(|e| e.leaf.event_type == "inspection_tasks_assigned")
        .unwrap();
    let body = e.body.as_mut().unwrap();
    let team = body["tasks"][0]["team"].clone();
    body["tasks"][0]["team"] = body["tasks"][1]["team"].clone();
    body["tasks"][1]["team"] = team;
    let problems = rule.check(&scope, &es);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("not the replayed assignment")),
        "{problems:?}"
    );
}

#[tokio::test]
async fn a_round_nobody_contributes_to_is_drawn_by_the_checkpoint_fallback() {
    let w = world().await;
    let lead = &w.zjj[0].0;
    lead.put_inspection_plan(&plan("0.5")).await.unwrap();
    lead.publish_inspection_plan("2026-ZJ-J1").await.unwrap();
    let round = lead
        .request_inspection_round("2026-ZJ-J1", 1)
        .await
        .unwrap();
    let (other, other_id, other_creds) = &w.ggzy[0];
    w.app.clock.set(round.contribute_by);
    let err = other
        .contribute_to_round(&round, other_id, [9; 32], other_creds)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(etender::error::ErrorCode::DeadlinePassed));
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    etender::audit::sequencer::integrate_now(&w.app.ctx.db, &w.app.ctx.audit_log)
        .await
        .unwrap();
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    let r = lead.inspection_round(&round.id).await.unwrap();
    assert_eq!(r.state, RoundState::Drawn);
    assert_eq!(r.contribution.unwrap().contributor, "fallback:checkpoint");
    let orgs = w
        .app
        .ctx
        .db
        .read(|c| Ok(etender::db::repo::inspections::organisation_usccs(c)?))
        .await
        .unwrap();
    // ⌈0.5 × n⌉ of the one grade-B stratum.
    assert_eq!(r.tasks.assigned as usize, orgs.len().div_ceil(2));
    let bundle = lead.audit_export(None, None, None).await.unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    verify_bundle(&bundle, &key, None, &default_rules()).unwrap();
}
