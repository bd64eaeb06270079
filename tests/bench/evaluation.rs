//! Reading an opened bid (issue 13): a 1 GiB part of an opened bid, decrypted by the server as
//! it streams, against the same server streaming a 1 GiB plain tender document over the same
//! path (HTTP, storage read) in the same run — the limit.
//!
//! The release `etender serve --dev` binary runs as a separate process on SQLite: the training
//! server, so the bench moves its sandbox clock past the deadline and the decryption window
//! instead of waiting; the read path is the production one. The story before the timed reads
//! is the platform's: the agent publishes the demo tender and a 1 GiB document; three bidders
//! get bond sub-accounts, the bank reports their bonds (signed notices), they seal (bidder-a
//! one document of exactly 1 GiB, the others a small one), upload and submit; the deadline
//! passes, every bidder releases its keys, the opening record is published; the demo's draw
//! seats BD01's evaluation committee (experts drawn with the regulator's contribution, checked in
//! at the evaluation time, the committee formed, its leader elected: `demo::seat_committee`).
//! Then, three rounds each, alternating (median reported):
//!
//! - the public downloads the plain document (`GET …/documents/{doc}/content`): the limit;
//! - a committee member streams bidder-a's opened part (`GET …/bids/{bid}/parts/1/content`),
//!   the server checking its membership, unwrapping the part key under its KEK and decrypting
//!   every record in place on the way (goal ≥ 0.8 of the limit).
//!
//! Both clients write into a digest, so each byte is received and the decrypted bytes are
//! checked against what bidder-a sealed. The server's VmRSS is sampled every 20 ms during the
//! reads: growth = max during − before the first read (goal ≤ 64 MiB).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use etender::client::bank::{BankNotice, BondIssuer};
use etender::client::bids::OpeningPhase;
use etender::client::bids::{seal_bid_to_dir, BondKind};
use etender::client::Client;
use etender::demo::bids::{advance_to, wait_for};
use etender::demo::tenders::demo_draft;
use etender::demo::{creds, enrol, enrol_org};
use etender::pki::{init_dev_pki, DevIdentity, DevPki};
use etender::seal::{BidContext, EnvelopeSecret, Summary};
use reqwest::Method;
use serde_json::{json, Value};

use crate::bids::{median, memory, write_file, GIB, MIB, SAMPLE_EVERY};
use crate::report::Report;
use crate::server::Server;

const SECTION: &str = "BD01";
const ROUNDS: usize = 3;
/// The demo draft's bond for BD01.
const BOND: &str = "800000.00";

/// Counts and hashes what a download writes, keeping nothing.
struct Digest {
    ctx: ring::digest::Context,
    n: u64,
}

impl Digest {
    fn new() -> Digest {
        Digest {
            ctx: ring::digest::Context::new(&ring::digest::SHA256),
            n: 0,
        }
    }
}

impl std::io::Write for Digest {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.ctx.update(b);
        self.n += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Figures {
    plain_s: Vec<f64>,
    opened_s: Vec<f64>,
    bytes: u64,
    rss_before: u64,
    rss_max: u64,
}

fn id<'a>(pki: &'a DevPki, key: &str) -> &'a DevIdentity {
    pki.identity(key).unwrap_or_else(|| panic!("no {key}"))
}

pub(crate) async fn person(
    base: &str,
    pki: &DevPki,
    admin: &Client,
    key: &str,
    role: &str,
) -> String {
    let c = enrol(base, id(pki, key)).await.unwrap();
    let me: Value = c.get("/api/v1/me").await.unwrap();
    let pid = me["id"].as_str().unwrap().to_string();
    let _: Value = admin
        .call(
            Method::PUT,
            &format!("/api/v1/people/{pid}/roles/{role}"),
            None,
        )
        .await
        .unwrap();
    pid
}

/// One bidder's sealed bid in `dir`: a document of `len` bytes.
pub(crate) async fn seal(
    bidder: &Client,
    who: &DevIdentity,
    tender: &str,
    price: &str,
    reference: &str,
    len: u64,
    dir: &Path,
) -> (etender::client::bids::SealedBidFiles, EnvelopeSecret) {
    let mine = bidder.my_bid(tender, SECTION).await.unwrap();
    let ctx = BidContext {
        tender_id: tender.into(),
        section_id: SECTION.into(),
        bidder_uscc: etender::domain::uscc::Uscc::parse(who.uscc.as_deref().unwrap()).unwrap(),
        bid_version: mine.next_version,
        remedy: mine.remedy.clone(),
    };
    let summary = Summary {
        price: price.parse().unwrap(),
        duration_days: 540,
        quality: "合格".into(),
        project_manager: "王建国".into(),
        bid_bond_reference: reference.into(),
    };
    let envelope = EnvelopeSecret::generate(&mut rand_core::OsRng);
    let secret = EnvelopeSecret::from_bytes(&envelope.to_bytes());
    let (doc, out, creds) = (
        dir.join("技术标.pdf"),
        dir.join("sealed"),
        creds(who).unwrap(),
    );
    let sealed = tokio::task::spawn_blocking(move || {
        write_file(&doc, len).sync_all().unwrap();
        let sealed = seal_bid_to_dir(
            ctx,
            &summary,
            &[("技术标.pdf".to_string(), doc.clone())],
            &out,
            &envelope,
            &creds,
        )
        .unwrap();
        std::fs::remove_file(&doc).unwrap();
        sealed
    })
    .await
    .unwrap();
    (sealed, secret)
}

