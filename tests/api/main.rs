//! The integration suite: one binary (fast to link), run against SQLite and PostgreSQL.

mod audit;
mod authz;
mod bids;
mod committee;
mod contract;
mod draws;
mod errors;
mod experts;
mod fixtures;
mod guards;
mod health;
mod helpers;
mod identity;
mod leaks;
mod limits;
mod migrations;
mod pages;
mod parties;
mod remedy;
mod secrets;
mod signatures;
mod smtp;
mod storage;
mod tenders;
mod uploads;
mod witness;
