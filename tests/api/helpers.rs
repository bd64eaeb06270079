//! Test harness: a real etender server on a random port, on SQLite (a temp file) or on
//! PostgreSQL (a fresh database per test, cloned from a migrated template), with a real test PKI
//! and a manual clock.
//!
//! `ETENDER_TEST_BACKEND=postgres` plus `ETENDER_TEST_PG_URL=postgres://…/postgres` (set by
//! `make test`, which starts a throwaway cluster) selects PostgreSQL; the default is SQLite.
//! `ETENDER_TEST_STORAGE=s3` keeps stored objects in the S3-compatible server `make test` starts
//! (`ETENDER_TEST_S3_URL`, objects as files under `ETENDER_TEST_S3_ROOT`), one bucket per test;
//! the default is local files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Duration, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use etender::app::AppContext;
use etender::client::bank::BondIssuer;
use etender::client::{Client, Credentials};
use etender::clock::ManualClock;
use etender::config::Settings;
use etender::crypto::keys::SigningKey;
use etender::domain::identity::{PrincipalKind, Role};
use etender::domain::uscc::Uscc;
use etender::pki::{Authority, IssuedCert, LeafSpec, PkiKeyAlgorithm};
use etender::startup::Application;
use serde_json::Value;

pub fn backend() -> &'static str {
    static B: OnceLock<String> = OnceLock::new();
    B.get_or_init(|| std::env::var("ETENDER_TEST_BACKEND").unwrap_or_else(|_| "sqlite".into()))
}

pub fn is_postgres() -> bool {
    backend() == "postgres"
}

/// Whether this run keeps objects in S3 (`ETENDER_TEST_STORAGE=s3`).
pub fn on_s3() -> bool {
    std::env::var("ETENDER_TEST_STORAGE").as_deref() == Ok("s3")
}

/// Settings for a fresh bucket on the test suite's S3 server.
pub fn s3_settings(bucket: &str) -> etender::storage::S3Settings {
    let endpoint = std::env::var("ETENDER_TEST_S3_URL").expect(
        "S3 tests need ETENDER_TEST_S3_URL and ETENDER_TEST_S3_ROOT \
         (make test starts the server: tests/support/s3.sh)",
    );
    etender::storage::S3Settings {
        endpoint,
        region: "us-east-1".into(),
        bucket: bucket.into(),
        access_key_id: "etender-test".into(),
        secret_access_key: "etender-test-secret".into(),
        virtual_hosted: false,
        allow_http: true,
        part_size_mib: 5,
        create_bucket: true,
        ca_file: String::new(),
        connect_timeout_secs: 5,
        request_timeout_secs: 60,
    }
}

/// Where the S3 test server keeps its buckets as directories.
pub fn s3_root() -> PathBuf {
    PathBuf::from(
        std::env::var("ETENDER_TEST_S3_ROOT").expect("ETENDER_TEST_S3_ROOT (set by make test)"),
    )
}

pub fn fresh_bucket() -> String {
    format!("etender-{}", uuid::Uuid::new_v4().simple())
}

fn pg_admin_url() -> String {
    std::env::var("ETENDER_TEST_PG_URL").expect(
        "ETENDER_TEST_BACKEND=postgres needs ETENDER_TEST_PG_URL \
         (make test starts a cluster and sets it)",
    )
}

/// Replace the database name in a postgres URL.
pub fn pg_url_for(db: &str) -> String {
    let admin = pg_admin_url();
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_string(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let cut = base.rfind('/').expect("database URL has a path");
    format!("{}/{db}{query}", &base[..cut])
}

/// A migrated template database, made once per test process.
fn pg_template() -> &'static str {
    static T: OnceLock<String> = OnceLock::new();
    T.get_or_init(|| {
        let name = format!("tpl_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&pg_admin_url()).expect("connect to test cluster");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        etender::db::migrate::run_pending(&pg_url_for(&name)).expect("migrate template");
        name
    })
}

/// A fresh, migrated PostgreSQL database on the test cluster.
pub fn fresh_pg_database_url() -> String {
    let tpl = pg_template();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(&pg_admin_url()).expect("connect to test cluster");
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE {tpl} STRATEGY FILE_COPY"
        ))
        .unwrap();
    pg_url_for(&name)
}

