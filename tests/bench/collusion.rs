//! Collusion signals (issue 13, docs/EVALUATION.md §9) for one section of 200 opened bids, each
//! with 20 documents (digest and metadata), a full device fingerprint, two upload addresses, a
//! bond account and a project manager, with a few planted matches so every signal kind has
//! work. The goal: all signals of the section in ≤ 2 s. Pure computation, so the figure is the
//! p99 over repeated rounds against that goal; the 2,000-bid figure beside it shows how it
//! scales.
//!
//! Then the path users take (`collusion.opening_200_bids`): the release `etender serve --dev`
//! binary on SQLite, one tender whose BD01 gets 200 bids from 200 bidders — each with its own
//! bond paid from its own account (the bank's signed notice), five documents (two of them PDFs
//! whose metadata the bidder tool reads and seals), its own machine's fingerprint, a price to
//! the fen; a few planted matches — uploaded and submitted; the sandbox clock passes the
//! deadline, every bidder releases its keys (the server opens each bid), the clock passes the
//! decryption window and the server publishes the opening record, computing the signals in
//! that transaction. The figure is what the opening spent on them — reading each bid's facts
//! from the database (preparation records unsealed, bonds and uploads found by blind index),
//! comparing, storing — as the server records it (`collusion_runs.duration_ms`), against the
//! same 2 s goal.

use std::net::IpAddr;
use std::path::Path;
use std::time::Instant;

use etender::client::bank::BankNotice;
use etender::client::bids::{seal_bid_to_dir_with, BondKind, OpeningPhase, SealedBidFiles};
use etender::demo::bids::{advance_to, wait_for};
use etender::demo::enrol;
use etender::domain::collusion::{signals, BidFacts, Device, DocumentMeta, Person, Settings};
use etender::domain::identity::PrincipalKind;
use etender::pki::{init_dev_pki, Authority};
use etender::seal::{BidContext, DeviceFingerprint, EnvelopeSecret, Preparation, Summary};
use futures_util::StreamExt;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::report::Report;
use crate::rush::{bidder, custodians, publish, Bidder};
use crate::server::Server;

const ROUNDS: usize = 50;

struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn hex(&mut self) -> String {
        format!(
            "{:016x}{:016x}{:016x}{:016x}",
            self.next(),
            self.next(),
            self.next(),
            self.next()
        )
    }
}

fn section(n: usize, seed: u64) -> Vec<BidFacts> {
    let mut r = Mix(seed);
    let mut bids: Vec<BidFacts> = (0..n)
        .map(|i| BidFacts {
            bid: format!("bid-{i:05}"),
            bidder: format!("bidder-{i:05}"),
            price: Some(Decimal::new(
                900_000_000 + (r.next() % 80_000_000) as i64,
                2,
            )),
            document_digests: (0..20).map(|_| r.hex()).collect(),
            documents: (0..20)
                .map(|k| DocumentMeta {
                    author: Some(format!("编制人{i}-{k}")),
                    creator: Some("WPS Office".into()),
                    created: Some(format!(
                        "2026-11-01T08:{:02}:{:02}+08:00",
                        r.next() % 60,
                        r.next() % 60
                    )),
                    modified: Some(format!(
                        "2026-12-01T{:02}:{:02}:{:02}+08:00",
                        r.next() % 24,
                        r.next() % 60,
                        r.next() % 60
                    )),
                    ..DocumentMeta::default()
                })
                .collect(),
            device: Some(Device {
                mac: Some(r.hex()),
                cpu: Some(r.hex()),
                disk: Some(r.hex()),
                board: Some(r.hex()),
                pricing_dongle: Some(r.hex()),
            }),
            upload_addresses: (0..2)
                .map(|_| IpAddr::from((r.next() as u32).to_be_bytes()))
                .collect(),
            bond_accounts: vec![format!("6222{:015}", r.next() % 1_000_000_000_000_000)],
            project_manager: Some(Person {
                name: format!("项目经理{i}"),
                id: Some(format!("鄂{:012}", r.next() % 1_000_000_000_000)),
            }),
        })
        .collect();
    // Planted: a machine, an account, a manager, a copied file and an arithmetic run.
    bids[2].device = bids[1].device.clone();
    bids[4].bond_accounts = bids[3].bond_accounts.clone();
    bids[6].project_manager = bids[5].project_manager.clone();
    bids[8].document_digests[7] = bids[7].document_digests[0].clone();
    for (k, i) in [10, 11, 12].into_iter().enumerate() {
        bids[i].price = Some(Decimal::new(880_000_000 + 5_000_000 * k as i64, 2));
    }
    bids
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

fn time(bids: &[BidFacts], rounds: usize) -> (Vec<f64>, usize) {
    let settings = Settings::default();
    let mut ms = Vec::with_capacity(rounds);
    let mut found = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let s = signals(bids, &settings);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        found = s.len();
    }
    (ms, found)
}

