//! SQLite: the write-ahead log is copied back into the database file by a thread of its own.
//!
//! Left to SQLite, the commit that happens to take the WAL past `wal_autocheckpoint` pages
//! copies them all back and syncs the file before it returns: one request in every few paid
//! 13–85 ms for the others' pages (measured on the `draws` bench, docs/DRAWS.md §8). Here a
//! background thread runs a PASSIVE checkpoint every [`PERIOD`]; it never blocks the writer or
//! the readers, and syncs as SQLite's own checkpoint does (durability is unchanged: in WAL mode
//! with `synchronous = NORMAL` a commit is durable once the WAL is synced, whoever checkpoints).
//! The writer keeps a higher automatic checkpoint ([`WRITER_BACKSTOP_PAGES`]) as a backstop,
//! should this thread fall behind or stop.

use std::sync::Weak;
use std::time::Duration;

use diesel::connection::SimpleConnection;

use super::connection::{AnyConnection, Manager};

/// How often the WAL is checkpointed.
pub const PERIOD: Duration = Duration::from_millis(100);

/// `wal_autocheckpoint` of the writer connection: only reached if the thread falls behind.
pub const WRITER_BACKSTOP_PAGES: u32 = 10_000;

/// Starts the thread; it stops once `alive` (the pools it serves) is gone.
pub fn spawn<T: Send + Sync + 'static>(manager: Manager, alive: Weak<T>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            let mut conn: Option<AnyConnection> = None;
            loop {
                std::thread::sleep(PERIOD);
                if alive.strong_count() == 0 {
                    return;
                }
                if conn.is_none() {
                    conn = manager
                        .open()
                        .map_err(|e| tracing::warn!(error = %e, "checkpoint connection"))
                        .ok();
                }
                if let Some(c) = conn.as_mut() {
                    if let Err(e) = c.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                        conn = None;
                    }
                }
            }
        })
        .map(|_| ())
}
