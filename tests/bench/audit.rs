//! The audit log under load, on SQLite and on a throwaway durable PostgreSQL (started here with
//! `tests/support/pg.sh start DIR bench`: fsync and synchronous_commit on, and stopped at the
//! end):
//!
//! - sustained appends per second: concurrent writers commit `audit::record` transactions while
//!   the background sequencer integrates them and signs checkpoints; the rate counts from the
//!   first write until the last event is covered by a signed checkpoint;
//! - p99 time-to-checkpoint: from an event's commit to the first signed checkpoint covering it
//!   (checkpoint sizes polled every 2 ms);
//! - inclusion proofs per second on a tree of 1,000,000 leaves (built in memory, stored with
//!   multi-row INSERTs), through the same use-case the API serves.
//!
//! Each is set beside the machine's raw SHA-256 rate (ring, one leaf hash of a typical entry)
//! and the same database's raw insert rate (single-row INSERT transactions into a scratch
//! table, same number of concurrent writers), both measured in the same run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use etender::app::AppContext;
use etender::audit::merkle::{self, MemoryTree};
use etender::audit::{self, sequencer, ActorRef, Event, EventType};
use etender::clock::SystemClock;
use etender::config::Settings;
use etender::db::repo::audit_log as repo;
use etender::db::Db;
use serde_json::json;

use crate::report::{rate, Report};
use crate::server::Pg;

const WRITERS: usize = 8;
const APPEND_SECONDS: u64 = 6;
const MILLION: u64 = 1_000_000;

fn context(url: &str, tmp: &std::path::Path) -> AppContext {
    let mut settings = Settings::load_for_development(None).unwrap();
    settings.database.url = url.into();
    settings.database.pool_size = 16;
    settings.audit.signing_key_file = tmp.join("audit-key.pem");
    settings.keys.kek_file = tmp.join("kek");
    let trust = tmp.join("trust");
    std::fs::create_dir_all(&trust).unwrap();
    settings.identity.trust_dir = trust;
    let db = Db::connect(&settings.database).expect("connect");
    AppContext::new(db, Arc::new(SystemClock), settings).expect("context")
}

fn event(i: u64) -> Event {
    Event {
        event_type: EventType::SessionOpened,
        // A handful of tenders, so back-links are looked up as in production.
        tender_id: Some(format!("bench-tender-{}", i % 16)),
        section_id: None,
        actor: ActorRef {
            role: "bidder".into(),
            id: uuid::Uuid::now_v7().to_string(),
        },
        subject: uuid::Uuid::now_v7().to_string(),
        body: json!({"n": i, "note": "bench event"}),
    }
}

fn p99(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64) * 0.99).ceil() as usize - 1]
}

/// Concurrent single-row INSERT transactions into a scratch table: the database's ceiling for
/// one-row commits from `WRITERS` writers.
async fn raw_insert_rate(ctx: &AppContext) -> f64 {
    ctx.db
        .write(|c| {
            c.batch_execute(
                "DROP TABLE IF EXISTS bench_scratch; \
                 CREATE TABLE bench_scratch (id TEXT PRIMARY KEY NOT NULL, payload TEXT NOT NULL)",
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..WRITERS {
        let ctx = ctx.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                ctx.db
                    .write(|c| {
                        diesel::sql_query(format!(
                            "INSERT INTO bench_scratch (id, payload) VALUES ('{}', 'x')",
                            uuid::Uuid::now_v7()
                        ))
                        .execute(c)?;
                        Ok(())
                    })
                    .await
                    .unwrap();
                n += 1;
            }
            n
        }));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    total as f64 / start.elapsed().as_secs_f64()
}