/// A fresh, migrated database URL for one test, on the backend under test.
pub fn fresh_database_url(dir: &std::path::Path) -> String {
    if is_postgres() {
        fresh_pg_database_url()
    } else {
        format!("sqlite://{}", dir.join("etender.db").display())
    }
}

/// One identity of the test PKI.
pub struct Ident {
    pub label: &'static str,
    pub kind: PrincipalKind,
    pub issued: IssuedCert,
    /// Intermediates between leaf and anchor (usually none).
    pub intermediates: Vec<Vec<u8>>,
    pub roles: Vec<Role>,
    /// USCC (organisations) or personal id (people).
    pub key: String,
}

impl Ident {
    pub fn credentials(&self) -> Credentials {
        let mut chain = vec![self.issued.cert_der.clone()];
        chain.extend(self.intermediates.iter().cloned());
        let key = SigningKey::from_pkcs8_der(&self.issued.key_pkcs8_der).expect("test key");
        Credentials::new(chain, key)
    }
}

/// The shared test PKI: two roots (P-256 and SM2), their CRLs, and identities.
pub struct TestPki {
    pub root: Authority,
    pub sm2_root: Authority,
    /// A root that is *not* trusted by test servers.
    pub rogue_root: Authority,
    pub revoked: Ident,
    pub idents: Vec<Ident>,
}

impl TestPki {
    pub fn get(&self, label: &str) -> &Ident {
        self.idents
            .iter()
            .find(|i| i.label == label)
            .unwrap_or_else(|| panic!("no test identity {label}"))
    }

    pub fn crl(&self, ca: &Authority, revoked: &[String]) -> Vec<u8> {
        let now = Utc::now();
        ca.crl_der(revoked, now - Duration::hours(1), now + Duration::days(7))
            .unwrap()
    }
}

/// A valid USCC whose first 17 characters derive from `n`.
pub fn uscc(n: u32) -> String {
    let body = format!("91420600{:09}", n);
    Uscc::with_check_digit(&body).unwrap().as_str().to_string()
}

pub fn person_id(n: u32) -> String {
    format!("42900519900101{:04}", n)
}

/// One more bidder organisation issued by the test root (for rushes of many bidders).
pub fn extra_bidder(i: u32) -> Ident {
    extra_org(10_000 + i, &format!("rush-{i}"), Role::Bidder)
}

/// One more organisation with `role`, issued by the test root; `n` picks its USCC.
pub fn extra_org(n: u32, label: &str, role: Role) -> Ident {
    let u = uscc(n);
    let label: &'static str = Box::leak(label.to_string().into_boxed_str());
    let issued = pki()
        .root
        .issue(&org_leaf(
            PkiKeyAlgorithm::EcdsaP256,
            &format!("{label} 建设有限公司"),
            &u,
        ))
        .unwrap();
    Ident {
        label,
        kind: PrincipalKind::Organisation,
        issued,
        intermediates: vec![],
        roles: vec![role],
        key: u,
    }
}

/// One more person with `roles`, issued by the test root; `n` picks its personal identifier.
pub fn extra_person(n: u32, label: &str, roles: Vec<Role>) -> Ident {
    let id = person_id(n);
    let label: &'static str = Box::leak(label.to_string().into_boxed_str());
    let issued = pki()
        .root
        .issue(&person_leaf(
            PkiKeyAlgorithm::EcdsaP256,
            &format!("{label} 李四"),
            &id,
        ))
        .unwrap();
    Ident {
        label,
        kind: PrincipalKind::Person,
        issued,
        intermediates: vec![],
        roles,
        key: id,
    }
}

pub fn org_leaf(alg: PkiKeyAlgorithm, name: &str, uscc: &str) -> LeafSpec {
    let mut s = LeafSpec::signing(alg, name);
    s.organization = Some(name.to_string());
    s.subject_serial_number = Some(uscc.to_string());
    s.policies = vec![etender::pki::ORGANISATION_CERTIFICATE_POLICY.into()];
    s
}

pub fn person_leaf(alg: PkiKeyAlgorithm, name: &str, id: &str) -> LeafSpec {
    let mut s = LeafSpec::signing(alg, name);
    s.subject_serial_number = Some(id.to_string());
    s.policies = vec![etender::pki::PERSON_CERTIFICATE_POLICY.into()];
    s
}

