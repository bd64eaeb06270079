//! The exact notice text the tenderer or agent signs to publish or amend.

use super::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::error::AppResult;
use crate::wire::tenders::*;

pub async fn notice(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Notice> {
    let (id, actor) = (id.to_string(), actor.clone());
    ctx.db
        .read_primary(move |c| {
            let row = load_as_party(c, &actor, &id)?;
            notice_for(c, &row)
        })
        .await
}
