//! The bidder abandons an open upload; its staged bytes are removed.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::db::types::to_db;
use crate::domain::bidding::UploadState;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;

pub async fn abandon_upload(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<()> {
    let (a, uid, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    let parts = ctx
        .db
        .write(move |c| {
            let mut u = own_upload(c, &a, &uid)?;
            if u.state()? != UploadState::Open {
                return Err(AppError::new(
                    ErrorCode::UploadClosed,
                    format!("the upload is {}", u.state),
                ));
            }
            u.set_state(UploadState::Abandoned);
            u.updated_at = to_db(now);
            repo::update_upload(c, &u)?;
            Ok(repo::upload_parts(c, &u.id)?.len() as u32)
        })
        .await?;
    ctx.storage.discard_upload(id, parts);
    ctx.uploads.forget(id);
    Ok(())
}