pub fn pki() -> &'static TestPki {
    static P: OnceLock<TestPki> = OnceLock::new();
    P.get_or_init(|| {
        let now = Utc::now();
        let root = Authority::new_root(
            PkiKeyAlgorithm::EcdsaP256,
            "etender Test Root CA",
            now - Duration::days(30),
            now + Duration::days(3650),
        )
        .unwrap();
        let sm2_root = Authority::new_root(
            PkiKeyAlgorithm::Sm2,
            "etender Test SM2 Root CA",
            now - Duration::days(30),
            now + Duration::days(3650),
        )
        .unwrap();
        let rogue_root = Authority::new_root(
            PkiKeyAlgorithm::EcdsaP256,
            "Rogue Root CA",
            now - Duration::days(30),
            now + Duration::days(3650),
        )
        .unwrap();
        let mut idents = Vec::new();
        let mut n = 1u32;
        let mut org = |label: &'static str,
                       alg: PkiKeyAlgorithm,
                       roles: Vec<Role>,
                       ca: &Authority,
                       idents: &mut Vec<Ident>| {
            let u = uscc(n);
            n += 1;
            let issued = ca
                .issue(&org_leaf(alg, &format!("{label} 有限公司"), &u))
                .unwrap();
            idents.push(Ident {
                label,
                kind: PrincipalKind::Organisation,
                issued,
                intermediates: vec![],
                roles,
                key: u,
            });
        };
        org(
            "tenderer",
            PkiKeyAlgorithm::EcdsaP256,
            vec![Role::Tenderer],
            &root,
            &mut idents,
        );
        org(
            "agent",
            PkiKeyAlgorithm::EcdsaP256,
            vec![Role::Agent],
            &root,
            &mut idents,
        );
        org(
            "bidder",
            PkiKeyAlgorithm::EcdsaP256,
            vec![Role::Bidder],
            &root,
            &mut idents,
        );
        org(
            "bidder-rsa",
            PkiKeyAlgorithm::Rsa2048,
            vec![Role::Bidder],
            &root,
            &mut idents,
        );
        org(
            "bidder-ed25519",
            PkiKeyAlgorithm::Ed25519,
            vec![Role::Bidder],
            &root,
            &mut idents,
        );
        org(
            "bidder-sm2",
            PkiKeyAlgorithm::Sm2,
            vec![Role::Bidder],
            &sm2_root,
            &mut idents,
        );
        let u = uscc(900);
        let revoked = Ident {
            label: "revoked",
            kind: PrincipalKind::Organisation,
            issued: root
                .issue(&org_leaf(PkiKeyAlgorithm::EcdsaP256, "吊销 有限公司", &u))
                .unwrap(),
            intermediates: vec![],
            roles: vec![Role::Bidder],
            key: u,
        };
        let mut m = 1u32;
        let mut person = |label: &'static str, roles: Vec<Role>, idents: &mut Vec<Ident>| {
            let id = person_id(m);
            m += 1;
            let issued = root
                .issue(&person_leaf(
                    PkiKeyAlgorithm::EcdsaP256,
                    &format!("{label} 张三"),
                    &id,
                ))
                .unwrap();
            idents.push(Ident {
                label,
                kind: PrincipalKind::Person,
                issued,
                intermediates: vec![],
                roles,
                key: id,
            });
        };
        person("admin", vec![Role::Administrator], &mut idents);
        person("agent-staff", vec![Role::AgentStaff], &mut idents);
        person("expert", vec![Role::Expert], &mut idents);
        person("committee", vec![Role::AwardCommittee], &mut idents);
        person("regulator", vec![Role::Regulator], &mut idents);
        person("custodian", vec![Role::Custodian], &mut idents);
        person("custodian-2", vec![Role::Custodian], &mut idents);
        person("custodian-3", vec![Role::Custodian], &mut idents);
        person("nobody", vec![], &mut idents);
        person("spare", vec![], &mut idents);
        TestPki {
            root,
            sm2_root,
            rogue_root,
            revoked,
            idents,
        }
    })
}

