//! Persistence: the only module that speaks diesel.
//!
//! One binary serves SQLite (embedded default) or PostgreSQL (production), chosen by the URL
//! scheme. Every unit of work runs on the blocking pool — including taking the connection — so
//! an async worker never waits on the database. SQLite gets exactly one writer connection (it
//! allows one writer whatever we do) and `BEGIN IMMEDIATE` transactions, so a transaction that
//! reads then writes never fails with `SQLITE_BUSY` half-way; readers run alongside in WAL mode.

pub mod checkpoint;
pub mod connection;
pub mod migrate;
pub mod queries;
pub mod repo;
pub mod schema;
pub mod sealing;
pub mod types;

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

pub use connection::{AnyConnection, Backend};

use crate::error::{AppError, AppResult};
use crate::secret::{ExposeSecret, SecretUrl};

type Pool = r2d2::Pool<connection::Manager>;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// May carry a password (`postgres://user:pass@host/db`): shown redacted everywhere.
    pub url: SecretUrl,
    pub replica_url: SecretUrl,
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
    pub run_migrations: bool,
}

impl DatabaseSettings {
    /// What is wrong with these settings, as (key within `[database]`, why); empty when usable.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Err(e) = Backend::from_url(self.url.expose_secret()) {
            out.push(("url", format!("is not usable: {e}")));
        }
        if !self.replica_url.is_empty()
            && Backend::from_url(self.replica_url.expose_secret()).ok() != Some(Backend::Postgres)
        {
            out.push((
                "replica_url",
                "must be a postgres:// URL (replicas exist only for PostgreSQL)".into(),
            ));
        }
        if self.pool_size == 0 || self.pool_size > 512 {
            out.push(("pool_size", "must be between 1 and 512".into()));
        }
        out
    }
}

/// Handle to the database pools; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
    /// The node's KEK, installed on the thread of every unit of work (`sealing`).
    kek: Option<Arc<crate::crypto::kek::Kek>>,
}

struct Inner {
    backend: Backend,
    write: Pool,
    read: Pool,
    replica: Option<Pool>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.inner.backend)
            .finish()
    }
}

/// Pool occupancy, exported as metrics.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolStats {
    pub write_connections: u32,
    pub write_idle: u32,
    pub read_connections: u32,
    pub read_idle: u32,
}

