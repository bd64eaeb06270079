//! A tender's documents: published ones for everyone, pending ones for its parties.

use super::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::error::AppResult;
use crate::wire::tenders::*;

pub async fn list_documents(
    ctx: &AppContext,
    actor: Option<&Actor>,
    id: &str,
) -> AppResult<Vec<Document>> {
    let (id, actor) = (id.to_string(), actor.cloned());
    ctx.db
        .read_primary(move |c| {
            let (_row, party) = load_visible(c, actor.as_ref(), &id)?;
            Ok(repo::documents(c, &id)?
                .into_iter()
                .filter(|d| party || d.published_version.is_some())
                .map(document_view)
                .collect())
        })
        .await
}
