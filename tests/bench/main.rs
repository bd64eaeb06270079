//! `make bench`: every figure is measured next to the machine's own ceiling for the same work,
//! measured in the same run, and appended as one JSON line to `target/bench/results.jsonl`:
//! `{"name","value","unit","limit_name","limit_value","ratio"}`. Machines are noisy, so the ratio
//! is the number to compare across runs.

mod archive;
mod audit;
mod award;
mod bids;
mod collusion;
mod draws;
mod evaluation;
mod identity;
mod inspections;
mod pages;
mod report;
mod rush;
mod seal;
mod server;

fn main() {
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let run = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    let mut out = report::Report::open();
    if run("identity") {
        identity::run(&mut out);
    }
    if run("seal") {
        seal::run(&mut out);
    }
    if run("audit") {
        audit::run(&mut out);
    }
    if run("award") {
        award::run(&mut out);
    }
    if run("bids") {
        bids::run(&mut out);
    }
    if run("collusion") {
        collusion::run(&mut out);
    }
    if run("draws") {
        draws::run(&mut out);
    }
    if run("inspections") {
        inspections::run(&mut out);
    }
    if run("evaluation") {
        evaluation::run(&mut out);
    }
    if run("rush") {
        rush::run(&mut out);
    }
    if run("pages") {
        pages::run(&mut out);
    }
    if run("archive") {
        archive::run(&mut out);
    }
    out.finish();
}
