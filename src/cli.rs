//! Command line: `etender serve | migrate | check-config | openapi | pki init | demo | ocds | audit
//! | witness | bid | custodian | login`.
//!
//! The `bid` and `custodian` commands are the bidder's and custodian's tools: thin shells over
//! `client::bids`, so that the CLI, the tests and any other tool seal and send bids the same way.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Profile, Settings};
use crate::secret::{ExposeSecret, SecretString};
use crate::startup::Application;

#[derive(Parser, Debug)]
#[command(
    name = "etender",
    version,
    about = "Electronic public-resource tendering platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP service.
    Serve {
        /// Configuration file layered over the built-in defaults.
        #[arg(long, env = "ETENDER_CONFIG")]
        config: Option<PathBuf>,
        /// Development mode: create/load the demo PKI in certs/dev, trust it, make its
        /// administrator a bootstrap administrator, and run the sandbox clock. Refused in
        /// production.
        #[arg(long)]
        dev: bool,
    },
    /// Apply pending database migrations (or revert them all, for a scratch database).
    Migrate {
        #[arg(long, env = "ETENDER_CONFIG")]
        config: Option<PathBuf>,
        #[arg(long)]
        revert_all: bool,
    },
    /// Load and validate the configuration, then print it (secrets redacted).
    CheckConfig {
        #[arg(long, env = "ETENDER_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Demo/test PKI.
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// Play the platform's story step by step against a server (embedded when no --url).
    Demo {
        /// Base URL of a running server (e.g. from `make run`). Without it an embedded server
        /// is started on a temporary SQLite database.
        #[arg(long)]
        url: Option<String>,
        /// Directory of the demo PKI (created when missing).
        #[arg(long, default_value = "certs/dev")]
        pki: PathBuf,
        /// Where the demo PKI's trust anchors go.
        #[arg(long, default_value = "certs/trust")]
        trust_dir: PathBuf,
        /// Also write the demo tender's OCDS release package to this file.
        #[arg(long)]
        ocds_out: Option<PathBuf>,
        /// Also keep the demo tender's archive (a tar that `etender archive verify` checks) at
        /// this path; without it the archive is verified and removed.
        #[arg(long)]
        archive_out: Option<PathBuf>,
        /// With `--url`: the server's bank notice key (`[bonds] notice_key_file`); the demo
        /// plays the bank with it. `serve --dev` makes data/bank-notice.key.
        #[arg(long, default_value = "data/bank-notice.key")]
        bank_key: PathBuf,
    },
    /// Open Contracting Data Standard exports.
    Ocds {
        #[command(subcommand)]
        command: OcdsCommand,
    },
    /// The node's key-encryption key (KEK): create it, rotate it, rewrap rows under it.
    Kek {
        #[command(subcommand)]
        command: KekCommand,
    },
    /// Bid bonds: the notice keys shared with the bank and guarantee issuers.
    Bonds {
        #[command(subcommand)]
        command: BondsCommand,
    },
    /// The tamper-evident audit log: offline verification, export, key generation.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The tender's archive (docs/ARCHIVE.md): offline verification.
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
    },
    /// A regulator's witness of the audit log: checks each checkpoint is consistent with the
    /// last one it saw and cosigns it (c2sp.org/tlog-cosignature). Exits non-zero, loudly, when
    /// the log was rewritten.
    Witness {
        #[command(subcommand)]
        command: WitnessCommand,
    },
    /// Random draws (docs/DRAWS.md): replay every revealed draw of an audit export.
    Draw {
        #[command(subcommand)]
        command: DrawCommand,
    },
    /// Sealed bids (bidder): seal, submit, withdraw, release the keys at the opening.
    Bid {
        #[command(subcommand)]
        command: BidCommand,
    },
    /// Remedy custodians: envelope key, share release.
    Custodian {
        #[command(subcommand)]
        command: CustodianCommand,
    },
    /// Log in with a certificate and print the bearer token (for `audit export --token`, curl,
    /// or API testers).
    Login {
        #[arg(long)]
        url: String,
        #[command(flatten)]
        cert: CertArgs,
        /// Log in as the certificate's `organisation` or as a `person`.
        #[arg(long = "as", value_parser = parse_kind)]
        kind: crate::domain::identity::PrincipalKind,
    },
}

fn parse_kind(s: &str) -> Result<crate::domain::identity::PrincipalKind, String> {
    crate::domain::identity::PrincipalKind::parse(s)
        .ok_or_else(|| format!("{s:?}: expected organisation or person"))
}

/// The signing certificate and its key.
#[derive(clap::Args, Debug, Clone)]
pub struct CertArgs {
    /// Certificate chain (PEM or DER), leaf first.
    #[arg(long)]
    pub cert: PathBuf,
    /// The certificate's private key (PKCS#8 PEM).
    #[arg(long)]
    pub key: PathBuf,
    /// The platform's `identity.audience`: a login challenge naming any other is refused, so
    /// a server can never have this key sign a login meant for another platform.
    #[arg(long, default_value = crate::domain::identity::DEFAULT_AUDIENCE)]
    pub audience: String,
}

