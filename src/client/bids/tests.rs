//! The bidder/custodian client against an in-process mock of the `docs/BIDDING.md` server.
//!
//! The mock implements only what the client relies on (offsets, cut requests, statuses), and
//! checks every signed body with the same payload functions the real server uses, so a wire
//! format mistake shows up here rather than at the first real opening.

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use chrono::Utc;
use serde_json::json;

use super::*;
use crate::crypto::keys::{verify_signature, SigningKey};
use crate::domain::uscc::Uscc;
use crate::seal::{Dek, DeterministicRng, RemedyPolicy};

const TENDER: &str = "T-2026-0001";
const SECTION: &str = "S1";

fn ed25519(seed: u8) -> SigningKey {
    let mut der = hex::decode("302e020100300506032b657004220420").unwrap();
    der.extend_from_slice(&[seed; 32]);
    SigningKey::from_pkcs8_der(&der).unwrap()
}

fn creds() -> Credentials {
    Credentials::new(vec![b"not a real certificate".to_vec()], ed25519(7))
}

fn uscc() -> Uscc {
    Uscc::with_check_digit("91350100M000101Y4").unwrap()
}

fn summary() -> Summary {
    Summary {
        price: "98765432.10".parse().unwrap(),
        duration_days: 180,
        quality: "合格".into(),
        project_manager: "张三".into(),
        bid_bond_reference: "BOND-2026-0001".into(),
    }
}

fn noise(len: usize, label: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rand_core::RngCore::fill_bytes(&mut DeterministicRng::from_label(label), &mut v);
    v
}

/// The section's two custodians: (other, custodian) and the policy published for them.
fn custodians() -> (EnvelopeSecret, EnvelopeSecret, RemedyPolicy) {
    let custodian = EnvelopeSecret::generate(&mut DeterministicRng::from_label(b"custodian"));
    let other = EnvelopeSecret::generate(&mut DeterministicRng::from_label(b"other"));
    let policy = RemedyPolicy {
        threshold: 2,
        custodians: vec![other.public_key(), custodian.public_key()],
    };
    (other, custodian, policy)
}

struct Sealed {
    _dir: tempfile::TempDir,
    files: SealedBidFiles,
    envelope: EnvelopeSecret,
    documents: Vec<Vec<u8>>,
}

/// A bid of two documents, one of them longer than a chunk, sealed to disk.
fn sealed_bid() -> Sealed {
    let dir = tempfile::tempdir().unwrap();
    let documents = vec![noise(1_500_000, b"doc-1"), b"short document".to_vec()];
    let mut inputs = Vec::new();
    for (i, d) in documents.iter().enumerate() {
        let path = dir.path().join(format!("in-{i}"));
        std::fs::write(&path, d).unwrap();
        inputs.push((format!("文件{i}.pdf"), path));
    }
    let envelope = EnvelopeSecret::generate(&mut DeterministicRng::from_label(b"envelope"));
    let ctx = BidContext {
        tender_id: TENDER.into(),
        section_id: SECTION.into(),
        bidder_uscc: uscc(),
        bid_version: 1,
        remedy: custodians().2,
    };
    let out = dir.path().join("bid");
    let files = seal_bid_to_dir(ctx, &summary(), &inputs, &out, &envelope, &creds()).unwrap();
    Sealed {
        _dir: dir,
        files,
        envelope,
        documents,
    }
}

