//! The deadline rush with a misbehaving bidder (issue 11, finding 5), against the release
//! `etender serve` binary on SQLite as a separate process with its default `[limits]` (the
//! challenge limit raised: every bidder logs in from one loopback address).
//!
//! 200 honest bidders each hold a sealed bid, uploaded and ready, on two tenders. Rush A: all
//! 200 submit at once on the first tender, nothing else running. Rush B: the same 200 submit at
//! once on the second tender while one more bidder floods its own upload there: 48 connections
//! sending its eight parts (a summary and seven of about 16 MiB, its real sealed bytes) from
//! offset 0 back to back, as fast as the server answers, ignoring every answer and
//! `Retry-After`. Each honest bidder's receipt time is from sending the submit
//! to holding the receipt (with its audit proof). The figure is rush B's p99 beside rush A's p99
//! measured in the same run (`bids.rush_200.p99_with_flood`, goal ratio ≤ 2.0); p50 likewise,
//! and how the server answered the flood is printed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use etender::client::bank::{BankNotice, BondIssuer};
use etender::client::bids::{seal_bid_to_dir, BondKind, SealedBidFiles};
use etender::client::{Client, Credentials};
use etender::demo::tenders::demo_draft;
use etender::demo::{creds, enrol, enrol_org};
use etender::domain::identity::{PrincipalKind, Role};
use etender::pki::{init_dev_pki, Authority, DevPki, LeafSpec, PkiKeyAlgorithm};
use etender::seal::{BidContext, EnvelopeSecret, Summary};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};

use crate::report::Report;
use crate::server::Server;

const SECTION: &str = "BD01";
const HONEST: u32 = 200;
/// The flooder's connections, and its parts (each `FLOOD_PART` bytes).
const FLOOD_CONNECTIONS: usize = 48;
const FLOOD_PARTS: usize = 8;
const FLOOD_PART: usize = 16 << 20;

/// A bidder of the rush: its session and credentials.
pub(crate) struct Bidder {
    pub(crate) client: Client,
    pub(crate) creds: Arc<Credentials>,
    pub(crate) uscc: String,
}

/// One more bidder organisation, issued by the dev PKI's root, registered, granted the bidder
/// role by the trading centre's administrator, and logged in.
pub(crate) async fn bidder(base: &str, root: &Authority, admin: &Client, n: u32) -> Bidder {
    let body = format!("91420600{:09}", 50_000 + n);
    let uscc = etender::domain::uscc::Uscc::with_check_digit(&body)
        .unwrap()
        .as_str()
        .to_string();
    let name = format!("冲刺{n} 建设有限公司");
    let mut spec = LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, &name);
    spec.organization = Some(name.clone());
    spec.subject_serial_number = Some(uscc.clone());
    spec.policies = vec![etender::pki::ORGANISATION_CERTIFICATE_POLICY.into()];
    let issued = root.issue(&spec).unwrap();
    let creds = Credentials::new(vec![issued.cert_der.clone()], issued.signing_key().unwrap());
    let mut client = Client::new(base);
    let org = client
        .register_organisation(&creds, &[Role::Bidder], &format!("rush{n}@bidders.test"))
        .await
        .unwrap();
    admin
        .grant_organisation_roles(&org.id, &[Role::Bidder])
        .await
        .unwrap();
    client
        .login(PrincipalKind::Organisation, &creds)
        .await
        .unwrap();
    Bidder {
        client,
        creds: Arc::new(creds),
        uscc,
    }
}

/// Publish the demo's tender (custodians given) as the agent for the tenderer.
pub(crate) async fn publish(
    base: &str,
    pki: &DevPki,
    custodians: &[String],
    title: &str,
) -> String {
    let id = |key: &str| pki.identity(key).unwrap();
    let admin = enrol(base, id("admin")).await.unwrap();
    let tenderer = enrol_org(base, id("tenderer"), &admin).await.unwrap();
    let agent = enrol_org(base, id("agent"), &admin).await.unwrap();
    let agent_me: Value = agent.get("/api/v1/me").await.unwrap();
    let entrustment = tenderer
        .entrust(
            agent_me["id"].as_str().unwrap(),
            title,
            &creds(id("tenderer")).unwrap(),
        )
        .await
        .unwrap();
    let time: Value = agent.get("/api/v1/time").await.unwrap();
    let now: chrono::DateTime<chrono::Utc> = serde_json::from_value(time["now"].clone()).unwrap();
    let me: Value = tenderer.get("/api/v1/me").await.unwrap();
    let t: Value = agent
        .post(
            "/api/v1/tenders",
            &json!({"title": title, "description": "bench: deadline rush",
                    "tenderer_id": me["id"], "entrustment_id": entrustment.id,
                    "draft": demo_draft(now, custodians)}),
        )
        .await
        .unwrap();
    let tender = t["id"].as_str().unwrap().to_string();
    agent
        .upload_document(
            &tender,
            "招标文件",
            "zhaobiao.pdf",
            "application/pdf",
            b"%PDF-1.4\n% bench\n%%EOF\n".to_vec(),
        )
        .await
        .unwrap();
    let sig = agent
        .sign_notice(&tender, &creds(id("agent")).unwrap())
        .await
        .unwrap();
    let _: Value = agent
        .post(&format!("/api/v1/tenders/{tender}/publish"), &sig)
        .await
        .unwrap();
    tender
}

