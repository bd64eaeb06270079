//! Uploads against a hostile bidder (issue 11, findings 3 and 5), through the real server on
//! both databases: two writers racing on one part, where the stored ciphertext must still be
//! what the receipt says; a bidder flooding parts or bytes, refused by the tender's declared
//! limits and the platform's quotas with nothing changed; concurrency limits per bidder and per
//! node with `Retry-After`; a part lease left by a dead node running out on the clock; a body
//! that stalls, cut after the idle timeout with its bytes kept.

use std::path::PathBuf;
use std::time::Duration as StdDuration;

use chrono::Duration;
use etender::client::bids::SealedBidFiles;
use etender::client::Client;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::bids::{record_bonds, Bidder};
use crate::fixtures::{draft, id_of, publish, published_tender, upload, Setup};
use crate::helpers::{assert_problem, pki, TestApp};

type Chunks = mpsc::Sender<Result<Vec<u8>, std::io::Error>>;

/// A request body the test feeds chunk by chunk (dropping the sender ends it).
fn fed_body() -> (Chunks, reqwest::Body) {
    let (tx, rx) = mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let body = reqwest::Body::wrap_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    (tx, body)
}

/// `PUT …/parts/{index}` as raw HTTP, so the test sees status, headers and body.
async fn put(
    c: &Client,
    upload: &str,
    index: u32,
    offset: u64,
    body: reqwest::Body,
) -> reqwest::Result<reqwest::Response> {
    reqwest::Client::new()
        .put(format!(
            "{}/api/v1/bid-uploads/{upload}/parts/{index}",
            c.base_url()
        ))
        .bearer_auth(c.token().unwrap())
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/octet-stream")
        .body(body)
        .send()
        .await
}

async fn problem(r: reqwest::Response) -> (reqwest::StatusCode, Option<String>, Value) {
    let status = r.status();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry, r.json().await.unwrap_or(Value::Null))
}