#[test]
fn sealed_directory_loads_verifies_and_opens() {
    let s = sealed_bid();
    let dir = s.files.part_paths[0].parent().unwrap();
    let loaded = load_sealed_bid(dir).unwrap();
    assert_eq!(loaded.manifest, s.files.manifest);
    assert_eq!(loaded.part_paths, s.files.part_paths);
    assert_eq!(
        std::fs::read(dir.join(MANIFEST_FILE)).unwrap(),
        s.files.manifest.to_canonical_json()
    );
    loaded.verify_digests().unwrap();

    let spki = creds().key.public_key_spki_der();
    let opened = seal::open_summary(
        &loaded.manifest,
        PartKey::Envelope(&s.envelope),
        File::open(&loaded.part_paths[0]).unwrap(),
        &spki,
    )
    .unwrap();
    assert_eq!(opened.summary, summary());
    for (i, doc) in s.documents.iter().enumerate() {
        let index = i as u32 + 1;
        let mut plain = Vec::new();
        let part = seal::open_with_envelope_key(
            &loaded.manifest,
            index,
            File::open(&loaded.part_paths[index as usize]).unwrap(),
            &mut plain,
            &s.envelope,
        )
        .unwrap();
        opened.check_document(&part).unwrap();
        assert_eq!(&plain, doc);
    }

    // A second seal into the same directory would overwrite a possibly submitted bid.
    let again = seal_bid_to_dir(
        BidContext {
            tender_id: TENDER.into(),
            section_id: SECTION.into(),
            bidder_uscc: uscc(),
            bid_version: 2,
            remedy: custodians().2,
        },
        &summary(),
        &[],
        dir,
        &s.envelope,
        &creds(),
    );
    assert!(matches!(again, Err(ClientError::Local(m)) if m.contains("already holds")));

    // A damaged part file is found before uploading.
    let mut bytes = std::fs::read(&loaded.part_paths[2]).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&loaded.part_paths[2], bytes).unwrap();
    assert!(loaded.verify_digests().is_err());
}

#[test]
fn envelope_key_file_is_private_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("envelope.key");
    let (created, fresh) = load_or_create_envelope_key(&path).unwrap();
    assert!(fresh);
    let (again, fresh) = load_or_create_envelope_key(&path).unwrap();
    assert!(!fresh);
    assert_eq!(created.public_key(), again.public_key());
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(write_envelope_key_file(&path, &created).is_err());
    std::fs::write(&path, "zz").unwrap();
    assert!(read_envelope_key_file(&path).is_err());
}

fn receipt_for(m: &Manifest) -> Receipt {
    Receipt {
        kind: ReceiptKind::Submission,
        bid_id: "bid-1".into(),
        tender_id: m.tender_id.clone(),
        section: m.section_id.clone(),
        bidder_uscc: m.bidder_uscc.clone(),
        bid_version: m.bid_version,
        received_at: Utc::now(),
        manifest_sha256: hex::encode(seal::manifest_sha256(m)),
        parts: m
            .parts
            .iter()
            .map(|p| ReceiptPart {
                index: p.index,
                name: p.name.clone(),
                ciphertext_len: p.ciphertext_len,
                ciphertext_sha256: hex::encode(p.ciphertext_sha256),
            })
            .collect(),
        certificate_serial: "01".into(),
        supersedes: None,
        audit: ReceiptAudit {
            event_id: "e".into(),
            log_index: Some(17),
            tlog_proof: None,
        },
    }
}

#[test]
fn receipt_must_acknowledge_the_manifest() {
    let s = sealed_bid();
    let m = &s.files.manifest;
    let good = receipt_for(m);
    good.check_against(m).unwrap();
    let mut r = good.clone();
    r.manifest_sha256 = hex::encode([0u8; 32]);
    assert!(r.check_against(m).is_err());
    let mut r = good.clone();
    r.parts[1].ciphertext_sha256 = hex::encode([0u8; 32]);
    assert!(r.check_against(m).is_err());
    let mut r = good.clone();
    r.parts.pop();
    assert!(r.check_against(m).is_err());
    let mut r = good;
    r.kind = ReceiptKind::Withdrawal;
    assert!(r.check_against(m).is_err());
}