#[derive(Subcommand, Debug)]
pub enum BidCommand {
    /// Seal a bid into a directory (`manifest.json`, `part-<i>.bin`). Works offline with
    /// --version and --remedy; with --url it asks the server for what is missing.
    Seal {
        #[arg(long)]
        tender: String,
        #[arg(long)]
        section: String,
        /// Bid version (1 for a first bid, one more for a replacement).
        #[arg(long)]
        version: Option<u32>,
        /// Bid price in CNY, e.g. 98765432.10.
        #[arg(long)]
        price: crate::domain::money::Money,
        #[arg(long)]
        duration_days: u32,
        #[arg(long)]
        quality: String,
        #[arg(long)]
        project_manager: String,
        /// Bid bond (投标保证金) reference.
        #[arg(long)]
        bond_ref: String,
        /// A bid document as NAME=PATH; repeat in part order (parts 1, 2, …).
        #[arg(long = "document", value_parser = parse_document)]
        documents: Vec<(String, PathBuf)>,
        /// Envelope key file (created when missing; back it up).
        #[arg(long)]
        envelope_key: PathBuf,
        #[command(flatten)]
        cert: CertArgs,
        /// Output directory (must not hold a sealed bid already).
        #[arg(long)]
        out: PathBuf,
        /// The section's remedy policy as published with the tender: the threshold, then the
        /// custodians' envelope public keys (hex) in share order, `T:KEY1,KEY2,…`.
        #[arg(long)]
        remedy: Option<String>,
        /// Server to ask for the remedy policy and the next version (logs in with --cert).
        #[arg(long)]
        url: Option<String>,
        /// Bidder USCC; by default the certificate's.
        #[arg(long)]
        uscc: Option<String>,
    },
    /// Upload a sealed bid (resuming an interrupted upload) and print the receipt.
    Submit {
        #[arg(long)]
        url: String,
        #[command(flatten)]
        cert: CertArgs,
        /// Directory written by `bid seal`.
        #[arg(long)]
        dir: PathBuf,
        /// Defaults to the manifest's.
        #[arg(long)]
        tender: Option<String>,
        /// Defaults to the manifest's.
        #[arg(long)]
        section: Option<String>,
    },
    /// Withdraw (撤回) the current bid and print the receipt.
    Withdraw {
        #[arg(long)]
        url: String,
        #[command(flatten)]
        cert: CertArgs,
        #[arg(long)]
        tender: String,
        #[arg(long)]
        section: String,
        /// Bidder USCC; by default the certificate's.
        #[arg(long)]
        uscc: Option<String>,
    },
    /// Show the current bid, the next version, the remedy policy and any open upload.
    Status {
        #[arg(long)]
        url: String,
        #[command(flatten)]
        cert: CertArgs,
        #[arg(long)]
        tender: String,
        #[arg(long)]
        section: String,
    },
    /// Decryption window (R1): unwrap the bid's keys with the envelope key and release them.
    Decrypt {
        #[arg(long)]
        url: String,
        #[command(flatten)]
        cert: CertArgs,
        /// Directory written by `bid seal`.
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        envelope_key: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum CustodianCommand {
    /// Create an envelope key file and print its public key.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Register the envelope key's public half, signed with the personal certificate.
    RegisterKey {
        #[arg(long)]
        url: String,
        #[command(flatten)]
        cert: CertArgs,
        #[arg(long)]
        envelope_key: PathBuf,
    },
    /// Recovery (R2): decrypt this custodian's shares of the bids still sealed and release them.
    ReleaseShare {
        #[arg(long)]
        url: String,
        #[command(flatten)]
        cert: CertArgs,
        #[arg(long)]
        envelope_key: PathBuf,
        #[arg(long)]
        tender: String,
        #[arg(long)]
        section: String,
    },
}

/// `T:KEY1,KEY2,…` → a remedy policy (threshold and custodian envelope keys, hex).
fn parse_remedy(s: &str) -> Result<crate::seal::RemedyPolicy, String> {
    let (t, keys) = s.split_once(':').ok_or("expected T:KEY1,KEY2,…")?;
    let threshold = t.trim().parse().map_err(|_| "threshold: not a number")?;
    let mut custodians = Vec::new();
    for k in keys.split(',') {
        let mut b = [0u8; 32];
        hex::decode_to_slice(k.trim(), &mut b).map_err(|_| format!("{k}: not 32 bytes of hex"))?;
        custodians.push(crate::seal::X25519PublicKey(b));
    }
    let policy = crate::seal::RemedyPolicy {
        threshold,
        custodians,
    };
    policy.validate().map_err(|e| e.to_string())?;
    Ok(policy)
}

fn parse_document(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => {
            Ok((name.to_string(), PathBuf::from(path)))
        }
        _ => Err(format!("{s:?}: expected NAME=PATH")),
    }
}

#[derive(Subcommand, Debug)]
pub enum OcdsCommand {
    /// Write a tender's OCDS 1.1 release package (from the configured database) to a file.
    Export {
        #[arg(long, env = "ETENDER_CONFIG")]
        config: Option<PathBuf>,
        /// Tender id.
        #[arg(long)]
        tender: String,
        /// Output file (`-` for standard output).
        #[arg(long, default_value = "-")]
        out: PathBuf,
    },
}

/// Where a bundle comes from when fetched from a server.
#[derive(clap::Args, Debug, Clone)]
pub struct RemoteArgs {
    /// Base URL of the server.
    #[arg(long)]
    pub url: Option<String>,
    /// Bearer token of a regulator (or of the party whose trail is exported).
    #[arg(long, env = "ETENDER_TOKEN", hide_env_values = true, value_parser = secret_arg)]
    pub token: Option<SecretString>,
    /// Export one tender's trail.
    #[arg(long)]
    pub tender_id: Option<String>,
    /// Export one principal's trail.
    #[arg(long)]
    pub subject: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Verify an export bundle offline with only the log's public key. Exits non-zero with a
    /// precise message on any failure.
    Verify {
        /// Bundle file (from `etender audit export` or GET /api/v1/audit/export).
        #[arg(long, conflicts_with = "url")]
        bundle: Option<PathBuf>,
        /// Verifier key (`origin+keyid+base64`), or a file holding it.
        #[arg(long)]
        key: String,
        /// A signed checkpoint saved earlier: the log must be consistent with it.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// A witness whose cosignature counts (verifier key or file; repeat for several).
        #[arg(long = "witness")]
        witnesses: Vec<String>,
        /// How many of the `--witness` keys must have cosigned the checkpoint (default: all).
        #[arg(long)]
        witness_quorum: Option<usize>,
        /// A witness policy file (`witness VKEY` lines, `quorum K`) instead of the flags.
        #[arg(long, conflicts_with_all = ["witnesses", "witness_quorum"])]
        witness_policy: Option<PathBuf>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Download an export bundle to a file.
    Export {
        #[command(flatten)]
        remote: RemoteArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Create a checkpoint-signing key (PKCS#8 PEM) and print its verifier key.
    Keygen {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "etender.local/log")]
        origin: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum BondsCommand {
    /// Create a notice key (32 random bytes, mode 0600; never overwrites) to share with the
    /// bank (`[bonds] notice_key_file`) or a guarantee issuer (`[bonds] issuers`).
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum KekCommand {
    /// Create a key-encryption key file (mode 0600; never overwrites) and print its key id.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Add a new newest version to the KEK file and print the new key id. Restart every node
    /// with the new file: new rows are sealed under the new version, older versions still open
    /// and find what they sealed (docs/ARCHITECTURE.md, "The node key-encryption key").
    Rotate {
        #[arg(long)]
        file: PathBuf,
    },
    /// Re-seal every bid, upload and bond row still under an older KEK version with the
    /// newest one (run after `rotate`, with the new file in `[keys] kek_file`). Sealed audit
    /// events keep the version that wrote them: the log is append-only.
    Rewrap {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum DrawCommand {
    /// Verify an audit export (`etender audit export`, GET /api/v1/audit/export?tender_id=)
    /// and replay every revealed draw in it: the frame against its logged digest, the secret
    /// against its commitment, each regulator's signed contribution, and the selection itself.
    /// Exits non-zero naming the draw and the first thing that disagrees.
    Verify {
        #[arg(long)]
        bundle: PathBuf,
        /// The audit log's verifier key (`origin+keyid+base64`), or a file holding it.
        #[arg(long)]
        key: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ArchiveCommand {
    /// Verify a tender's archive offline: every file against the manifest's digest, nothing
    /// missing or added, each tied entry's inclusion proof against the checkpoint signed with
    /// `--key`, each digest the log recorded against the file's. Exits non-zero naming every
    /// problem with its reason (`file_changed`, `file_missing`, `file_unlisted`,
    /// `entry_mismatch`, `proof_invalid`, `checkpoint_invalid`, `manifest_invalid`,
    /// `not_an_archive`).
    Verify {
        /// The archive (`GET /api/v1/tenders/{tender}/archive`).
        file: PathBuf,
        /// The audit log's verifier key (`origin+keyid+base64`), or a file holding it.
        #[arg(long)]
        key: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum WitnessCommand {
    /// Create the witness's Ed25519 key (PKCS#8 PEM, mode 0600) and print its verifier key
    /// (`name+keyid+base64(0x04 || key)`) for registration with the platform.
    Keygen {
        #[arg(long)]
        out: PathBuf,
        /// The witness's name, a schema-less URL (e.g. `regulator.example/witness`).
        #[arg(long)]
        name: String,
    },
    /// Fetch the latest checkpoint, check it against the state file, cosign it and post the
    /// cosignature. Run it from cron (or with --every) on the regulator's own machine.
    Run {
        /// Base URL of the platform.
        #[arg(long)]
        url: String,
        /// The log's verifier key (`origin+keyid+base64`), or a file holding it: obtained out of
        /// band, never from the server being witnessed.
        #[arg(long)]
        log_key: String,
        /// The witness's key file (from `etender witness keygen`).
        #[arg(long)]
        key: PathBuf,
        /// The witness's name (must match the registered one).
        #[arg(long)]
        name: String,
        /// The witness's state file: the last checkpoint it cosigned.
        #[arg(long)]
        state: PathBuf,
        /// Repeat every N seconds instead of once (a refusal still stops it).
        #[arg(long)]
        every: Option<u64>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PkiCommand {
    /// Create (idempotently) a demo CA, CRL, and certificates for demo organisations and people.
    Init {
        #[arg(long, default_value = "certs/dev")]
        dir: PathBuf,
        #[arg(long, default_value = "certs/trust")]
        trust_dir: PathBuf,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A credential given on the command line, kept out of `Debug`.
fn secret_arg(s: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(s.into())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { config, dev } => {
            // Production unless started for development explicitly (`--dev`, `make run`).
            let mut settings = if dev {
                Settings::load_for_development(config.as_deref())?
            } else {
                Settings::load(config.as_deref())?
            };
            crate::telemetry::init(&settings.log);
            if dev {
                apply_dev_mode(&mut settings)?;
            }
            runtime()?.block_on(async move {
                let app = Application::build(settings.clone()).await?;
                let base = format!("http://{}:{}", settings.http.listen.ip(), app.port());
                println!(
                    "etender is serving on {base} ({} database)",
                    app.context().db.backend().name()
                );
                println!("  API docs:     {base}/docs/");
                println!("  OpenAPI:      {base}/openapi.json");
                println!("  health:       {base}/healthz  {base}/readyz");
                if let Some(port) = app.metrics_port() {
                    let ip = settings.metrics.listen.map(|a| a.ip().to_string());
                    let ip = ip.unwrap_or_default();
                    println!("  metrics:      http://{ip}:{port}/metrics (not public)");
                }
                if dev {
                    println!("  demo:         cargo run -- demo --url {base}");
                }
                app.run_until_stopped().await?;
                Ok(())
            })
        }
        Command::Migrate { config, revert_all } => {
            let settings = Settings::load(config.as_deref())?;
            let names = if revert_all {
                crate::db::migrate::revert_all(settings.database.url.expose_secret())?
            } else {
                crate::db::migrate::run_pending(settings.database.url.expose_secret())?
            };
            if names.is_empty() {
                println!("nothing to do");
            }
            for n in names {
                println!("{} {n}", if revert_all { "reverted" } else { "applied" });
            }
            Ok(())
        }
        Command::CheckConfig { config } => {
            let settings = Settings::load(config.as_deref())?;
            println!("{}", settings.to_redacted_toml());
            Ok(())
        }
        Command::Openapi => {
            println!("{}", crate::http::openapi::document().to_pretty_json()?);
            Ok(())
        }
        Command::Pki {
            command: PkiCommand::Init { dir, trust_dir },
        } => {
            let pki = crate::pki::init_dev_pki(&dir, &trust_dir)?;
            println!(
                "demo PKI in {} (trust anchors and CRLs in {}):",
                pki.dir.display(),
                trust_dir.display()
            );
            for id in &pki.identities {
                println!(
                    "  {:<16} {:<12} {:<18} {}",
                    id.key,
                    id.kind,
                    id.algorithm.as_str(),
                    id.display_name
                );
            }
            Ok(())
        }
        Command::Ocds {
            command:
                OcdsCommand::Export {
                    config,
                    tender,
                    out,
                },
        } => {
            let mut settings = Settings::load(config.as_deref())?;
            // Exporting never changes the schema.
            settings.database.run_migrations = false;
            runtime()?.block_on(async move {
                let db_settings = settings.database.clone();
                let db = crate::db::run_blocking(move || {
                    crate::db::Db::connect(&db_settings).map_err(crate::error::AppError::internal)
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                let ctx = crate::app::AppContext::new(
                    db,
                    std::sync::Arc::new(crate::clock::SystemClock),
                    settings,
                )?;
                let pkg = crate::app::tenders::ocds_package(&ctx, &tender)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let text = serde_json::to_string_pretty(&pkg)?;
                if out.as_os_str() == "-" {
                    println!("{text}");
                } else {
                    std::fs::write(&out, text)?;
                    eprintln!(
                        "wrote {} releases to {}",
                        pkg["releases"].as_array().map(|r| r.len()).unwrap_or(0),
                        out.display()
                    );
                }
                Ok(())
            })
        }
        Command::Demo {
            url,
            pki,
            trust_dir,
            ocds_out,
            archive_out,
            bank_key,
        } => {
            // The demo is a development start: its embedded server runs the sandbox clock.
            let settings = Settings::load_for_development(None)?;
            crate::telemetry::init(&crate::config::LogSettings {
                format: crate::config::LogFormat::Pretty,
                level: "warn".into(),
            });
            runtime()?.block_on(crate::demo::run(
                url,
                &pki,
                &trust_dir,
                settings,
                crate::demo::Outputs {
                    ocds: ocds_out,
                    archive: archive_out,
                },
                &bank_key,
            ))
        }
        Command::Audit { command } => audit(command),
        Command::Archive {
            command: ArchiveCommand::Verify { file, key },
        } => {
            let key_text = if Path::new(&key).is_file() {
                std::fs::read_to_string(&key)?.trim().to_string()
            } else {
                key
            };
            let verifier = crate::audit::note::NoteVerifier::parse(&key_text)
                .map_err(|e| anyhow::anyhow!("--key: not a verifier key: {e}"))?;
            let report = crate::client::archive::verify_archive_file(&file, &verifier)??;
            println!("{report}");
            Ok(())
        }
        Command::Kek { command } => kek(command),
        Command::Bonds {
            command: BondsCommand::Keygen { out },
        } => {
            crate::app::bids::generate_notice_key(&out)?;
            println!("{}", out.display());
            Ok(())
        }
        Command::Draw { command } => draw(command),
        Command::Witness { command } => witness(command),
        Command::Bid { command } => bid(command),
        Command::Custodian { command } => custodian(command),
        Command::Login { url, cert, kind } => runtime()?.block_on(async {
            let (_, _, session) = login(&url, &cert, kind).await?;
            println!("{}", session.token);
            Ok(())
        }),
    }
}

fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Loads the certificate and logs in with it, as the given kind of principal.
async fn login(
    url: &str,
    cert: &CertArgs,
    kind: crate::domain::identity::PrincipalKind,
) -> anyhow::Result<(
    crate::client::Client,
    crate::client::Credentials,
    crate::wire::identity::Session,
)> {
    let creds = crate::client::Credentials::from_files(&cert.cert, &cert.key)?;
    let mut client = crate::client::Client::new(url).with_audience(&cert.audience);
    let session = client.login(kind, &creds).await?;
    Ok((client, creds, session))
}

fn bid(command: BidCommand) -> anyhow::Result<()> {
    use crate::client::bids;
    use crate::domain::identity::PrincipalKind::Organisation;
    let uscc_of = |given: Option<String>, creds: &crate::client::Credentials| match given {
        Some(u) => crate::domain::uscc::Uscc::parse(&u).map_err(|e| anyhow::anyhow!("--uscc: {e}")),
        None => bids::uscc_from_certificate(creds).map_err(|e| anyhow::anyhow!("{e}; give --uscc")),
    };
    match command {
        BidCommand::Seal {
            tender,
            section,
            version,
            price,
            duration_days,
            quality,
            project_manager,
            bond_ref,
            documents,
            envelope_key,
            cert,
            out,
            remedy,
            url,
            uscc,
        } => {
            let creds = crate::client::Credentials::from_files(&cert.cert, &cert.key)?;
            let bidder_uscc = uscc_of(uscc, &creds)?;
            let remedy = remedy
                .map(|r| parse_remedy(&r).map_err(|e| anyhow::anyhow!("--remedy: {e}")))
                .transpose()?;
            let (bid_version, remedy) = match (version, remedy, url) {
                (Some(v), Some(r), _) => (v, r),
                (v, r, Some(url)) => {
                    let mine = runtime()?.block_on(async {
                        let (client, _, _) = login(&url, &cert, Organisation).await?;
                        Ok::<_, anyhow::Error>(client.my_bid(&tender, &section).await?)
                    })?;
                    // The server only accepts next_version and its own policy: fail now, not
                    // after sealing.
                    if v.is_some_and(|v| v != mine.next_version) {
                        anyhow::bail!("the server expects --version {}", mine.next_version);
                    }
                    if r.is_some_and(|r| r != mine.remedy) {
                        anyhow::bail!("--remedy is not the section's published remedy policy");
                    }
                    (mine.next_version, mine.remedy)
                }
                _ => anyhow::bail!("give --version and --remedy, or --url to ask the server"),
            };
            let (envelope, created) = bids::load_or_create_envelope_key(&envelope_key)?;
            if created {
                eprintln!(
                    "created envelope key {}: back it up, the bid cannot be decrypted in the \
                     decryption window without it",
                    envelope_key.display()
                );
            }
            let ctx = crate::seal::BidContext {
                tender_id: tender,
                section_id: section,
                bidder_uscc,
                bid_version,
                remedy,
            };
            let summary = crate::seal::Summary {
                price,
                duration_days,
                quality,
                project_manager,
                bid_bond_reference: bond_ref,
            };
            let files = bids::seal_bid_to_dir(ctx, &summary, &documents, &out, &envelope, &creds)?;
            let m = &files.manifest;
            print_json(&serde_json::json!({
                "dir": out,
                "tender_id": m.tender_id,
                "section": m.section_id,
                "bidder_uscc": m.bidder_uscc,
                "bid_version": m.bid_version,
                "manifest_sha256": hex::encode(crate::seal::manifest_sha256(m)),
                "parts": m.parts.iter().map(|p| serde_json::json!({
                    "index": p.index, "name": p.name, "ciphertext_len": p.ciphertext_len,
                })).collect::<Vec<_>>(),
            }))
        }
        BidCommand::Submit {
            url,
            cert,
            dir,
            tender,
            section,
        } => {
            let files = bids::load_sealed_bid(&dir)?;
            files.verify_digests()?;
            let tender = tender.unwrap_or_else(|| files.manifest.tender_id.clone());
            let section = section.unwrap_or_else(|| files.manifest.section_id.clone());
            let receipt = runtime()?.block_on(async {
                let (client, creds, _) = login(&url, &cert, Organisation).await?;
                Ok::<_, anyhow::Error>(
                    client
                        .submit_sealed_bid(
                            &tender,
                            &section,
                            &files.manifest,
                            &files.part_paths,
                            &creds,
                        )
                        .await?,
                )
            })?;
            print_json(&receipt)
        }
        BidCommand::Withdraw {
            url,
            cert,
            tender,
            section,
            uscc,
        } => {
            let receipt = runtime()?.block_on(async {
                let (client, creds, _) = login(&url, &cert, Organisation).await?;
                let uscc = uscc_of(uscc, &creds)?;
                let current = client
                    .my_bid(&tender, &section)
                    .await?
                    .current
                    .ok_or_else(|| anyhow::anyhow!("no current bid in {tender} {section}"))?;
                Ok::<_, anyhow::Error>(
                    client
                        .withdraw(&tender, &section, &current, uscc.as_str(), &creds)
                        .await?,
                )
            })?;
            print_json(&receipt)
        }
        BidCommand::Status {
            url,
            cert,
            tender,
            section,
        } => {
            let mine = runtime()?.block_on(async {
                let (client, _, _) = login(&url, &cert, Organisation).await?;
                Ok::<_, anyhow::Error>(client.my_bid(&tender, &section).await?)
            })?;
            print_json(&mine)
        }
        BidCommand::Decrypt {
            url,
            cert,
            dir,
            envelope_key,
        } => {
            let files = bids::load_sealed_bid(&dir)?;
            let envelope = bids::read_envelope_key_file(&envelope_key)?;
            let m = &files.manifest;
            let outcome = runtime()?.block_on(async {
                let (client, creds, _) = login(&url, &cert, Organisation).await?;
                Ok::<_, anyhow::Error>(
                    client
                        .release_deks(&m.tender_id, &m.section_id, m, &envelope, &creds)
                        .await?,
                )
            })?;
            print_json(&outcome)
        }
    }
}

fn custodian(command: CustodianCommand) -> anyhow::Result<()> {
    use crate::client::bids;
    use crate::domain::identity::PrincipalKind::Person;
    match command {
        CustodianCommand::Keygen { out } => {
            let secret = crate::seal::EnvelopeSecret::generate(&mut rand_core::OsRng);
            bids::write_envelope_key_file(&out, &secret)?;
            println!("{}", hex::encode(secret.public_key().0));
            Ok(())
        }
        CustodianCommand::RegisterKey {
            url,
            cert,
            envelope_key,
        } => {
            let envelope = bids::read_envelope_key_file(&envelope_key)?;
            let record = runtime()?.block_on(async {
                let (client, creds, session) = login(&url, &cert, Person).await?;
                Ok::<_, anyhow::Error>(
                    client
                        .register_envelope_key(&session.principal.id, &envelope, &creds)
                        .await?,
                )
            })?;
            print_json(&record)
        }
        CustodianCommand::ReleaseShare {
            url,
            cert,
            envelope_key,
            tender,
            section,
        } => {
            let envelope = bids::read_envelope_key_file(&envelope_key)?;
            let status = runtime()?.block_on(async {
                let (client, creds, _) = login(&url, &cert, Person).await?;
                Ok::<_, anyhow::Error>(
                    client
                        .release_share(&tender, &section, &envelope, &creds)
                        .await?,
                )
            })?;
            print_json(&status)
        }
    }
}

fn draw(command: DrawCommand) -> anyhow::Result<()> {
    use crate::audit::{bundle::Bundle, note::NoteVerifier, verify};
    let DrawCommand::Verify { bundle, key } = command;
    let key_text = if Path::new(&key).is_file() {
        std::fs::read_to_string(&key)?.trim().to_string()
    } else {
        key
    };
    let verifier = NoteVerifier::parse(&key_text)
        .map_err(|e| anyhow::anyhow!("--key: not a verifier key: {e}"))?;
    let text = std::fs::read(&bundle)
        .map_err(|e| anyhow::anyhow!("--bundle {}: {e}", bundle.display()))?;
    let bundle: Bundle = serde_json::from_slice(&text)
        .map_err(|e| anyhow::anyhow!("--bundle {}: not an audit bundle: {e}", bundle.display()))?;
    let rules: Vec<Box<dyn verify::Rule>> = vec![Box::new(verify::DrawsReplay)];
    verify::verify_bundle(&bundle, &verifier, None, &rules)?;
    let mut replayed = 0;
    for e in &bundle.entries {
        let Some(ev) = &e.event else { continue };
        let Ok(body) = serde_json::from_str::<serde_json::Value>(&ev.body) else {
            continue;
        };
        let Ok(record) =
            serde_json::from_value::<crate::domain::draw::Record>(body["record"].clone())
        else {
            continue;
        };
        let seats: usize = record.result.iter().map(|g| g.drawn.len()).sum();
        let reserves: usize = record.result.iter().map(|g| g.reserves.len()).sum();
        let from: Vec<&str> = record
            .contributions
            .iter()
            .map(|c| c.contributor.as_str())
            .collect();
        println!(
            "draw {} ({}): replayed at entry {}: {seats} drawn and {reserves} reserves in {} \
             specialties, frame {}, contributions from {}",
            record.frame.draw_id,
            record.frame.purpose,
            e.index,
            record.result.len(),
            hex::encode(record.frame_digest),
            from.join(", ")
        );
        replayed += 1;
    }
    println!("OK: {replayed} revealed draws replay exactly");
    Ok(())
}

fn audit(command: AuditCommand) -> anyhow::Result<()> {
    use crate::audit::{bundle::Bundle, note::NoteVerifier, verify};
    match command {
        AuditCommand::Verify {
            bundle,
            key,
            checkpoint,
            witnesses,
            witness_quorum,
            witness_policy,
            remote,
        } => {
            let policy = witness_policy_of(witnesses, witness_quorum, witness_policy)?;
            let key_text = if Path::new(&key).is_file() {
                std::fs::read_to_string(&key)?.trim().to_string()
            } else {
                key
            };
            let verifier = NoteVerifier::parse(&key_text)
                .map_err(|e| anyhow::anyhow!("--key: not a verifier key: {e}"))?;
            let saved = match &checkpoint {
                Some(p) => Some(
                    std::fs::read_to_string(p)
                        .map_err(|e| anyhow::anyhow!("--checkpoint {}: {e}", p.display()))?,
                ),
                None => None,
            };
            let bundle: Bundle = match (&bundle, &remote.url) {
                (Some(path), _) => {
                    let text = std::fs::read(path)
                        .map_err(|e| anyhow::anyhow!("--bundle {}: {e}", path.display()))?;
                    serde_json::from_slice(&text).map_err(|e| {
                        anyhow::anyhow!("--bundle {}: not an audit bundle: {e}", path.display())
                    })?
                }
                (None, Some(_)) => {
                    let since = match &saved {
                        Some(s) => crate::audit::note::parse_note(s)
                            .ok()
                            .and_then(|n| crate::audit::note::Checkpoint::parse_text(&n.text).ok())
                            .map(|c| c.size),
                        None => None,
                    };
                    let quorum = policy.as_ref().map(|p| p.quorum as u32);
                    runtime()?.block_on(fetch_bundle(&remote, since, quorum))?
                }
                (None, None) => anyhow::bail!("give --bundle FILE or --url URL"),
            };
            let report = verify::verify_bundle_with(
                &bundle,
                &verifier,
                saved.as_deref(),
                &verify::default_rules(),
                policy.as_ref(),
            )?;
            println!("{report}");
            Ok(())
        }
        AuditCommand::Export { remote, out } => {
            let bundle = runtime()?.block_on(fetch_bundle(&remote, None, None))?;
            std::fs::write(&out, serde_json::to_vec_pretty(&bundle)?)?;
            println!(
                "wrote {} entries to {} ({} events still pending integration)",
                bundle.entries.len(),
                out.display(),
                bundle.pending
            );
            Ok(())
        }
        AuditCommand::Keygen { out, origin } => {
            let signer = crate::audit::sequencer::generate_key_file(&out, &origin)?;
            if signer.verifier().name() != origin {
                anyhow::bail!("{} already holds a key for another origin", out.display());
            }
            println!("{}", signer.verifier());
            Ok(())
        }
    }
}

/// The witness policy from `--witness-policy`, or from `--witness` and `--witness-quorum`.
fn witness_policy_of(
    witnesses: Vec<String>,
    quorum: Option<usize>,
    file: Option<PathBuf>,
) -> anyhow::Result<Option<crate::audit::cosignature::WitnessPolicy>> {
    use crate::audit::cosignature::{CosignatureVerifier, WitnessPolicy};
    if let Some(path) = file {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("--witness-policy {}: {e}", path.display()))?;
        return WitnessPolicy::parse(&text)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("--witness-policy {}: {e}", path.display()));
    }
    if witnesses.is_empty() {
        if quorum.is_some() {
            anyhow::bail!("--witness-quorum needs --witness keys");
        }
        return Ok(None);
    }
    let mut keys = Vec::new();
    for w in witnesses {
        let text = key_text(w)?;
        keys.push(
            CosignatureVerifier::parse(&text)
                .map_err(|e| anyhow::anyhow!("--witness {text}: not a witness key: {e}"))?,
        );
    }
    let k = quorum.unwrap_or(keys.len());
    WitnessPolicy::new(keys, k)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("--witness-quorum: {e}"))
}

/// A key given inline or as a file holding it.
fn key_text(arg: String) -> anyhow::Result<String> {
    if Path::new(&arg).is_file() {
        Ok(std::fs::read_to_string(&arg)?.trim().to_string())
    } else {
        Ok(arg)
    }
}

fn witness(command: WitnessCommand) -> anyhow::Result<()> {
    use crate::audit::cosignature;
    use crate::client::witness::{run_once, WitnessError};
    match command {
        WitnessCommand::Keygen { out, name } => {
            let w = cosignature::generate_key_file(&out, &name)?;
            println!("{}", w.verifier());
            Ok(())
        }
        WitnessCommand::Run {
            url,
            log_key,
            key,
            name,
            state,
            every,
        } => {
            let log_key = crate::audit::note::NoteVerifier::parse(&key_text(log_key)?)
                .map_err(|e| anyhow::anyhow!("--log-key: not a log verifier key: {e}"))?;
            let cosigner = cosignature::read_key_file(&key, &name)?;
            let client = crate::client::Client::new(&url);
            runtime()?.block_on(async {
                loop {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)?
                        .as_secs();
                    match run_once(&client, &log_key, &cosigner, &state, now).await {
                        Ok(c) => println!(
                            "cosigned {} at size {} (previously {}) as {}",
                            c.origin,
                            c.size,
                            c.previous.map_or("never".into(), |p| format!("size {p}")),
                            cosigner.name()
                        ),
                        Err(WitnessError::Refused(r)) => {
                            eprintln!(
                                "\n*** WITNESS {} REFUSES TO COSIGN {} ***\n{r}\n\
                                 The state file {} is unchanged; report this to the regulator.",
                                cosigner.name(),
                                url,
                                state.display()
                            );
                            anyhow::bail!(
                                "the log at {url} is inconsistent with what this \
                                witness saw: {r}"
                            );
                        }
                        Err(WitnessError::Other(e)) if every.is_some() => {
                            eprintln!("witness round failed (will retry): {e:#}")
                        }
                        Err(WitnessError::Other(e)) => return Err(e),
                    }
                    match every {
                        Some(s) => tokio::time::sleep(std::time::Duration::from_secs(s)).await,
                        None => return Ok(()),
                    }
                }
            })
        }
    }
}

async fn fetch_bundle(
    remote: &RemoteArgs,
    since_size: Option<u64>,
    min_cosignatures: Option<u32>,
) -> anyhow::Result<crate::audit::bundle::Bundle> {
    let url = remote
        .url
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("--url is required"))?;
    let token = remote.token.as_ref().map(|t| t.expose_secret().to_owned());
    let client = crate::client::Client::new(url).with_token(token);
    Ok(match min_cosignatures {
        None => {
            client
                .audit_export(
                    remote.tender_id.as_deref(),
                    remote.subject.as_deref(),
                    since_size,
                )
                .await?
        }
        Some(k) => {
            client
                .audit_export_cosigned(
                    remote.tender_id.as_deref(),
                    remote.subject.as_deref(),
                    since_size,
                    k,
                )
                .await?
        }
    })
}

fn kek(command: KekCommand) -> anyhow::Result<()> {
    use crate::crypto::kek::Kek;
    match command {
        KekCommand::Keygen { out } => {
            let kek = Kek::generate()?;
            kek.write_file(&out, false)?;
            println!("{}", kek.key_id());
        }
        KekCommand::Rotate { file } => {
            let mut kek = Kek::read_file(&file)?;
            kek.rotate()?;
            kek.write_file(&file, true)?;
            println!("{}", kek.key_id());
        }
        KekCommand::Rewrap { config } => {
            let mut settings = Settings::load(config.as_deref())?;
            settings.database.run_migrations = false;
            let kek = std::sync::Arc::new(Kek::read_file(&settings.keys.kek_file)?);
            let db = crate::db::Db::connect(&settings.database)?.with_kek(kek.clone());
            let k = kek.clone();
            let (done, part_keys, preparations) = db
                .write_blocking(move |c| {
                    let done = crate::db::repo::bids::rewrap(c)?;
                    let part_keys = crate::app::support::opened::rewrap_part_keys(c, &k)?;
                    let preparations = crate::db::repo::collusion::rewrap_preparations(c)?;
                    Ok((done, part_keys, preparations))
                })
                .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
            println!(
                "rewrapped under {}: {} bids, {} uploads, {} bonds, {} bond accounts, \
                 {} opened part keys, {} preparation records",
                kek.key_id(),
                done.bids,
                done.uploads,
                done.bonds,
                done.bond_accounts,
                part_keys,
                preparations
            );
        }
    }
    Ok(())
}

/// `serve --dev`: demo PKI, its administrator, the sandbox clock, the development bank.
fn apply_dev_mode(settings: &mut Settings) -> anyhow::Result<()> {
    if settings.profile != Profile::Development {
        anyhow::bail!("--dev needs the development profile");
    }
    let pki = crate::pki::init_dev_pki(Path::new("certs/dev"), &settings.identity.trust_dir)?;
    for id in &pki.identities {
        if id.roles.iter().any(|r| r == "administrator") {
            if let Some(p) = &id.person_id {
                if !settings.identity.bootstrap_administrators.contains(p) {
                    settings.identity.bootstrap_administrators.push(p.clone());
                }
            }
        }
    }
    settings.sandbox.enabled = true;
    // The development bank (the demo plays it): its notice key beside the development KEK.
    if settings.bonds.notice_key_file.as_os_str().is_empty() {
        let dir = settings.keys.kek_file.parent().unwrap_or(Path::new("."));
        settings.bonds.notice_key_file = dir.join("bank-notice.key");
    }
    crate::app::bids::ensure_dev_notice_key(&settings.bonds.notice_key_file)?;
    if settings.metrics.listen.is_none() {
        // A development server shows its metrics on loopback (a free port, printed at start).
        settings.metrics.listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    }
    Ok(())
}
