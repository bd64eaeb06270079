//! The multi-backend connection and its pool manager.
//!
//! diesel's `MultiConnection::establish` tries each backend in turn and swallows the real error
//! ("Invalid connection url for multiconnection"), so the manager dispatches on the URL scheme
//! itself and keeps the backend's own message — with the URL's password scrubbed out of it, as
//! libpq echoes parts of a malformed URL back.
//!
//! A pooled connection is checked before it is handed out (`SELECT 1`) unless a unit of work
//! ended well on it within the last [`ALIVE_BYPASS`]: that unit's own statements showed it alive
//! more recently than the check would, and the check is a round trip to the server on every
//! request (HikariCP's `aliveBypassWindowMs` makes the same trade, with the same 500 ms). A unit
//! that failed with a server-side error leaves its connection unvouched, so the next check-out
//! checks it, and one left mid-transaction or handed back during a panic is dropped
//! (`has_broken`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};

use crate::secret::{ExposeSecret, SecretUrl};

/// A connection to whichever backend the URL names. SQLite must stay the last variant (diesel's
/// `SqliteConnection` accepts any string as a path).
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// How recently a unit of work must have ended well on a connection for the check-out to skip
/// its `SELECT 1`.
pub const ALIVE_BYPASS: Duration = Duration::from_millis(500);

/// A connection as the pool keeps it: the connection and when a unit of work last ended well
/// on it.
pub struct Pooled {
    conn: AnyConnection,
    vouched: Option<Instant>,
}

impl Pooled {
    /// Records how the unit of work that just ran on it ended: well (or with an error of the
    /// caller's, which says nothing against the connection), or with a server-side failure.
    pub fn ended(&mut self, well: bool) {
        self.vouched = well.then(Instant::now);
    }
}

/// Whether a connection vouched for at `vouched` is handed out unchecked at `now`.
fn fresh(vouched: Option<Instant>, now: Instant) -> bool {
    vouched.is_some_and(|t| now.saturating_duration_since(t) < ALIVE_BYPASS)
}

impl std::ops::Deref for Pooled {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            sqlite_path(url).map(|_| Backend::Sqlite)
        } else {
            // Name the scheme only: a value without one may be anything, a password included.
            let scheme = url.split_once(':').map(|(s, _)| s).filter(|s| {
                s.starts_with(|c: char| c.is_ascii_alphabetic())
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            });
            Err(match scheme {
                Some(s) => format!(
                    "unsupported database URL scheme {s:?}; use sqlite://PATH or postgres://…"
                ),
                None => "not a database URL; use sqlite://PATH or postgres://…".to_string(),
            })
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// `sqlite://rel/path`, `sqlite:///abs/path` or `sqlite:rel/path` → a filesystem path.
pub fn sqlite_path(url: &str) -> Result<PathBuf, String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| "not a sqlite URL".to_string())?;
    if rest.is_empty() {
        return Err("sqlite URL has no path".into());
    }
    if rest.contains(":memory:") {
        return Err(
            "in-memory SQLite is refused: every pooled connection would see its own empty database"
                .into(),
        );
    }
    Ok(PathBuf::from(rest))
}