/// Wait until the server has started a request on the part (its staged file exists): the
/// request holds the part from then on.
async fn staged(app: &TestApp, upload: &str, index: u32) -> PathBuf {
    let path = app.ctx.storage.staging_path(upload, index);
    for _ in 0..1000 {
        if path.exists() {
            return path;
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    panic!("the server never started on part {index} of {upload}");
}

/// A bidder with a bond, a sealed bid (summary + one document of `doc_len` bytes) and an open
/// upload for it.
async fn open_bid(app: &TestApp, t: &str, doc_len: usize) -> (Bidder, SealedBidFiles, String) {
    let b = Bidder::enrol(app, "bidder").await;
    record_bonds(app, t, "BD01", "200000.00", &[&b]).await;
    let sealed = b.seal(t, "BD01", "10000000.00", doc_len).await;
    let creds = pki().get("bidder").credentials();
    let up = b
        .client
        .open_upload(t, "BD01", &sealed.manifest, &creds)
        .await
        .unwrap();
    (b, sealed, up.id)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// The bytes the store holds for every part of `bid`: (storage key, bytes).
async fn stored_parts(app: &TestApp, bid: &str) -> Vec<(String, Vec<u8>)> {
    let id = bid.to_string();
    let parts = app
        .ctx
        .db
        .read_primary(move |c| Ok(etender::db::repo::bids::bid_parts(c, &id)?))
        .await
        .unwrap();
    let mut out = Vec::new();
    for p in parts {
        let (store, key) = (app.ctx.storage.clone(), p.storage_key.clone());
        let bytes = tokio::task::spawn_blocking(move || {
            use std::io::Read;
            let mut v = Vec::new();
            store.open(&key).unwrap().read_to_end(&mut v).unwrap();
            v
        })
        .await
        .unwrap();
        out.push((p.storage_key, bytes));
    }
    out
}

/// Finding 3. A first request on part 1 starts and holds; a second sends the genuine part
/// whole; then the first sends other bytes of the same length. On the old code the second was
/// taken, the first overwrote the staged file under it, and the bid was stored with bytes that
/// do not hash to its receipt (the opening would have blamed the platform). Now the second is
/// refused (`upload_busy`) without touching anything, the first fails its own digest, and what
/// is stored is exactly what the receipt names — under the bids' own names, not `sha256/`.
#[tokio::test]
async fn a_second_writer_of_a_part_is_refused_and_the_stored_bid_is_its_receipt() {
    let app = TestApp::spawn().await;
    let t = published_tender(&app, 30).await.tender;
    let (b, sealed, id) = open_bid(&app, &t, 3 << 20).await;
    b.client
        .send_part_resumable(&id, 0, &sealed.part_paths[0])
        .await
        .unwrap();
    let genuine = std::fs::read(&sealed.part_paths[1]).unwrap();
    let other: Vec<u8> = genuine.iter().map(|x| x ^ 0x5a).collect();

    let (feed, body) = fed_body();
    let first = tokio::spawn({
        let (c, id) = (b.client.clone(), id.clone());
        async move { put(&c, &id, 1, 0, body).await }
    });
    staged(&app, &id, 1).await;
    let before = app.rows().await;
    let second = put(&b.client, &id, 1, 0, genuine.clone().into())
        .await
        .unwrap();
    let (second_status, _, second_body) = problem(second).await;
    let after_second = app.rows().await;
    let held = b.client.upload_status(&id).await.unwrap();
    feed.send(Ok(other)).await.unwrap();
    drop(feed);
    let (first_status, _, first_body) = problem(first.await.unwrap().unwrap()).await;

    // Bytes that were not the part earn the bidder a cooldown on the server clock (429 with
    // `Retry-After`, nothing changed); then it may send again.
    let before_cooldown = app.rows().await;
    let r = put(&b.client, &id, 1, 0, genuine.clone().into())
        .await
        .unwrap();
    let (cool_status, cool_retry, cool_body) = problem(r).await;
    let after_cooldown = app.rows().await;
    app.clock
        .advance(Duration::seconds(etender::limits::STRIKE_MAX_SECS));

    // However the race went, the bidder finishes its bid the ordinary way and gets a receipt.
    b.client
        .send_part_resumable(&id, 1, &sealed.part_paths[1])
        .await
        .unwrap();
    let receipt = b.client.submit_upload(&id).await.unwrap();
    let stored = stored_parts(&app, &receipt.bid_id).await;
    assert_eq!(stored.len(), receipt.parts.len());
    for ((key, bytes), part) in stored.iter().zip(&receipt.parts) {
        assert_eq!(
            sha256_hex(bytes),
            part.ciphertext_sha256,
            "the stored ciphertext of part {} ({key}) is not what the receipt names",
            part.index
        );
    }
    assert_eq!(stored[1].1, genuine);
    for (key, _) in &stored {
        assert!(
            key.starts_with("bids/"),
            "bid ciphertext is kept apart from the documents' content addresses: {key}"
        );
    }

    assert_problem(second_status, &second_body, 409, "upload_busy");
    before.assert_same(&after_second, "a second writer of a held part");
    assert_eq!(held.part(1).unwrap().received, 0);
    assert_problem(first_status, &first_body, 422, "part_digest_mismatch");
    assert_problem(cool_status, &cool_body, 429, "too_many_uploads");
    assert_eq!(
        cool_retry.as_deref(),
        Some(etender::limits::STRIKE_SECS.to_string().as_str())
    );
    before_cooldown.assert_same(&after_cooldown, "a part sent during a cooldown");
}

/// Finding 3: a part lease left by a node that died (never released) holds the part until it
/// runs out on the clock, then the part can be sent again. Meanwhile it counts against the
/// bidder on every node: with one part upload allowed per bidder, this node refuses another
/// part (429) although it has none of the bidder's uploads in flight itself.
#[tokio::test]
async fn a_lease_left_by_a_dead_node_runs_out_on_the_clock() {
    let app = TestApp::spawn_with(|s| s.limits.max_part_uploads_per_bidder = 1).await;
    let t = published_tender(&app, 30).await.tender;
    let (b, sealed, id) = open_bid(&app, &t, 1000).await;
    let now = app.clock_now();
    let until = now + Duration::seconds(app.settings.limits.part_lease_secs as i64);
    let (uid, n, u) = (id.clone(), now.naive_utc(), until.naive_utc());
    let claimed = app
        .ctx
        .db
        .write(move |c| {
            Ok(etender::db::repo::uploads::claim_part(
                c,
                &uid,
                0,
                "a-node-that-died",
                n,
                u,
            )?)
        })
        .await
        .unwrap();
    assert!(claimed);
    let bytes = std::fs::read(&sealed.part_paths[0]).unwrap();
    let before = app.rows().await;
    let r = put(&b.client, &id, 0, 0, bytes.clone().into())
        .await
        .unwrap();
    let (status, _, body) = problem(r).await;
    assert_problem(status, &body, 409, "upload_busy");
    let part1 = std::fs::read(&sealed.part_paths[1]).unwrap();
    let r = put(&b.client, &id, 1, 0, part1.clone().into())
        .await
        .unwrap();
    let (status, retry, body) = problem(r).await;
    assert_problem(status, &body, 429, "too_many_uploads");
    assert!(retry.is_some());
    before.assert_same(&app.rows().await, "parts refused for another node's lease");
    app.clock.advance(Duration::seconds(
        app.settings.limits.part_lease_secs as i64,
    ));
    let r = put(&b.client, &id, 0, 0, bytes.into()).await.unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let r = put(&b.client, &id, 1, 0, part1.into()).await.unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
}

/// A tender declaring `bid_limits`, published (the fixtures' draft plus `limits`).
async fn tender_with_limits(app: &TestApp, limits: Value) -> String {
    let (s, (st, v)) = publish_with_limits(app, limits).await;
    assert_eq!(st, 200, "{v}");
    s.tender
}

/// Draft and try to publish a tender declaring `bid_limits`.
async fn publish_with_limits(
    app: &TestApp,
    limits: Value,
) -> (Setup, (reqwest::StatusCode, Value)) {
    let agent = app.enrol("agent").await;
    let tenderer = id_of(&app.enrol("tenderer").await).await;
    let custodians = crate::fixtures::custodians(app).await;
    let mut d = draft(app.clock_now(), 30, &custodians);
    d["bid_limits"] = limits;
    let entrustment = app
        .entrust(
            crate::helpers::pki().get("tenderer"),
            &id_of(&agent).await,
            "限额测试",
        )
        .await;
    let body = json!({"title": "限额测试", "description": "bid limits", "tenderer_id": tenderer,
        "entrustment_id": entrustment, "draft": d});
    let t: Value = agent.post("/api/v1/tenders", &body).await.unwrap();
    let tender = t["id"].as_str().unwrap().to_string();
    let document = upload(&agent, &tender, "招标文件", "z.pdf", b"%PDF-1.7 limits").await;
    let s = Setup {
        agent,
        entrustment,
        tender,
        document,
        custodians,
    };
    let published = publish(app, &s).await;
    (s, published)
}

/// A tender cannot declare limits of zero or above the platform's ceiling.
#[tokio::test]
async fn silly_bid_limits_are_refused_at_publication() {
    let app = TestApp::spawn().await;
    let limits = json!({"max_parts": 0, "max_part_bytes": 1u64 << 40, "max_bid_bytes": 1000});
    let (_, (st, v)) = publish_with_limits(&app, limits).await;
    assert_problem(st, &v, 422, "rule_violation");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"] == "bid_limits_out_of_range")
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["bid_limits.max_parts", "bid_limits.max_part_bytes"],
        "{v}"
    );
}

/// Finding 5: a bidder that floods a bid with parts, or with bytes, is refused when it opens the
/// upload — by the tender's declared limits, then by the platform's quota on what one bidder
/// holds open — with a stable code, the limit named, and nothing changed.
#[tokio::test]
async fn a_bidder_flooding_parts_or_bytes_is_refused_and_nothing_changes() {
    let app = TestApp::spawn_with(|s| s.limits.max_open_bytes_per_bidder = 200_000).await;
    let limits = json!({"max_parts": 3, "max_part_bytes": 150_000, "max_bid_bytes": 400_000});
    let t = tender_with_limits(&app, limits).await;
    let v: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{t}"))
        .await
        .unwrap();
    assert_eq!(
        v.to_string().matches("\"max_parts\":3").count(),
        1,
        "the declared limits are public: {v}"
    );
    let b = Bidder::enrol(&app, "bidder").await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&b]).await;
    let creds = pki().get("bidder").credentials();

    // Too many parts: a summary and four documents.
    let docs: Vec<(String, PathBuf)> = (0..4)
        .map(|i| {
            let p = b.dir.path().join(format!("doc{i}.src"));
            std::fs::write(&p, vec![i as u8; 1000]).unwrap();
            (format!("附件{i}.pdf"), p)
        })
        .collect();
    let flood = seal_with(&b, &t, docs).await;
    assert!(flood.manifest.parts.len() > 3);
    // A part too large: one document of 160 000 bytes.
    let big = b.seal(&t, "BD01", "10000000.00", 160_000).await;
    let before = app.rows().await;
    for (sealed, limit) in [(&flood, "max_parts"), (&big, "max_part_bytes")] {
        let e = b
            .client
            .open_upload(&t, "BD01", &sealed.manifest, &creds)
            .await
            .unwrap_err();
        assert_eq!(e.code().map(|c| c.as_str()), Some("bid_too_large"), "{e}");
        let (st, v) = b
            .client
            .raw(
                reqwest::Method::POST,
                &format!("/api/v1/tenders/{t}/sections/BD01/bid-uploads"),
                Some(&json!({"manifest": sealed.manifest,
                    "certificate_chain": cert_chain(&creds)})),
            )
            .await
            .unwrap();
        assert_problem(st, &v, 422, "bid_too_large");
        assert!(
            v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["code"] == limit),
            "{v}"
        );
    }
    before.assert_same(&app.rows().await, "bids over the tender's limits");

    // Within the tender's limits, but the bidder's open uploads would declare too many bytes.
    // (Sealed again as version 1: only the manifests are sent here.)
    std::fs::remove_dir_all(b.dir.path().join("BD01-v1")).unwrap();
    let fits = b.seal(&t, "BD01", "10000000.00", 100_000).await;
    let first = b
        .client
        .open_upload(&t, "BD01", &fits.manifest, &creds)
        .await
        .unwrap();
    record_bonds(&app, &t, "BD02", "200000.00", &[&b]).await;
    let other = b.seal(&t, "BD02", "10000000.00", 100_000).await;
    let before = app.rows().await;
    let e = b
        .client
        .open_upload(&t, "BD02", &other.manifest, &creds)
        .await
        .unwrap_err();
    assert_eq!(
        e.code().map(|c| c.as_str()),
        Some("upload_quota_exceeded"),
        "{e}"
    );
    before.assert_same(&app.rows().await, "an upload over the bidder's quota");
    // Abandoning frees the quota.
    b.client.abandon_upload(&first.id).await.unwrap();
    b.client
        .open_upload(&t, "BD02", &other.manifest, &creds)
        .await
        .unwrap();
}