/// A running server with its own database, trust directory and manual clock.
pub struct TestApp {
    pub base: String,
    /// The metrics listener (`[metrics] listen`, loopback), apart from the public `base`.
    pub metrics_base: String,
    pub clock: Arc<ManualClock>,
    pub ctx: AppContext,
    pub trust_dir: PathBuf,
    pub settings: Settings,
    /// The server's metrics: a response outside the OpenAPI document fails the test on drop.
    pub metrics: actix_web::web::Data<etender::http::metrics::Metrics>,
    _tmp: tempfile::TempDir,
}

/// Every response of every test must be one the OpenAPI document declares (status and media
/// type; `http::contract`). Checked when the test's server is dropped, unless the test already
/// failed.
impl Drop for TestApp {
    fn drop(&mut self) {
        let outside = self.metrics.outside_contract();
        if !outside.is_empty() && !std::thread::panicking() {
            panic!(
                "responses outside the OpenAPI document:\n  {}",
                outside.join("\n  ")
            );
        }
    }
}

impl TestApp {
    /// Every directory that holds this server's data: its temp dir (database, scratch, local
    /// objects) and, on S3, its bucket on the test server.
    pub fn data_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.settings.storage.dir.parent().unwrap().to_path_buf()];
        if self.settings.storage.backend == etender::storage::Backend::S3 {
            dirs.push(s3_root().join(&self.settings.storage.s3.bucket));
        }
        dirs
    }

    /// The file holding a stored object, local or on the S3 test server.
    pub fn stored_file(&self, key: &str) -> PathBuf {
        match self.settings.storage.backend {
            etender::storage::Backend::Local => self.ctx.storage.local_path(key).unwrap(),
            etender::storage::Backend::S3 => {
                let p = s3_root().join(&self.settings.storage.s3.bucket).join(key);
                assert!(p.is_file(), "{} is not in the S3 test server", p.display());
                p
            }
        }
    }

    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_at(Utc::now(), tweak).await
    }

    /// A training server: the sandbox clock (accelerated, moved by administrators through the
    /// API) over the test's manual clock.
    pub async fn spawn_sandbox() -> TestApp {
        Self::spawn_inner(Utc::now(), |s| s.sandbox.enabled = true, true).await
    }

    pub async fn spawn_at(now: DateTime<Utc>, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_inner(now, tweak, false).await
    }

    async fn spawn_inner(
        now: DateTime<Utc>,
        tweak: impl FnOnce(&mut Settings),
        sandbox: bool,
    ) -> TestApp {
        let pki = pki();
        let tmp = tempfile::tempdir().unwrap();
        let trust_dir = tmp.path().join("trust");
        std::fs::create_dir_all(&trust_dir).unwrap();
        std::fs::write(trust_dir.join("root.pem"), pki.root.cert_pem()).unwrap();
        std::fs::write(trust_dir.join("sm2-root.pem"), pki.sm2_root.cert_pem()).unwrap();
        std::fs::write(
            trust_dir.join("root.crl"),
            pki.crl(
                &pki.root,
                std::slice::from_ref(&pki.revoked.issued.serial_hex),
            ),
        )
        .unwrap();
        std::fs::write(trust_dir.join("sm2-root.crl"), pki.crl(&pki.sm2_root, &[])).unwrap();

        let mut settings = Settings::load_for_development(None).unwrap();
        settings.http.listen = "127.0.0.1:0".parse().unwrap();
        settings.http.workers = 1;
        settings.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
        settings.database.url = fresh_database_url(tmp.path()).into();
        settings.database.pool_size = 4;
        settings.identity.trust_dir = trust_dir.clone();
        settings.identity.bootstrap_administrators = vec![pki.get("admin").key.clone()];
        settings.log.level = "warn".into();
        settings.storage.dir = tmp.path().join("files");
        if on_s3() {
            settings.storage.backend = etender::storage::Backend::S3;
            settings.storage.s3 = s3_settings(&fresh_bucket());
        }
        settings.mail.dispatch_interval_ms = 100;
        settings.mail.retry_max_secs = 1;
        // Tests drive the deadline themselves (close_due), with a manual clock.
        settings.tenders.deadline_check_interval_ms = 3_600_000;
        settings.audit.signing_key_file = tmp.path().join("audit-signing-key.pem");
        settings.keys.kek_file = tmp.path().join("kek");
        // Every test server has its bank: bonds arrive only as its signed notices (`app.bank()`).
        settings.bonds.notice_key_file = tmp.path().join("bank-notice.key");
        etender::app::bids::generate_notice_key(&settings.bonds.notice_key_file).unwrap();
        // Every test logs in from 127.0.0.1 on a clock that stands still: no challenge limit
        // unless a test sets one (tests/api/uploads.rs).
        settings.limits.challenge_burst = u32::MAX;
        tweak(&mut settings);

        let clock = Arc::new(ManualClock::new(now));
        let server_clock: etender::clock::SharedClock = if sandbox {
            Arc::new(etender::clock::SandboxClock::new(clock.clone(), 1))
        } else {
            clock.clone()
        };
        let app = Application::build_with_clock(settings.clone(), server_clock)
            .await
            .expect("build app");
        let base = format!("http://127.0.0.1:{}", app.port());
        let metrics_base = format!(
            "http://127.0.0.1:{}",
            app.metrics_port().unwrap_or_default()
        );
        let ctx = app.context().clone();
        let metrics = app.metrics();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            base,
            metrics_base,
            clock,
            ctx,
            trust_dir,
            settings,
            metrics,
            _tmp: tmp,
        }
    }

    /// The server's "now" (through the sandbox clock when there is one).
    pub fn clock_now(&self) -> DateTime<Utc> {
        self.ctx.clock.now()
    }

    /// The Prometheus text from the metrics listener.
    pub async fn metrics_text(&self) -> String {
        let res = reqwest::get(format!("{}/metrics", self.metrics_base))
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        res.text().await.unwrap()
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base).with_audience(&self.settings.identity.audience)
    }

    /// The server's bank, posting notices signed with `[bonds] notice_key_file`.
    pub fn bank(&self) -> Bank {
        let issuer = BondIssuer::from_key_file(&self.base, &self.settings.bonds.notice_key_file)
            .expect("the test server's bank notice key");
        Bank { issuer }
    }

    /// Register (if needed) and log in `label`; person roles are granted by the admin.
    pub async fn enrol(&self, label: &str) -> Client {
        let pki = pki();
        let ident = pki.get(label);
        self.enrol_ident(ident).await
    }

    /// Register (if needed) and log in `ident`. An organisation requests its roles and the
    /// administrator (the trading centre) grants them; a person is granted their person roles
    /// and, for `AgentStaff`, invited by the agent and accepts.
    pub async fn enrol_ident(&self, ident: &Ident) -> Client {
        let creds = ident.credentials();
        let mut c = self.client();
        let registered = match ident.kind {
            PrincipalKind::Organisation => {
                let roles: Vec<Role> = ident.roles.clone();
                match c
                    .register_organisation(&creds, &roles, &format!("{}@example.cn", ident.label))
                    .await
                {
                    Ok(o) => Some(o.id),
                    Err(e) if e.code() == Some(etender::error::ErrorCode::AlreadyRegistered) => {
                        None
                    }
                    Err(e) => panic!("register {}: {e}", ident.label),
                }
            }
            PrincipalKind::Person => match c.register_person(&creds, "someone@example.cn").await {
                Ok(p) => Some(p.id),
                Err(e) if e.code() == Some(etender::error::ErrorCode::AlreadyRegistered) => None,
                Err(e) => panic!("register {}: {e}", ident.label),
            },
        };
        c.login(ident.kind, &creds)
            .await
            .unwrap_or_else(|e| panic!("login {}: {e}", ident.label));
        if let Some(id) = registered {
            match ident.kind {
                PrincipalKind::Organisation => self.grant_org_roles(&id, &ident.roles).await,
                PrincipalKind::Person if ident.label != "admin" => {
                    self.setup_person_roles(&c, &id, ident).await
                }
                PrincipalKind::Person => {}
            }
        }
        c
    }

    /// Register and log in `ident` without any role granted: what it requested stays a request.
    pub async fn register_only(&self, ident: &Ident) -> Client {
        let creds = ident.credentials();
        let mut c = self.client();
        c.register_organisation(&creds, &ident.roles, "pending@example.cn")
            .await
            .unwrap_or_else(|e| panic!("register {}: {e}", ident.label));
        c.login(ident.kind, &creds).await.unwrap();
        c
    }

    /// The administrator grants organisation `org` the `roles` (the trading centre's review).
    pub async fn grant_org_roles(&self, org: &str, roles: &[Role]) {
        let admin = Box::pin(self.enrol("admin")).await;
        admin
            .grant_organisation_roles(org, roles)
            .await
            .unwrap_or_else(|e| panic!("grant {roles:?} to {org}: {e}"));
    }

    /// `tenderer` (a test identity) entrusts the organisation `agent_id` with `project`;
    /// returns the entrustment's id.
    pub async fn entrust(&self, tenderer: &Ident, agent_id: &str, project: &str) -> String {
        let c = Box::pin(self.enrol_ident(tenderer)).await;
        c.entrust(agent_id, project, &tenderer.credentials())
            .await
            .unwrap_or_else(|e| panic!("entrust {agent_id} with {project}: {e}"))
            .id
    }

    async fn setup_person_roles(&self, me: &Client, pid: &str, ident: &Ident) {
        let admin = Box::pin(self.enrol("admin")).await;
        for r in &ident.roles {
            if r.is_grantable_to_person() {
                let (s, v) = admin
                    .raw(
                        reqwest::Method::PUT,
                        &format!("/api/v1/people/{pid}/roles/{}", r.as_str()),
                        None,
                    )
                    .await
                    .unwrap();
                assert!(s.is_success(), "grant {r}: {v}");
            }
            if *r == Role::AgentStaff {
                let agent = Box::pin(self.enrol("agent")).await;
                let me_agent: Value = agent.get("/api/v1/me").await.unwrap();
                let agent_id = me_agent["id"].as_str().unwrap();
                let (s, v) = agent
                    .raw(
                        reqwest::Method::POST,
                        &format!("/api/v1/organisations/{agent_id}/staff"),
                        Some(&serde_json::json!({"person_id": pid})),
                    )
                    .await
                    .unwrap();
                assert!(s.is_success(), "invite staff: {v}");
                me.accept_staff(agent_id, pid)
                    .await
                    .unwrap_or_else(|e| panic!("accept staff: {e}"));
            }
        }
    }

    /// The row count of every table (see [`Rows`]), once the audit sequencer has integrated
    /// everything queued: its own tables (`audit_pending`, `audit_log_entries`,
    /// `audit_tree_nodes`, `audit_checkpoints`) move in the background, and settling them here
    /// makes them stand still between two snapshots unless an event was recorded in between.
    pub async fn rows(&self) -> Rows {
        etender::audit::sequencer::integrate_now(&self.ctx.db, &self.ctx.audit_log)
            .await
            .expect("integrate the audit queue");
        self.ctx
            .db
            .read_primary(|c| Ok(count_every_table(c)?))
            .await
            .unwrap()
    }
}

