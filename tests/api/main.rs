//! The integration suite: one binary (fast to link), run against SQLite and PostgreSQL.

mod authz;
mod errors;
mod health;
mod helpers;
mod identity;
mod migrations;