/// Custodians with the role and an envelope key (a tender needs them to publish).
pub(crate) async fn custodians(base: &str, pki: &DevPki) -> Vec<String> {
    let id = |key: &str| pki.identity(key).unwrap();
    let admin = enrol(base, id("admin")).await.unwrap();
    let mut out = Vec::new();
    for key in ["custodian-1", "custodian-2", "custodian-3"] {
        let c = enrol(base, id(key)).await.unwrap();
        let me: Value = c.get("/api/v1/me").await.unwrap();
        let pid = me["id"].as_str().unwrap().to_string();
        let _: Value = admin
            .call(
                Method::PUT,
                &format!("/api/v1/people/{pid}/roles/custodian"),
                None,
            )
            .await
            .unwrap();
        let c = enrol(base, id(key)).await.unwrap();
        let envelope = EnvelopeSecret::generate(&mut rand_core::OsRng);
        c.register_envelope_key(&pid, &envelope, &creds(id(key)).unwrap())
            .await
            .unwrap();
        out.push(pid);
    }
    out
}

/// Seal `b`'s bid for `tender` with `documents` into `dir`.
async fn seal(
    b: &Bidder,
    tender: &str,
    dir: &Path,
    documents: Vec<(String, PathBuf)>,
) -> SealedBidFiles {
    let mine = b.client.my_bid(tender, SECTION).await.unwrap();
    let ctx = BidContext {
        tender_id: tender.into(),
        section_id: SECTION.into(),
        bidder_uscc: etender::domain::uscc::Uscc::parse(&b.uscc).unwrap(),
        bid_version: mine.next_version,
        remedy: mine.remedy,
    };
    let summary = Summary {
        price: "9999999.99".parse().unwrap(),
        duration_days: 200,
        quality: "合格".into(),
        project_manager: "李四".into(),
        bid_bond_reference: "BG".into(),
    };
    let (dir, creds) = (dir.to_path_buf(), b.creds.clone());
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir).unwrap();
        let envelope = EnvelopeSecret::generate(&mut rand_core::OsRng);
        seal_bid_to_dir(ctx, &summary, &documents, &dir, &envelope, creds.as_ref()).unwrap()
    })
    .await
    .unwrap()
}

/// `b`'s bond for `tender`, as the bank reports it into `b`'s sub-account.
async fn pay_bond(bank: &BondIssuer, b: &Bidder, tender: &str, reference: String) {
    let account = b.client.my_bond_account(tender, SECTION).await.unwrap();
    bank.notify(&BankNotice {
        account: account.account,
        amount: "800000.00".parse().unwrap(),
        kind: BondKind::BankGuarantee,
        reference,
        arrived_at: chrono::Utc::now(),
        payer_account: None,
    })
    .await
    .unwrap();
}

/// `b`'s bond arrives, then it seals and uploads its bid for `tender`: ready to submit. The
/// upload id.
async fn ready(bank: &BondIssuer, b: &Bidder, tender: &str, dir: &Path) -> String {
    pay_bond(bank, b, tender, format!("BG-{}-{tender}", b.uscc)).await;
    let sealed = seal(b, tender, dir, vec![]).await;
    let up = b
        .client
        .open_upload(tender, SECTION, &sealed.manifest, b.creds.as_ref())
        .await
        .unwrap();
    b.client
        .send_part_resumable(&up.id, 0, &sealed.part_paths[0])
        .await
        .unwrap();
    up.id
}

