//! The layering rules of docs/ARCHITECTURE.md, checked on the source text so they stay true:
//! lifecycle stages under `app/` never import each other (what they share lives in
//! `app::support`, which imports no stage); infrastructure and rules never import `app`; the
//! wire types depend on neither `app` nor `http`. A `use` or a path anywhere in a file counts.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The stages: every folder under `src/app` except `support`.
fn stages() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(src().join("app"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n != "support")
        .collect();
    out.sort();
    out
}

/// `crate::app::NAME` paths named in `text` (in `use` lines and inline paths alike).
fn app_modules_named(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for (i, _) in code.match_indices("crate::app::") {
        let rest = &code[i + "crate::app::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        out.push(name);
    }
    // `super::super::` from a stage file would reach the app root and then a sibling stage.
    if code.contains("super::super::") {
        out.push("super::super".into());
    }
    out
}

fn violations() -> Vec<String> {
    let stages = stages();
    let mut bad = Vec::new();
    for stage in &stages {
        for file in rust_files(&src().join("app").join(stage)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for name in app_modules_named(&text) {
                if stages.contains(&name) && &name != stage || name == "super::super" {
                    bad.push(format!(
                        "{}: stage {stage} names app::{name}",
                        file.display()
                    ));
                }
            }
        }
    }
    for file in rust_files(&src().join("app").join("support")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for name in app_modules_named(&text) {
            if stages.contains(&name) {
                bad.push(format!(
                    "{}: support names stage app::{name}",
                    file.display()
                ));
            }
        }
    }
    for layer in [
        "audit", "storage", "mail", "registry", "treasury", "db", "domain", "crypto", "seal",
        "wire",
    ] {
        for file in rust_files(&src().join(layer)) {
            let text = std::fs::read_to_string(&file).unwrap();
            let code: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for upper in ["crate::app", "crate::http", "crate::worker"] {
                if code.contains(upper) {
                    bad.push(format!("{}: {layer} names {upper}", file.display()));
                }
            }
        }
    }
    bad
}

#[test]
fn stages_and_layers_import_only_downwards() {
    let bad = violations();
    assert!(bad.is_empty(), "layering violations:\n{}", bad.join("\n"));
}

#[test]
fn the_check_sees_a_stage_importing_another() {
    let names =
        app_modules_named("use crate::app::bids::submit;\nlet x = crate::app::opening::tick;");
    assert_eq!(names, vec!["bids".to_string(), "opening".to_string()]);
    assert!(app_modules_named("// crate::app::bids in a comment\n").is_empty());
    assert!(stages().contains(&"tenders".to_string()));
    assert!(!stages().contains(&"support".to_string()));
}

/// Ways to make an X25519 secret or split one (`seal`): only the bidder's and custodians' tools
/// (`client`, `demo`, the CLI) may use them. `RemedyBlock::recover` is not here: the server
/// recombines a bid's remedy key from released shares after the deadline, by design.
const KEY_MAKERS: [&str; 7] = [
    "BidSealer",
    "EnvelopeSecret::generate",
    "EnvelopeSecret::from_bytes",
    "StaticSecret",
    "make_block",
    "shamir::split",
    "generate_and_split",
];

/// Server code that names one of [`KEY_MAKERS`] (comments aside).
fn server_key_makers() -> Vec<String> {
    let server = [
        "app", "http", "worker", "db", "domain", "wire", "audit", "storage", "mail", "registry",
        "treasury",
    ];
    let mut bad = Vec::new();
    for dir in server {
        for file in rust_files(&src().join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for token in KEY_MAKERS.iter().filter(|t| line.contains(*t)) {
                    bad.push(format!("{}: {token}", file.display()));
                }
            }
        }
    }
    bad
}

/// Issue 11, finding 1: no key that opens bids is ever made in the server process (sealed-bid
/// format v2, docs/SEALED-BIDS.md §6). Publication records custodians' public keys only.
#[test]
fn the_server_never_makes_or_splits_a_key_that_opens_bids() {
    let bad = server_key_makers();
    assert!(
        bad.is_empty(),
        "server code making key material:\n{}",
        bad.join("\n")
    );
    // The scan sees what it looks for: the bidder's side does seal.
    let client = std::fs::read_to_string(src().join("client/bids.rs")).unwrap();
    assert!(client.contains("BidSealer"));
}
