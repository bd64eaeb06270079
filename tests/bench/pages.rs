//! The public tender list at scale (issue 10), on SQLite and on a throwaway durable PostgreSQL:
//! 10,000 published tenders (each with its tenderer, two in three with an agent, one signed
//! version whose draft has two sections, and three remedy custodians per section) are written
//! straight through the db layer with multi-row INSERTs (setup, not timed), then the release
//! `etender serve` binary
//! runs on that database as a separate process on loopback and is measured as clients see it:
//!
//! - a 200-item page, `GET /api/v1/tenders?limit=200&after=<random cursor>`, one request at a
//!   time: p50 and p99 (goal p99 ≤ 20 ms);
//! - 20-item pages from `CLIENTS` concurrent keep-alive connections for `RATE_SECONDS`: requests
//!   per second, set beside the limit measured in the same run — the same two queries a 20-item
//!   page runs (`repo::public_tender_page` + `repo::remedy_custodians_of_all`), executed directly
//!   through `Db` by `CLIENTS` concurrent tasks in this process (goal ≥ 0.5) — and beside
//!   `GET /healthz`, a handler that does nothing, on the same server with the same clients;
//!   the three take turns `RATE_ROUNDS` times (the machine is shared) and medians are reported;
//! - statements per list request, read from the server's own `/metrics` (goal ≤ 2);
//! - where a page's time goes: its two queries alone, the use-case in this process (queries
//!   and building the bodies), and the body's serialisation, each at p50 for 200 and 20 items;
//!   the server's own mean time per request (its latency histogram); CPU per request of the
//!   server (by thread kind: actix workers for HTTP and serialisation, tokio's blocking threads
//!   for the database work and the bodies), of the client, and of the direct run; the load
//!   average, since other work on the machine shows in every figure.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use etender::app::AppContext;
use etender::clock::SystemClock;
use etender::config::Settings;
use etender::db::repo::bids::{self as keyrepo, RemedyCustodianRow};
use etender::db::repo::identity::OrganisationRow;
use etender::db::repo::tenders::{self as repo, TenderRow, VersionRow};
use etender::db::repo::Keyset;
use etender::db::schema::{organisations, remedy_custodians, tender_versions, tenders};
use etender::db::{AnyConnection, Db};
use etender::domain::lifecycle::State;
use etender::domain::tender::TenderDraft;
use etender::domain::uscc::Uscc;

use crate::report::Report;
use crate::server::{Pg, Server};

const TENDERS: usize = 10_000;
const TENDERERS: usize = 40;
const AGENTS: usize = 12;
/// Sequential 200-item page requests timed for the latency figures (after a warm-up).
const LATENCY_ROUNDS: usize = 400;
/// Concurrent clients (connections, or database tasks for the limit).
const CLIENTS: usize = 8;
/// How long each rate is measured; every loop also stops after `MAX_REQUESTS`.
const RATE_SECONDS: u64 = 4;
/// Rounds of (direct, HTTP, /healthz) rate measurements; medians are reported.
const RATE_ROUNDS: usize = 3;
const MAX_REQUESTS: u64 = 1_000_000;

pub fn run(out: &mut Report) {
    let pg = Pg::start();
    let tmp = tempfile::Builder::new()
        .prefix("etender-bench-pages-")
        .tempdir()
        .unwrap();
    for backend in ["sqlite", "postgres"] {
        let dir = tmp.path().join(backend);
        std::fs::create_dir_all(&dir).unwrap();
        let url = if backend == "sqlite" {
            format!("sqlite://{}", dir.join("etender.db").display())
        } else {
            pg.database("bench_pages")
        };
        etender::db::migrate::run_pending(&url).expect("migrate");
        let ctx = context(&url, &dir);
        let started = Instant::now();
        seed(&ctx.db);
        println!(
            "   ({backend}: {TENDERS} published tenders written in {:.1} s)",
            started.elapsed().as_secs_f64()
        );
        let server = Server::start(&dir, &url, &[]);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            server.wait_ready().await;
            measure(out, backend, &ctx, &server, server.pid()).await;
        });
        drop(server);
    }
    drop(pg);
}

