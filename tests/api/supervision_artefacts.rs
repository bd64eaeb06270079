//! The supervision artefacts (issue 15 item 3): 监管事项, 合规手册, 检查实施清单, 监管计划, 监管对象
//! with credit grades, 执法人员 — recorded, listed, exported as CSV and XLSX and imported back
//! (all or nothing, idempotent), each change audited and checked by the offline verifier.

use base64::Engine as _;
use etender::app::{identity, supervision};
use etender::audit::verify::{default_rules, verify_bundle};
use etender::db::queries::counted;
use etender::domain::identity::Role;
use etender::wire::artefacts::{
    CheckItem, CreditGrade, GradeRequest, ManualEntry, ObjectKind, PlanDraft, PlanStatus,
    RiskLevel, SheetFormat, SheetKind, SheetRows, SupervisionItem,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::fixtures::id_of;
use crate::helpers::{assert_problem, extra_person, TestApp};

const ZJJ: &str = "429005-zjj";
const JTJ: &str = "429005-jtj";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn department(admin: &etender::client::Client, code: &str, name: &str) {
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

async fn officer(admin: &etender::client::Client, dep: &str, person: &str, cert: &str) {
    let (st, v) = admin
        .raw(
            Method::PUT,
            &format!("/api/v1/departments/{dep}/officers/{person}"),
            Some(&json!({"certificate_no": cert, "specialty": "招投标监督", "avoid_units": []})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
}

/// POST a file as `c`, returning status and problem (or report).
async fn post_file(
    c: &etender::client::Client,
    sheet: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/supervision/sheets/{sheet}",
            c.base_url()
        ))
        .header("content-type", "text/csv")
        .body(bytes);
    if let Some(t) = c.token() {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let st = res.status();
    (st, res.json().await.unwrap_or(Value::Null))
}

fn item(code: &str, lead: &str, co: &[&str]) -> SupervisionItem {
    SupervisionItem {
        code: code.into(),
        name: format!("{code} 依法必须招标项目的招标投标活动"),
        legal_basis: "《中华人民共和国招标投标法》第七条".into(),
        lead_department: lead.into(),
        co_departments: co.iter().map(|s| s.to_string()).collect(),
        risk_level: RiskLevel::High,
        object_kind: ObjectKind::Organisation,
    }
}

fn plan() -> PlanDraft {
    PlanDraft {
        code: "2027-ZJ-01".into(),
        name: "2027年度招标投标领域双随机抽查计划".into(),
        lead_department: ZJJ.into(),
        period_from: "2027-01-01".parse().unwrap(),
        period_to: "2027-12-31".parse().unwrap(),
        items: vec!["ZJ-001".into(), "ZJ-002".into()],
        sampling_ratio: "0.05".parse().unwrap(),
        grades: vec![CreditGrade::C, CreditGrade::D],
        departments: vec![ZJJ.into(), JTJ.into()],
    }
}

/// The event types of a whole-log export, which must pass the offline verifier.
async fn verified_event_types(app: &TestApp, regulator: &etender::client::Client) -> Vec<String> {
    app.rows().await;
    let bundle = regulator.audit_export(None, None, None).await.unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    verify_bundle(&bundle, &key, None, &default_rules()).unwrap();
    bundle
        .entries
        .iter()
        .map(|e| {
            let leaf = base64::engine::general_purpose::STANDARD
                .decode(&e.leaf)
                .unwrap();
            let v: Value = serde_json::from_slice(&leaf).unwrap();
            v["event_type"].as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test]
async fn each_artefact_is_recorded_exported_and_imported_back_unchanged() {
    let app = TestApp::spawn().await;
    let admin = app.enrol("admin").await;
    department(&admin, ZJJ, "潜江市住房和城乡建设局").await;
    department(&admin, JTJ, "潜江市交通运输局").await;
    let ours = app.enrol("regulator").await;
    officer(&admin, ZJJ, &id_of(&ours).await, "鄂执 420001").await;
    let theirs = app
        .enrol_ident(&extra_person(5801, "jtj-officer", vec![Role::Regulator]))
        .await;
    officer(&admin, JTJ, &id_of(&theirs).await, "鄂执 420002").await;
    let bidder = app.enrol("bidder").await;
    let uscc = crate::helpers::pki().get("bidder").key.clone();

    // The six artefacts, recorded through the API.
    ours.put_supervision_item(&item("ZJ-001", ZJJ, &[JTJ]))
        .await
        .unwrap();
    admin
        .put_supervision_item(&item("ZJ-002", ZJJ, &[]))
        .await
        .unwrap();
    ours.put_compliance_entry(&ManualEntry {
        item_code: "ZJ-001".into(),
        seq: 1,
        requirement: "依法必须招标的项目应当公开发布招标公告".into(),
        basis: "《招标投标法》第十六条".into(),
        common_violation: "未在指定媒介发布公告，或以不合理条件限制潜在投标人".into(),
    })
    .await
    .unwrap();
    for (code, dep) in [("ZJ-001-01", JTJ), ("ZJ-001-02", ZJJ)] {
        ours.put_check_item(&CheckItem {
            code: code.into(),
            item_code: "ZJ-001".into(),
            content: "招标公告发布媒介和内容是否合规".into(),
            method: "查阅资料".into(),
            department: dep.into(),
        })
        .await
        .unwrap();
    }
    let p = ours.put_inspection_plan(&plan()).await.unwrap();
    assert_eq!(p.status, PlanStatus::Draft);
    let o = ours
        .set_credit_grade(
            "organisation",
            &uscc,
            &GradeRequest {
                grade: CreditGrade::C,
            },
        )
        .await
        .unwrap();
    assert_eq!((o.grade, o.graded), (CreditGrade::C, true));

    // Every sheet: JSON, CSV (BOM, Chinese headers) and XLSX; each file imports back unchanged
    // and nothing moves; the CSV exported again is the same bytes.
    for kind in SheetKind::ALL {
        let rows = ours.supervision_sheet(kind).await.unwrap();
        let n = match &rows {
            SheetRows::Items(v) => v.len(),
            SheetRows::Manual(v) => v.len(),
            SheetRows::Checks(v) => v.len(),
            SheetRows::Plans(v) => v.len(),
            SheetRows::Objects(v) => v.len(),
            SheetRows::Officers(v) => v.len(),
        };
        assert!(n >= 1, "{kind:?} is empty");
        let csv = ours
            .supervision_sheet_file(kind, SheetFormat::Csv)
            .await
            .unwrap();
        assert_eq!(csv.content_type, "text/csv; charset=utf-8");
        assert!(csv.bytes.starts_with(b"\xEF\xBB\xBF"), "{kind:?}");
        assert!(
            csv.disposition.starts_with("attachment;"),
            "{}",
            csv.disposition
        );
        let xlsx = admin
            .supervision_sheet_file(kind, SheetFormat::Xlsx)
            .await
            .unwrap();
        assert_eq!(xlsx.content_type, XLSX);
        assert!(xlsx.bytes.starts_with(b"PK\x03\x04"));
        if kind == SheetKind::Officers {
            let (st, v) = post_file(&admin, "officers", csv.bytes).await;
            assert_problem(st, &v, 422, "validation_failed");
            assert!(v["errors"].to_string().contains("not_importable"), "{v}");
            continue;
        }
        let before = app.rows().await;
        for file in [csv.bytes.clone(), xlsx.bytes] {
            let r = ours.import_supervision_sheet(kind, file).await.unwrap();
            assert_eq!((r.created, r.updated), (0, 0), "{kind:?}: {r:?}");
            assert_eq!(r.unchanged as usize, n, "{kind:?}");
        }
        app.rows()
            .await
            .assert_same(&before, "re-importing what was exported");
        let again = ours
            .supervision_sheet_file(kind, SheetFormat::Csv)
            .await
            .unwrap();
        assert_eq!(again.bytes, csv.bytes, "{kind:?}");
    }
    let items = ours
        .supervision_sheet_file(SheetKind::Items, SheetFormat::Csv)
        .await
        .unwrap();
    let text = String::from_utf8(items.bytes[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("事项编码,事项名称,设定依据,牵头部门,配合部门,风险等级,监管对象类型\r\n"),
        "{text}"
    );
    assert!(
        text.contains("潜江市住房和城乡建设局,潜江市交通运输局,高,经营主体"),
        "{text}"
    );

    // Wrong roles and another department: refused, nothing changed.
    let tenderer = app.enrol("tenderer").await;
    let expert = app.enrol("expert").await;
    let before = app.rows().await;
    for c in [&bidder, &tenderer, &expert] {
        let (st, v) = c
            .raw(Method::GET, "/api/v1/supervision/sheets/items", None)
            .await
            .unwrap();
        assert_problem(st, &v, 403, "forbidden");
        let (st, v) = post_file(c, "items", text.clone().into_bytes()).await;
        assert_problem(st, &v, 403, "forbidden");
    }
    let (st, v) = app
        .client()
        .raw(Method::GET, "/api/v1/supervision/sheets/checks", None)
        .await
        .unwrap();
    assert_problem(st, &v, 401, "unauthenticated");
    let mut changed = item("ZJ-001", ZJJ, &[JTJ]);
    changed.risk_level = RiskLevel::Low;
    let e = theirs.put_supervision_item(&changed).await.unwrap_err();
    assert_eq!(e.problem_code().as_deref(), Some("other_department"), "{e}");
    let edited = text.replacen(",高,", ",低,", 1);
    let (st, v) = post_file(&theirs, "items", edited.clone().into_bytes()).await;
    assert_problem(st, &v, 403, "other_department");
    assert!(v["detail"].as_str().unwrap().starts_with("row 2:"), "{v}");
    let e = theirs
        .publish_inspection_plan("2027-ZJ-01")
        .await
        .unwrap_err();
    assert_eq!(e.problem_code().as_deref(), Some("other_department"), "{e}");
    let e = admin.put_inspection_plan(&plan()).await.unwrap_err();
    assert_eq!(e.problem_code().as_deref(), Some("forbidden"), "{e}");
    // A draft plan is not public.
    let anyone: SheetRows = app
        .client()
        .get("/api/v1/supervision/sheets/plans")
        .await
        .unwrap();
    assert!(
        matches!(anyone, SheetRows::Plans(ref v) if v.is_empty()),
        "{anyone:?}"
    );
    app.rows()
        .await
        .assert_same(&before, "refused artefact changes");

    // The lead department's officer changes its item by sheet: one row updated, audited.
    let r = ours
        .import_supervision_sheet(SheetKind::Items, edited.into_bytes())
        .await
        .unwrap();
    assert_eq!((r.rows, r.created, r.updated, r.unchanged), (2, 0, 1, 1));

    // Publication: public from then on, and frozen.
    let p = ours.publish_inspection_plan("2027-ZJ-01").await.unwrap();
    assert_eq!(p.status, PlanStatus::Published);
    let anyone: SheetRows = app
        .client()
        .get("/api/v1/supervision/sheets/plans")
        .await
        .unwrap();
    assert!(
        matches!(anyone, SheetRows::Plans(ref v) if v.len() == 1),
        "{anyone:?}"
    );
    let before = app.rows().await;
    let e = ours
        .publish_inspection_plan("2027-ZJ-01")
        .await
        .unwrap_err();
    assert_eq!(
        e.problem_code().as_deref(),
        Some("invalid_state_transition")
    );
    let mut later = plan();
    later.sampling_ratio = "0.1".parse().unwrap();
    let e = ours.put_inspection_plan(&later).await.unwrap_err();
    assert_eq!(
        e.problem_code().as_deref(),
        Some("invalid_state_transition")
    );
    let sheet = ours
        .supervision_sheet_file(SheetKind::Plans, SheetFormat::Csv)
        .await
        .unwrap();
    let sheet = String::from_utf8(sheet.bytes).unwrap();
    assert!(sheet.contains(",0.05,C、D,"), "{sheet}");
    let (st, v) = post_file(
        &ours,
        "plans",
        sheet.replace(",0.05,", ",0.1,").into_bytes(),
    )
    .await;
    assert_problem(st, &v, 409, "invalid_state_transition");
    let (st, v) = post_file(
        &ours,
        "plans",
        sheet.replace(",已发布", ",草稿").into_bytes(),
    )
    .await;
    assert_problem(st, &v, 422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "rows[2].状态", "{v}");
    app.rows().await.assert_same(&before, "a published plan");

    // Each sheet is read whole in a fixed number of statements, however many rows it has (a
    // third officer changes nothing).
    let (actor, _) = counted(identity::authenticate(&app.ctx, ours.token().unwrap())).await;
    let actor = actor.unwrap();
    let mut counts = Vec::new();
    for round in 0..2 {
        if round == 1 {
            let third = app
                .enrol_ident(&extra_person(5802, "zjj-officer-2", vec![Role::Regulator]))
                .await;
            officer(&admin, ZJJ, &id_of(&third).await, "鄂执 420003").await;
        }
        let mut these = Vec::new();
        for kind in SheetKind::ALL {
            let (rows, n) = counted(supervision::sheet(&app.ctx, Some(&actor), kind)).await;
            rows.unwrap();
            these.push((kind, n));
        }
        counts.push(these);
    }
    assert_eq!(counts[0], counts[1]);
    assert!(counts[0].iter().all(|(_, n)| *n <= 3), "{counts:?}");

    let types = verified_event_types(&app, &ours).await;
    for t in [
        "supervision_item_recorded",
        "compliance_entry_recorded",
        "check_item_recorded",
        "inspection_plan_recorded",
        "inspection_plan_published",
        "credit_grade_set",
        "supervision_sheet_imported",
    ] {
        assert!(types.iter().any(|x| x == t), "{t} missing");
    }
}

const ITEMS_HEADER: &str = "事项编码,事项名称,设定依据,牵头部门,配合部门,风险等级,监管对象类型\r\n";

#[tokio::test]
async fn a_bad_sheet_is_refused_whole_naming_row_and_column() {
    let app = TestApp::spawn_with(|s| s.limits.max_import_bytes = 16384).await;
    let admin = app.enrol("admin").await;
    department(&admin, ZJJ, "潜江市住房和城乡建设局").await;
    let good = "ZJ-001,招标投标活动监管,招标投标法第七条,潜江市住房和城乡建设局,,高,经营主体\r\n";
    let before = app.rows().await;

    // Bad rows: each problem named by row and column; the good row is not written either.
    let file = format!(
        "{ITEMS_HEADER}{good}ZJ-002,名称,依据,{ZJJ},,极高,经营主体\r\n\
         ZJ-003,名称,依据,不存在的局,,低,招标项目\r\nZJ-004,=1+2,依据,{ZJJ},,低,\
         评标专家\r\nZJ-001,重复,依据,{ZJJ},,低,招标项目\r\n"
    );
    let (st, v) = post_file(&admin, "items", file.into_bytes()).await;
    assert_problem(st, &v, 422, "validation_failed");
    let errors = v["errors"].to_string();
    for (field, code) in [
        ("rows[3].风险等级", "invalid"),
        ("rows[4].牵头部门", "unknown_department"),
        ("rows[5].事项名称", "formula_like"),
        ("rows[6].事项编码", "duplicate"),
    ] {
        assert!(
            v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "{field} {code}: {errors}"
        );
    }
    assert!(errors.contains("row 3, column F (风险等级)"), "{errors}");

    // Hostile files: clear errors, nothing written.
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    for (c, h) in ITEMS_HEADER.trim_end().split(',').enumerate() {
        s.write_string(0, c as u16, h).unwrap();
    }
    s.write_formula(1, 0, "=1+1").unwrap();
    let formula = book.save_to_buffer().unwrap();
    for (bytes, status, code) in [
        (Vec::new(), 422, "empty"),
        (
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            422,
            "not_a_sheet",
        ),
        (
            "编码,名称\r\nA,B\r\n".as_bytes().to_vec(),
            422,
            "wrong_headers",
        ),
        (formula, 422, "formula"),
        (vec![b'a'; 20000], 413, ""),
    ] {
        let (st, v) = post_file(&admin, "items", bytes).await;
        assert_eq!(st.as_u16(), status, "{code}: {v}");
        if status == 413 {
            assert_problem(st, &v, 413, "file_too_large");
        } else {
            assert!(v["errors"].to_string().contains(code), "{code}: {v}");
        }
    }
    let (st, v) = post_file(&admin, "nonsense", good.as_bytes().to_vec()).await;
    assert_problem(st, &v, 404, "not_found");
    app.rows().await.assert_same(&before, "refused sheets");

    // The good row alone, saved by Chinese Excel as GBK: imported; the same file again changes
    // nothing.
    let text = format!("{ITEMS_HEADER}{good}");
    let gbk = encoding_rs::GBK.encode(&text).0.into_owned();
    let (st, v) = post_file(&admin, "items", gbk.to_vec()).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["created"].as_u64(), v["unchanged"].as_u64()),
        (Some(1), Some(0))
    );
    let sha = v["sha256"].as_str().unwrap().to_string();
    let before = app.rows().await;
    let (st, v) = post_file(&admin, "items", gbk.to_vec()).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["created"].as_u64(), v["unchanged"].as_u64()),
        (Some(0), Some(1))
    );
    app.rows().await.assert_same(&before, "the same file twice");

    // The import's audit names the file; the verifier accepts the log.
    let regulator = app.enrol("regulator").await;
    let types = verified_event_types(&app, &regulator).await;
    assert!(types.iter().any(|t| t == "supervision_sheet_imported"));
    let bundle = regulator.audit_export(None, None, None).await.unwrap();
    let bodies: Vec<String> = bundle
        .entries
        .iter()
        .filter_map(|e| e.event.as_ref().map(|b| b.body.clone()))
        .collect();
    assert!(
        bodies.iter().any(|b| b.contains(&sha)),
        "no event names the file's digest"
    );
}
