//! Handlers, one module per resource, one function per verb.

pub mod audit;
pub mod auth;
pub mod bids;
pub mod health;
pub mod opening;
pub mod organisations;
pub mod people;
pub mod sandbox;
pub mod tenders;
