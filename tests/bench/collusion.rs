//! Collusion signals (issue 13, docs/EVALUATION.md §9) for one section of 200 opened bids, each
//! with 20 documents (digest and metadata), a full device fingerprint, two upload addresses, a
//! bond account and a project manager, with a few planted matches so every signal kind has
//! work. The goal: all signals of the section in ≤ 2 s. Pure computation, so the figure is the
//! p99 over repeated rounds against that goal; the 2,000-bid figure beside it shows how it
//! scales.

use std::net::IpAddr;
use std::time::Instant;

use etender::domain::collusion::{signals, BidFacts, Device, DocumentMeta, Person, Settings};
use rust_decimal::Decimal;

use crate::report::Report;

const ROUNDS: usize = 50;

struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn hex(&mut self) -> String {
        format!(
            "{:016x}{:016x}{:016x}{:016x}",
            self.next(),
            self.next(),
            self.next(),
            self.next()
        )
    }
}

fn section(n: usize, seed: u64) -> Vec<BidFacts> {
    let mut r = Mix(seed);
    let mut bids: Vec<BidFacts> = (0..n)
        .map(|i| BidFacts {
            bid: format!("bid-{i:05}"),
            bidder: format!("bidder-{i:05}"),
            price: Some(Decimal::new(
                900_000_000 + (r.next() % 80_000_000) as i64,
                2,
            )),
            document_digests: (0..20).map(|_| r.hex()).collect(),
            documents: (0..20)
                .map(|k| DocumentMeta {
                    author: Some(format!("编制人{i}-{k}")),
                    creator: Some("WPS Office".into()),
                    created: Some(format!(
                        "2026-11-01T08:{:02}:{:02}+08:00",
                        r.next() % 60,
                        r.next() % 60
                    )),
                    modified: Some(format!(
                        "2026-12-01T{:02}:{:02}:{:02}+08:00",
                        r.next() % 24,
                        r.next() % 60,
                        r.next() % 60
                    )),
                    ..DocumentMeta::default()
                })
                .collect(),
            device: Some(Device {
                mac: Some(r.hex()),
                cpu: Some(r.hex()),
                disk: Some(r.hex()),
                board: Some(r.hex()),
                pricing_dongle: Some(r.hex()),
            }),
            upload_addresses: (0..2)
                .map(|_| IpAddr::from((r.next() as u32).to_be_bytes()))
                .collect(),
            bond_accounts: vec![format!("6222{:015}", r.next() % 1_000_000_000_000_000)],
            project_manager: Some(Person {
                name: format!("项目经理{i}"),
                id: Some(format!("鄂{:012}", r.next() % 1_000_000_000_000)),
            }),
        })
        .collect();
    // Planted: a machine, an account, a manager, a copied file and an arithmetic run.
    bids[2].device = bids[1].device.clone();
    bids[4].bond_accounts = bids[3].bond_accounts.clone();
    bids[6].project_manager = bids[5].project_manager.clone();
    bids[8].document_digests[7] = bids[7].document_digests[0].clone();
    for (k, i) in [10, 11, 12].into_iter().enumerate() {
        bids[i].price = Some(Decimal::new(880_000_000 + 5_000_000 * k as i64, 2));
    }
    bids
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

fn time(bids: &[BidFacts], rounds: usize) -> (Vec<f64>, usize) {
    let settings = Settings::default();
    let mut ms = Vec::with_capacity(rounds);
    let mut found = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let s = signals(bids, &settings);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        found = s.len();
    }
    (ms, found)
}

pub fn run(out: &mut Report) {
    let bids = section(200, 13);
    let _ = time(&bids, 3);
    let (mut ms, found) = time(&bids, ROUNDS);
    assert!(found >= 5, "the planted signals are found ({found})");
    let (p50, p99) = (percentile(&mut ms, 0.5), percentile(&mut ms, 0.99));
    let large = section(2_000, 14);
    let (mut big, _) = time(&large, 5);
    println!(
        "   (200 bids × 20 documents: {found} signals, p50 {p50:.2} ms; 2,000 bids: p50 {:.1} ms)",
        percentile(&mut big, 0.5)
    );
    out.record(
        "collusion.signals_200_bids.p99",
        p99,
        "ms",
        "goal_ms",
        2000.0,
    );
}