/// Sustained appends/s and p99 time-to-checkpoint (seconds).
async fn appends(ctx: &AppContext) -> (f64, f64, u64) {
    let sequencer_task = tokio::spawn(sequencer::run(ctx.db.clone(), ctx.audit_log.clone()));
    // Checkpoint sizes over time, polled on the primary.
    let polls: Arc<Mutex<Vec<(Instant, u64)>>> = Arc::default();
    let stop_poll = Arc::new(AtomicBool::new(false));
    let poller = {
        let ctx = ctx.clone();
        let polls = polls.clone();
        let stop = stop_poll.clone();
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let size = ctx
                    .db
                    .read_primary(|c| Ok(repo::latest_checkpoint(c)?.map_or(0, |r| r.tree_size)))
                    .await
                    .unwrap();
                polls.lock().unwrap().push((Instant::now(), size as u64));
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let ctx = ctx.clone();
        let stop = stop.clone();
        writers.push(tokio::spawn(async move {
            let mut commits = Vec::new();
            let mut i = w as u64;
            while !stop.load(Ordering::Relaxed) {
                let now = ctx.clock.now();
                let ev = event(i);
                let id = ctx
                    .db
                    .write(move |c| audit::record(c, now, ev))
                    .await
                    .unwrap();
                commits.push((id, Instant::now()));
                i += WRITERS as u64;
            }
            commits
        }));
    }
    tokio::time::sleep(Duration::from_secs(APPEND_SECONDS)).await;
    stop.store(true, Ordering::Relaxed);
    let mut commits = Vec::new();
    for w in writers {
        commits.extend(w.await.unwrap());
    }
    let total = commits.len() as u64;
    // Wait for the background sequencer to cover everything with a checkpoint.
    let done = loop {
        let covered = ctx
            .db
            .read_primary(|c| {
                Ok(repo::pending_count(c)? == 0
                    && repo::latest_checkpoint(c)?.map_or(0, |r| r.tree_size) == repo::size(c)?)
            })
            .await
            .unwrap();
        if covered {
            break Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    stop_poll.store(true, Ordering::Relaxed);
    poller.await.unwrap();
    sequencer_task.abort();
    let sustained = total as f64 / (done - start).as_secs_f64();

    let index_of: std::collections::HashMap<String, u64> = ctx
        .db
        .read_primary(|c| {
            Ok(repo::entries(c, &repo::Scope::All, 0, i64::MAX, i64::MAX)?
                .into_iter()
                .map(|(e, _)| (e.event_id, e.log_index as u64))
                .collect())
        })
        .await
        .unwrap();
    let polls = polls.lock().unwrap().clone();
    let mut latencies = Vec::with_capacity(commits.len());
    for (id, committed) in &commits {
        let index = index_of[id];
        let covered_at = polls
            .iter()
            .find(|(at, size)| *size > index && *at >= *committed)
            .map(|(at, _)| *at)
            .unwrap_or(done);
        latencies.push((covered_at - *committed).as_secs_f64());
    }
    (sustained, p99(latencies), total)
}

/// Stores a 1,000,000-leaf tree (all perfect-subtree nodes) and a signed checkpoint for it.
async fn build_million(ctx: &AppContext) -> f64 {
    let start = Instant::now();
    let mut tree = MemoryTree::new();
    for i in 0..MILLION {
        tree.push(merkle::leaf_hash(format!("bench entry {i}").as_bytes()));
    }
    let mut nodes = Vec::with_capacity(2 * MILLION as usize);
    for level in 0..=20u8 {
        let width = MILLION >> level;
        for idx in 0..width {
            if let Some(h) = tree.node(merkle::NodeId::new(level, idx)) {
                nodes.push(repo::NodeRow {
                    level: i32::from(level),
                    idx: idx as i64,
                    hash: h.to_vec(),
                });
            }
        }
    }
    let nodes = Arc::new(nodes);
    for part in 0..(nodes.len().div_ceil(100_000)) {
        let nodes = nodes.clone();
        ctx.db
            .write(move |c| {
                let lo = part * 100_000;
                let hi = (lo + 100_000).min(nodes.len());
                repo::insert_nodes(c, &nodes[lo..hi])?;
                Ok(())
            })
            .await
            .unwrap();
    }
    let note = ctx.audit_log.sign(MILLION, tree.root()).unwrap();
    let root = tree.root();
    ctx.db
        .write(move |c| {
            repo::insert_checkpoint(
                c,
                &repo::CheckpointRow {
                    tree_size: MILLION as i64,
                    root: root.to_vec(),
                    signed_note: note,
                    reason: "bench".into(),
                    issued_at: chrono::Utc::now().naive_utc(),
                },
            )?;
            Ok(())
        })
        .await
        .unwrap();
    start.elapsed().as_secs_f64()
}

async fn proofs_per_second(ctx: &AppContext) -> f64 {
    let root = {
        let cp = etender::app::audit::latest_checkpoint(ctx).await.unwrap();
        etender::audit::note::Checkpoint::open_signed(&cp, &ctx.audit_log.verifier())
            .unwrap()
            .root
    };
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..2u64 {
        let ctx = ctx.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ t;
            while !stop.load(Ordering::Relaxed) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let index = x % MILLION;
                let p = etender::app::audit::inclusion(&ctx, index, Some(MILLION))
                    .await
                    .unwrap();
                if n == 0 {
                    // Spot-check that the proof is a real one.
                    use base64::Engine as _;
                    let b64 = base64::engine::general_purpose::STANDARD;
                    let leaf: merkle::Hash = b64.decode(&p.leaf_hash).unwrap().try_into().unwrap();
                    let hashes: Vec<merkle::Hash> = p
                        .hashes
                        .iter()
                        .map(|h| b64.decode(h).unwrap().try_into().unwrap())
                        .collect();
                    merkle::verify_inclusion(&leaf, index, MILLION, &hashes, &root).unwrap();
                }
                n += 1;
            }
            n
        }));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    total as f64 / start.elapsed().as_secs_f64()
}