fn cert_chain(creds: &etender::client::Credentials) -> Vec<String> {
    use base64::Engine;
    creds
        .chain
        .iter()
        .map(|c| base64::engine::general_purpose::STANDARD.encode(c))
        .collect()
}

/// Seal a bid with the given documents (the bidder's next version of BD01).
async fn seal_with(b: &Bidder, t: &str, docs: Vec<(String, PathBuf)>) -> SealedBidFiles {
    let mine = b.client.my_bid(t, "BD01").await.unwrap();
    let ctx = etender::seal::BidContext {
        tender_id: t.into(),
        section_id: "BD01".into(),
        bidder_uscc: etender::domain::uscc::Uscc::parse(b.uscc()).unwrap(),
        bid_version: mine.next_version,
        remedy: mine.remedy,
    };
    let out = b.dir.path().join("flood");
    std::fs::create_dir_all(&out).unwrap();
    let summary = etender::seal::Summary {
        price: "10000000.00".parse().unwrap(),
        duration_days: 180,
        quality: "合格".into(),
        project_manager: "王建国".into(),
        bid_bond_reference: "BOND".into(),
    };
    let creds = pki().get(b.label).credentials();
    let envelope = etender::seal::EnvelopeSecret::from_bytes(&b.envelope.to_bytes());
    tokio::task::spawn_blocking(move || {
        etender::client::bids::seal_bid_to_dir(ctx, &summary, &docs, &out, &envelope, &creds)
            .unwrap()
    })
    .await
    .unwrap()
}