impl Db {
    /// Run pending migrations (if configured) and build the pools.
    pub fn connect(settings: &DatabaseSettings) -> anyhow::Result<Db> {
        let url = settings.url.expose_secret();
        let backend = Backend::from_url(url).map_err(anyhow::Error::msg)?;
        if settings.run_migrations {
            let applied = migrate::run_pending(url)?;
            for m in applied {
                tracing::info!(migration = %m, "applied migration");
            }
        }
        let timeout = Duration::from_secs(settings.connect_timeout_secs.max(1));
        let build = |url: &str, size: u32, read_only: bool| -> anyhow::Result<Pool> {
            let manager = connection::Manager::new(url, read_only).map_err(anyhow::Error::msg)?;
            Ok(r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(0))
                .connection_timeout(timeout)
                .build(manager)?)
        };
        let (write, read) = match backend {
            Backend::Sqlite => (build(url, 1, false)?, build(url, settings.pool_size, true)?),
            Backend::Postgres => {
                let p = build(url, settings.pool_size, false)?;
                (p.clone(), p)
            }
        };
        let replica = if settings.replica_url.is_empty() {
            None
        } else {
            Some(build(
                settings.replica_url.expose_secret(),
                settings.pool_size,
                true,
            )?)
        };
        let inner = Arc::new(Inner {
            backend,
            write,
            read,
            replica,
        });
        if backend == Backend::Sqlite {
            let manager = connection::Manager::new(url, false).map_err(anyhow::Error::msg)?;
            checkpoint::spawn(manager, Arc::downgrade(&inner))?;
        }
        Ok(Db { inner, kek: None })
    }

    /// The same pools, with the node's KEK for the sealed tables (`sealing`).
    pub fn with_kek(mut self, kek: Arc<crate::crypto::kek::Kek>) -> Db {
        self.kek = Some(kek);
        self
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Run `f` inside one write transaction (committed on `Ok`, rolled back on `Err` or panic).
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut AnyConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.inner.write.clone();
        let (tally, kek) = (queries::current(), self.kek.clone());
        run_blocking(move || {
            let mut conn = pool.get()?;
            unit(&mut conn, |c| {
                sealing::with_key(kek, || queries::on_this_thread(tally, || transaction(c, f)))
            })
        })
        .await
    }

    /// Run `f` on a read connection (a replica when configured).
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut AnyConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self
            .inner
            .replica
            .clone()
            .unwrap_or_else(|| self.inner.read.clone());
        let (tally, kek) = (queries::current(), self.kek.clone());
        run_blocking(move || {
            let mut conn = pool.get()?;
            unit(&mut conn, |c| {
                sealing::with_key(kek, || queries::on_this_thread(tally, || f(c)))
            })
        })
        .await
    }

    /// Read from the primary: for reads that must see the caller's own just-committed writes.
    pub async fn read_primary<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut AnyConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.inner.read.clone();
        let (tally, kek) = (queries::current(), self.kek.clone());
        run_blocking(move || {
            let mut conn = pool.get()?;
            unit(&mut conn, |c| {
                sealing::with_key(kek, || queries::on_this_thread(tally, || f(c)))
            })
        })
        .await
    }

    /// Synchronous variant of [`Db::write`] for code already on a blocking thread (CLI, benches).
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> AppResult<T>,
    ) -> AppResult<T> {
        let mut conn = self.inner.write.get()?;
        unit(&mut conn, |c| {
            sealing::with_key(self.kek.clone(), || transaction(c, f))
        })
    }

    /// Synchronous read on the primary.
    pub fn read_blocking<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> AppResult<T>,
    ) -> AppResult<T> {
        let mut conn = self.inner.read.get()?;
        unit(&mut conn, |c| sealing::with_key(self.kek.clone(), || f(c)))
    }

    /// Readiness: a round trip to the primary (and the replica when configured).
    pub async fn ping(&self) -> AppResult<()> {
        self.read_primary(|c| {
            repo::ping(c)?;
            Ok(())
        })
        .await?;
        if self.inner.replica.is_some() {
            self.read(|c| {
                repo::ping(c)?;
                Ok(())
            })
            .await?;
        }
        Ok(())
    }

    pub fn pool_stats(&self) -> PoolStats {
        let w = self.inner.write.state();
        let r = self.inner.read.state();
        PoolStats {
            write_connections: w.connections,
            write_idle: w.idle_connections,
            read_connections: r.connections,
            read_idle: r.idle_connections,
        }
    }
}

/// Runs one unit of work on a pooled connection and records how it ended, so that the next
/// check-out knows whether to check it (`connection::Pooled`): a server-side failure (5xx)
/// leaves it to be checked.
fn unit<T>(
    conn: &mut r2d2::PooledConnection<connection::Manager>,
    f: impl FnOnce(&mut AnyConnection) -> AppResult<T>,
) -> AppResult<T> {
    let out = f(conn);
    conn.ended(match &out {
        Ok(_) => true,
        Err(e) => e.code.status() < 500,
    });
    out
}

/// Begin (IMMEDIATE on SQLite), run `f`, commit or roll back — also when `f` panics, so a
/// pooled connection never goes back with a transaction open.
pub fn transaction<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> AppResult<T>,
) -> AppResult<T> {
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        AnyConnection::Postgresql(c) => {
            <diesel::PgConnection as Connection>::TransactionManager::begin_transaction(c)?
        }
    }
    type Tm = <AnyConnection as Connection>::TransactionManager;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut *conn)));
    match outcome {
        Ok(Ok(v)) => {
            Tm::commit_transaction(conn)?;
            Ok(v)
        }
        Ok(Err(e)) => {
            if let Err(rb) = Tm::rollback_transaction(conn) {
                tracing::error!(error = %rb, "rollback failed");
            }
            Err(e)
        }
        Err(panic) => {
            let _ = Tm::rollback_transaction(conn);
            std::panic::resume_unwind(panic)
        }
    }
}

/// Run blocking work on tokio's blocking pool, carrying the current tracing span, and turn a
/// panic into an internal error instead of taking the worker down.
pub async fn run_blocking<T, F>(f: F) -> AppResult<T>
where
    F: FnOnce() -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    match tokio::task::spawn_blocking(move || span.in_scope(f)).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => {
            let payload = e.into_panic();
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic".into());
            Err(AppError::internal(anyhow::anyhow!(
                "panic in blocking task: {msg}"
            )))
        }
        Err(e) => Err(AppError::internal(e)),
    }
}
