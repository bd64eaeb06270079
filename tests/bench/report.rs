//! Result lines and timing helpers.

use std::io::Write;
use std::time::{Duration, Instant};

pub struct Report {
    file: std::fs::File,
    count: usize,
}

impl Report {
    pub fn open() -> Report {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
        std::fs::create_dir_all(&dir).expect("create target/bench");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("results.jsonl"))
            .expect("open results.jsonl");
        Report { file, count: 0 }
    }

    /// Append one figure beside its limit.
    pub fn record(
        &mut self,
        name: &str,
        value: f64,
        unit: &str,
        limit_name: &str,
        limit_value: f64,
    ) {
        let ratio = if limit_value > 0.0 {
            value / limit_value
        } else {
            0.0
        };
        let ratio_4dp = (ratio * 10_000.0).round() / 10_000.0;
        let line = serde_json::json!({
            "name": name, "value": round(value), "unit": unit,
            "limit_name": limit_name, "limit_value": round(limit_value), "ratio": ratio_4dp,
        });
        writeln!(self.file, "{line}").expect("write result");
        println!(
            "{name:<48} {:>14.1} {unit:<10} limit {limit_name} {:>14.1}  ratio {ratio:.3}",
            value, limit_value
        );
        self.count += 1;
    }

    pub fn finish(self) {
        println!(
            "{} figures appended to target/bench/results.jsonl",
            self.count
        );
    }
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Run `f` repeatedly for about `budget` and return operations per second.
pub fn rate(budget: Duration, mut f: impl FnMut()) -> f64 {
    // Warm up caches and lazy initialisation.
    for _ in 0..3 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        f();
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}