pub fn run(out: &mut Report) {
    let bids = section(200, 13);
    let _ = time(&bids, 3);
    let (mut ms, found) = time(&bids, ROUNDS);
    assert!(found >= 5, "the planted signals are found ({found})");
    let (p50, p99) = (percentile(&mut ms, 0.5), percentile(&mut ms, 0.99));
    let large = section(2_000, 14);
    let (mut big, _) = time(&large, 5);
    println!(
        "   (200 bids × 20 documents: {found} signals, p50 {p50:.2} ms; 2,000 bids: p50 {:.1} ms)",
        percentile(&mut big, 0.5)
    );
    out.record(
        "collusion.signals_200_bids.p99",
        p99,
        "ms",
        "goal_ms",
        2000.0,
    );
    let (ms, bids, found) = opening();
    println!(
        "   (the opening of {bids} bids: {found} signals, {ms} ms from reading the bids' facts \
         to the last row stored; the pure comparison above: p50 {p50:.2} ms)"
    );
    out.record(
        "collusion.opening_200_bids.signals_ms",
        f64::from(ms),
        "ms",
        "goal_ms",
        2000.0,
    );
}

const SECTION: &str = "BD01";
const OPENING_BIDS: u32 = 200;
const DOCUMENTS: usize = 5;

/// A PDF whose Info dictionary names `author` and two instants (minutes after 08:00).
fn pdf(author: &str, created: u64, modified: u64) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = b"%PDF-1.4\n".to_vec();
    let info = format!(
        "<< /Author ({author}) /Creator (WPS) /CreationDate (D:20261101{:02}{:02}00+08'00') \
         /ModDate (D:20261201{:02}{:02}00+08'00') >>",
        8 + created / 60 % 12,
        created % 60,
        8 + modified / 60 % 12,
        modified % 60
    );
    let at = out.len();
    write!(out, "1 0 obj\n{info}\nendobj\n").unwrap();
    let xref = out.len();
    write!(
        out,
        "xref\n0 2\n0000000000 65535 f\r\n{at:010} 00000 n\r\n\
         trailer\n<< /Size 2 /Info 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    )
    .unwrap();
    out
}

