//! What one node takes from a client before it refuses (issue 11, finding 5): the `[limits]`
//! settings, the node-wide cap on part uploads in flight, and the per-address token buckets that
//! rate-limit anonymous writes (login challenges).
//!
//! Limits that must hold across nodes live in the database instead: one writer per bid part and
//! the per-bidder cap on part uploads in flight are leases on `bid_upload_parts` rows
//! (`app::bids::put_part`), and the per-bidder open-upload quota is counted in the transaction
//! that opens an upload. What stays here is what is about this node's own memory and threads (each
//! part upload in flight holds four 4 MiB blocks and two blocking threads), the same per-bidder
//! cap counted in memory first — so a bidder hammering a node is refused without a database write
//! and cannot crowd out the submissions of a deadline rush — and a cheap first filter against a
//! flood of anonymous requests.
//!
//! The token bucket is a few lines over the injected [`Clock`] rather than `governor`: governor's
//! keyed limiter measures time with its own monotonic clock, so a test could only drive it by
//! sleeping, while every time-based rule here goes through the `Clock` (tests move a
//! `ManualClock`); and a map of per-address buckets, pruned when it grows, is all this needs.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::clock::SharedClock;
use crate::error::{AppError, ErrorCode};

/// `[limits]`: quotas, concurrency, idle timeouts, rate limits and row expiry.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    /// How long a part upload holds its part (and counts against its bidder) without sending
    /// anything; renewed while bytes arrive. A node that dies mid-upload frees the part then.
    pub part_lease_secs: u64,
    /// A request body that sends nothing for this long is cut (its bytes so far are kept).
    pub body_idle_timeout_secs: u64,
    /// Part uploads of one bidder in flight at once, across every node.
    pub max_part_uploads_per_bidder: u32,
    /// Part uploads in flight on this node, all bidders together.
    pub max_part_uploads_per_node: u32,
    /// Open (unsubmitted) uploads one bidder may hold, over every tender and section.
    pub max_open_uploads_per_bidder: u32,
    /// Ciphertext bytes those open uploads may declare together.
    pub max_open_bytes_per_bidder: u64,
    /// Login challenges one client address may ask for per minute, and in one burst.
    pub challenges_per_minute: u32,
    pub challenge_burst: u32,
    /// Challenge rows are deleted this long after they expired (unused or used).
    pub challenge_retention_secs: u64,
    /// How often a node sweeps expired rows.
    pub sweep_interval_secs: u64,
    /// An imported supervision sheet (CSV or XLSX, docs/SUPERVISION.md): its bytes and data
    /// rows at most (413 `file_too_large`, 422 beyond the rows). Absent from older settings
    /// files, hence the defaults.
    #[serde(default = "default_import_bytes")]
    pub max_import_bytes: u64,
    #[serde(default = "default_import_rows")]
    pub max_import_rows: u32,
}

fn default_import_bytes() -> u64 {
    4 << 20
}

fn default_import_rows() -> u32 {
    5000
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            part_lease_secs: 120,
            body_idle_timeout_secs: 60,
            max_part_uploads_per_bidder: 4,
            max_part_uploads_per_node: 64,
            max_open_uploads_per_bidder: 8,
            max_open_bytes_per_bidder: 16 << 30,
            challenges_per_minute: 120,
            challenge_burst: 60,
            challenge_retention_secs: 3600,
            sweep_interval_secs: 300,
            max_import_bytes: default_import_bytes(),
            max_import_rows: default_import_rows(),
        }
    }
}

impl LimitSettings {
    /// Each problem as (key relative to `[limits]`, why).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut positive = |key: &'static str, v: u64| {
            if v == 0 {
                out.push((key, "must be at least 1".to_string()));
            }
        };
        positive("part_lease_secs", self.part_lease_secs);
        positive("body_idle_timeout_secs", self.body_idle_timeout_secs);
        positive(
            "max_part_uploads_per_bidder",
            self.max_part_uploads_per_bidder.into(),
        );
        positive(
            "max_part_uploads_per_node",
            self.max_part_uploads_per_node.into(),
        );
        positive(
            "max_open_uploads_per_bidder",
            self.max_open_uploads_per_bidder.into(),
        );
        positive("max_open_bytes_per_bidder", self.max_open_bytes_per_bidder);
        positive("challenges_per_minute", self.challenges_per_minute.into());
        positive("challenge_burst", self.challenge_burst.into());
        positive("sweep_interval_secs", self.sweep_interval_secs);
        positive("max_import_bytes", self.max_import_bytes);
        positive("max_import_rows", self.max_import_rows.into());
        if self.part_lease_secs <= self.body_idle_timeout_secs {
            out.push((
                "part_lease_secs",
                "must exceed body_idle_timeout_secs, or a live upload could lose its part".into(),
            ));
        }
        out
    }
}