async fn read_opened(server: &Server, pki: &DevPki, dir: &Path, work: &Path) -> Figures {
    let base = server.url.as_str();
    let admin = enrol(base, id(pki, "admin")).await.unwrap();
    let tenderer = enrol_org(base, id(pki, "tenderer"), &admin).await.unwrap();
    let agent = enrol_org(base, id(pki, "agent"), &admin).await.unwrap();
    let mut custodians = Vec::new();
    for key in ["custodian-1", "custodian-2", "custodian-3"] {
        let pid = person(base, pki, &admin, key, "custodian").await;
        let c = enrol(base, id(pki, key)).await.unwrap();
        let envelope = EnvelopeSecret::generate(&mut rand_core::OsRng);
        c.register_envelope_key(&pid, &envelope, &creds(id(pki, key)).unwrap())
            .await
            .unwrap();
        custodians.push(pid);
    }
    person(base, pki, &admin, "regulator", "regulator").await;

    // The demo's tender, published by the agent for the tenderer, with a 1 GiB document.
    let time: Value = agent.get("/api/v1/time").await.unwrap();
    let now: chrono::DateTime<chrono::Utc> = serde_json::from_value(time["now"].clone()).unwrap();
    let tenderer_me: Value = tenderer.get("/api/v1/me").await.unwrap();
    let agent_me: Value = agent.get("/api/v1/me").await.unwrap();
    let title = "基准测试 开标后读取投标文件";
    let agent_creds = creds(id(pki, "agent")).unwrap();
    let entrusted = tenderer
        .entrust(
            agent_me["id"].as_str().unwrap(),
            title,
            &creds(id(pki, "tenderer")).unwrap(),
        )
        .await
        .unwrap();
    let t: Value = agent
        .post(
            "/api/v1/tenders",
            &json!({"title": title, "description": "bench: reading a 1 GiB opened part",
                    "tenderer_id": tenderer_me["id"], "entrustment_id": entrusted.id,
                    "draft": demo_draft(now, &custodians)}),
        )
        .await
        .unwrap();
    let tender = t["id"].as_str().unwrap().to_string();
    let plain = {
        let path = work.join("plain.pdf");
        write_file(&path, GIB).sync_all().unwrap();
        std::fs::read(&path).unwrap()
    };
    let plain_sha = hex::encode(ring::digest::digest(&ring::digest::SHA256, &plain));
    let doc = agent
        .upload_document(&tender, "工程量清单", "清单.pdf", "application/pdf", plain)
        .await
        .unwrap();
    let doc = doc["id"].as_str().unwrap().to_string();
    let sig = agent.sign_notice(&tender, &agent_creds).await.unwrap();
    let t: Value = agent
        .post(&format!("/api/v1/tenders/{tender}/publish"), &sig)
        .await
        .unwrap();

    // Three bidders: a bond sub-account each, the bank's notice, a sealed bid.
    // The bank, with the key the bench server was configured with.
    let bank = BondIssuer::from_key_file(base, &dir.join("bank-notice.key")).unwrap();
    let mut bids = Vec::new();
    for (i, key) in ["bidder-a", "bidder-b", "bidder-c"].into_iter().enumerate() {
        let who = id(pki, key);
        let bidder = enrol_org(base, who, &admin).await.unwrap();
        let account = bidder.my_bond_account(&tender, SECTION).await.unwrap();
        let reference = format!("BANK-BENCH-{i}");
        let at: Value = agent.get("/api/v1/time").await.unwrap();
        bank.notify(&BankNotice {
            account: account.account,
            amount: BOND.parse().unwrap(),
            kind: BondKind::BankGuarantee,
            reference: reference.clone(),
            arrived_at: serde_json::from_value(at["now"].clone()).unwrap(),
            payer_account: None,
        })
        .await
        .unwrap();
        let dir = work.join(key);
        std::fs::create_dir_all(&dir).unwrap();
        let len = if i == 0 { GIB } else { MIB };
        let price = ["47500000.00", "47100000.00", "46800000.00"][i];
        let (sealed, envelope) = seal(&bidder, who, &tender, price, &reference, len, &dir).await;
        let receipt = bidder
            .submit_sealed_bid(
                &tender,
                SECTION,
                &sealed.manifest,
                &sealed.part_paths,
                &creds(who).unwrap(),
            )
            .await
            .unwrap();
        bids.push((who, sealed, envelope, receipt.bid_id));
    }

    // The deadline passes; every bidder releases its keys; the record is published.
    let deadline: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(t["published"]["schedule"]["bid_deadline"].clone()).unwrap();
    advance_to(base, pki, deadline).await.unwrap();
    let public = Client::new(base);
    let opening = wait_for(&public, &tender, SECTION, "decrypting", |o| {
        o.state == OpeningPhase::Decrypting
    })
    .await
    .unwrap();
    for (who, sealed, envelope, _) in &bids {
        // The sandbox jumped days ahead: the bidder logs in afresh.
        let bidder = enrol(base, who).await.unwrap();
        bidder
            .release_deks(
                &tender,
                SECTION,
                &sealed.manifest,
                envelope,
                &creds(who).unwrap(),
            )
            .await
            .unwrap();
    }
    advance_to(base, pki, opening.decryption_until)
        .await
        .unwrap();
    wait_for(&public, &tender, SECTION, "its record", |o| {
        o.state == OpeningPhase::RecordPublished
    })
    .await
    .unwrap();
    let (_, big, _, bid) = &bids[0];
    let expected =
        etender::seal::stream::plaintext_len(big.manifest.parts[1].ciphertext_len).unwrap();
    // The section's committee: experts drawn, checked in, the committee formed, its leader
    // elected (the demo's story); one member reads.
    let members = etender::demo::seat_committee(base, pki, &tender)
        .await
        .unwrap();
    let member = members.last().unwrap();

    // The timed reads, alternating, while the server's memory is sampled.
    let pid = server.pid();
    let (rss_before, _) = memory(pid);
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut max = 0;
            while !stop.load(Ordering::Relaxed) {
                max = max.max(memory(pid).0);
                std::thread::sleep(SAMPLE_EVERY);
            }
            max.max(memory(pid).0)
        })
    };
    let (mut plain_s, mut opened_s) = (Vec::new(), Vec::new());
    let mut opened_sha = None;
    for round in 1..=ROUNDS {
        let mut d = Digest::new();
        let start = Instant::now();
        let n = public.save_document(&tender, &doc, &mut d).await.unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(n, GIB);
        assert_eq!(hex::encode(d.ctx.finish()), plain_sha);
        plain_s.push(secs);
        let mut d = Digest::new();
        let start = Instant::now();
        let n = member
            .save_opened_part(&tender, SECTION, bid, 1, &mut d)
            .await
            .unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(n, expected);
        let sha = hex::encode(d.ctx.finish());
        assert!(opened_sha.get_or_insert(sha.clone()) == &sha);
        println!(
            "   (round {round}: plain document {:.0} MB/s, opened part {:.0} MB/s)",
            GIB as f64 / plain_s[round - 1] / 1e6,
            n as f64 / secs / 1e6
        );
        opened_s.push(secs);
    }
    stop.store(true, Ordering::Relaxed);
    let rss_max = sampler.join().unwrap();
    Figures {
        plain_s,
        opened_s,
        bytes: expected,
        rss_before,
        rss_max,
    }
}

