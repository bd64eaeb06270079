//! Remedy custodians (开标密钥保管人): each registers an X25519 envelope key, signed with its
//! personal certificate, to which every bidder's tool wraps the custodian's share of its bid's
//! remedy key (docs/SEALED-BIDS.md §6).

mod my_envelope_key;
mod register_envelope_key;

pub use crate::app::support::keys::parse_public_key;
use crate::db::repo::bids as repo;
use crate::db::types::from_db;
use crate::error::AppResult;
use crate::wire::bids::*;
pub use my_envelope_key::*;
pub use register_envelope_key::*;

fn envelope_key_dto(row: &repo::EnvelopeKeyRow) -> AppResult<EnvelopeKey> {
    Ok(EnvelopeKey {
        principal_id: row.principal_id.clone(),
        public_key: crate::app::support::keys::stored_public_key(&row.public_key)?,
        registered_at: from_db(row.registered_at),
    })
}
