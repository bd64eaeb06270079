//! The integration suite: one binary (fast to link), run against SQLite and PostgreSQL.

mod audit;
mod authz;
mod bids;
mod contract;
mod errors;
mod fixtures;
mod health;
mod helpers;
mod identity;
mod limits;
mod migrations;
mod pages;
mod secrets;
mod smtp;
mod storage;
mod tenders;
mod uploads;