/// Bidder `n`'s bid: its own machine and files, a price to the fen (planted: bidders 1 and 2
/// share a machine, 3 and 4 a file, 10–12 prices in equal steps above all others; 5 and 6 paid
/// their bonds from one account).
async fn seal_one(
    b: &Bidder,
    n: u32,
    tender: &str,
    dir: &Path,
    r: &mut Mix,
) -> (SealedBidFiles, EnvelopeSecret) {
    let mine = b.client.my_bid(tender, SECTION).await.unwrap();
    let ctx = BidContext {
        tender_id: tender.into(),
        section_id: SECTION.into(),
        bidder_uscc: etender::domain::uscc::Uscc::parse(&b.uscc).unwrap(),
        bid_version: mine.next_version,
        remedy: mine.remedy,
    };
    let fen = match n {
        10..=12 => 4_710_000_000 + 20_000_000 * i64::from(n - 10),
        _ => 4_400_000_000 + (r.next() % 300_000_000) as i64,
    };
    let summary = Summary {
        price: Decimal::new(fen, 2).to_string().parse().unwrap(),
        duration_days: 540,
        quality: "合格".into(),
        project_manager: format!("项目经理{n}"),
        bid_bond_reference: format!("BOND-{n}"),
    };
    let machine = if n == 2 { 1 } else { n };
    let c = |name: &str| DeviceFingerprint::component(name, &format!("machine-{machine}-{name}"));
    let preparation = Preparation {
        device: Some(DeviceFingerprint {
            mac: c("mac"),
            cpu: c("cpu"),
            disk: c("disk"),
            board: c("board"),
            pricing_dongle: None,
        }),
        documents: Vec::new(),
    };
    let dir = dir.join(format!("bidder-{n}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut documents = Vec::new();
    for k in 0..DOCUMENTS {
        let path = dir.join(format!("doc-{k}"));
        let bytes = match k {
            0 | 1 => pdf(&format!("编制人{n}-{k}"), r.next() % 720, r.next() % 720),
            2 if n == 4 => b"bidder 3's bill of quantities".repeat(100),
            2 if n == 3 => b"bidder 3's bill of quantities".repeat(100),
            _ => format!("bidder {n} document {k} {}", r.hex())
                .repeat(64)
                .into_bytes(),
        };
        std::fs::write(&path, bytes).unwrap();
        documents.push((format!("文件{k}.pdf"), path));
    }
    let (out, creds) = (dir.join("sealed"), b.creds.clone());
    tokio::task::spawn_blocking(move || {
        let envelope = EnvelopeSecret::generate(&mut rand_core::OsRng);
        let sealed = seal_bid_to_dir_with(
            ctx,
            &summary,
            &documents,
            &out,
            &envelope,
            creds.as_ref(),
            Some(preparation),
        )
        .unwrap();
        (sealed, envelope)
    })
    .await
    .unwrap()
}

/// The opening of 200 bids; (the opening's milliseconds on the signals, bids compared, signals).
fn opening() -> (i32, i32, i32) {
    let tmp = tempfile::Builder::new()
        .prefix("etender-bench-collusion-")
        .tempdir()
        .unwrap();
    let dir = tmp.path();
    let pki = init_dev_pki(&dir.join("certs/dev"), &dir.join("trust")).expect("demo PKI");
    let ca = pki.cas.iter().find(|c| c.key == "root").unwrap();
    let authority = Authority::from_pem(
        &std::fs::read_to_string(&ca.cert_path).unwrap(),
        &std::fs::read_to_string(&ca.key_path).unwrap(),
    )
    .unwrap();
    let admins: Vec<String> = pki
        .identities
        .iter()
        .filter(|i| i.roles.iter().any(|r| r == "administrator"))
        .filter_map(|i| i.person_id.clone())
        .collect();
    let db = format!("sqlite://{}", dir.join("etender.db").display());
    let server = Server::start_dev(
        dir,
        &db,
        &admins,
        "[limits]\nchallenge_burst = 1000000\n",
        "",
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tender = rt.block_on(async {
        server.wait_ready().await;
        let base = server.url.as_str();
        let custodians = custodians(base, &pki).await;
        let tender = publish(base, &pki, &custodians, "基准 串标围标信号").await;
        let admin = enrol(base, pki.identity("admin").unwrap()).await.unwrap();
        let bank = server.bank();
        let bidders: Vec<Bidder> = futures_util::stream::iter(1..=OPENING_BIDS)
            .map(|n| bidder(base, &authority, &admin, 20_000 + n))
            .buffered(8)
            .collect()
            .await;
        let work = dir.join("bidders");
        let mut r = Mix(99);
        let mut sealed = Vec::new();
        for (b, n) in bidders.iter().zip(1..) {
            let account = b.client.my_bond_account(&tender, SECTION).await.unwrap();
            let at: Value = b.client.get("/api/v1/time").await.unwrap();
            let payer = if n == 6 { 5 } else { n };
            bank.notify(&BankNotice {
                account: account.account,
                amount: "800000.00".parse().unwrap(),
                kind: BondKind::Cash,
                reference: format!("BOND-{n}"),
                arrived_at: serde_json::from_value(at["now"].clone()).unwrap(),
                payer_account: Some(format!("6222 0200 {payer:08}")),
            })
            .await
            .unwrap();
            sealed.push(seal_one(b, n, &tender, &work, &mut r).await);
        }
        let t = tender.as_str();
        futures_util::stream::iter(bidders.iter().zip(&sealed))
            .for_each_concurrent(8, |(b, (s, _))| async move {
                b.client
                    .submit_sealed_bid(t, SECTION, &s.manifest, &s.part_paths, &b.creds)
                    .await
                    .unwrap();
            })
            .await;
        let public = etender::client::Client::new(base);
        let shown: Value = public
            .get(&format!("/api/v1/tenders/{tender}"))
            .await
            .unwrap();
        let deadline: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(shown["published"]["schedule"]["bid_deadline"].clone()).unwrap();
        advance_to(base, &pki, deadline).await.unwrap();
        let o = wait_for(&public, &tender, SECTION, "decrypting", |o| {
            o.state == OpeningPhase::Decrypting
        })
        .await
        .unwrap();
        futures_util::stream::iter(bidders.iter().zip(&sealed))
            .for_each_concurrent(8, |(b, (s, envelope))| async move {
                // The sandbox jumped ahead: log in afresh.
                let mut c = etender::client::Client::new(base);
                c.login(PrincipalKind::Organisation, &b.creds)
                    .await
                    .unwrap();
                c.release_deks(t, SECTION, &s.manifest, envelope, &b.creds)
                    .await
                    .unwrap();
            })
            .await;
        advance_to(base, &pki, o.decryption_until).await.unwrap();
        wait_for(&public, &tender, SECTION, "its record", |o| {
            o.state == OpeningPhase::RecordPublished
        })
        .await
        .unwrap();
        tender
    });
    drop(server);
    let mut settings = etender::config::Settings::load_for_development(None).unwrap();
    settings.database.url = db.as_str().into();
    settings.database.run_migrations = false;
    let conn = etender::db::Db::connect(&settings.database).expect("connect");
    let run = conn
        .read_blocking(|c| Ok(etender::db::repo::collusion::find_run(c, &tender, SECTION)?))
        .unwrap()
        .expect("the opening computed the signals");
    assert_eq!(run.bids, OPENING_BIDS as i32, "every bid opened");
    assert!(
        run.signals >= 4,
        "the planted signals are found ({})",
        run.signals
    );
    drop(tmp);
    (run.duration_ms, run.bids, run.signals)
}
