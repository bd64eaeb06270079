//! Counting the statements a piece of async work sends to the database.
//!
//! [`counted`] runs a future with a tally in a task-local; `Db::read`, `read_primary` and
//! `write` hand that tally to the blocking thread that runs their closure, and every pooled
//! connection carries a diesel [`Instrumentation`] that adds one per statement it starts while
//! a tally is installed on its thread. So the count covers exactly the statements that work
//! issued through `Db` (transaction `BEGIN`/`COMMIT` included; r2d2's connection check on
//! checkout, which runs before the closure, is not) and none of the background loops' work.
//! The HTTP layer counts every request this way (`etender_http_request_db_queries`), which is
//! how a list that turns into one query per row shows up in production and fails in tests.

use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use diesel::connection::{Instrumentation, InstrumentationEvent};

tokio::task_local! {
    static TALLY: Arc<AtomicU64>;
}

thread_local! {
    static ON_THREAD: RefCell<Option<Arc<AtomicU64>>> = const { RefCell::new(None) };
}

/// Run `work` and return its output with the number of statements it sent to the database.
pub async fn counted<F: Future>(work: F) -> (F::Output, u64) {
    let tally = Arc::new(AtomicU64::new(0));
    let out = TALLY.scope(tally.clone(), work).await;
    (out, tally.load(Ordering::Relaxed))
}

/// The tally of the surrounding [`counted`] scope, if any (call on the async side).
pub(super) fn current() -> Option<Arc<AtomicU64>> {
    TALLY.try_with(Arc::clone).ok()
}

/// Run `f` with `tally` receiving this thread's statements (call on the blocking thread).
pub(super) fn on_this_thread<T>(tally: Option<Arc<AtomicU64>>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<AtomicU64>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            ON_THREAD.with(|t| *t.borrow_mut() = previous);
        }
    }
    let previous = ON_THREAD.with(|t| std::mem::replace(&mut *t.borrow_mut(), tally));
    // Restored on unwind too: a blocking thread is reused and must not keep a stale tally.
    let _restore = Restore(previous);
    f()
}

/// The per-connection hook: one per statement started.
pub(super) fn instrumentation() -> impl Instrumentation {
    |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            ON_THREAD.with(|t| {
                if let Some(tally) = t.borrow().as_ref() {
                    tally.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_only_inside_the_scope_and_restores_the_thread() {
        let tally = Arc::new(AtomicU64::new(0));
        let mut hook = instrumentation();
        let q = diesel::connection::StrQueryHelper::new("SELECT 1");
        hook.on_connection_event(InstrumentationEvent::start_query(&q));
        assert_eq!(tally.load(Ordering::Relaxed), 0, "no tally installed");
        on_this_thread(Some(tally.clone()), || {
            hook.on_connection_event(InstrumentationEvent::start_query(&q));
            hook.on_connection_event(InstrumentationEvent::finish_query(&q, None));
        });
        hook.on_connection_event(InstrumentationEvent::start_query(&q));
        assert_eq!(tally.load(Ordering::Relaxed), 1);
        let ((), n) = counted(async { assert!(current().is_some()) }).await;
        assert_eq!(n, 0);
        assert!(current().is_none());
    }
}