/// A bank or guarantee issuer connected to a test server (see [`TestApp::bank`]): signs bond
/// notices with its key, or with another one, and posts them as given.
pub struct Bank {
    pub issuer: BondIssuer,
}

impl Bank {
    /// A bank with the key in `key_file` (a guarantee issuer of `[bonds] issuers`).
    pub fn with_key_file(app: &TestApp, key_file: &std::path::Path) -> Bank {
        Bank {
            issuer: BondIssuer::from_key_file(&app.base, key_file).unwrap(),
        }
    }

    /// Posts `notice` signed with this bank's key: the status and the JSON answer.
    pub async fn notify(&self, notice: &Value) -> (reqwest::StatusCode, Value) {
        self.notify_with(self.issuer.key(), notice).await
    }

    /// Posts `notice` signed with `key` (another issuer's, or a forger's).
    pub async fn notify_with(&self, key: &[u8], notice: &Value) -> (reqwest::StatusCode, Value) {
        let body = serde_json::to_vec(notice).unwrap();
        self.post_raw(body, key).await
    }

    /// Posts `body` exactly as given, signed with `key`.
    pub async fn post_raw(&self, body: Vec<u8>, key: &[u8]) -> (reqwest::StatusCode, Value) {
        let sig = etender::client::bank::sign_notice(key, &body);
        self.issuer.post_signed(body, &sig).await.unwrap()
    }
}

