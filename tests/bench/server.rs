//! The release `etender serve` binary as a separate process on loopback, configured only by
//! a file the bench writes, for benches that measure the server as clients see it.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// The server process; killed when dropped, so a panicking bench leaves nothing behind.
pub struct Server {
    child: Child,
    pub url: String,
    /// Base URL of the metrics listener (`/metrics` is not on the public one).
    pub metrics_url: String,
    /// The bank's notice key (`[bonds] notice_key_file`).
    bank_key: PathBuf,
}

impl Server {
    /// Start `etender serve` on `database_url` (already migrated or not), with its trust
    /// directory, files and audit key under `dir`.
    pub fn start(dir: &Path, database_url: &str, admins: &[String]) -> Server {
        Self::start_with(dir, database_url, admins, "")
    }

    /// [`start`](Self::start) with `extra` TOML appended to the configuration (other sections).
    pub fn start_with(dir: &Path, database_url: &str, admins: &[String], extra: &str) -> Server {
        Self::launch(dir, database_url, admins, extra, "", false)
    }

    /// [`start_with`](Self::start_with) as a training server (`etender serve --dev`): the same
    /// code paths, with the sandbox clock the bench moves past deadlines instead of waiting.
    /// `storage` holds more lines of the `[storage]` table.
    pub fn start_dev(
        dir: &Path,
        database_url: &str,
        admins: &[String],
        extra: &str,
        storage: &str,
    ) -> Server {
        Self::launch(dir, database_url, admins, extra, storage, true)
    }

    fn launch(
        dir: &Path,
        database_url: &str,
        admins: &[String],
        extra: &str,
        storage: &str,
        dev: bool,
    ) -> Server {
        std::fs::create_dir_all(dir.join("trust")).unwrap();
        let config = dir.join("bench.toml");
        let toml = format!(
            "[http]\nlisten = \"127.0.0.1:0\"\nworkers = 2\n\
             [metrics]\nlisten = \"127.0.0.1:0\"\n\
             [database]\nurl = {db:?}\n\
             [identity]\ntrust_dir = {trust:?}\nbootstrap_administrators = {admins:?}\n\
             [storage]\ndir = {files:?}\n{storage}\
             [audit]\nsigning_key_file = {key:?}\n\
             [keys]\nkek_file = {kek:?}\n\
             [bonds]\nnotice_key_file = {bank:?}\n",
            db = database_url,
            trust = dir.join("trust").display().to_string(),
            files = dir.join("files").display().to_string(),
            key = dir.join("audit-signing-key.pem").display().to_string(),
            kek = dir.join("kek").display().to_string(),
            bank = dir.join("bank-notice.key").display().to_string(),
        );
        std::fs::write(&config, toml + extra).unwrap();
        // A production server (the default profile) refuses to invent its log key: make one as
        // an operator would.
        let key = dir.join("audit-signing-key.pem");
        if !key.exists() {
            let made = Command::new(env!("CARGO_BIN_EXE_etender"))
                .args(["audit", "keygen", "--out"])
                .arg(&key)
                .stdout(Stdio::null())
                .status()
                .expect("etender audit keygen");
            assert!(made.success(), "etender audit keygen failed");
        }
        // Likewise its key-encryption key.
        let kek = dir.join("kek");
        if !kek.exists() {
            let made = Command::new(env!("CARGO_BIN_EXE_etender"))
                .args(["kek", "keygen", "--out"])
                .arg(&kek)
                .stdout(Stdio::null())
                .status()
                .expect("etender kek keygen");
            assert!(made.success(), "etender kek keygen failed");
        }
        // And the key the bank signs its bond notices with (the bench plays the bank).
        let bank_key = dir.join("bank-notice.key");
        if !bank_key.exists() {
            let made = Command::new(env!("CARGO_BIN_EXE_etender"))
                .args(["bonds", "keygen", "--out"])
                .arg(&bank_key)
                .stdout(Stdio::null())
                .status()
                .expect("etender bonds keygen");
            assert!(made.success(), "etender bonds keygen failed");
        }
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_etender"));
        cmd.arg("serve");
        if dev {
            cmd.arg("--dev");
        }
        cmd.arg("--config")
            .arg(&config)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        // Only the file above configures this server.
        for (k, _) in std::env::vars() {
            if k.starts_with("ETENDER") || k == "RUST_LOG" {
                cmd.env_remove(k);
            }
        }
        let mut child = cmd.spawn().expect("spawn the release etender binary");
        // The server prints its address once it listens; keep draining stdout afterwards.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("serving on ").nth(1) {
                    let url = rest.split_whitespace().next().unwrap_or_default();
                    let _ = tx.send(url.to_string());
                }
                if let Some(rest) = line.split("metrics:").nth(1) {
                    let url = rest.split_whitespace().next().unwrap_or_default();
                    let _ = tx.send(url.trim_end_matches("/metrics").to_string());
                }
            }
        });
        let mut server = Server {
            child,
            url: String::new(),
            metrics_url: String::new(),
            bank_key,
        };
        for slot in 0..2 {
            let url = match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(url) => url,
                Err(_) => panic!(
                    "the server did not start (exit {:?}); log:\n{}",
                    server.child.try_wait(),
                    std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
                ),
            };
            if slot == 0 {
                server.url = url;
            } else {
                server.metrics_url = url;
            }
        }
        server
    }

    /// The server's bank: bonds arrive only as its signed notices.
    pub fn bank(&self) -> etender::client::bank::BondIssuer {
        etender::client::bank::BondIssuer::from_key_file(&self.url, &self.bank_key).unwrap()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn wait_ready(&self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", self.url)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "/readyz never answered 200");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throwaway durable PostgreSQL cluster (`tests/support/pg.sh start DIR bench`: fsync and
/// synchronous_commit on), stopped when dropped.
pub struct Pg {
    dir: PathBuf,
    admin_url: String,
}

impl Pg {
    pub fn start() -> Pg {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-pg");
        let out = std::process::Command::new("bash")
            .arg("tests/support/pg.sh")
            .arg("start")
            .arg(&dir)
            .arg("bench")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run tests/support/pg.sh");
        assert!(
            out.status.success(),
            "pg.sh start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Pg {
            dir,
            admin_url: String::from_utf8_lossy(&out.stdout).trim().to_string(),
        }
    }

    /// A fresh, empty database on the cluster; its URL.
    pub fn database(&self, name: &str) -> String {
        let mut admin = PgConnection::establish(&self.admin_url).expect("connect to bench cluster");
        // Separate statements: PostgreSQL refuses DROP/CREATE DATABASE inside a multi-statement
        // (implicitly transactional) query.
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let cut = self.admin_url.rfind('/').unwrap();
        format!("{}/{name}", &self.admin_url[..cut])
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg("tests/support/pg.sh")
            .arg("stop")
            .arg(&self.dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status();
    }
}
