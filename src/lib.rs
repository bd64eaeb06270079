//! etender — an electronic public-resource tendering platform (电子招标投标交易平台).
//!
//! Layering (see `docs/ARCHITECTURE.md`): [`http`] extracts, authorises and calls one use-case in
//! [`app`]; use-cases own transactions and audit entries and call pure rules in [`domain`],
//! persistence in [`db`] (the only module that speaks diesel), [`crypto`] and [`audit`]. The
//! bidder-side tooling lives in [`client`] so tests drive the system the way real bidders do.

pub mod app;
pub mod audit;
pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod limits;
pub mod mail;
pub mod ocds;
pub mod pki;
pub mod registry;
pub mod seal;
pub mod secret;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod treasury;
pub mod wire;

#[cfg(test)]
mod architecture_tests;
pub mod worker;