/// All bidders submit at once; each one's receipt time in seconds, sorted.
async fn rush(bidders: &[Bidder], uploads: &[String]) -> Vec<f64> {
    let mut tasks = Vec::new();
    for (b, id) in bidders.iter().zip(uploads) {
        let (c, id) = (b.client.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let mut r = c.submit_upload(&id).await;
            // A lost connection is what real clients meet in a rush: ask where the upload
            // stands and fetch the receipt, as `submit_sealed_bid` does (timed all the same).
            if let Err(etender::client::ClientError::Transport(_)) = &r {
                let st = c.upload_status(&id).await.unwrap();
                r = match st.state {
                    etender::client::bids::UploadState::Submitted => {
                        let mine = c.my_bid(&st.tender_id, &st.section).await.unwrap();
                        c.receipt(&mine.current.unwrap().bid_id).await
                    }
                    _ => c.submit_upload(&id).await,
                };
            }
            let took = t0.elapsed().as_secs_f64();
            let receipt = r.unwrap_or_else(|e| panic!("an honest submission failed: {e}"));
            assert_eq!(receipt.kind, etender::client::bids::ReceiptKind::Submission);
            took
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out.sort_by(|a, b| a.partial_cmp(b).unwrap());
    out
}

/// CPU seconds (user + system) a process has used: the server (`pid`) or this bench ("self").
fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(close) = stat.rfind(')') else {
        return 0.0;
    };
    let f: Vec<f64> = stat[close + 2..]
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    // utime and stime are the 12th and 13th fields after the name; USER_HZ is 100.
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

/// Wall seconds, server CPU seconds and bench CPU seconds taken by `work`.
async fn measured<T>(server: u32, work: impl std::future::Future<Output = T>) -> (T, [f64; 3]) {
    let (t0, s0, b0) = (
        Instant::now(),
        cpu_secs(&server.to_string()),
        cpu_secs("self"),
    );
    let out = work.await;
    let cpu = [
        t0.elapsed().as_secs_f64(),
        cpu_secs(&server.to_string()) - s0,
        cpu_secs("self") - b0,
    ];
    (out, cpu)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// How the server answered the flood.
#[derive(Default)]
struct FloodTally {
    sent: AtomicU64,
    by_status: std::sync::Mutex<std::collections::BTreeMap<String, u64>>,
}

/// The flooder: `FLOOD_CONNECTIONS` tasks sending its parts (`parts[i]` is part `i`), each
/// from offset 0, again and again, until `stop`.
fn flood(
    base: &str,
    token: String,
    upload: String,
    parts: Vec<Bytes>,
    stop: Arc<AtomicBool>,
    tally: Arc<FloodTally>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let http = reqwest::Client::new();
    (0..FLOOD_CONNECTIONS)
        .map(|task| {
            let (http, parts, stop, tally) =
                (http.clone(), parts.clone(), stop.clone(), tally.clone());
            let (base, token, upload) = (base.to_string(), token.clone(), upload.clone());
            tokio::spawn(async move {
                let mut i = task;
                while !stop.load(Ordering::Relaxed) {
                    let part = i % parts.len();
                    i += 1;
                    let r = http
                        .put(format!("{base}/api/v1/bid-uploads/{upload}/parts/{part}"))
                        .bearer_auth(&token)
                        .header("Upload-Offset", "0")
                        .header("Content-Type", "application/octet-stream")
                        .body(parts[part].clone())
                        .send()
                        .await;
                    tally.sent.fetch_add(1, Ordering::Relaxed);
                    let key = match r {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let code = r
                                .json::<Value>()
                                .await
                                .ok()
                                .and_then(|v| v["code"].as_str().map(str::to_string))
                                .unwrap_or_default();
                            format!("{status} {code}")
                        }
                        Err(_) => "connection error".to_string(),
                    };
                    *tally.by_status.lock().unwrap().entry(key).or_default() += 1;
                }
            })
        })
        .collect()
}

pub fn run(out: &mut Report) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    let tmp = tempfile::Builder::new()
        .prefix("etender-bench-rush-")
        .tempdir()
        .unwrap();
    let dir = tmp.path();
    let pki = init_dev_pki(&root.join("bench-pki"), &dir.join("trust")).expect("demo PKI");
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
    let server = Server::start_with(dir, &db, &admins, "[limits]\nchallenge_burst = 1000000\n");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let pid = server.pid();
    let (base_line, flooded, tally, costs) = rt.block_on(async {
        server.wait_ready().await;
        let base = server.url.as_str();
        let custodians = custodians(base, &pki).await;
        let quiet = publish(base, &pki, &custodians, "基准 截标冲刺 无干扰").await;
        let noisy = publish(base, &pki, &custodians, "基准 截标冲刺 有人灌包").await;
        let admin = enrol(base, pki.identity("admin").unwrap()).await.unwrap();
        let bank = server.bank();
        let bidders: Vec<Bidder> = futures_util::stream::iter(0..=HONEST)
            .map(|n| bidder(base, &authority, &admin, n))
            .buffered(16)
            .collect()
            .await;
        let (flooder, honest) = bidders.split_last().unwrap();
        let work = dir.join("bidders");
        let mut uploads = Vec::new();
        for (k, tender) in [&quiet, &noisy].into_iter().enumerate() {
            let ids: Vec<String> = futures_util::stream::iter(honest.iter().enumerate())
                .map(|(i, b)| {
                    let at = work.join(format!("{i}-{k}"));
                    let bank = &bank;
                    async move { ready(bank, b, tender, &at).await }
                })
                .buffered(16)
                .collect()
                .await;
            uploads.push(ids);
        }

        // Rush A: nothing else running.
        let (base_line, cost_a) = measured(pid, rush(honest, &uploads[0])).await;

        // The flooder's upload on the second tender: eight documents of 16 MiB.
        pay_bond(&bank, flooder, &noisy, "BG-FLOOD".into()).await;
        let fdir = work.join("flooder");
        std::fs::create_dir_all(&fdir).unwrap();
        let docs: Vec<(String, PathBuf)> = (0..FLOOD_PARTS - 1)
            .map(|i| {
                let p = fdir.join(format!("doc{i}"));
                std::fs::write(&p, vec![i as u8; FLOOD_PART - 4096]).unwrap();
                (format!("附件{i}.pdf"), p)
            })
            .collect();
        let sealed = seal(flooder, &noisy, &fdir.join("sealed"), docs).await;
        let up = flooder
            .client
            .open_upload(&noisy, SECTION, &sealed.manifest, flooder.creds.as_ref())
            .await
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(FloodTally::default());
        let token = flooder.client.token().unwrap().to_string();
        // Its own sealed parts, genuine bytes: nothing it sends is junk that would earn it a
        // cooldown (`limits::Limits::strike`, measured by an earlier version of this bench);
        // it just never stops sending them, from offset 0, ignoring every answer.
        let parts: Vec<Bytes> = sealed
            .part_paths
            .iter()
            .map(|p| Bytes::from(std::fs::read(p).unwrap()))
            .collect();
        let flooding = flood(base, token, up.id, parts, stop.clone(), tally.clone());
        tokio::time::sleep(Duration::from_secs(2)).await;

        // Rush B: the same bidders, while the flood goes on.
        let (flooded, cost_b) = measured(pid, rush(honest, &uploads[1])).await;
        stop.store(true, Ordering::Relaxed);
        for f in flooding {
            f.await.unwrap();
        }
        (base_line, flooded, tally, [cost_a, cost_b])
    });
    drop(server);

    let ms = |s: f64| s * 1000.0;
    println!(
        "   (rush without flood: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; with flood: p50 {:.0} \
         ms, p99 {:.0} ms, max {:.0} ms; flood requests {})",
        ms(quantile(&base_line, 0.5)),
        ms(quantile(&base_line, 0.99)),
        ms(quantile(&base_line, 1.0)),
        ms(quantile(&flooded, 0.5)),
        ms(quantile(&flooded, 0.99)),
        ms(quantile(&flooded, 1.0)),
        tally.sent.load(Ordering::Relaxed),
    );
    for (name, [wall, server_cpu, bench_cpu]) in ["without", "with"].iter().zip(costs) {
        println!(
            "   (rush {name} flood: {wall:.2} s wall, server CPU {server_cpu:.2} s, bench CPU \
             {bench_cpu:.2} s; load average {})",
            std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .trim()
        );
    }
    for (k, n) in tally.by_status.lock().unwrap().iter() {
        println!("   (flood answered {k}: {n})");
    }
    out.record(
        "bids.rush_200.p99_with_flood",
        ms(quantile(&flooded, 0.99)),
        "ms",
        "rush_200_p99_without_flood",
        ms(quantile(&base_line, 0.99)),
    );
    out.record(
        "bids.rush_200.p50_with_flood",
        ms(quantile(&flooded, 0.5)),
        "ms",
        "rush_200_p50_without_flood",
        ms(quantile(&base_line, 0.5)),
    );
    drop(tmp);
}
