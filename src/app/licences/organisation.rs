//! A regulator reads any organisation's cached licence record with its provenance (no fetch:
//! what the platform relied on is what is under supervision).

use crate::app::support::licences;
use crate::app::{Actor, AppContext};
use crate::domain::authz::Permission;
use crate::domain::uscc::Uscc;
use crate::error::{AppError, AppResult};
use crate::wire::licences::Licences;

pub async fn organisation_licences(
    ctx: &AppContext,
    actor: &Actor,
    uscc: &str,
) -> AppResult<Licences> {
    actor.require(Permission::SuperviseTenders)?;
    let uscc = Uscc::parse(uscc.trim())
        .map_err(|_| {
            AppError::field(
                "uscc",
                "uscc_invalid",
                "not a valid unified social credit code",
            )
        })?
        .as_str()
        .to_string();
    let now = ctx.clock.now();
    ctx.db.read(move |c| licences::view(c, &uscc, now)).await
}