#[test]
fn dtos_read_the_contract_shapes() {
    let mine: MyBid = serde_json::from_value(json!({
        "current": { "bid_id": "b1", "version": 2, "state": "submitted",
                     "received_at": "2026-03-01T08:00:00Z", "manifest_sha256": "ab".repeat(32),
                     "confirmed_tender_version": 1, "needs_reconfirmation": false },
        "next_version": 3,
        "remedy": { "threshold": 2, "custodians": ["11".repeat(32), "22".repeat(32)] },
        "upload": { "id": "u1", "tender_id": TENDER, "section": SECTION, "bid_version": 3,
                    "state": "open", "manifest_sha256": "cd".repeat(32),
                    "parts": [{ "index": 0, "name": "summary", "received": 10,
                               "ciphertext_len": 4112, "complete": false }] }
    }))
    .unwrap();
    assert_eq!(mine.current.unwrap().manifest_digest().unwrap(), [0xab; 32]);
    assert_eq!(mine.upload.unwrap().part(0).unwrap().received, 10);

    let receipt: Receipt = serde_json::from_value(json!({
        "kind": "withdrawal", "bid_id": "b1", "tender_id": TENDER, "section": SECTION,
        "bidder_uscc": "91350100M000100Y43", "bid_version": 1,
        "received_at": "2026-03-01T08:00:00Z", "manifest_sha256": "ab".repeat(32),
        "parts": [{ "index": 0, "name": "summary", "ciphertext_len": 4112,
                    "ciphertext_sha256": "00".repeat(32) }],
        "certificate_serial": "1f", "supersedes": null,
        "audit": { "event_id": "e1", "log_index": null, "tlog_proof": null }
    }))
    .unwrap();
    assert_eq!(receipt.kind, ReceiptKind::Withdrawal);

    let bond: BidBond = serde_json::from_value(json!({
        "id": "x", "tender_id": TENDER, "section": SECTION, "organisation_id": "o",
        "amount": "20000.00", "kind": "bank_guarantee", "reference": "BOND-2026-0001",
        "issuer": "示范银行", "recorded_at": "2026-03-01T08:00:00Z"
    }))
    .unwrap();
    assert_eq!(bond.kind, BondKind::BankGuarantee);
    assert_eq!(bond.issuer, "示范银行");

    let opening: Opening = serde_json::from_value(json!({
        "tender_id": TENDER, "section": SECTION, "state": "record_published",
        "started_at": "2026-03-01T08:00:00Z", "decryption_until": "2026-03-01T08:30:00Z",
        "recovery_until": null, "threshold": 2, "shares_submitted": 0,
        "bids": [{
            "bid_id": "b1", "bidder_name": "甲", "bidder_uscc": "91350100M000100Y43",
            "version": 1, "received_at": "2026-03-01T07:00:00Z", "status": "revoked",
            "attempts": [{
                "path": "r1", "at": "2026-03-01T08:01:00Z", "outcome": "failed",
                "error": "tag_mismatch", "fault": "bidder", "detail": "chunk 3"
            }],
            "valid_shares": 0,
            "rejected_shares": [{ "share_index": 2, "custodian_id": "P2",
                                  "released_at": "2026-03-01T08:40:00Z" }]
        }],
        "record": { "opened_at": "2026-03-01T08:31:00Z" }, "responses": []
    }))
    .unwrap();
    assert_eq!(opening.state, OpeningPhase::RecordPublished);
    assert_eq!(
        opening.bids[0].attempts[0].fault,
        Some(crate::seal::Fault::Bidder)
    );

    assert_eq!(
        serde_json::to_value(OpeningReaction::Confirm).unwrap(),
        json!({ "kind": "confirm" })
    );
    assert_eq!(
        serde_json::to_value(OpeningReaction::Objection {
            text: "价格".into()
        })
        .unwrap(),
        json!({ "kind": "objection", "text": "价格" })
    );
}

#[test]
fn problem_codes_unknown_to_this_build_are_still_read() {
    let e = ClientError::Unexpected {
        status: 409,
        body: json!({
            "type": "urn:etender:problem:upload_offset_mismatch", "title": "t",
            "status": 409, "detail": "server has 5 bytes", "code": "upload_offset_mismatch"
        })
        .to_string(),
    };
    assert_eq!(e.problem_code().as_deref(), Some(UPLOAD_OFFSET_MISMATCH));
    assert!(is_resumable(&e));
    let gone = ClientError::Unexpected {
        status: 409,
        body: json!({ "code": "bid_deadline_passed" }).to_string(),
    };
    assert!(!is_resumable(&gone));
}

