//! Secrets never leave the process: the real `etender` binary is given passwords and keys through
//! the environment and through a config file, and everything it prints — `check-config`, the
//! error of a refused database connection (libpq's own message included), the server's logs and
//! its answer while the database is down — and the settings' `Debug` are searched for each value.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use etender::config::Settings;
use etender::secret::ExposeSecret;

/// Where secrets are set.
#[derive(Clone, Copy, Debug)]
enum Via {
    Env,
    File,
}

/// One secret setting and a value no other output could contain by chance.
struct Secret {
    key: &'static str,
    value: String,
    /// The part of `value` that must not appear anywhere, even cut from the rest.
    needle: &'static str,
}

const DB_PASSWORD: &str = "db-Pw-7Hq2x";
/// An invalid percent escape: libpq quotes such a token back in its error message.
const DB_PASSWORD_MALFORMED: &str = "db-Pw%zz-9Lm4";
const REPLICA_PASSWORD: &str = "replica-Pw-3Vd8";
/// Digits only: figment reads such an environment value as a number unless told otherwise.
const SMTP_PASSWORD: &str = "31415926535";
const S3_SECRET: &str = "s3-Secret-Kx5Tz";

/// A port with nothing listening on it.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn db_url(port: u16, password: &str) -> String {
    format!("postgres://etender:{password}@127.0.0.1:{port}/etender")
}

/// The secrets of the database and mail settings (and, with `s3`, the object store's key).
fn secrets(port: u16, db_password: &str, s3: bool) -> Vec<Secret> {
    let mut v = vec![
        Secret {
            key: "database.url",
            value: db_url(port, db_password),
            needle: if db_password == DB_PASSWORD {
                "7Hq2x"
            } else {
                "9Lm4"
            },
        },
        Secret {
            key: "database.replica_url",
            value: format!(
                "postgres://etender@127.0.0.1:{port}/etender?password={REPLICA_PASSWORD}"
            ),
            needle: "3Vd8",
        },
        Secret {
            key: "mail.smtp_password",
            value: SMTP_PASSWORD.into(),
            needle: SMTP_PASSWORD,
        },
    ];
    if s3 {
        v.push(Secret {
            key: "storage.s3.secret_access_key",
            value: S3_SECRET.into(),
            needle: "Kx5Tz",
        });
    }
    v
}

/// `etender <args>` in `dir` with `secrets` set `via` the environment or `dir/etender.toml`,
/// plus `extra` environment variables.
fn etender(dir: &Path, via: Via, secrets: &[Secret], extra: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_etender"));
    // The built-in profile is production: it needs its trust anchors, its log key and its
    // key-encryption key.
    std::fs::create_dir_all(dir.join("certs/trust")).unwrap();
    let key = dir.join("data/audit-signing-key.pem");
    if !key.is_file() {
        std::fs::create_dir_all(dir.join("data")).unwrap();
        etender::audit::sequencer::generate_key_file(&key, "etender.local/log").unwrap();
    }
    let kek = dir.join("data/kek");
    if !kek.is_file() {
        let made = etender::crypto::kek::Kek::generate().unwrap();
        made.write_file(&kek, false).unwrap();
    }
    cmd.current_dir(dir).env_remove("RUST_LOG");
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("ETENDER__")) {
        cmd.env_remove(k);
    }
    match via {
        Via::Env => {
            for s in secrets {
                let var = format!("ETENDER__{}", s.key.to_uppercase().replace('.', "__"));
                cmd.env(var, &s.value);
            }
            cmd.env_remove("ETENDER_CONFIG");
        }
        Via::File => {
            let file = dir.join("etender.toml");
            std::fs::write(&file, toml_of(secrets)).unwrap();
            cmd.env("ETENDER_CONFIG", file);
        }
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}

/// The secrets as a TOML config file.
fn toml_of(secrets: &[Secret]) -> String {
    let mut t = toml::Table::new();
    for s in secrets {
        let mut path: Vec<&str> = s.key.split('.').collect();
        let last = path.pop().unwrap();
        let mut table = &mut t;
        for p in path {
            table = table
                .entry(p)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .unwrap();
        }
        table.insert(last.into(), toml::Value::String(s.value.clone()));
    }
    t.to_string()
}

#[track_caller]
fn assert_hidden(secrets: &[Secret], what: &str, output: &str) {
    for s in secrets {
        assert!(
            !output.contains(&s.value) && !output.contains(s.needle),
            "{what} shows {}:\n{output}",
            s.key
        );
    }
}

