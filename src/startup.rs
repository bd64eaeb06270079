//! Building and running the HTTP application (zero2prod's `Application` shape): bind first so
//! port 0 works and the real port can be read back, then serve until SIGINT/SIGTERM, letting
//! in-flight requests finish.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};

use crate::app::AppContext;
use crate::clock::{SandboxClock, SharedClock, SystemClock};
use crate::config::Settings;
use crate::db::{run_blocking, Db};
use crate::error::AppError;
use crate::http::{self, metrics::Metrics, middleware::observe};

pub struct Application {
    port: u16,
    server: Server,
    ctx: AppContext,
    metrics: web::Data<Metrics>,
    /// The metrics listener (`[metrics] listen`): its port and server, if configured.
    metrics_port: Option<u16>,
    metrics_server: Option<Server>,
    background: Vec<tokio::task::JoinHandle<()>>,
}

/// The clock the settings ask for: the system clock, or an accelerated sandbox clock.
pub fn clock_for(settings: &Settings) -> SharedClock {
    if settings.sandbox.enabled {
        Arc::new(SandboxClock::new(
            Arc::new(SystemClock),
            settings.sandbox.speed,
        ))
    } else {
        Arc::new(SystemClock)
    }
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let clock = clock_for(&settings);
        Self::build_with_clock(settings, clock).await
    }

    /// Build with an explicit clock (tests pass a manual clock).
    pub async fn build_with_clock(
        settings: Settings,
        clock: SharedClock,
    ) -> anyhow::Result<Application> {
        if (settings.sandbox.enabled || clock.sandbox().is_some())
            && settings.profile != crate::config::Profile::Development
        {
            anyhow::bail!(
                "the sandbox clock needs an explicit development start (`etender serve --dev`)"
            );
        }
        let db_settings = settings.database.clone();
        let db = run_blocking(move || Db::connect(&db_settings).map_err(AppError::internal))
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "database: {}",
                    e.cause.map(|c| format!("{c:#}")).unwrap_or(e.detail)
                )
            })?;
        let ctx = AppContext::new(db, clock, settings.clone())?;
        ctx.storage.check().await.map_err(|e| {
            anyhow::anyhow!("storage (backend {:?}): {e}", settings.storage.backend)
        })?;
        // A bond issuer's key that cannot be read fails the start, not the issuer's first notice.
        crate::app::bids::check_notice_keys(&settings.bonds)?;
        if settings.bonds.all_issuers().is_empty() {
            tracing::warn!(
                "no bank or guarantee issuer is connected ([bonds] notice_key_file, issuers): \
                 no bond can arrive, and sections asking for one take no bids"
            );
        }
        if ctx.trust.current().anchors_len() == 0 {
            tracing::warn!(
                dir = %settings.identity.trust_dir.display(),
                "no trust anchors: every certificate will be refused \
                 (run `etender pki init` for a demo PKI)"
            );
        }
        let today = crate::domain::schedule::legal_date(ctx.clock.now());
        for warning in ctx.calendar.warnings(today) {
            tracing::warn!("calendar: {warning}");
        }
        crate::app::sandbox::record_start(&ctx)
            .await
            .map_err(|e| anyhow::anyhow!("recording the sandbox clock: {}", e.detail))?;
        let background = crate::worker::spawn(&ctx)?;
        let listener = TcpListener::bind(settings.http.listen)?;
        let port = listener.local_addr()?.port();
        let metrics = web::Data::new(Metrics::new());
        let data = web::Data::new(ctx.clone());
        let json_limit = settings.http.json_limit_bytes;
        let served_metrics = metrics.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(observe))
                .app_data(data.clone())
                .app_data(served_metrics.clone())
                .configure(|cfg| http::configure(cfg, json_limit))
                .default_service(web::to(http::not_found))
        })
        .listen(listener)?
        .shutdown_timeout(settings.http.shutdown_timeout_secs);
        if settings.http.workers > 0 {
            server = server.workers(settings.http.workers);
        }
        let (metrics_port, metrics_server) = match settings.metrics.listen {
            None => (None, None),
            Some(addr) => {
                let listener = TcpListener::bind(addr)?;
                let port = listener.local_addr()?.port();
                let (data, served) = (web::Data::new(ctx.clone()), metrics.clone());
                // Its own server: nothing of the public API is reachable here, and /metrics is
                // reachable nowhere else.
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .app_data(served.clone())
                        .route("/metrics", web::get().to(http::metrics::exposition))
                })
                .listen(listener)?
                .workers(1)
                .disable_signals()
                .shutdown_timeout(1)
                .run();
                tracing::info!(port, "metrics listening");
                (Some(port), Some(server))
            }
        };
        tracing::info!(port, backend = ctx.db.backend().name(), "etender listening");
        Ok(Application {
            port,
            server: server.run(),
            ctx,
            metrics,
            metrics_port,
            metrics_server,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn context(&self) -> &AppContext {
        &self.ctx
    }

    /// The server's metrics (tests read the responses counted outside the API contract).
    pub fn metrics(&self) -> web::Data<Metrics> {
        self.metrics.clone()
    }

    /// The port of the metrics listener, if `[metrics] listen` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// A handle that can stop the server gracefully (tests, embedded demo).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics_server.map(|server| {
            let handle = server.handle();
            (handle, tokio::spawn(server))
        });
        let result = self.server.await;
        if let Some((handle, task)) = metrics {
            handle.stop(true).await;
            let _ = task.await;
        }
        for task in self.background {
            task.abort();
        }
        result
    }
}
