//! Handlers, one module per resource, one function per verb.

pub mod audit;
pub mod auth;
pub mod health;
pub mod organisations;
pub mod people;
pub mod sandbox;
pub mod tenders;
