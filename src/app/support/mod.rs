//! What several stages share: errors, JSON columns, loading and locking a tender, the one
//! publication step, the verifiable draw's commitment and lotteries, signed statements, remedy
//! custodians, opened part keys, keyset pagination and role grants.
//! Depends on nothing above it: support never imports a stage.

pub mod archive;
pub mod award;
pub mod award_committee;
pub mod award_publicity;
pub mod bans;
pub mod credit;
pub mod departments;
pub mod errors;
pub mod evaluation;
pub mod expert_standing;
pub mod json;
pub mod keys;
pub mod licences;
pub mod lifecycle;
pub mod lottery;
pub mod opened;
pub mod pages;
pub mod publicity;
pub mod refunds;
pub mod roles;
pub mod seats;
pub mod signing;
pub mod tender;
pub mod thread;
pub mod uploads;
pub mod validity;
