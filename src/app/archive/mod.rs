//! The tender's archive (电子招标投标办法 第40条, docs/ARCHIVE.md): the whole file of a tender —
//! its documents, the bids as opened, the notices and the audited records of every step — as
//! one tar file whose manifest ties each file to the audit entry that recorded it, verifiable
//! offline (`etender archive verify`, `audit::archive`).

mod export;

pub use export::*;
