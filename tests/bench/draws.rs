//! The expert draw at library scale (issue 12), on SQLite and on a throwaway PostgreSQL: a
//! library of 100,000 experts (about 3,000 per specialty over 33 specialties, every expert with
//! an avoidance list) is written straight through the db layer (setup, not timed); then the
//! tenderer's draw of 9 experts in 3 specialties (3 each, 2 reserves each) is run through the
//! use-case users call (`app::draws::request_draw`: eligibility read, exclusions, the frozen
//! frame, the commitment, the rows and the audit entry) and the selection the contribution
//! makes (`domain::draw::select` over the frame as logged), on a fresh tender each round.
//!
//! The limit, measured beside it in the same run: reading the eligible experts' ids of the
//! three specialties from the database (`repo::draws::candidates`, the read the draw makes),
//! nothing else. Goals: the draw ≤ 10 ms at p99, and ≤ 2× the limit. Printed beside them, for
//! what the machine allows at all: the statements a draw sends, and the floor of any durable
//! write — one small audit event (a session opened) in its own committed transaction.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use diesel::prelude::*;
use etender::app::{Actor, AppContext};
use etender::audit::{ActorRef, Event, EventType};
use etender::clock::SystemClock;
use etender::config::Settings;
use etender::db::repo::audit as arepo;
use etender::db::repo::draws as drepo;
use etender::db::repo::experts::{AvoidUnitRow, ExpertRow};
use etender::db::repo::identity::{OrganisationRow, PersonRow};
use etender::db::repo::tenders::{TenderRow, VersionRow};
use etender::db::schema::{
    expert_avoid_units, expert_specialties, experts, organisations, people, tender_versions,
    tenders,
};
use etender::db::{AnyConnection, Db};
use etender::domain::identity::{PrincipalKind, Role};
use etender::domain::lifecycle::State;
use etender::domain::tender::TenderDraft;
use etender::domain::uscc::Uscc;
use serde_json::json;

use crate::report::Report;
use crate::server::Pg;

const EXPERTS: usize = 100_000;
/// Specialties of the library; the draw asks for the first three.
const SPECIALTIES: [&str; 33] = [
    "A080201", "A080204", "A080205", "A080101", "A080102", "A080103", "A080104", "A080105",
    "A080106", "A080107", "A080108", "A080109", "A080110", "A080111", "A080112", "A080113",
    "A080114", "A080115", "A080116", "A080117", "A080118", "A080119", "A080202", "A080203",
    "A080206", "A080207", "A040101", "A040102", "A040103", "A040104", "A040105", "A040106",
    "A040107",
];
/// Units experts avoid (each expert one); a few are the bench tenderer's.
const UNITS: usize = 2_000;
/// Timed draws (each on its own tender), after `WARMUP`.
const ROUNDS: usize = 60;
const WARMUP: usize = 5;

pub fn run(out: &mut Report) {
    let pg = Pg::start();
    let tmp = tempfile::Builder::new()
        .prefix("etender-bench-draws-")
        .tempdir()
        .unwrap();
    for backend in ["sqlite", "postgres"] {
        let dir = tmp.path().join(backend);
        std::fs::create_dir_all(&dir).unwrap();
        let url = if backend == "sqlite" {
            format!("sqlite://{}", dir.join("etender.db").display())
        } else {
            pg.database("bench_draws")
        };
        etender::db::migrate::run_pending(&url).expect("migrate");
        let ctx = context(&url, &dir);
        let started = Instant::now();
        let pg_url = (backend == "postgres").then_some(url.as_str());
        let (tenderer, tender_ids) = seed(&ctx.db, pg_url, WARMUP + ROUNDS);
        println!(
            "   ({backend}: {EXPERTS} experts in {} specialties written in {:.1} s)",
            SPECIALTIES.len(),
            started.elapsed().as_secs_f64()
        );
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(measure(out, backend, &ctx, &tenderer, &tender_ids));
    }
    drop(pg);
}