fn run(mut cmd: Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `check-config` shows every secret as the placeholder, and the rest of the URL.
fn check_config_hides(secrets: &[Secret], port: u16) {
    for via in [Via::Env, Via::File] {
        let tmp = tempfile::tempdir().unwrap();
        let (ok, out) = run({
            let mut c = etender(tmp.path(), via, secrets, &[]);
            c.arg("check-config");
            c
        });
        assert!(ok, "check-config ({via:?}) failed:\n{out}");
        assert_hidden(secrets, &format!("check-config ({via:?})"), &out);
        let url = format!("url = \"postgres://etender:<redacted>@127.0.0.1:{port}/etender\"");
        assert!(out.contains(&url), "{url} in\n{out}");
        assert!(out.contains("password=<redacted>"), "{out}");
        for s in secrets.iter().filter(|s| !s.key.contains("url")) {
            let line = format!("{} = \"<redacted>\"", s.key.rsplit('.').next().unwrap());
            assert!(out.contains(&line), "{line} in\n{out}");
        }
    }
}

#[test]
fn check_config_never_prints_a_secret() {
    let port = closed_port();
    check_config_hides(&secrets(port, DB_PASSWORD, false), port);
}

/// Separate so a failure names the object store's key alone.
#[test]
fn check_config_never_prints_the_s3_secret_access_key() {
    let port = closed_port();
    check_config_hides(&secrets(port, DB_PASSWORD, true), port);
}

#[test]
fn settings_debug_and_config_errors_never_show_a_secret() {
    let port = closed_port();
    let secrets = secrets(port, DB_PASSWORD, false);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("etender.toml");
    std::fs::write(&file, toml_of(&secrets)).unwrap();
    let settings = Settings::load_for_development(Some(&file)).unwrap();
    assert_eq!(settings.mail.smtp_password.expose_secret(), SMTP_PASSWORD);
    assert_eq!(
        settings.database.url.expose_secret(),
        db_url(port, DB_PASSWORD)
    );
    assert_hidden(&secrets, "Debug of the settings", &format!("{settings:?}"));

    // A file the loader refuses: broken TOML on the password's line (the parser's own message
    // quotes the line), a password that is not a string, a URL that is not a URL.
    for (text, expected) in [
        (
            format!("[mail]\nsmtp_password = \"{SMTP_PASSWORD}\n"),
            "line 2, column",
        ),
        (
            format!("[mail]\nsmtp_password = {SMTP_PASSWORD}\n"),
            "mail.smtp_password",
        ),
        (
            format!("[database]\nurl = \"etender:{DB_PASSWORD}@127.0.0.1/etender\"\n"),
            "database.url",
        ),
    ] {
        std::fs::write(&file, &text).unwrap();
        let err = Settings::load_for_development(Some(&file))
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{err}");
        assert_hidden(&secrets, "a refused config file", &err);
    }
}

#[test]
fn a_refused_database_connection_never_shows_the_password() {
    let port = closed_port();
    for password in [DB_PASSWORD, DB_PASSWORD_MALFORMED] {
        let secrets = secrets(port, password, false);
        for via in [Via::Env, Via::File] {
            let tmp = tempfile::tempdir().unwrap();
            let (ok, out) = run({
                let mut c = etender(tmp.path(), via, &secrets, &[]);
                c.arg("migrate");
                c
            });
            assert!(!ok, "migrate cannot succeed without a database:\n{out}");
            let shown = format!("cannot connect to postgres://etender:<redacted>@127.0.0.1:{port}");
            assert!(out.contains(&shown), "{shown} in\n{out}");
            assert_hidden(&secrets, &format!("migrate ({via:?}, {password})"), &out);
        }
    }
}

/// A server whose database is down: the pool's connection errors go to the log, and
/// `/readyz` answers 503.
#[tokio::test]
async fn a_server_without_its_database_never_logs_the_password() {
    let port = closed_port();
    for password in [DB_PASSWORD, DB_PASSWORD_MALFORMED] {
        let secrets = secrets(port, password, false);
        let tmp = tempfile::tempdir().unwrap();
        let mut child = etender(
            tmp.path(),
            Via::Env,
            &secrets,
            &[
                ("ETENDER__DATABASE__RUN_MIGRATIONS", "false"),
                ("ETENDER__DATABASE__CONNECT_TIMEOUT_SECS", "1"),
                ("ETENDER__HTTP__LISTEN", "127.0.0.1:0"),
                ("ETENDER__LOG__LEVEL", "info"),
            ],
        )
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let mut stderr = child.stderr.take().unwrap();
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            stderr.read_to_string(&mut s).unwrap();
            s
        });
        let stdout = child.stdout.take().unwrap();
        let out_reader = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stdout).lines() {
                let line = line.unwrap();
                let _ = tx.send(line.clone());
                all.push_str(&line);
                all.push('\n');
            }
            all
        });
        let base = loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the server never said where it serves");
            if let Some(rest) = line.strip_prefix("etender is serving on ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        let resp = reqwest::get(format!("{base}/readyz")).await.unwrap();
        assert_eq!(resp.status(), 503);
        let body = resp.text().await.unwrap();
        assert_hidden(&secrets, "/readyz", &body);
        child.kill().unwrap();
        child.wait().unwrap();
        let out = format!(
            "{}{}",
            out_reader.join().unwrap(),
            err_reader.join().unwrap()
        );
        let shown = format!("cannot connect to postgres://etender:<redacted>@127.0.0.1:{port}");
        assert!(out.contains(&shown), "{shown} in the log:\n{out}");
        assert_hidden(&secrets, &format!("the server's log ({password})"), &out);
    }
}
