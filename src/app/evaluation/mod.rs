//! The evaluation (评标, issue 13): after the opening the section's bids are evaluated by its
//! committee. This stage starts with what everything else needs: opened bids readable by those
//! the law allows and by nobody else, every read in the audit log.

mod read_bid_part;

pub use read_bid_part::*;
