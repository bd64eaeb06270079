//! Who downloaded the documents: the tender's parties only (办法 第21条). One query, the
//! organisations' names joined in.

use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::db::types::from_db;
use crate::error::AppResult;
use crate::wire::tenders::*;

pub async fn list_downloads(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Vec<Download>> {
    let (id, actor) = (id.to_string(), actor.clone());
    ctx.db
        .read_primary(move |c| {
            load_as_party(c, &actor, &id)?;
            let mut out = Vec::new();
            for (d, name) in repo::downloads(c, &id)? {
                out.push(Download {
                    document_id: d.document_id,
                    // A vanished organisation shows as an empty name, as before the join.
                    organisation: d.organisation_id.as_ref().map(|_| name.unwrap_or_default()),
                    anonymous: d.principal_id.is_none(),
                    downloaded_at: from_db(d.downloaded_at),
                });
            }
            Ok(out)
        })
        .await
}
