//! Published versions with their signed notices, for anyone to check the signatures.

use crate::app::support::tender::*;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::db::types::from_db;
use crate::error::AppResult;
use crate::wire::tenders::*;

pub async fn versions(ctx: &AppContext, id: &str) -> AppResult<Vec<Version>> {
    let id = id.to_string();
    ctx.db
        .read_primary(move |c| {
            load_public(c, &id)?;
            repo::versions(c, &id)?
                .into_iter()
                .map(|v| {
                    Ok(Version {
                        version: v.version,
                        kind: v.kind()?,
                        notice: v.notice,
                        notice_sha256: v.notice_digest,
                        signature: v.signature,
                        signature_algorithm: v.signature_algorithm,
                        signer_id: v.signer_id,
                        signer_certificate_sha256: v.signer_fingerprint,
                        rationale: v.rationale,
                        published_at: from_db(v.published_at),
                    })
                })
                .collect::<AppResult<Vec<_>>>()
        })
        .await
}
