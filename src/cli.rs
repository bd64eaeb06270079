//! Command line: `etender serve | migrate | check-config | openapi | pki init | demo | ocds | audit`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Profile, Settings};
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
        /// administrator a bootstrap administrator, and run the sandbox clock. Refused in production.
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
    },
    /// Open Contracting Data Standard exports.
    Ocds {
        #[command(subcommand)]
        command: OcdsCommand,
    },
    /// The tamper-evident audit log: offline verification, export, key generation.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
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
    #[arg(long, env = "ETENDER_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
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

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { config, dev } => {
            let mut settings = Settings::load(config.as_deref())?;
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
                println!("  health:       {base}/healthz  {base}/readyz  {base}/metrics");
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
                crate::db::migrate::revert_all(&settings.database.url)?
            } else {
                crate::db::migrate::run_pending(&settings.database.url)?
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
            let mut settings = Settings::load(config.as_deref())?;
            settings.database.url = crate::db::connection::redact(&settings.database.url);
            settings.database.replica_url =
                crate::db::connection::redact(&settings.database.replica_url);
            println!("{}", toml::to_string_pretty(&settings)?);
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
        } => {
            let settings = Settings::load(None)?;
            crate::telemetry::init(&crate::config::LogSettings {
                format: crate::config::LogFormat::Pretty,
                level: "warn".into(),
            });
            runtime()?.block_on(crate::demo::run(
                url,
                &pki,
                &trust_dir,
                settings,
                crate::demo::Outputs { ocds: ocds_out },
            ))
        }
        Command::Audit { command } => audit(command),
    }
}

fn audit(command: AuditCommand) -> anyhow::Result<()> {
    use crate::audit::{bundle::Bundle, note::NoteVerifier, verify};
    match command {
        AuditCommand::Verify {
            bundle,
            key,
            checkpoint,
            remote,
        } => {
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
                    runtime()?.block_on(fetch_bundle(&remote, since))?
                }
                (None, None) => anyhow::bail!("give --bundle FILE or --url URL"),
            };
            let report = verify::verify_bundle(
                &bundle,
                &verifier,
                saved.as_deref(),
                &verify::default_rules(),
            )?;
            println!("{report}");
            Ok(())
        }
        AuditCommand::Export { remote, out } => {
            let bundle = runtime()?.block_on(fetch_bundle(&remote, None))?;
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

async fn fetch_bundle(
    remote: &RemoteArgs,
    since_size: Option<u64>,
) -> anyhow::Result<crate::audit::bundle::Bundle> {
    let url = remote
        .url
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("--url is required"))?;
    let client = crate::client::Client::new(url).with_token(remote.token.clone());
    Ok(client
        .audit_export(
            remote.tender_id.as_deref(),
            remote.subject.as_deref(),
            since_size,
        )
        .await?)
}

/// `serve --dev`: demo PKI, its administrator, the sandbox clock.
fn apply_dev_mode(settings: &mut Settings) -> anyhow::Result<()> {
    if settings.profile == Profile::Production {
        anyhow::bail!("--dev is refused with profile = \"production\"");
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
    Ok(())
}