// ---------------------------------------------------------------------------------------------
// Mock server
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Mock {
    manifest: Option<Manifest>,
    received: Vec<Vec<u8>>,
    opens: u32,
    puts: u32,
    /// Parts whose first request is "cut": half the bytes are kept, then a 503.
    cut_once: HashSet<u32>,
    /// `bids/mine` reports every part as empty, as a stale view would.
    stale_mine: bool,
    submitted: bool,
    /// Signed bodies received, by route name.
    posted: Vec<(&'static str, Value)>,
    share: Option<Value>,
}

type State = web::Data<Mutex<Mock>>;

fn problem(status: u16, code: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .content_type("application/problem+json")
        .json(
            json!({ "type": format!("urn:etender:problem:{code}"), "title": code,
                      "status": status, "detail": code, "code": code }),
        )
}

fn status_json(m: &Mock, stale: bool) -> Value {
    let manifest = m.manifest.as_ref().unwrap();
    json!({
        "id": "u1", "tender_id": manifest.tender_id, "section": manifest.section_id,
        "bid_version": manifest.bid_version,
        "state": if m.submitted { "submitted" } else { "open" },
        "manifest_sha256": hex::encode(seal::manifest_sha256(manifest)),
        "parts": manifest.parts.iter().map(|p| {
            let got = if stale { 0 } else { m.received[p.index as usize].len() as u64 };
            json!({ "index": p.index, "name": p.name, "received": got,
                    "ciphertext_len": p.ciphertext_len,
                    "complete": got == p.ciphertext_len })
        }).collect::<Vec<_>>()
    })
}

async fn mine(state: State) -> HttpResponse {
    let m = state.lock().unwrap();
    let upload = m.manifest.as_ref().map(|_| status_json(&m, m.stale_mine));
    HttpResponse::Ok().json(json!({
        "current": null, "next_version": 1, "remedy": custodians().2, "upload": upload
    }))
}

async fn open(state: State, body: web::Json<Value>) -> HttpResponse {
    let manifest: Manifest = serde_json::from_value(body["manifest"].clone()).unwrap();
    assert_eq!(body["certificate_chain"].as_array().unwrap().len(), 1);
    let mut m = state.lock().unwrap();
    m.opens += 1;
    m.received = vec![Vec::new(); manifest.parts.len()];
    m.manifest = Some(manifest);
    m.submitted = false;
    HttpResponse::Created().json(status_json(&m, false))
}

async fn upload_status(state: State) -> HttpResponse {
    let m = state.lock().unwrap();
    HttpResponse::Ok().json(status_json(&m, false))
}

async fn put_part(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, u32)>,
    body: web::Bytes,
) -> HttpResponse {
    let index = path.1;
    let mut m = state.lock().unwrap();
    m.puts += 1;
    let offset: u64 = req
        .headers()
        .get("Upload-Offset")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let have = m.received[index as usize].len() as u64;
    if offset != have {
        return problem(409, UPLOAD_OFFSET_MISMATCH);
    }
    let part = &m.manifest.as_ref().unwrap().parts[index as usize];
    let (len, name) = (part.ciphertext_len, part.name.clone());
    if m.cut_once.remove(&index) {
        let keep = body.len() / 2;
        m.received[index as usize].extend_from_slice(&body[..keep]);
        return problem(503, "service_unavailable");
    }
    m.received[index as usize].extend_from_slice(&body);
    let got = m.received[index as usize].len() as u64;
    HttpResponse::Ok().json(json!({
        "index": index, "name": name, "received": got, "ciphertext_len": len,
        "complete": got == len
    }))
}

async fn submit(state: State) -> HttpResponse {
    let mut m = state.lock().unwrap();
    m.submitted = true;
    let receipt = receipt_for(m.manifest.as_ref().unwrap());
    HttpResponse::Created().json(receipt)
}

async fn signed(state: State, req: HttpRequest, body: web::Json<Value>) -> HttpResponse {
    let route = match req.path() {
        p if p.ends_with("/withdrawal") => "withdrawal",
        p if p.ends_with("/decryption") => "decryption",
        p if p.ends_with("/shares") => "shares",
        _ => "envelope-key",
    };
    let mut m = state.lock().unwrap();
    m.posted.push((route, body.into_inner()));
    HttpResponse::Ok().json(match route {
        "withdrawal" => {
            let mut r = receipt_for(m.manifest.as_ref().unwrap());
            r.kind = ReceiptKind::Withdrawal;
            serde_json::to_value(r).unwrap()
        }
        "decryption" => json!({
            "bid_id": "b1", "status": "opened",
            "attempt": {
                "path": "r1", "at": "2026-03-01T08:01:00Z", "outcome": "opened",
                "error": null, "fault": null, "detail": null
            }
        }),
        "shares" => json!({ "threshold": 2, "bids": [{ "bid_id": "b1", "accepted": true,
                             "valid_shares": 1, "status": "sealed" }] }),
        _ => json!({ "principal_id": "P1", "public_key": "00".repeat(32),
                     "registered_at": "2026-03-01T08:00:00Z" }),
    })
}

