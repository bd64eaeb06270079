//! The caller's own records in the expert library and award-committee pools.

use super::*;
use crate::app::AppContext;

/// The caller's own records in the expert library and in award-committee pools.
pub async fn my_records(ctx: &AppContext, actor: &Actor) -> AppResult<Vec<Member>> {
    let me = actor.id.clone();
    let members = ctx
        .db
        .read(move |c| {
            let rows = repo::of_principal(c, &me)?;
            Ok(repo::members(c, rows)?)
        })
        .await?;
    members.into_iter().map(member_dto).collect()
}