/// Every table of the schema, read from the database's own catalogue (SQLite's `sqlite_master`,
/// PostgreSQL's `information_schema`), so that a new table is covered without a test changing.
/// Only SQLite's internal `sqlite_*` tables are left out: they are not the schema's, and
/// `sqlite_sequence` follows the rows it numbers anyway.
pub fn table_names(c: &mut etender::db::AnyConnection) -> diesel::QueryResult<Vec<String>> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let names: Vec<Name> = match c {
        etender::db::AnyConnection::Postgresql(pg) => diesel::sql_query(
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .load(pg)?,
        etender::db::AnyConnection::Sqlite(lite) => diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 1",
        )
        .load(lite)?,
    };
    Ok(names.into_iter().map(|n| n.name).collect())
}

fn count_every_table(c: &mut etender::db::AnyConnection) -> diesel::QueryResult<Rows> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let tables = table_names(c)?;
    assert!(
        tables.iter().any(|t| t == "tenders"),
        "the catalogue lists no schema tables: {tables:?}"
    );
    let sql = tables
        .iter()
        .map(|t| format!("SELECT '{t}' AS name, CAST(COUNT(*) AS BIGINT) AS n FROM \"{t}\""))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let counts: Vec<Count> = match c {
        etender::db::AnyConnection::Postgresql(pg) => diesel::sql_query(sql).load(pg)?,
        etender::db::AnyConnection::Sqlite(lite) => diesel::sql_query(sql).load(lite)?,
    };
    Ok(Rows(counts.into_iter().map(|c| (c.name, c.n)).collect()))
}