/// The node's limiters; one per node, shared by every worker (in `AppContext`).
pub struct Limits {
    pub settings: LimitSettings,
    uploads: Arc<Semaphore>,
    bidders: Arc<Mutex<HashMap<String, u32>>>,
    /// Bidders whose part uploads sent bytes that were not the part: (strikes, refused until).
    strikes: Mutex<HashMap<String, (u32, DateTime<Utc>)>>,
    clock: SharedClock,
    challenges: TokenBuckets,
}

/// The first strike's cooldown; each further strike doubles it, up to [`STRIKE_MAX_SECS`].
pub const STRIKE_SECS: i64 = 5;
pub const STRIKE_MAX_SECS: i64 = 300;

/// A part upload's place on this node, counted for its bidder too; dropping it frees both.
pub struct UploadSlot {
    _node: OwnedSemaphorePermit,
    bidders: Arc<Mutex<HashMap<String, u32>>>,
    bidder: String,
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        let mut map = self.bidders.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.bidder) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.bidder);
            }
        }
    }
}

impl Limits {
    pub fn new(settings: LimitSettings, clock: SharedClock) -> Limits {
        let per_minute = f64::from(settings.challenges_per_minute);
        Limits {
            uploads: Arc::new(Semaphore::new(settings.max_part_uploads_per_node as usize)),
            bidders: Arc::new(Mutex::new(HashMap::new())),
            strikes: Mutex::new(HashMap::new()),
            clock: clock.clone(),
            challenges: TokenBuckets::new(clock, per_minute / 60.0, settings.challenge_burst),
            settings,
        }
    }

    /// A place for one more part upload of `bidder` on this node: 429 `too_many_uploads` when
    /// the bidder already has its limit in flight here, 503 `server_busy` when the node is full.
    /// Both are decided in memory, so a bidder hammering the node costs it no database write;
    /// the database then counts the bidder's uploads over every node
    /// (`db::repo::uploads::live_writers_of`).
    pub fn upload_slot(&self, bidder: &str) -> Result<UploadSlot, AppError> {
        self.check_strikes(bidder)?;
        let mut map = self.bidders.lock().unwrap_or_else(|p| p.into_inner());
        let held = map.get(bidder).copied().unwrap_or(0);
        if held >= self.settings.max_part_uploads_per_bidder {
            return Err(too_many_uploads(self.settings.max_part_uploads_per_bidder));
        }
        let node = self.uploads.clone().try_acquire_owned().map_err(|_| {
            AppError::retry_after(
                ErrorCode::ServerBusy,
                "this node is receiving as many part uploads as it takes; retry shortly",
                2,
            )
        })?;
        map.insert(bidder.to_string(), held + 1);
        Ok(UploadSlot {
            _node: node,
            bidders: self.bidders.clone(),
            bidder: bidder.to_string(),
        })
    }

    /// A bidder whose part upload sent bytes that are not the part (more than its length, or
    /// bytes that do not hash to its digest) is misbehaving — the bidder's own tool computed
    /// both — and is refused part uploads on this node for a cooldown that doubles with each
    /// strike (from [`STRIKE_SECS`] to [`STRIKE_MAX_SECS`]), on the server clock. A part that
    /// completes clears the strikes. So a flood of junk costs the node one part's bytes per
    /// cooldown, not a stream per allowed connection.
    pub fn strike(&self, bidder: &str) {
        let now = self.clock.now();
        let mut map = self.strikes.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_BUCKETS {
            map.retain(|_, (_, until)| *until > now);
        }
        let n = map.get(bidder).map_or(0, |s| s.0) + 1;
        let secs = (STRIKE_SECS << (n - 1).min(10)).min(STRIKE_MAX_SECS);
        map.insert(
            bidder.to_string(),
            (n, now + chrono::Duration::seconds(secs)),
        );
    }

    /// A part of `bidder`'s completed: its strikes are forgiven.
    pub fn forgive(&self, bidder: &str) {
        let mut map = self.strikes.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(bidder);
    }

