//! Embedded migrations, one set per backend with the same names (a test keeps them in step).
//!
//! On PostgreSQL the run holds a session advisory lock, so several etender nodes starting at once
//! apply each migration exactly once; a node that finds nothing pending never takes the lock.

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::connection::{establish_pg, sqlite_path, Backend, Manager, SQLITE_PRAGMAS};

pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Arbitrary but fixed: "etender" in ASCII, as the advisory lock key.
const PG_MIGRATION_LOCK: i64 = 0x0065_7465_6e64_6572;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Apply pending migrations; returns the names applied. An error never shows the URL's password.
pub fn run_pending(url: &str) -> anyhow::Result<Vec<String>> {
    match Backend::from_url(url).map_err(anyhow::Error::msg)? {
        Backend::Sqlite => {
            // Manager::new creates the parent directory.
            Manager::new(url, false).map_err(anyhow::Error::msg)?;
            let path = sqlite_path(url).map_err(anyhow::Error::msg)?;
            let mut c = SqliteConnection::establish(&path.to_string_lossy())?;
            c.batch_execute(SQLITE_PRAGMAS)?;
            apply(&mut c, SQLITE)
        }
        Backend::Postgres => {
            let mut c = establish_pg(url).map_err(anyhow::Error::msg)?;
            if !c
                .has_pending_migration(POSTGRES)
                .map_err(|e: BoxError| anyhow::anyhow!(e))?
            {
                return Ok(Vec::new());
            }
            c.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))?;
            let result = apply(&mut c, POSTGRES);
            c.batch_execute(&format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))?;
            result
        }
    }
}

fn apply<C>(c: &mut C, set: EmbeddedMigrations) -> anyhow::Result<Vec<String>>
where
    C: MigrationHarness<C::Backend> + Connection,
{
    let done = c
        .run_pending_migrations(set)
        .map_err(|e: BoxError| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(done.into_iter().map(|v| v.to_string()).collect())
}

/// Revert every applied migration (newest first); used by the reversibility test and by
/// `etender migrate --revert-all` on a scratch database.
pub fn revert_all(url: &str) -> anyhow::Result<Vec<String>> {
    fn go<C>(c: &mut C, set: EmbeddedMigrations) -> anyhow::Result<Vec<String>>
    where
        C: MigrationHarness<C::Backend> + Connection,
    {
        let done = c
            .revert_all_migrations(set)
            .map_err(|e: BoxError| anyhow::anyhow!("revert failed: {e}"))?;
        Ok(done.into_iter().map(|v| v.to_string()).collect())
    }
    match Backend::from_url(url).map_err(anyhow::Error::msg)? {
        Backend::Sqlite => {
            let path = sqlite_path(url).map_err(anyhow::Error::msg)?;
            let mut c = SqliteConnection::establish(&path.to_string_lossy())?;
            go(&mut c, SQLITE)
        }
        Backend::Postgres => {
            let mut c = establish_pg(url).map_err(anyhow::Error::msg)?;
            go(&mut c, POSTGRES)
        }
    }
}

/// Names of the embedded migrations for a backend, in order.
pub fn names(backend: Backend) -> Vec<String> {
    use diesel::migration::MigrationSource;
    let set = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let migrations: Vec<Box<dyn diesel::migration::Migration<diesel::sqlite::Sqlite>>> =
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(&set).unwrap_or_default();
    migrations.iter().map(|m| m.name().to_string()).collect()
}