/// Finding 5: a bidder with as many part uploads in flight as allowed is refused another (429
/// `too_many_uploads`), and a node with as many as it takes refuses everyone (503
/// `server_busy`), both with `Retry-After`, both changing nothing; the held upload is not
/// disturbed and finishes.
#[tokio::test]
async fn concurrent_part_uploads_are_bounded_per_bidder_and_per_node() {
    let app = TestApp::spawn_with(|s| {
        s.limits.max_part_uploads_per_bidder = 1;
        s.limits.max_part_uploads_per_node = 2;
    })
    .await;
    let t = published_tender(&app, 30).await.tender;
    let (b, sealed, id) = open_bid(&app, &t, 300_000).await;
    let part1 = std::fs::read(&sealed.part_paths[1]).unwrap();
    let (feed, body) = fed_body();
    let held = tokio::spawn({
        let (c, id) = (b.client.clone(), id.clone());
        async move { put(&c, &id, 1, 0, body).await }
    });
    staged(&app, &id, 1).await;

    let part0 = std::fs::read(&sealed.part_paths[0]).unwrap();
    let before = app.rows().await;
    let r = put(&b.client, &id, 0, 0, part0.clone().into())
        .await
        .unwrap();
    let (st, retry, v) = problem(r).await;
    assert_problem(st, &v, 429, "too_many_uploads");
    assert!(retry.is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
    before.assert_same(&app.rows().await, "a part upload over the bidder's limit");

    // Another bidder takes the node's second place and holds it; a third bidder is shed.
    let other = Bidder::enrol(&app, "bidder-rsa").await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&other]).await;
    let other_sealed = other.seal(&t, "BD01", "9000000.00", 1000).await;
    let up = other
        .client
        .open_upload(
            &t,
            "BD01",
            &other_sealed.manifest,
            &pki().get("bidder-rsa").credentials(),
        )
        .await
        .unwrap();
    let (feed2, body2) = fed_body();
    let held2 = tokio::spawn({
        let (c, id) = (other.client.clone(), up.id.clone());
        async move { put(&c, &id, 0, 0, body2).await }
    });
    staged(&app, &up.id, 0).await;
    let third = Bidder::enrol(&app, "bidder-ed25519").await;
    let before = app.rows().await;
    let r = put(&third.client, &up.id, 1, 0, vec![0u8; 10].into())
        .await
        .unwrap();
    let (st, retry, v) = problem(r).await;
    assert_problem(st, &v, 503, "server_busy");
    assert!(retry.is_some());
    before.assert_same(&app.rows().await, "a part upload over the node's limit");
    drop((feed2, held2));

    // The held upload was not disturbed.
    feed.send(Ok(part1)).await.unwrap();
    drop(feed);
    let r = held.await.unwrap().unwrap();
    assert_eq!(r.status(), 200);
    let st = b.client.upload_status(&id).await.unwrap();
    assert!(st.part(1).unwrap().complete);
}

