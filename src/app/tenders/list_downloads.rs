//! Who downloaded the documents: the tender's parties only (办法 第21条).

use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as repo;
use crate::db::types::from_db;
use crate::error::AppResult;
use crate::wire::tenders::*;
use std::collections::BTreeMap;

pub async fn list_downloads(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Vec<Download>> {
    let (id, actor) = (id.to_string(), actor.clone());
    ctx.db
        .read_primary(move |c| {
            load_as_party(c, &actor, &id)?;
            let mut names = BTreeMap::new();
            let mut out = Vec::new();
            for d in repo::downloads(c, &id)? {
                let organisation = match &d.organisation_id {
                    Some(o) => {
                        if !names.contains_key(o) {
                            let n = idrepo::find_organisation(c, o)?
                                .map(|x| x.name)
                                .unwrap_or_default();
                            names.insert(o.clone(), n);
                        }
                        names.get(o).cloned()
                    }
                    None => None,
                };
                out.push(Download {
                    document_id: d.document_id,
                    organisation,
                    anonymous: d.principal_id.is_none(),
                    downloaded_at: from_db(d.downloaded_at),
                });
            }
            Ok(out)
        })
        .await
}
