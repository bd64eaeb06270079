//! An upload's state and each part's offset, so a client can resume.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::error::AppResult;
use crate::wire::bids::*;

pub async fn upload_status(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<UploadStatus> {
    let (actor, id) = (actor.clone(), id.to_string());
    ctx.db
        .read_primary(move |c| {
            let u = own_upload(c, &actor, &id)?;
            let parts = repo::upload_parts(c, &u.id)?;
            upload_view(&u, &parts)
        })
        .await
}
