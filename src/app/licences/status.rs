//! The registry link as the operator and regulators see it: configured or not, the last
//! success and the last failure with its error, and how many fetches failed.

use crate::app::{Actor, AppContext};
use crate::db::repo::licences as repo;
use crate::db::types::from_db;
use crate::domain::authz::Permission;
use crate::domain::licence::FetchOutcome;
use crate::error::AppResult;
use crate::wire::licences::RegistryStatus;

pub async fn registry_status(ctx: &AppContext, actor: &Actor) -> AppResult<RegistryStatus> {
    actor.require(Permission::ListRegistry)?;
    let configured = ctx.registry.configured();
    let endpoint = ctx.settings.registry.endpoint.clone();
    ctx.db
        .read(move |c| {
            let ok = repo::latest_link(c, true)?;
            let failed = repo::latest_link(c, false)?;
            let (fetches, failures) = repo::counts(c)?;
            Ok(RegistryStatus {
                configured,
                endpoint,
                last_success_at: ok.map(|r| from_db(r.attempted_at)),
                last_failure_at: failed.as_ref().map(|r| from_db(r.attempted_at)),
                last_failure: failed
                    .as_ref()
                    .and_then(|r| FetchOutcome::parse(&r.outcome)),
                last_error: failed.and_then(|r| r.error),
                fetches: u64::try_from(fetches).unwrap_or(0),
                failures: u64::try_from(failures).unwrap_or(0),
            })
        })
        .await
}
