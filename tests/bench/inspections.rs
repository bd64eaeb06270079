//! 双随机一公开 at city scale (issue 15): 100,000 registered organisations in four credit grades
//! (25,000 each; grade B as the default, without a row) and two departments of 20 officers each
//! (some with avoidance units), written straight through the db layer (setup, not timed). A
//! joint plan draws 5 % of every grade with 20 teams of one officer of each department (20
//! inspector pairs), on SQLite.
//!
//! Timed, on the path users take: the round as asked for (`app::inspections::request_round`:
//! the objects and grades read, the strata and the frame, its digest and the commitment, the
//! frame logged) and the draw the contribution makes over the frame as logged (parsed, checked
//! against its digest, selected, assigned). Goal: the draw ≤ 100 ms — recorded for the selection
//! and assignment alone and for the request and the draw together (the request logs the frozen
//! frame, about 5 MB, which costs more than the draw). The limit beside it in the same run:
//! reading the objects' ids (every organisation's USCC), nothing else. Printed beside them: the
//! request and the draw apart, the frame's size, and the statements sent.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::Utc;
use diesel::prelude::*;
use etender::app::{Actor, AppContext};
use etender::db::repo::artefacts::{CheckRow, GradeRow, ItemRow, PlanRow};
use etender::db::repo::experts::DepartmentRow;
use etender::db::repo::identity::OrganisationRow;
use etender::db::repo::inspections as repo;
use etender::db::repo::supervision::OfficerRow;
use etender::db::schema::{credit_grades, organisations};
use etender::db::{AnyConnection, Db};
use etender::domain::identity::{PrincipalKind, Role};
use etender::domain::inspection as insp;

use crate::draws::{context, percentile, uscc};
use crate::report::Report;

const OBJECTS: usize = 100_000;
const OFFICERS: usize = 20;
const TEAMS: u32 = 20;
const ROUNDS: usize = 12;
const WARMUP: usize = 2;
const DEPARTMENTS: [&str; 2] = ["429005-ggzy", "429005-zjj"];

pub fn run(out: &mut Report) {
    let tmp = tempfile::Builder::new()
        .prefix("etender-bench-inspections-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().join("sqlite");
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("etender.db").display());
    etender::db::migrate::run_pending(&url).expect("migrate");
    let ctx = context(&url, &dir);
    let started = Instant::now();
    let lead = seed(&ctx.db);
    println!(
        "   (sqlite: {OBJECTS} organisations in 4 grades, {} officers written in {:.1} s)",
        OFFICERS * DEPARTMENTS.len(),
        started.elapsed().as_secs_f64()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(measure(out, &ctx, &lead));
}

macro_rules! insert_chunks {
    ($c:expr, $table:expr, $rows:expr, $per:expr) => {
        for chunk in $rows.chunks($per) {
            let q = diesel::insert_into($table).values(chunk);
            match $c {
                AnyConnection::Postgresql(pg) => q.execute(pg)?,
                AnyConnection::Sqlite(lite) => q.execute(lite)?,
            };
        }
    };
}

/// The register, the departments and their officers, the item, its checks and the published
/// plan; returns the lead officer's person id.
fn seed(db: &Db) -> String {
    let at = Utc::now().naive_utc();
    let today = Utc::now().date_naive();
    let orgs: Vec<OrganisationRow> = (0..OBJECTS)
        .map(|i| OrganisationRow {
            id: uuid::Uuid::now_v7().to_string(),
            uscc: uscc(100_000 + i),
            name: format!("经营主体{i}"),
            contact_email: format!("o{i}@example.cn"),
            created_at: at,
        })
        .collect();
    let grades: Vec<GradeRow> = orgs
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 != 1)
        .map(|(i, o)| GradeRow {
            object_kind: "organisation".into(),
            object_id: o.uscc.clone(),
            grade: ["a", "b", "c", "d"][i % 4].into(),
            set_by: "bench".into(),
            set_at: at,
        })
        .collect();
    let lead = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let lead2 = lead.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(db.write(move |c| {
        insert_chunks!(c, organisations::table, orgs, 500);
        insert_chunks!(c, credit_grades::table, grades, 500);
        for (d, name) in DEPARTMENTS
            .iter()
            .zip(["公共资源交易监督管理局", "住房和城乡建设局"])
        {
            etender::db::repo::experts::put_department(
                c,
                &DepartmentRow {
                    code: d.to_string(),
                    name: name.into(),
                    kinds: "[\"房屋建筑和市政基础设施工程\"]".into(),
                    updated_by: "bench".into(),
                    updated_at: at,
                },
            )?;
            for i in 0..OFFICERS {
                let person = uuid::Uuid::now_v7().to_string();
                // One officer in four avoids a unit that is in the register.
                let avoid = if i % 4 == 0 {
                    format!(
                        "[{{\"uscc\":\"{}\",\"name\":\"u\",\"is_working\":false}}]",
                        uscc(100_000 + i * 37)
                    )
                } else {
                    "[]".into()
                };
                etender::db::repo::supervision::put_officer(
                    c,
                    &OfficerRow {
                        person_id: person.clone(),
                        department_code: d.to_string(),
                        certificate_no: format!("鄂执 {d}-{i}"),
                        specialty: "招投标监督".into(),
                        avoid_units: avoid,
                        updated_by: "bench".into(),
                        updated_at: at,
                    },
                )?;
                if *d == "429005-zjj" && i == 0 {
                    *lead2.lock().unwrap() = person;
                }
            }
        }
        etender::db::repo::artefacts::put_item(
            c,
            &ItemRow {
                code: "ZJ-001".into(),
                name: "依法必须招标项目的招标投标活动".into(),
                legal_basis: "《招标投标法》第七条".into(),
                lead_department: "429005-zjj".into(),
                co_departments: "[\"429005-ggzy\"]".into(),
                risk_level: "high".into(),
                object_kind: "organisation".into(),
                updated_by: "bench".into(),
                updated_at: at,
            },
            false,
        )?;
        for (code, d) in [("ZJ-001-01", "429005-zjj"), ("ZJ-001-02", "429005-ggzy")] {
            etender::db::repo::artefacts::put_check(
                c,
                &CheckRow {
                    code: code.into(),
                    item_code: "ZJ-001".into(),
                    content: "检查内容".into(),
                    method: "现场检查".into(),
                    department: d.into(),
                    updated_by: "bench".into(),
                    updated_at: at,
                },
                false,
            )?;
        }
        etender::db::repo::artefacts::put_plan(
            c,
            &PlanRow {
                code: "BENCH".into(),
                name: "联合双随机抽查".into(),
                lead_department: "429005-zjj".into(),
                period_from: (today - chrono::Duration::days(1)).to_string(),
                period_to: (today + chrono::Duration::days(30)).to_string(),
                items: "[\"ZJ-001\"]".into(),
                sampling_ratio: "0.05".into(),
                grades: "[\"a\",\"b\",\"c\",\"d\"]".into(),
                departments: "[\"429005-zjj\",\"429005-ggzy\"]".into(),
                status: "published".into(),
                published_at: Some(at),
                updated_by: "bench".into(),
                updated_at: at,
            },
            false,
        )?;
        Ok(())
    }))
    .unwrap();
    let lead = lead.lock().unwrap().clone();
    lead
}

