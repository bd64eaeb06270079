//! Pure rules: no actix, no diesel, no I/O. Everything here is testable with plain values.

pub mod authz;
pub mod identity;
pub mod money;
pub mod uscc;
