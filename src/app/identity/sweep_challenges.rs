//! Delete login challenges that expired more than `limits.challenge_retention_secs` ago. Anyone
//! may ask for a challenge, so without this their rows would only grow; kept a while after
//! expiry so a late attempt still hears `challenge_expired` rather than `challenge_unknown`. Not
//! audited: a challenge is no state change of anyone's (see `issue_challenge`).

use crate::app::AppContext;
use crate::db::repo::uploads as repo;
use crate::db::types::to_db;
use crate::error::AppResult;
use chrono::Duration;

/// Delete the challenges that expired before now − retention; returns how many went.
pub async fn sweep_challenges(ctx: &AppContext) -> AppResult<usize> {
    let retention = Duration::seconds(ctx.settings.limits.challenge_retention_secs as i64);
    let before = to_db(ctx.clock.now() - retention);
    ctx.db
        .write(move |c| Ok(repo::delete_challenges_expired_before(c, before)?))
        .await
}