async fn my_share(state: State) -> HttpResponse {
    HttpResponse::Ok().json(state.lock().unwrap().share.clone())
}

async fn serve(mock: Mock) -> (Client, Arc<Mutex<Mock>>) {
    let state = web::Data::new(Mutex::new(mock));
    let shared = state.clone().into_inner();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sec = "/api/v1/tenders/{t}/sections/{s}";
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(64 << 20))
            .route(&format!("{sec}/bids/mine"), web::get().to(mine))
            .route(&format!("{sec}/bid-uploads"), web::post().to(open))
            .route(
                &format!("{sec}/bids/mine/withdrawal"),
                web::post().to(signed),
            )
            .route(&format!("{sec}/opening/decryption"), web::post().to(signed))
            .route(&format!("{sec}/opening/shares"), web::post().to(signed))
            .route(
                &format!("{sec}/opening/shares/mine"),
                web::get().to(my_share),
            )
            .route("/api/v1/me/envelope-key", web::put().to(signed))
            .route("/api/v1/bid-uploads/{id}", web::get().to(upload_status))
            .route(
                "/api/v1/bid-uploads/{id}/parts/{index}",
                web::put().to(put_part),
            )
            .route("/api/v1/bid-uploads/{id}/submit", web::post().to(submit))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (
        Client::new(&format!("http://127.0.0.1:{port}")).with_token(Some("t".into())),
        shared,
    )
}

fn assert_received_everything(mock: &Mock, files: &SealedBidFiles) {
    for (i, path) in files.part_paths.iter().enumerate() {
        assert_eq!(mock.received[i], std::fs::read(path).unwrap(), "part {i}");
    }
}

#[tokio::test]
async fn submission_resumes_cut_parts_from_the_servers_offset() {
    let s = sealed_bid();
    let (client, mock) = serve(Mock {
        cut_once: [0, 1].into_iter().collect(),
        ..Mock::default()
    })
    .await;
    let receipt = client
        .submit_sealed_bid(
            TENDER,
            SECTION,
            &s.files.manifest,
            &s.files.part_paths,
            &creds(),
        )
        .await
        .unwrap();
    assert_eq!(receipt.bid_version, 1);
    let m = mock.lock().unwrap();
    assert_received_everything(&m, &s.files);
    assert_eq!(m.opens, 1);
    assert_eq!(m.puts, 5, "3 parts + 2 resumptions");
    assert!(m.submitted);
}

#[tokio::test]
async fn an_open_upload_of_the_same_bid_is_continued_not_replaced() {
    let s = sealed_bid();
    let (client, mock) = serve(Mock::default()).await;
    let c = creds();
    let upload = client
        .open_upload(TENDER, SECTION, &s.files.manifest, &c)
        .await
        .unwrap();
    // An earlier run got 100 000 bytes of part 1 through before it died.
    let head = std::fs::read(&s.files.part_paths[1]).unwrap()[..100_000].to_vec();
    let ps = client
        .upload_part(&upload.id, 1, 0, reqwest::Body::from(head))
        .await
        .unwrap();
    assert_eq!((ps.received, ps.complete), (100_000, false));
    // The overview is stale, so the first request starts at 0 and meets a 409.
    mock.lock().unwrap().stale_mine = true;
    client
        .submit_sealed_bid(TENDER, SECTION, &s.files.manifest, &s.files.part_paths, &c)
        .await
        .unwrap();
    let m = mock.lock().unwrap();
    assert_received_everything(&m, &s.files);
    assert_eq!(m.opens, 1);
    assert_eq!(
        m.puts, 5,
        "head + part 0 + 409 at offset 0 + rest of part 1 + part 2"
    );
}

#[tokio::test]
async fn a_server_count_beyond_the_file_is_refused() {
    let s = sealed_bid();
    let (client, mock) = serve(Mock::default()).await;
    let upload = client
        .open_upload(TENDER, SECTION, &s.files.manifest, &creds())
        .await
        .unwrap();
    // The server counts bytes the file does not have: the client cannot fix that.
    mock.lock().unwrap().received[2] = vec![0; 1_000_000];
    let err = client
        .send_part_resumable(&upload.id, 2, &s.files.part_paths[2])
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Local(m) if m.contains("server holds")));
}

