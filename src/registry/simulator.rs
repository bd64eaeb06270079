//! A licence registry simulator: a real HTTP server speaking the registry's interface
//! (docs/LICENCES.md §2), signing its answers with its own ECDSA P-256 key, with switches to be
//! down, slow, answer garbage or sign badly. The tests and the demo start it in-process on a
//! random loopback port; it is not part of a production node.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use chrono::{NaiveDate, Utc};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

use super::{RegistrySettings, KEY_ID_HEADER, SIGNATURE_HEADER};
use crate::domain::licence::{
    Grade, LicenceStatus, Qualification, RegisteredStaff, RegistryRecord, SafetyPermit, StaffLevel,
    MANAGER_TITLE,
};
use crate::secret::SecretString;

/// How the simulator answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Signed records.
    Normal,
    /// `503 Service Unavailable` to everything.
    Down,
    /// Answers only after this long (longer than the platform's timeout, to test it).
    Slow(Duration),
    /// `200` with a body that is not a record.
    Garbage,
    /// Records whose signature is made with another key.
    BadSignature,
}

struct State {
    mode: Mode,
    records: HashMap<String, RegistryRecord>,
    /// Every certificate's `valid_until` is answered as this day (the "expired licence" switch).
    expire_on: Option<NaiveDate>,
    requests: u64,
}

struct Shared {
    state: Mutex<State>,
    key: EcdsaKeyPair,
    other: EcdsaKeyPair,
    token: String,
    rng: SystemRandom,
}

/// A running simulator.
pub struct Simulator {
    pub url: String,
    shared: Arc<Shared>,
    handle: actix_web::dev::ServerHandle,
}

const KEY_ID: &str = "sim-2026";

fn keypair(rng: &SystemRandom) -> anyhow::Result<EcdsaKeyPair> {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, rng)
        .map_err(|_| anyhow::anyhow!("cannot generate a P-256 key"))?;
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), rng)
        .map_err(|_| anyhow::anyhow!("cannot load the generated key"))
}

impl Simulator {
    /// Starts on `127.0.0.1:0` with a fresh key, accepting `token` as its bearer credential.
    pub async fn start(token: &str) -> anyhow::Result<Simulator> {
        let rng = SystemRandom::new();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                mode: Mode::Normal,
                records: HashMap::new(),
                expire_on: None,
                requests: 0,
            }),
            key: keypair(&rng)?,
            other: keypair(&rng)?,
            token: token.to_string(),
            rng,
        });
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/v1/organisations/{uscc}/licences", web::get().to(answer))
        })
        .workers(1)
        // A non-graceful stop returns before the worker has dropped its connections, so a
        // pooled keep-alive connection could still be answered after `stop`: every answer
        // closes its connection, and a stopped simulator is then reliably unreachable.
        .keep_alive(actix_web::http::KeepAlive::Disabled)
        .disable_signals()
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Simulator {
            url: format!("http://127.0.0.1:{port}"),
            shared,
            handle,
        })
    }

    /// The registry's public key as `[registry] public_key` takes it.
    pub fn public_key(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.shared.key.public_key().as_ref())
    }

    /// Settings that point a node at this simulator.
    pub fn settings(&self, timeout_ms: u64, retries: u32) -> RegistrySettings {
        RegistrySettings {
            endpoint: self.url.clone(),
            token: SecretString::from(self.shared.token.clone()),
            timeout_ms,
            retries,
            retry_backoff_ms: 10,
            public_key: self.public_key(),
            require_signature: true,
            allow_http: true,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.shared.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn set_mode(&self, mode: Mode) {
        self.with(|s| s.mode = mode);
    }

    /// Answer every certificate as valid until `day` (`None`: as recorded).
    pub fn expire_on(&self, day: Option<NaiveDate>) {
        self.with(|s| s.expire_on = day);
    }

    pub fn put(&self, record: RegistryRecord) {
        self.with(|s| s.records.insert(record.uscc.clone(), record));
    }

    /// Requests answered or refused so far.
    pub fn requests(&self) -> u64 {
        self.with(|s| s.requests)
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

async fn answer(req: HttpRequest, sim: web::Data<Shared>, uscc: web::Path<String>) -> HttpResponse {
    let expected = format!("Bearer {}", sim.token);
    let authorised = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    let (mode, record, expire_on) = {
        let mut s = sim.state.lock().unwrap_or_else(|p| p.into_inner());
        s.requests += 1;
        (s.mode, s.records.get(uscc.as_str()).cloned(), s.expire_on)
    };
    match mode {
        Mode::Down => return HttpResponse::ServiceUnavailable().body("maintenance"),
        Mode::Slow(d) => tokio::time::sleep(d).await,
        _ => {}
    }
    if !authorised {
        return HttpResponse::Unauthorized().body("bad credentials");
    }
    if mode == Mode::Garbage {
        return HttpResponse::Ok()
            .content_type("text/html")
            .body("<html><body>系统维护中</body></html>");
    }
    let Some(mut record) = record else {
        return HttpResponse::NotFound().body("not listed");
    };
    record.issued_at = Utc::now();
    if let Some(day) = expire_on {
        record
            .qualifications
            .iter_mut()
            .for_each(|q| q.valid_until = day);
        record
            .safety_permits
            .iter_mut()
            .for_each(|p| p.valid_until = day);
        record
            .registered_staff
            .iter_mut()
            .for_each(|p| p.valid_until = day);
    }
    let body = match serde_json::to_vec(&record) {
        Ok(b) => b,
        Err(_) => return HttpResponse::InternalServerError().finish(),
    };
    let key = if mode == Mode::BadSignature {
        &sim.other
    } else {
        &sim.key
    };
    let Ok(sig) = key.sign(&sim.rng, &body) else {
        return HttpResponse::InternalServerError().finish();
    };
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            SIGNATURE_HEADER,
            base64::engine::general_purpose::STANDARD.encode(sig.as_ref()),
        ))
        .insert_header((KEY_ID_HEADER, KEY_ID))
        .body(body)
}

/// A plausible record: a 二级 建筑工程施工总承包 qualification, a safety permit and an
/// 一级 registered 建造师, all valid until `valid_until`.
pub fn sample_record(uscc: &str, name: &str, valid_until: NaiveDate) -> RegistryRecord {
    let tail: String = uscc
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    RegistryRecord {
        uscc: uscc.to_string(),
        name: name.to_string(),
        issued_at: Utc::now(),
        qualifications: vec![Qualification {
            number: format!("D2420{tail}"),
            class: "施工总承包".into(),
            speciality: "建筑工程".into(),
            grade: Grade::Second,
            valid_until,
            status: LicenceStatus::Valid,
        }],
        safety_permits: vec![SafetyPermit {
            number: format!("(鄂)JZ安许证字[2024]{tail}"),
            valid_until,
            status: LicenceStatus::Valid,
        }],
        registered_staff: vec![RegisteredStaff {
            name: "王建国".into(),
            certificate_number: format!("鄂1422024{tail}"),
            title: MANAGER_TITLE.into(),
            level: StaffLevel::First,
            speciality: "建筑工程".into(),
            valid_until,
            status: LicenceStatus::Valid,
        }],
    }
}