pub(crate) fn context(url: &str, dir: &Path) -> AppContext {
    let mut settings = Settings::load_for_development(None).unwrap();
    settings.database.url = url.to_string().into();
    settings.database.run_migrations = false;
    settings.audit.signing_key_file = dir.join("bench-audit-key.pem");
    settings.keys.kek_file = dir.join("bench-kek");
    settings.storage.dir = dir.join("bench-files");
    let trust = dir.join("bench-trust");
    std::fs::create_dir_all(&trust).unwrap();
    settings.identity.trust_dir = trust;
    let db = Db::connect(&settings.database).expect("connect");
    AppContext::new(db, Arc::new(SystemClock), settings).expect("context")
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

pub(crate) fn uscc(n: usize) -> String {
    Uscc::with_check_digit(&format!("91420600{n:09}"))
        .unwrap()
        .as_str()
        .to_string()
}

/// The library, a tenderer, and `tenders` published tenders of that tenderer (`pg_url`: the
/// database, when it is PostgreSQL).
fn seed(db: &Db, pg_url: Option<&str>, tenders_n: usize) -> (String, Vec<String>) {
    let now = Utc::now();
    let at = now.naive_utc();
    let tenderer = OrganisationRow {
        id: uuid::Uuid::now_v7().to_string(),
        uscc: uscc(1),
        name: "潜江市城市建设投资开发有限公司".into(),
        contact_email: "t@example.cn".into(),
        created_at: at,
    };
    let mut persons = Vec::with_capacity(EXPERTS);
    let mut members = Vec::with_capacity(EXPERTS);
    let mut codes = Vec::with_capacity(EXPERTS);
    let mut avoid = Vec::with_capacity(EXPERTS);
    for i in 0..EXPERTS {
        let pid = uuid::Uuid::now_v7().to_string();
        persons.push(PersonRow {
            id: pid.clone(),
            person_id: format!("4299991970010{i:05}"),
            name: format!("专家{i}"),
            contact_email: format!("e{i}@example.cn"),
            organisation_id: None,
            created_at: at,
        });
        let id = uuid::Uuid::now_v7().to_string();
        let member = ExpertRow {
            id: id.clone(),
            library: "experts".into(),
            principal_id: pid,
            name: format!("专家{i}"),
            region: "429005".into(),
            employer: format!("单位{}", i % 5000),
            employer_uscc: Some(uscc(10_000 + i % 5000)),
            department: None,
            title: "高级工程师".into(),
            senior_title: true,
            practice_years: 10,
            phone: "13800138000".into(),
            email: format!("e{i}@example.cn"),
            status: if i % 97 == 0 { "suspended" } else { "active" }.into(),
            status_until: (i % 97 == 0).then(|| (now + chrono::Duration::days(90)).naive_utc()),
            status_reason: None,
            admitted_by: "bench".into(),
            admitted_at: at,
            updated_at: at,
        };
        // The specialty row with the copy of what a draw filters on, as
        // `repo::experts::insert` writes it.
        codes.push((
            expert_specialties::code.eq(SPECIALTIES[i % SPECIALTIES.len()]),
            expert_specialties::expert_id.eq(id.clone()),
            expert_specialties::library.eq(member.library.clone()),
            expert_specialties::status.eq(member.status.clone()),
            expert_specialties::status_until.eq(member.status_until),
            expert_specialties::region.eq(member.region.clone()),
            expert_specialties::employer_uscc.eq(member.employer_uscc.clone()),
            expert_specialties::department.eq(member.department.clone()),
        ));
        members.push(member);
        // Unit 1 is the tenderer: one expert in a thousand avoids it.
        let unit = if i % 1000 == 0 { 1 } else { 2 + i % UNITS };
        avoid.push(AvoidUnitRow {
            expert_id: id,
            uscc: uscc(unit),
            name: format!("单位{unit}"),
            is_working: false,
        });
    }
    let custodians: Vec<String> = (0..3).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let draft: TenderDraft =
        serde_json::from_value(etender::demo::tenders::demo_draft(now, &custodians)).unwrap();
    let draft = serde_json::to_string(&draft).unwrap();
    let state = serde_json::to_string(&State::Published).unwrap();
    let mut tender_rows = Vec::new();
    let mut versions = Vec::new();
    let mut ids = Vec::new();
    for i in 0..tenders_n {
        let id = uuid::Uuid::now_v7().to_string();
        ids.push(id.clone());
        tender_rows.push(TenderRow {
            id: id.clone(),
            title: format!("工程{i}"),
            description: "bench".into(),
            tenderer_id: tenderer.id.clone(),
            agent_id: None,
            created_by: tenderer.id.clone(),
            state: "published".into(),
            state_detail: state.clone(),
            draft: draft.clone(),
            version: 1,
            bid_deadline: (now + chrono::Duration::days(30)).naive_utc(),
            reconfirm_from_version: None,
            created_at: at,
            updated_at: at,
            published_at: Some(at),
            public_seq: Some(i as i64 + 1),
        });
        versions.push(VersionRow {
            tender_id: id.clone(),
            version: 1,
            kind: "publication".into(),
            notice: "{}".into(),
            notice_digest: "ab".repeat(32),
            published_draft: draft.clone(),
            signature: "c2ln".into(),
            signature_algorithm: "ecdsa-p256-sha256".into(),
            signer_id: tenderer.id.clone(),
            signer_fingerprint: "cd".repeat(32),
            rationale: None,
            published_at: at,
        });
    }
    let tenderer_id = tenderer.id.clone();
    db.write_blocking(move |c| {
        insert_chunks!(c, organisations::table, [tenderer], 1);
        insert_chunks!(c, people::table, persons, 1000);
        insert_chunks!(c, experts::table, members, 500);
        insert_chunks!(c, expert_specialties::table, codes, 2000);
        insert_chunks!(c, expert_avoid_units::table, avoid, 1000);
        insert_chunks!(c, tenders::table, tender_rows, 200);
        insert_chunks!(c, tender_versions::table, versions, 200);
        Ok(())
    })
    .expect("seed");
    if let Some(url) = pg_url {
        // What autovacuum does to a freshly loaded table in production, done at once: without
        // it the visibility map is unset, the covering index of `repo::draws::candidates` is
        // not read index-only (the planner takes a bitmap heap scan instead), and the bench
        // would measure a state a running library does not stay in (docs/DRAWS.md §8). VACUUM
        // cannot run inside a transaction, hence a connection of its own.
        use diesel::connection::SimpleConnection;
        let mut c = <diesel::PgConnection as diesel::Connection>::establish(url).expect("pg");
        c.batch_execute(
            "VACUUM (ANALYZE) people, experts, expert_specialties, expert_avoid_units, \
             tenders, tender_versions, organisations",
        )
        .expect("vacuum");
    }
    (tenderer_id, ids)
}

pub(crate) fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

async fn measure(
    out: &mut Report,
    backend: &str,
    ctx: &AppContext,
    tenderer: &str,
    tenders_ids: &[String],
) {
    let actor = Actor {
        kind: PrincipalKind::Organisation,
        id: tenderer.to_string(),
        name: "tenderer".into(),
        roles: [Role::Tenderer].into_iter().collect(),
        organisation_id: Some(tenderer.to_string()),
        session: String::new(),
    };
    let request = || {
        serde_json::from_value::<etender::wire::draws::DrawRequest>(json!({
            "evaluation_at": Utc::now() + chrono::Duration::days(3), "place": "评标室",
            "remote": false, "groups": [
                {"specialty": SPECIALTIES[0], "count": 3, "reserves": 2},
                {"specialty": SPECIALTIES[1], "count": 3, "reserves": 2},
                {"specialty": SPECIALTIES[2], "count": 3, "reserves": 2}]}))
        .unwrap()
    };
    let (mut draw_ms, mut request_ms, mut select_ms, mut limit_ms, mut commit_ms) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut eligible, mut statements) = (0, 0);
    for (round, tender) in tenders_ids.iter().enumerate() {
        // The limit: the eligible ids of the three specialties, read and nothing else.
        let t = Instant::now();
        let n = ctx
            .db
            .read(|c| {
                let mut n = 0;
                for code in &SPECIALTIES[..3] {
                    n += drepo::candidates(c, "experts", code)?.len();
                }
                Ok(n)
            })
            .await
            .unwrap();
        let limit = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let (d, sent) = etender::db::queries::counted(etender::app::draws::request_draw(
            ctx,
            &actor,
            tender,
            "BD01",
            request(),
        ))
        .await;
        let d = d.unwrap();
        let requested = t.elapsed().as_secs_f64() * 1000.0;
        statements = sent;
        // The floor of a durable write on this machine, now: one small event, committed.
        let t = Instant::now();
        ctx.db
            .write(move |c| {
                let event = Event {
                    event_type: EventType::SessionOpened,
                    tender_id: None,
                    section_id: None,
                    actor: ActorRef::system(),
                    subject: "bench".into(),
                    body: json!({"session": round}),
                };
                etender::audit::record(c, Utc::now(), event)
            })
            .await
            .unwrap();
        let committed = t.elapsed().as_secs_f64() * 1000.0;
        // The selection the contribution makes, over the frame as logged (the draw row names
        // its `draw_requested` entry): parsed, checked against its digest, selected.
        let id = d.id.clone();
        let body = ctx
            .db
            .read(move |c| {
                let row = drepo::find(c, &id)?.unwrap();
                Ok(arepo::find(c, &row.frame_event)?.unwrap().body)
            })
            .await
            .unwrap();
        let t = Instant::now();
        let frame = etender::app::draws::logged_frame(&body).unwrap();
        let digest = frame.digest();
        assert_eq!(hex::encode(digest), d.frame_digest);
        let seed = etender::domain::draw::seed(&digest, &[7; 32], &[]);
        let result = etender::domain::draw::select(&frame, &seed);
        let selected = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(result.iter().map(|g| g.drawn.len()).sum::<usize>(), 9);
        eligible = d.groups.iter().map(|g| g.candidates as usize).sum();
        assert!(eligible <= n && eligible > 8_000, "{eligible} of {n}");
        if round >= WARMUP {
            limit_ms.push(limit);
            commit_ms.push(committed);
            request_ms.push(requested);
            select_ms.push(selected);
            draw_ms.push(requested + selected);
        }
    }
    let p = |v: &mut Vec<f64>, q: f64| percentile(v, q);
    let (limit50, draw50) = (p(&mut limit_ms, 0.5), p(&mut draw_ms, 0.5));
    let draw99 = p(&mut draw_ms, 0.99);
    println!(
        "   ({backend}: {eligible} eligible of 3 specialties; request p50 {:.2} ms p99 {:.2} ms \
         in {statements} statements, selection p50 {:.2} ms, reading the ids p50 {limit50:.2} ms \
         p99 {:.2} ms, one small event committed p50 {:.2} ms p99 {:.2} ms)",
        p(&mut request_ms, 0.5),
        p(&mut request_ms, 0.99),
        p(&mut select_ms, 0.5),
        p(&mut limit_ms, 0.99),
        p(&mut commit_ms, 0.5),
        p(&mut commit_ms, 0.99),
    );
    out.record(
        &format!("draws.draw_9_of_100k.p99.{backend}"),
        draw99,
        "ms",
        "goal_p99_ms",
        10.0,
    );
    out.record(
        &format!("draws.draw_9_of_100k.p50.{backend}"),
        draw50,
        "ms",
        "read_eligible_ids.p50_x2",
        2.0 * limit50,
    );
}