async fn measure(out: &mut Report, ctx: &AppContext, lead: &str) {
    let actor = Actor {
        kind: PrincipalKind::Person,
        id: lead.to_string(),
        name: "officer".into(),
        roles: [Role::Regulator].into_iter().collect(),
        organisation_id: None,
        session: String::new(),
    };
    let (mut draw_ms, mut request_ms, mut select_ms, mut limit_ms) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut statements, mut frame_bytes, mut tasks) = (0, 0, 0);
    for round in 0..WARMUP + ROUNDS {
        // The limit: the objects' ids, read and nothing else.
        let t = Instant::now();
        let n = ctx
            .db
            .read(|c| Ok(repo::organisation_usccs(c)?.len()))
            .await
            .unwrap();
        let limit = t.elapsed().as_secs_f64() * 1000.0;
        assert!(n >= OBJECTS);
        let t = Instant::now();
        let req = etender::wire::inspections::RequestRoundRequest { teams: TEAMS };
        let (r, sent) = etender::db::queries::counted(etender::app::inspections::request_round(
            ctx, &actor, "BENCH", req,
        ))
        .await;
        let r = r.unwrap();
        let requested = t.elapsed().as_secs_f64() * 1000.0;
        statements = sent;
        // The draw the contribution makes, over the frame as logged.
        let id = r.id.clone();
        let body = ctx
            .db
            .read(move |c| {
                let row = repo::find_round(c, &id)?.unwrap();
                Ok(etender::db::repo::audit::find(c, &row.frame_event)?
                    .unwrap()
                    .body)
            })
            .await
            .unwrap();
        frame_bytes = body.len();
        let t = Instant::now();
        let frame = etender::app::draws::logged_frame(&body).unwrap();
        let digest = frame.digest();
        assert_eq!(hex::encode(digest), r.frame_digest);
        let seed = etender::domain::draw::seed(&digest, &[7; 32], &[]);
        let result = etender::domain::draw::select(&frame, &seed);
        let rules: insp::RoundRules = serde_json::from_str(&frame.rules).unwrap();
        let assigned = insp::assign(&rules, &result);
        let selected = t.elapsed().as_secs_f64() * 1000.0;
        tasks = assigned.len();
        let per_grade: BTreeMap<&str, usize> = result
            .iter()
            .filter(|g| g.group.starts_with("o."))
            .map(|g| (g.group.as_str(), g.drawn.len()))
            .collect();
        assert_eq!(per_grade.len(), 4, "{per_grade:?}");
        assert!(per_grade.values().all(|&k| k == 1_250), "{per_grade:?}");
        assert!(assigned.iter().all(|a| a.staffed && a.members.len() == 2));
        if round >= WARMUP {
            limit_ms.push(limit);
            request_ms.push(requested);
            select_ms.push(selected);
            draw_ms.push(requested + selected);
        }
    }
    let p = |v: &mut Vec<f64>, q: f64| percentile(v, q);
    let (limit50, draw50) = (p(&mut limit_ms, 0.5), p(&mut draw_ms, 0.5));
    println!(
        "   (sqlite: {tasks} tasks of 20 pairs; request p50 {:.1} ms in {statements} statements, \
         frame {:.1} MB logged; selection and assignment p50 {:.1} ms; reading the ids p50 \
         {limit50:.1} ms)",
        p(&mut request_ms, 0.5),
        frame_bytes as f64 / 1e6,
        p(&mut select_ms, 0.5),
    );
    out.record(
        "inspections.select_and_assign_5pct_of_100k.p50.sqlite",
        p(&mut select_ms, 0.5),
        "ms",
        "goal_ms",
        100.0,
    );
    out.record(
        "inspections.draw_5pct_of_100k.p50.sqlite",
        draw50,
        "ms",
        "goal_ms",
        100.0,
    );
    out.record(
        "inspections.draw_5pct_of_100k.p50_vs_ids.sqlite",
        draw50,
        "ms",
        "read_object_ids.p50",
        limit50,
    );
}