/// Connect to PostgreSQL; a failure names the server by its redacted URL and never shows the
/// password.
pub fn establish_pg(url: &str) -> Result<PgConnection, String> {
    PgConnection::establish(url).map_err(|e| {
        let url = SecretUrl::new(url);
        format!("cannot connect to {url}: {}", url.scrub(&e.to_string()))
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    /// Already scrubbed of the URL's password.
    #[error("{0}")]
    Connect(String),
    #[error("connection set-up failed: {0}")]
    Setup(#[from] diesel::result::Error),
    #[error("{0}")]
    Io(String),
}

/// r2d2 manager that opens the right backend and applies per-connection settings.
#[derive(Debug)]
pub struct Manager {
    backend: Backend,
    /// The PostgreSQL URL or the SQLite file.
    target: SecretUrl,
    read_only: bool,
}

impl Manager {
    pub fn new(url: &str, read_only: bool) -> Result<Manager, String> {
        let backend = Backend::from_url(url)?;
        let target = match backend {
            Backend::Postgres => SecretUrl::new(url),
            Backend::Sqlite => {
                let path = sqlite_path(url)?;
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                }
                SecretUrl::new(path.to_string_lossy())
            }
        };
        Ok(Manager {
            backend,
            target,
            read_only,
        })
    }
}

/// Per-connection SQLite settings, in the order diesel's docs give: wait instead of failing on a
/// lock, WAL so readers run beside the writer, fsync at checkpoints only, enforce foreign keys.
pub const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

impl Manager {
    /// A new connection with its per-connection settings.
    pub fn open(&self) -> Result<AnyConnection, ManagerError> {
        match self.backend {
            Backend::Postgres => {
                let mut c =
                    establish_pg(self.target.expose_secret()).map_err(ManagerError::Connect)?;
                c.set_instrumentation(super::queries::instrumentation());
                if self.read_only {
                    c.batch_execute("SET default_transaction_read_only = on")?;
                }
                Ok(AnyConnection::Postgresql(c))
            }
            Backend::Sqlite => {
                let mut c =
                    SqliteConnection::establish(self.target.expose_secret()).map_err(|e| {
                        ManagerError::Connect(format!("cannot open {}: {e}", self.target))
                    })?;
                c.set_instrumentation(super::queries::instrumentation());
                c.batch_execute(SQLITE_PRAGMAS)?;
                if self.read_only {
                    // Defence in depth: the single-writer rule holds even if a read path errs.
                    c.batch_execute("PRAGMA query_only = ON;")?;
                } else {
                    // The WAL is checkpointed by `checkpoint`'s thread, not by a commit.
                    c.batch_execute(&format!(
                        "PRAGMA wal_autocheckpoint = {};",
                        super::checkpoint::WRITER_BACKSTOP_PAGES
                    ))?;
                }
                Ok(AnyConnection::Sqlite(c))
            }
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = ManagerError;

    fn connect(&self) -> Result<Pooled, ManagerError> {
        Ok(Pooled {
            conn: self.open()?,
            vouched: None,
        })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), ManagerError> {
        if fresh(conn.vouched, Instant::now()) {
            return Ok(());
        }
        conn.conn.batch_execute("SELECT 1")?;
        Ok(())
    }

    fn has_broken(&self, conn: &mut Pooled) -> bool {
        use diesel::r2d2::R2D2Connection;
        std::thread::panicking() || conn.conn.is_broken()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_connection_vouched_for_within_the_window_skips_its_check() {
        let t = Instant::now();
        assert!(!fresh(None, t));
        assert!(fresh(Some(t), t));
        assert!(fresh(Some(t), t + ALIVE_BYPASS - Duration::from_millis(1)));
        assert!(!fresh(Some(t), t + ALIVE_BYPASS));
        assert!(!fresh(Some(t), t + Duration::from_secs(60)));
    }

    #[test]
    fn urls() {
        assert_eq!(Backend::from_url("sqlite://data/x.db"), Ok(Backend::Sqlite));
        assert_eq!(
            sqlite_path("sqlite:///tmp/x.db").unwrap(),
            PathBuf::from("/tmp/x.db")
        );
        assert_eq!(
            Backend::from_url("postgres://u:p@h/d"),
            Ok(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://x").is_err());
        assert!(Backend::from_url("sqlite::memory:").is_err());
        let err = Backend::from_url("mysql://u:secret@h/d").unwrap_err();
        assert!(
            err.contains("\"mysql\"") && !err.contains("secret"),
            "{err}"
        );
        let err = Backend::from_url("u:secret@h/d").unwrap_err();
        assert!(!err.contains("secret"), "{err}");
    }
}