fn verify(c: &Credentials, body: &Value, payload: &[u8]) {
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(body["signature_algorithm"], c.algorithm.as_str());
    assert_eq!(
        body["certificate_chain"][0],
        b64.encode(&c.chain[0]),
        "chain is sent as base64 DER"
    );
    let sig = b64.decode(body["signature"].as_str().unwrap()).unwrap();
    verify_signature(&c.key.public_key_spki_der(), c.algorithm, payload, &sig).unwrap();
}

#[tokio::test]
async fn signed_statements_verify_with_the_shared_payloads() {
    let s = sealed_bid();
    let m = &s.files.manifest;
    let c = creds();
    let (_, custodian, _) = custodians();
    let manifest_sha256 = seal::manifest_sha256(m);
    let (client, mock) = serve(Mock {
        manifest: Some(m.clone()),
        share: Some(json!({ "share_index": 2, "threshold": 2, "bids": [{
            "bid_id": "b1", "manifest_sha256": hex::encode(manifest_sha256),
            "manifest": m, "released": false }] })),
        ..Mock::default()
    })
    .await;

    client
        .register_envelope_key("P1", &custodian, &c)
        .await
        .unwrap();

    let bid = BidView {
        bid_id: "b1".into(),
        version: 1,
        state: BidState::Submitted,
        received_at: Utc::now(),
        manifest_sha256: hex::encode(seal::manifest_sha256(m)),
        confirmed_tender_version: 1,
        needs_reconfirmation: false,
    };
    let receipt = client
        .withdraw(TENDER, SECTION, &bid, &m.bidder_uscc, &c)
        .await
        .unwrap();
    assert_eq!(receipt.kind, ReceiptKind::Withdrawal);

    let outcome = client
        .release_deks(TENDER, SECTION, m, &s.envelope, &c)
        .await
        .unwrap();
    assert_eq!(outcome.status, OpeningStatus::Opened);
    // Only the key that sealed the bid may release its DEKs.
    let stranger = Credentials::new(c.chain.clone(), ed25519(8));
    assert!(client
        .release_deks(TENDER, SECTION, m, &s.envelope, &stranger)
        .await
        .is_err());

    let status = client
        .release_share(TENDER, SECTION, &custodian, &c)
        .await
        .unwrap();
    assert_eq!(status.bids.len(), 1);
    assert!(status.bids[0].accepted);

    let posted = mock.lock().unwrap().posted.clone();
    let body = |name: &str| posted.iter().find(|(n, _)| *n == name).unwrap().1.clone();

    let key = body("envelope-key");
    assert_eq!(key["public_key"], hex::encode(custodian.public_key().0));
    verify(
        &c,
        &key,
        &statements::custodian_key_payload("P1", &custodian.public_key()),
    );

    verify(
        &c,
        &body("withdrawal"),
        &statements::withdrawal_payload(
            TENDER,
            SECTION,
            &m.bidder_uscc,
            1,
            &seal::manifest_sha256(m),
        ),
    );

    let keys = body("decryption")["keys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), m.parts.len());
    for k in keys {
        let index = k["index"].as_u64().unwrap() as u32;
        let dek = Dek::from_bytes(hex32(k["dek"].as_str().unwrap(), "dek").unwrap());
        seal::unwrap_part_key(m, index, PartKey::Dek(&dek)).unwrap();
        let sig = base64::engine::general_purpose::STANDARD
            .decode(k["signature"].as_str().unwrap())
            .unwrap();
        verify_signature(
            &m.outer_signature.signer_spki,
            m.outer_signature.algorithm,
            &seal::dek_release_payload(m, index).unwrap(),
            &sig,
        )
        .unwrap();
    }

    let body = body("shares");
    let share = &body["releases"][0];
    let expected = m.remedy.decrypt_share(&m.remedy_bid(), &custodian).unwrap();
    assert_eq!(share["bid_id"], "b1");
    assert_eq!(share["share_index"], expected.index);
    assert_eq!(share["share"], hex::encode(*expected.value));
    let mut signed = body.clone();
    signed["signature"] = share["signature"].clone();
    verify(
        &c,
        &signed,
        &statements::share_release_payload(
            TENDER,
            SECTION,
            &manifest_sha256,
            expected.index,
            &expected.value,
        ),
    );
}