fn context(url: &str, dir: &Path) -> AppContext {
    let mut settings = Settings::load_for_development(None).unwrap();
    settings.database.url = url.to_string().into();
    settings.database.pool_size = CLIENTS as u32;
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

/// Multi-row INSERTs in chunks (the multi-backend connection has no batch insert).
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

fn seed(db: &Db) {
    let now = Utc::now();
    let at = now.naive_utc();
    let org = |i: usize, kind: &str| OrganisationRow {
        id: uuid::Uuid::now_v7().to_string(),
        uscc: Uscc::with_check_digit(&format!("91420600{:09}", 500_000 + i))
            .unwrap()
            .as_str()
            .to_string(),
        name: format!("潜江市第{i}{kind}有限公司"),
        contact_email: format!("org{i}@example.cn"),
        created_at: at,
    };
    let tenderers: Vec<OrganisationRow> = (0..TENDERERS).map(|i| org(i, "建设投资")).collect();
    let agents: Vec<OrganisationRow> = (0..AGENTS)
        .map(|i| org(TENDERERS + i, "招标代理"))
        .collect();
    let custodians: Vec<String> = (0..3).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let draft: TenderDraft =
        serde_json::from_value(etender::demo::tenders::demo_draft(now, &custodians)).unwrap();
    // Stored exactly as publication stores it.
    let draft = serde_json::to_string(&draft).unwrap();
    let state = serde_json::to_string(&State::Published).unwrap();
    let deadline = (now + chrono::Duration::days(30)).naive_utc();
    let mut tender_rows = Vec::with_capacity(TENDERS);
    let mut versions = Vec::with_capacity(TENDERS);
    let mut keys = Vec::with_capacity(2 * TENDERS);
    for i in 0..TENDERS {
        let id = uuid::Uuid::now_v7().to_string();
        let tenderer = &tenderers[i % TENDERERS];
        let agent = (i % 3 != 0).then(|| &agents[i % AGENTS]);
        let runner = agent.unwrap_or(tenderer).id.clone();
        tender_rows.push(TenderRow {
            id: id.clone(),
            title: format!("潜江市东荆河大道及配套管网工程（第{i}批）"),
            description: "房建市政 评定分离 试点项目".into(),
            tenderer_id: tenderer.id.clone(),
            agent_id: agent.map(|a| a.id.clone()),
            created_by: runner.clone(),
            state: "published".into(),
            state_detail: state.clone(),
            draft: draft.clone(),
            version: 1,
            bid_deadline: deadline,
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
            notice: format!("{{\"notice\":\"etender-tender-notice/v1\",\"tender_id\":\"{id}\"}}"),
            notice_digest: "ab".repeat(32),
            published_draft: draft.clone(),
            signature: "c2lnbmF0dXJl".into(),
            signature_algorithm: "ecdsa-p256-sha256".into(),
            signer_id: runner,
            signer_fingerprint: "cd".repeat(32),
            rationale: None,
            published_at: at,
        });
        for section in ["BD01", "BD02"] {
            for share_index in 1..=3 {
                keys.push(RemedyCustodianRow {
                    tender_id: id.clone(),
                    section_code: section.into(),
                    share_index,
                    custodian_id: format!("custodian-{share_index}"),
                    public_key: format!("{:064x}", share_index),
                    threshold: 2,
                    total: 3,
                    created_at: at,
                });
            }
        }
    }
    let orgs: Vec<OrganisationRow> = tenderers.into_iter().chain(agents).collect();
    db.write_blocking(move |c| {
        insert_chunks!(c, organisations::table, orgs, 500);
        insert_chunks!(c, tenders::table, tender_rows, 500);
        insert_chunks!(c, tender_versions::table, versions, 500);
        insert_chunks!(c, remedy_custodians::table, keys, 1000);
        Ok(())
    })
    .expect("seed");
    if db.backend() == etender::db::Backend::Postgres {
        db.write_blocking(|c| {
            diesel::connection::SimpleConnection::batch_execute(
                c,
                "ANALYZE organisations, tenders, tender_versions, remedy_custodians",
            )?;
            Ok(())
        })
        .expect("analyze");
    }
}

/// A small deterministic generator for cursors (no need for a crate).
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

/// The two statements of one page, straight through the db layer.
fn page_queries(c: &mut AnyConnection, after: i64, limit: i64) -> usize {
    let page = Keyset {
        after: Some(after),
        limit,
    };
    let rows = repo::public_tender_page(c, &page).unwrap();
    let ids: Vec<String> = rows
        .iter()
        .take(limit as usize)
        .map(|r| r.tender.id.clone())
        .collect();
    let keys = keyrepo::remedy_custodians_of_all(c, &ids).unwrap();
    assert_eq!(keys.len(), 6 * ids.len());
    rows.len()
}

async fn measure(out: &mut Report, backend: &str, ctx: &AppContext, server: &Server, pid: u32) {
    let (base, metrics_base) = (server.url.as_str(), server.metrics_url.as_str());
    println!(
        "   ({backend}: load average before measuring: {})",
        load_average()
    );
    let http = reqwest::Client::new();
    let list =
        |after: u64, limit: u32| format!("{base}/api/v1/tenders?limit={limit}&after={after}");
    let span = (TENDERS - 200) as u64;

    // The page really is the list, and the server answers it from the seeded data.
    let first: serde_json::Value = http
        .get(list(0, 200))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 200);
    assert_eq!(first["next"], "200");
    assert_eq!(first["items"][0]["remedy"].as_array().unwrap().len(), 2);

    // (a) One 200-item page at a time.
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..30 {
        let r = http.get(list(rng.below(span), 200)).send().await.unwrap();
        r.bytes().await.unwrap();
    }
    let mut times = Vec::with_capacity(LATENCY_ROUNDS);
    let mut bytes = 0;
    let (served_before, busy_before) = server_time(&http, metrics_base).await;
    let (server_cpu, own_cpu) = (cpu_seconds(pid), cpu_seconds(std::process::id()));
    for _ in 0..LATENCY_ROUNDS {
        let url = list(rng.below(span), 200);
        let t = Instant::now();
        let r = http.get(url).send().await.unwrap();
        assert!(r.status().is_success());
        bytes = r.bytes().await.unwrap().len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let per_request = |cpu: f64| cpu * 1000.0 / LATENCY_ROUNDS as f64;
    let (server_cpu, own_cpu) = (
        per_request(cpu_seconds(pid) - server_cpu),
        per_request(cpu_seconds(std::process::id()) - own_cpu),
    );
    let (served, busy) = server_time(&http, metrics_base).await;
    let server_ms = (busy - busy_before) * 1000.0 / (served - served_before);
    let worst = times.iter().copied().fold(0.0, f64::max);
    let p50 = percentile(&mut times, 0.50);
    let p99 = percentile(&mut times, 0.99);
    println!(
        "   ({backend}: a 200-item page is {} KiB of JSON; mean time inside the server \
         {server_ms:.2} ms; CPU per request: server {server_cpu:.2} ms, client {own_cpu:.2} ms; \
         slowest {worst:.1} ms; load average after: {})",
        bytes / 1024,
        load_average()
    );
    out.record(
        &format!("pages.list_200.server_mean.{backend}"),
        server_ms,
        "ms",
        "goal_p99_ms",
        20.0,
    );
    out.record(
        &format!("pages.list_200.p50.{backend}"),
        p50,
        "ms",
        "goal_p99_ms",
        20.0,
    );
    out.record(
        &format!("pages.list_200.p99.{backend}"),
        p99,
        "ms",
        "goal_p99_ms",
        20.0,
    );

    // Where a page's time goes, in this process: the two queries, the use-case (queries and
    // bodies), the serialisation. Set beside the HTTP p50 (ratio: the share of it).
    for (limit, http_p50) in [(200u32, p50), (20, 0.0)] {
        let http_p50 = if limit == 200 {
            http_p50
        } else {
            let mut t20 = Vec::new();
            for _ in 0..200 {
                let url = list(rng.below(span), limit);
                let t = Instant::now();
                http.get(url).send().await.unwrap().bytes().await.unwrap();
                t20.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            let v = percentile(&mut t20, 0.5);
            out.record(
                &format!("pages.list_20.p50.{backend}"),
                v,
                "ms",
                "goal_p99_ms",
                20.0,
            );
            v
        };
        let (q, uc, ser) = breakdown(ctx, limit, &mut rng).await;
        let name = |what: &str| format!("pages.breakdown_{limit}.{what}.p50.{backend}");
        let limit_name = format!("http_list_{limit}.p50");
        out.record(&name("queries"), q, "ms", &limit_name, http_p50);
        out.record(&name("use_case"), uc, "ms", &limit_name, http_p50);
        out.record(&name("serialise"), ser, "ms", &limit_name, http_p50);
    }

    // (b) Concurrent 20-item pages, beside the same queries run directly and beside /healthz.
    // The machine is shared, so the three run in turn `RATE_ROUNDS` times and the medians are
    // reported (each round printed).
    let own = std::process::id();
    let (mut direct, mut pages, mut healthz) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=RATE_ROUNDS {
        let own_before = cpu_seconds(own);
        let (d, d_done) = db_rate(ctx).await;
        let db_cpu = (cpu_seconds(own) - own_before) * 1000.0 / d_done as f64;
        let (threads_before, own_before) = (threads_cpu(pid), cpu_seconds(own));
        let (p, p_done) = http_rate(
            &http,
            CLIENTS,
            move |n| {
                let after = (n.wrapping_mul(0x9e37_79b9) >> 7) % (TENDERS as u64 - 20);
                format!("/api/v1/tenders?limit=20&after={after}")
            },
            base,
        )
        .await;
        // CPU per 20-item page, by server thread kind and for this process (the client here,
        // the whole direct run above; warm-up requests included in the count).
        let requests = (p_done + CLIENTS as u64 * 4) as f64;
        let client_cpu = (cpu_seconds(own) - own_before) * 1000.0 / requests;
        let mut by_thread: Vec<(String, f64)> = threads_cpu(pid)
            .into_iter()
            .map(|(name, secs)| {
                let before = threads_before.get(&name).copied().unwrap_or(0.0);
                (name, (secs - before) * 1000.0 / requests)
            })
            .filter(|(_, ms)| *ms > 0.0)
            .collect();
        by_thread.sort_by(|a, b| b.1.total_cmp(&a.1));
        let server_cpu: f64 = by_thread.iter().map(|(_, ms)| ms).sum();
        let threads: Vec<String> = by_thread
            .iter()
            .map(|(name, ms)| format!("{name} {ms:.3}"))
            .collect();
        let (h, _) = http_rate(&http, CLIENTS, |_| "/healthz".to_string(), base).await;
        println!(
            "   ({backend} round {round}: direct {d:.0} pages/s, HTTP {p:.0} req/s (ratio {:.3}), \
             /healthz {h:.0} req/s; CPU ms per 20-item page: direct (this process) {db_cpu:.3}, \
             server {server_cpu:.3} [{}] + client {client_cpu:.3}; load average {})",
            p / d,
            threads.join(", "),
            load_average()
        );
        direct.push(d);
        pages.push(p);
        healthz.push(h);
    }
    let (direct, pages_rate, healthz) = (
        percentile(&mut direct, 0.5),
        percentile(&mut pages, 0.5),
        percentile(&mut healthz, 0.5),
    );
    out.record(
        &format!("pages.db_page_queries_20.rate.{backend}"),
        direct,
        "pages/s",
        &format!("db_page_queries_20.{backend}"),
        direct,
    );
    out.record(
        &format!("pages.list_20.rate.{backend}"),
        pages_rate,
        "req/s",
        &format!("db_page_queries_20.{backend}"),
        direct,
    );
    out.record(
        &format!("pages.healthz.rate.{backend}"),
        healthz,
        "req/s",
        &format!("db_page_queries_20.{backend}"),
        direct,
    );
    out.record(
        &format!("pages.list_20.rate.vs_healthz.{backend}"),
        pages_rate,
        "req/s",
        &format!("healthz.{backend}"),
        healthz,
    );

    // Statements per list request, as the server itself counted them.
    let metrics = http
        .get(format!("{metrics_base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = |suffix: &str| -> f64 {
        metrics
            .lines()
            .find(|l| {
                l.starts_with(&format!("etender_http_request_db_queries_{suffix}{{"))
                    && l.contains("route=\"/api/v1/tenders\"")
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let per_page = series("sum") / series("count");
    out.record(
        &format!("pages.db_queries_per_list_request.{backend}"),
        per_page,
        "queries",
        "goal_max_queries",
        2.0,
    );
}

/// p50 of the page's queries alone, of the use-case (queries + bodies) and of serialising the
/// body, in this process.
async fn breakdown(ctx: &AppContext, limit: u32, rng: &mut XorShift) -> (f64, f64, f64) {
    let span = (TENDERS - limit as usize) as u64;
    let (mut q, mut uc, mut ser) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..200 {
        let after = rng.below(span) as i64;
        let t = Instant::now();
        ctx.db
            .read_primary(move |c| Ok(page_queries(c, after, i64::from(limit))))
            .await
            .unwrap();
        q.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let page = etender::app::tenders::list_public(
            ctx,
            Some(after.to_string()),
            Some(i64::from(limit)),
        )
        .await
        .unwrap();
        uc.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        std::hint::black_box(serde_json::to_vec(&page).unwrap());
        ser.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (
        percentile(&mut q, 0.5),
        percentile(&mut uc, 0.5),
        percentile(&mut ser, 0.5),
    )
}

/// 20-item pages' queries per second (and pages) from `CLIENTS` concurrent tasks, straight
/// through `Db`.
async fn db_rate(ctx: &AppContext) -> (f64, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..CLIENTS as u64 {
        let (db, stop, done) = (ctx.db.clone(), stop.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = XorShift(0x2545_f491_4f6c_dd1d ^ (t + 1));
            while !stop.load(Ordering::Relaxed) && done.load(Ordering::Relaxed) < MAX_REQUESTS {
                let after = rng.below(TENDERS as u64 - 20) as i64;
                let n = db
                    .read_primary(move |c| Ok(page_queries(c, after, 20)))
                    .await
                    .unwrap();
                assert_eq!(n, 21);
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    run_for(&stop, &done).await;
    for t in tasks {
        t.await.unwrap();
    }
    let n = done.load(Ordering::Relaxed);
    (n as f64 / start.elapsed().as_secs_f64(), n)
}

/// Requests per second (and requests) from `clients` concurrent keep-alive connections, each
/// GET `path(n)`.
async fn http_rate(
    http: &reqwest::Client,
    clients: usize,
    path: impl Fn(u64) -> String + Send + Sync + Clone + 'static,
    base: &str,
) -> (f64, u64) {
    // Warm the connections up.
    for _ in 0..clients * 4 {
        http.get(format!("{base}{}", path(1)))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..clients as u64 {
        let (http, stop, done, path) = (http.clone(), stop.clone(), done.clone(), path.clone());
        let base = base.to_string();
        tasks.push(tokio::spawn(async move {
            let mut n = t;
            while !stop.load(Ordering::Relaxed) && done.load(Ordering::Relaxed) < MAX_REQUESTS {
                let r = http.get(format!("{base}{}", path(n))).send().await.unwrap();
                assert!(r.status().is_success(), "{}", r.status());
                r.bytes().await.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
                n += clients as u64;
            }
        }));
    }
    run_for(&stop, &done).await;
    for t in tasks {
        t.await.unwrap();
    }
    let n = done.load(Ordering::Relaxed);
    (n as f64 / start.elapsed().as_secs_f64(), n)
}

/// Let the loops run for `RATE_SECONDS`, or until they reach `MAX_REQUESTS`, then stop them.
async fn run_for(stop: &AtomicBool, done: &AtomicU64) {
    let deadline = Instant::now() + Duration::from_secs(RATE_SECONDS);
    while Instant::now() < deadline && done.load(Ordering::Relaxed) < MAX_REQUESTS {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::Relaxed);
}

/// CPU seconds (user + system) a process has used so far.
pub(crate) fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after "(comm)": utime and stime are the 12th and 13th, in USER_HZ (100) ticks.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

/// `(requests, seconds)` the server has spent handling `GET /api/v1/tenders` so far, from its
/// own latency histogram (handler and middleware, without the network and the client).
async fn server_time(http: &reqwest::Client, base: &str) -> (f64, f64) {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = |suffix: &str| -> f64 {
        text.lines()
            .find(|l| {
                l.starts_with(&format!("etender_http_request_duration_seconds_{suffix}{{"))
                    && l.contains("route=\"/api/v1/tenders\"")
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    (series("count"), series("sum"))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// CPU seconds per thread name of a process (tokio's and actix's threads share names).
fn threads_cpu(pid: u32) -> std::collections::HashMap<String, f64> {
    let mut out = std::collections::HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let tick = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        *out.entry(stat[open + 1..close].to_string()).or_insert(0.0) +=
            (tick(11) + tick(12)) / 100.0;
    }
    out
}
