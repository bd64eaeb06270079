//! The OCDS release package of one public tender (every release, oldest first).

use crate::app::support::json::*;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::error::AppError;
use crate::error::AppResult;
use crate::ocds;
use serde_json::Value;

/// The OCDS release package of one public tender (every release, oldest first).
pub async fn ocds_package(ctx: &AppContext, id: &str) -> AppResult<Value> {
    let id = id.to_string();
    let base = ctx
        .settings
        .http
        .public_url
        .trim_end_matches('/')
        .to_string();
    let publisher = ocds::OcdsPublisher {
        name: ctx.settings.tenders.publisher_name.clone(),
        scheme: None,
        uid: None,
        uri: Some(base.clone()),
    };
    let now = ctx.clock.now();
    ctx.db
        .read_primary(move |c| {
            let row = repo::find_tender(c, &id)?
                .filter(|r| r.version > 0)
                .ok_or_else(|| AppError::not_found("no such tender"))?;
            let releases: Vec<Value> = repo::releases(c, &row.id)?
                .iter()
                .map(|r| parse_json(&r.release, "release"))
                .collect::<AppResult<_>>()?;
            Ok(ocds::release_package(
                releases,
                &format!("{base}/api/v1/ocds/tenders/{}", row.id),
                now,
                &publisher,
            ))
        })
        .await
}
