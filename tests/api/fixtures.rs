//! Realistic tender fixtures and the signing steps a tenderer's or agent's client performs.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use etender::client::{Client, Credentials};
use etender::seal::{statements, EnvelopeSecret};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{pki, TestApp};

/// A valid two-section works tender: documents from `now`, deadline `deadline_days` later.
pub fn draft(now: DateTime<Utc>, deadline_days: i64, custodians: &[String]) -> Value {
    let deadline = now + Duration::days(deadline_days);
    json!({
        "procedure": "open",
        "schedule": {
            "documents_available_from": now,
            "documents_available_until": now + Duration::days(10),
            "clarification_cutoff": deadline - Duration::days(16),
            "bid_deadline": deadline,
            "bid_validity_days": 90
        },
        "sections": [
            {
                "code": "BD01", "name": "第一标段 东荆河大道道路工程", "category": "works",
                "estimated_price": "12000000.00", "price_cap": "11800000.00",
                "bid_bond": "200000.00",
                "qualification_requirements": [
                    "市政公用工程施工总承包二级及以上资质",
                    "项目经理具备市政公用工程一级注册建造师"
                ],
                "evaluation": {
                    "kind": "comprehensive_scoring",
                    "weights": [
                        {"name": "price", "weight": "60"},
                        {"name": "technical", "weight": "30"},
                        {"name": "commercial", "weight": "10"}
                    ],
                    "price": {"k_values": ["0.01", "0.02", "0.03"]}
                },
                "award": {
                    "kind": "separated", "candidates": 3,
                    "method": {"kind": "direct_vote", "absolute_majority": true}
                }
            },
            {
                "code": "BD02", "name": "第二标段 排水管网工程", "category": "works",
                "estimated_price": "8000000.00", "price_cap": "7900000.00", "bid_bond": "160000.00",
                "qualification_requirements": ["市政公用工程施工总承包三级及以上资质"],
                "evaluation": {"kind": "lowest_evaluated_price"},
                "award": {"kind": "traditional", "candidates": 3}
            }
        ],
        "custodians": {"person_ids": custodians, "threshold": 2},
        "invitees": []
    })
}

/// The custodians every fixture tender names, in share order (share i+1 goes to entry i).
pub const CUSTODIANS: [&str; 3] = ["custodian", "custodian-2", "custodian-3"];

/// A custodian's envelope secret, derived from its label so tests can release shares later.
pub fn custodian_secret(label: &str) -> EnvelopeSecret {
    let d = ring::digest::digest(
        &ring::digest::SHA256,
        format!("envelope:{label}").as_bytes(),
    );
    let mut b = [0u8; 32];
    b.copy_from_slice(d.as_ref());
    EnvelopeSecret::from_bytes(&b)
}

/// Register `label`'s envelope key, signed with its personal certificate.
pub async fn register_envelope_key(c: &Client, label: &str) -> (StatusCode, Value) {
    let id = id_of(c).await;
    let creds = pki().get(label).credentials();
    let pk = custodian_secret(label).public_key();
    let sig = creds
        .key
        .sign(
            creds.algorithm,
            &statements::custodian_key_payload(&id, &pk),
        )
        .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    c.raw(
        Method::PUT,
        "/api/v1/me/envelope-key",
        Some(&json!({"public_key": hex::encode(pk.0),
            "certificate_chain": creds.chain.iter().map(|d| b64.encode(d)).collect::<Vec<_>>(),
            "signature": b64.encode(sig), "signature_algorithm": creds.algorithm.as_str()})),
    )
    .await
    .unwrap()
}

/// Three registered custodians' person UUIDs, each with an envelope key.
pub async fn custodians(app: &TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for label in CUSTODIANS {
        let c = app.enrol(label).await;
        let (status, body) = register_envelope_key(&c, label).await;
        assert_eq!(status, 200, "{body}");
        ids.push(id_of(&c).await);
    }
    ids
}

pub async fn id_of(c: &Client) -> String {
    let me: Value = c.get("/api/v1/me").await.unwrap();
    me["id"].as_str().unwrap().to_string()
}

/// Sign the tender's current notice with `signer`'s certificate (the client library's helper).
pub async fn sign_notice(c: &Client, tender: &str, signer: &Credentials) -> Value {
    c.sign_notice(tender, signer).await.unwrap()
}

/// An agent-run tender (for the tenderer), created, with one document, not yet published.
pub struct Setup {
    pub agent: Client,
    /// The tenderer's entrustment of the agent for this tender.
    pub entrustment: String,
    pub tender: String,
    pub document: String,
    pub custodians: Vec<String>,
}

pub async fn draft_tender(app: &TestApp, deadline_days: i64) -> Setup {
    let agent = app.enrol("agent").await;
    let tenderer = app.enrol("tenderer").await;
    let tenderer_id = id_of(&tenderer).await;
    let custodians = custodians(app).await;
    let now = app.clock_now();
    let title = "潜江市东荆河大道及配套管网工程";
    let entrustment = app
        .entrust(pki().get("tenderer"), &id_of(&agent).await, title)
        .await;
    let body = json!({
        "title": title,
        "description": "房建市政 评定分离 试点项目",
        "tenderer_id": tenderer_id,
        "entrustment_id": entrustment,
        "draft": draft(now, deadline_days, &custodians)
    });
    let t: Value = agent.post("/api/v1/tenders", &body).await.unwrap();
    let tender = t["id"].as_str().unwrap().to_string();
    let document = upload(
        &agent,
        &tender,
        "招标文件",
        "zhaobiao.pdf",
        b"%PDF-1.7 tender documents \xe6\x8b\x9b\xe6\xa0\x87",
    )
    .await;
    Setup {
        agent,
        entrustment,
        tender,
        document,
        custodians,
    }
}

pub async fn upload(c: &Client, tender: &str, title: &str, file: &str, bytes: &[u8]) -> String {
    let v = c
        .upload_document(tender, title, file, "application/pdf", bytes.to_vec())
        .await
        .unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// Publish with the agent's organisation certificate.
pub async fn publish(app: &TestApp, s: &Setup) -> (reqwest::StatusCode, Value) {
    let _ = app;
    let sig = sign_notice(&s.agent, &s.tender, &pki().get("agent").credentials()).await;
    s.agent
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/publish", s.tender),
            Some(&sig),
        )
        .await
        .unwrap()
}

pub async fn published_tender(app: &TestApp, deadline_days: i64) -> Setup {
    let s = draft_tender(app, deadline_days).await;
    let (st, v) = publish(app, &s).await;
    assert_eq!(st, 200, "{v}");
    s
}

/// The published schedule of a tender as the public sees it.
pub fn schedule(t: &Value) -> etender::domain::tender::Schedule {
    serde_json::from_value(t["published"]["schedule"].clone()).unwrap()
}

/// Download the set-up document as `c` (logged in or not).
pub async fn download(c: &Client, s: &Setup) -> (reqwest::StatusCode, Value) {
    c.raw(
        Method::GET,
        &format!(
            "/api/v1/tenders/{}/documents/{}/content",
            s.tender, s.document
        ),
        None,
    )
    .await
    .unwrap()
}

/// Ask a question as a bidder; returns the question.
pub async fn ask(c: &Client, tender: &str, question: &str) -> Value {
    c.post(
        &format!("/api/v1/tenders/{tender}/questions"),
        &json!({"question": question}),
    )
    .await
    .unwrap()
}
