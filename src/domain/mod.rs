//! Pure rules: no actix, no diesel, no I/O. Everything here is testable with plain values.

pub mod artefacts;
pub mod authz;
pub mod award;
pub mod award_notices;
pub mod bidding;
pub mod calendar;
pub mod case;
pub mod collusion;
pub mod complaint;
pub mod contract;
pub mod draw;
pub mod evaluation;
pub mod experts;
pub mod identity;
pub mod inspection;
pub mod licence;
pub mod lifecycle;
pub mod money;
pub mod penalty;
pub mod refund;
pub mod schedule;
pub mod sheet;
pub mod signed;
pub mod tender;
pub mod thread;
pub mod uscc;