    fn check_strikes(&self, bidder: &str) -> Result<(), AppError> {
        let now = self.clock.now();
        let map = self.strikes.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(bidder) {
            Some((_, until)) if *until > now => {
                let wait = (*until - now).num_milliseconds().max(0) as u64;
                Err(AppError::retry_after(
                    ErrorCode::TooManyUploads,
                    "your part uploads sent bytes that were not the part declared in the \
                     manifest; wait before sending again",
                    wait.div_ceil(1000),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Part uploads in flight on this node (metrics, tests).
    pub fn uploads_in_flight(&self) -> usize {
        self.settings.max_part_uploads_per_node as usize - self.uploads.available_permits()
    }

    /// One more login challenge for `addr`, or 429 `rate_limited`.
    pub fn challenge(&self, addr: Option<IpAddr>) -> Result<(), AppError> {
        // Without a peer address (not on a TCP socket) all such callers share one bucket.
        let key = addr.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        self.challenges.take(key).map_err(|wait| {
            AppError::retry_after(
                ErrorCode::RateLimited,
                "too many login challenges from this address; retry later",
                wait,
            )
        })
    }
}

/// 429 `too_many_uploads`: the bidder has `max` part uploads in flight.
pub fn too_many_uploads(max: u32) -> AppError {
    AppError::retry_after(
        ErrorCode::TooManyUploads,
        format!("at most {max} part uploads of one bidder at a time"),
        1,
    )
}

/// Per-key token buckets: `rate` tokens a second, at most `burst` saved up.
struct TokenBuckets {
    clock: SharedClock,
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, DateTime<Utc>)>>,
}

/// Buckets kept before full ones are pruned (a full bucket is the same as none).
const MAX_BUCKETS: usize = 10_000;

impl TokenBuckets {
    fn new(clock: SharedClock, rate: f64, burst: u32) -> TokenBuckets {
        TokenBuckets {
            clock,
            rate,
            burst: f64::from(burst),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn level(&self, tokens: f64, since: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
        let secs = (now - since).num_milliseconds().max(0) as f64 / 1000.0;
        (tokens + secs * self.rate).min(self.burst)
    }

    /// Take a token for `key`, or say how many seconds until one is there.
    fn take(&self, key: IpAddr) -> Result<(), u64> {
        let now = self.clock.now();
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_BUCKETS {
            map.retain(|_, (t, at)| self.level(*t, *at, now) < self.burst);
        }
        let (tokens, at) = map.get(&key).copied().unwrap_or((self.burst, now));
        let level = self.level(tokens, at, now);
        if level >= 1.0 {
            map.insert(key, (level - 1.0, now));
            Ok(())
        } else {
            map.insert(key, (level, now));
            Err(((1.0 - level) / self.rate).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn buckets_refill_with_the_clock_and_keep_addresses_apart() {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let b = TokenBuckets::new(clock.clone(), 1.0, 3);
        let (a, other) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            b.take(a).unwrap();
        }
        assert_eq!(b.take(a), Err(1));
        b.take(other).unwrap();
        clock.advance(chrono::Duration::milliseconds(1500));
        b.take(a).unwrap();
        assert!(b.take(a).is_err());
        clock.advance(chrono::Duration::seconds(60));
        for _ in 0..3 {
            b.take(a).unwrap();
        }
        assert!(b.take(a).is_err(), "the burst is the most saved up");
    }

    #[test]
    fn the_node_cap_sheds_with_retry_after() {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let s = LimitSettings {
            max_part_uploads_per_node: 2,
            ..LimitSettings::default()
        };
        let l = Limits::new(s, clock);
        let one = l.upload_slot("a").unwrap();
        let _two = l.upload_slot("b").unwrap();
        let e = l.upload_slot("c").err().unwrap();
        assert_eq!(e.code, ErrorCode::ServerBusy);
        assert!(e.retry_after.is_some());
        drop(one);
        assert_eq!(l.uploads_in_flight(), 1);
        l.upload_slot("c").unwrap();
    }

    #[test]
    fn strikes_cool_down_on_the_clock_double_and_are_forgiven() {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let l = Limits::new(LimitSettings::default(), clock.clone());
        l.strike("a");
        let e = l.upload_slot("a").err().unwrap();
        assert_eq!(e.retry_after, Some(STRIKE_SECS as u64));
        l.upload_slot("b").unwrap();
        clock.advance(chrono::Duration::seconds(STRIKE_SECS));
        l.upload_slot("a").unwrap();
        l.strike("a");
        assert_eq!(
            l.upload_slot("a").err().unwrap().retry_after,
            Some(2 * STRIKE_SECS as u64)
        );
        for _ in 0..20 {
            l.strike("a");
        }
        assert_eq!(
            l.upload_slot("a").err().unwrap().retry_after,
            Some(STRIKE_MAX_SECS as u64)
        );
        l.forgive("a");
        l.upload_slot("a").unwrap();
    }

    #[test]
    fn a_bidder_at_its_limit_is_refused_in_memory() {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let s = LimitSettings {
            max_part_uploads_per_bidder: 2,
            ..LimitSettings::default()
        };
        let l = Limits::new(s, clock);
        let (one, _two) = (l.upload_slot("a").unwrap(), l.upload_slot("a").unwrap());
        let e = l.upload_slot("a").err().unwrap();
        assert_eq!(e.code, ErrorCode::TooManyUploads);
        l.upload_slot("b").unwrap();
        drop(one);
        l.upload_slot("a").unwrap();
    }

    #[test]
    fn defaults_have_no_problems_and_zeroes_are_named() {
        assert!(LimitSettings::default().problems().is_empty());
        let s = LimitSettings {
            max_part_uploads_per_bidder: 0,
            ..LimitSettings::default()
        };
        assert_eq!(s.problems()[0].0, "max_part_uploads_per_bidder");
    }
}