pub fn run(out: &mut Report) {
    let tmp = tempfile::Builder::new()
        .prefix("etender-bench-evaluation-")
        .tempdir()
        .unwrap();
    let dir = tmp.path();
    // Where `serve --dev` looks for the demo PKI (it reuses a complete one): the bench's
    // identities are the server's.
    let pki = init_dev_pki(&dir.join("certs/dev"), &dir.join("trust")).expect("demo PKI");
    let admins: Vec<String> = pki
        .identities
        .iter()
        .filter(|i| i.roles.iter().any(|r| r == "administrator"))
        .filter_map(|i| i.person_id.clone())
        .collect();
    let storage = format!("max_document_bytes = {}\n", 2 * GIB);
    let db = format!("sqlite://{}", dir.join("etender.db").display());
    let server = Server::start_dev(
        dir,
        &db,
        &admins,
        // Forty people log in within seconds from one address (the demo's server does the same).
        "[limits]\nchallenge_burst = 1000000\n",
        &storage,
    );
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let f = rt.block_on(async {
        server.wait_ready().await;
        read_opened(&server, &pki, dir, &work).await
    });
    drop(server);

    let plain = GIB as f64 / median(f.plain_s) / 1e6;
    let opened = f.bytes as f64 / median(f.opened_s) / 1e6;
    out.record(
        "evaluation.read_opened_1gib_part",
        opened,
        "MB/s",
        "plain_1gib_document_download",
        plain,
    );
    let growth = f.rss_max.saturating_sub(f.rss_before) as f64 / MIB as f64;
    out.record(
        "evaluation.read_server_rss_growth",
        growth,
        "MiB",
        "goal_max_mib",
        64.0,
    );
    drop(tmp);
}
