//! Where "now" comes from.
//!
//! Statutory deadlines are enforced by the server's clock, so every rule takes time from a
//! [`Clock`] and never calls `Utc::now()` itself. Production runs on [`SystemClock`]; tests drive
//! a [`ManualClock`]; the sandbox runs a [`SandboxClock`] whose offset and speed an administrator
//! can change so a whole tender plays out in minutes. [`TimeScale`] maps real time to the
//! accelerated time of a single sandbox tender.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, TimeZone, Utc};

/// A source of the current instant (UTC).
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Sandbox controls, when this clock supports them.
    fn sandbox(&self) -> Option<&SandboxClock> {
        None
    }
}

/// Shared handle used across the application.
pub type SharedClock = Arc<dyn Clock>;

/// The operating system's clock (NTP-disciplined in production).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to. Tests use it to stand a second before, at, or after a
/// deadline without sleeping.
#[derive(Debug)]
pub struct ManualClock {
    now: RwLock<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: RwLock::new(start),
        }
    }

    pub fn set(&self, t: DateTime<Utc>) {
        *self.now.write().unwrap_or_else(|p| p.into_inner()) = t;
    }

    pub fn advance(&self, d: Duration) {
        let mut g = self.now.write().unwrap_or_else(|p| p.into_inner());
        *g += d;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.read().unwrap_or_else(|p| p.into_inner())
    }
}

/// Mapping from real time to accelerated time:
/// `virtual = anchor_virtual + (real − anchor_real) × speed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeScale {
    pub anchor_real: DateTime<Utc>,
    pub anchor_virtual: DateTime<Utc>,
    /// Virtual seconds per real second; 1 is real time.
    pub speed: u32,
}

impl TimeScale {
    pub fn identity(at: DateTime<Utc>) -> Self {
        TimeScale {
            anchor_real: at,
            anchor_virtual: at,
            speed: 1,
        }
    }

    /// Virtual time at real instant `real`.
    pub fn apply(&self, real: DateTime<Utc>) -> DateTime<Utc> {
        let elapsed_ms = (real - self.anchor_real).num_milliseconds();
        let scaled = elapsed_ms.saturating_mul(i64::from(self.speed));
        self.anchor_virtual + Duration::milliseconds(scaled)
    }

    /// Re-anchor at `real` keeping continuity, with a new speed and an optional jump.
    pub fn rebased(&self, real: DateTime<Utc>, speed: u32, jump: Duration) -> Self {
        TimeScale {
            anchor_real: real,
            anchor_virtual: self.apply(real) + jump,
            speed: speed.max(1),
        }
    }
}

/// The sandbox clock: real time shifted and accelerated, adjustable at run time.
///
/// Time never runs backwards through it: a `set` into the past is refused, because deadlines
/// already enforced must stay enforced.
#[derive(Debug)]
pub struct SandboxClock {
    base: Arc<dyn Clock>,
    scale: RwLock<TimeScale>,
}

impl std::fmt::Debug for dyn Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

impl SandboxClock {
    pub fn new(base: Arc<dyn Clock>, speed: u32) -> Self {
        let now = base.now();
        SandboxClock {
            base,
            scale: RwLock::new(TimeScale {
                anchor_real: now,
                anchor_virtual: now,
                speed: speed.max(1),
            }),
        }
    }

    pub fn scale(&self) -> TimeScale {
        *self.scale.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Jump forward by `by` (must be non-negative) and/or change the speed.
    pub fn adjust(&self, by: Duration, speed: Option<u32>) -> Result<TimeScale, &'static str> {
        if by < Duration::zero() {
            return Err("the sandbox clock only moves forward");
        }
        let real = self.base.now();
        let mut g = self.scale.write().unwrap_or_else(|p| p.into_inner());
        let next = g.rebased(real, speed.unwrap_or(g.speed), by);
        *g = next;
        Ok(next)
    }

    /// Jump to an absolute virtual instant (not earlier than now).
    pub fn set(&self, to: DateTime<Utc>) -> Result<TimeScale, &'static str> {
        let now = self.now();
        if to < now {
            return Err("the sandbox clock only moves forward");
        }
        self.adjust(to - now, None)
    }
}

impl Clock for SandboxClock {
    fn now(&self) -> DateTime<Utc> {
        self.scale().apply(self.base.now())
    }

    fn sandbox(&self) -> Option<&SandboxClock> {
        Some(self)
    }
}

/// Display zone for people (Asia/Shanghai by default); storage and the API stay in UTC.
pub fn to_local(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    tz.from_utc_datetime(&t.naive_utc())
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(t("2026-01-01T00:00:00Z"));
        assert_eq!(c.now(), t("2026-01-01T00:00:00Z"));
        c.advance(Duration::seconds(1));
        assert_eq!(c.now(), t("2026-01-01T00:00:01Z"));
    }

    #[test]
    fn sandbox_accelerates_and_never_goes_back() {
        let base = Arc::new(ManualClock::new(t("2026-01-01T00:00:00Z")));
        let s = SandboxClock::new(base.clone(), 3600);
        base.advance(Duration::seconds(10));
        assert_eq!(s.now(), t("2026-01-01T10:00:00Z"));
        s.adjust(Duration::days(1), Some(1)).unwrap();
        assert_eq!(s.now(), t("2026-01-02T10:00:00Z"));
        base.advance(Duration::seconds(10));
        assert_eq!(s.now(), t("2026-01-02T10:00:10Z"));
        assert!(s.set(t("2026-01-01T00:00:00Z")).is_err());
        assert!(s.adjust(Duration::seconds(-1), None).is_err());
    }

    #[test]
    fn local_display_is_shanghai() {
        let s = to_local(t("2026-01-01T00:00:00Z"), chrono_tz::Asia::Shanghai);
        assert_eq!(s, "2026-01-01 08:00:00 CST");
    }
}