/// Row counts of every table, for "nothing changed" checks: a refusal that leaves any row
/// behind — an upload, a bond, a session, an audit event, a mail — or removes one, fails.
#[derive(Clone, PartialEq, Eq)]
pub struct Rows(BTreeMap<String, i64>);

impl Rows {
    /// Rows in `table` (which must exist).
    #[track_caller]
    pub fn get(&self, table: &str) -> i64 {
        *self
            .0
            .get(table)
            .unwrap_or_else(|| panic!("no table {table} in {self:?}"))
    }

    /// Fails, naming every table whose row count differs, unless `after` equals `self`.
    #[track_caller]
    pub fn assert_same(&self, after: &Rows, what: &str) {
        self.assert_changed_only(after, &[], what);
    }

    /// As [`Rows::assert_same`], except that each table in `expected` must have changed by
    /// exactly its delta. Every exception names its table and why the change is legitimate (e.g.
    /// the login challenge a refused attempt first obtained); a table that does not exist is
    /// refused, so a rename cannot quietly widen the check's blind spot.
    #[track_caller]
    pub fn assert_changed_only(&self, after: &Rows, expected: &[(&str, i64, &str)], what: &str) {
        for (table, _, why) in expected {
            assert!(
                self.0.contains_key(*table) && !why.trim().is_empty(),
                "{what}: exception for {table:?} names no table or gives no reason"
            );
        }
        let changed = self.changes(after, expected);
        assert!(
            changed.is_empty(),
            "{what} changed rows:\n  {}",
            changed.join("\n  ")
        );
    }

    /// Each table whose row count did not change by its `expected` delta (0 if unlisted), as
    /// `table: before → after`.
    pub fn changes(&self, after: &Rows, expected: &[(&str, i64, &str)]) -> Vec<String> {
        let tables: BTreeSet<&String> = self.0.keys().chain(after.0.keys()).collect();
        tables
            .into_iter()
            .filter_map(|t| {
                let delta = expected
                    .iter()
                    .find(|(e, _, _)| e == t)
                    .map_or(0, |(_, d, _)| *d);
                let (old, new) = (self.0.get(t), after.0.get(t));
                let ok = matches!((old, new), (Some(o), Some(n)) if n - o == delta);
                (!ok).then(|| format!("{t}: {old:?} → {new:?} (expected a change of {delta})"))
            })
            .collect()
    }
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().filter(|(_, n)| **n != 0))
            .finish()?;
        write!(f, " (other tables empty)")
    }
}

/// Assert a problem response with `code`.
#[track_caller]
pub fn assert_problem(status: reqwest::StatusCode, body: &Value, expected_status: u16, code: &str) {
    assert_eq!(status.as_u16(), expected_status, "body: {body}");
    assert_eq!(body["code"], code, "body: {body}");
    assert_eq!(body["status"], expected_status, "body: {body}");
    assert!(
        body["type"].as_str().unwrap_or_default().ends_with(code),
        "body: {body}"
    );
}