pub fn run(out: &mut Report) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // A typical entry is ~450 bytes of canonical JSON.
    let sample = audit::leaf::LeafEntry {
        v: 1,
        index: 123_456,
        event_id: uuid::Uuid::now_v7().to_string(),
        event_type: "bid_received".into(),
        tender_id: Some(uuid::Uuid::now_v7().to_string()),
        section_id: Some(uuid::Uuid::now_v7().to_string()),
        actor_role: "bidder".into(),
        actor_id: uuid::Uuid::now_v7().to_string(),
        subject: uuid::Uuid::now_v7().to_string(),
        body_sha256: "ab".repeat(32),
        occurred_at: "2026-11-24T08:00:00.000000Z".into(),
        prev_tender_index: Some(123_000),
        prev_tender_leaf_hash: Some("cd".repeat(32)),
    }
    .to_bytes();
    let sha = rate(Duration::from_millis(1500), || {
        std::hint::black_box(merkle::leaf_hash(std::hint::black_box(&sample)));
    });
    out.record(
        "audit.raw_sha256_leaf_hash",
        sha,
        "hashes/s",
        "raw_sha256_leaf_hash",
        sha,
    );

    let pg = Pg::start();
    let tmp = tempfile::tempdir().unwrap();
    for backend in ["sqlite", "postgres"] {
        let (append_url, million_url) = if backend == "sqlite" {
            (
                format!("sqlite://{}", tmp.path().join("appends.db").display()),
                format!("sqlite://{}", tmp.path().join("million.db").display()),
            )
        } else {
            (pg.database("bench_appends"), pg.database("bench_million"))
        };
        rt.block_on(async {
            let ctx = context(&append_url, tmp.path());
            let raw = raw_insert_rate(&ctx).await;
            out.record(
                &format!("audit.raw_insert_tx.{backend}"),
                raw,
                "tx/s",
                &format!("raw_insert_tx.{backend}"),
                raw,
            );
            let (appends, p99_s, total) = appends(&ctx).await;
            println!("   ({backend}: {total} events by {WRITERS} writers in {APPEND_SECONDS} s)");
            out.record(
                &format!("audit.sustained_appends.{backend}"),
                appends,
                "appends/s",
                &format!("raw_insert_tx.{backend}"),
                raw,
            );
            out.record(
                &format!("audit.sustained_appends.{backend}.vs_sha256"),
                appends,
                "appends/s",
                "raw_sha256_leaf_hash",
                sha,
            );
            out.record(
                &format!("audit.p99_time_to_checkpoint.{backend}"),
                p99_s * 1000.0,
                "ms",
                "goal_p99_ms",
                1000.0,
            );

            let ctx = context(&million_url, tmp.path());
            let build = build_million(&ctx).await;
            println!("   ({backend}: stored a 1,000,000-leaf tree in {build:.1} s)");
            let proofs = proofs_per_second(&ctx).await;
            out.record(
                &format!("audit.inclusion_proofs_1m.{backend}"),
                proofs,
                "proofs/s",
                "raw_sha256_leaf_hash",
                sha,
            );
            out.record(
                &format!("audit.inclusion_proofs_1m.{backend}.vs_insert"),
                proofs,
                "proofs/s",
                &format!("raw_insert_tx.{backend}"),
                raw,
            );
        });
    }
    drop(pg);
}
