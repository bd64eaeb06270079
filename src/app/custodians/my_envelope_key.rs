//! The caller's registered envelope key.

use super::*;
use crate::app::support::errors::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::bids::*;

pub async fn my_envelope_key(ctx: &AppContext, actor: &Actor) -> AppResult<EnvelopeKey> {
    let id = actor.id.clone();
    ctx.db
        .read(move |c| repo::envelope_key(c, &id).map_err(internal))
        .await?
        .map(|r| envelope_key_dto(&r))
        .ok_or_else(|| AppError::not_found("no envelope key registered"))?
}