/// Finding 5: a body that stops sending is cut after `limits.body_idle_timeout_secs` (a real
/// socket, a short configured timeout); the bytes before are kept and the part resumes.
#[tokio::test]
async fn a_stalled_body_is_cut_after_the_idle_timeout_and_its_bytes_kept() {
    let app = TestApp::spawn_with(|s| {
        s.limits.body_idle_timeout_secs = 1;
        s.limits.part_lease_secs = 5;
    })
    .await;
    let t = published_tender(&app, 30).await.tender;
    let (b, sealed, id) = open_bid(&app, &t, 300_000).await;
    let bytes = std::fs::read(&sealed.part_paths[1]).unwrap();
    let (feed, body) = fed_body();
    let sending = tokio::spawn({
        let (c, id) = (b.client.clone(), id.clone());
        async move { put(&c, &id, 1, 0, body).await }
    });
    feed.send(Ok(bytes[..100_000].to_vec())).await.unwrap();
    // Then nothing: the server gives up after a second and answers (or closes).
    let answered = tokio::time::timeout(StdDuration::from_secs(20), sending)
        .await
        .expect("the server cuts a stalled body")
        .unwrap();
    if let Ok(r) = answered {
        let (st, _, v) = problem(r).await;
        assert_problem(st, &v, 408, "body_idle_timeout");
        assert_eq!(v["errors"][0]["message"], "100000");
    }
    drop(feed);
    let st = b.client.upload_status(&id).await.unwrap();
    assert_eq!(st.part(1).unwrap().received, 100_000);
    b.client
        .send_part_resumable(&id, 1, &sealed.part_paths[1])
        .await
        .unwrap();
    b.client
        .send_part_resumable(&id, 0, &sealed.part_paths[0])
        .await
        .unwrap();
    b.client.submit_upload(&id).await.unwrap();
}
