//! Inclusion proof of entry `index` in the tree of `tree_size` (default: the latest checkpoint).

use super::*;
use crate::app::support::errors::*;
use crate::app::AppContext;
use crate::db::repo::audit_log as repo;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::audit::*;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

/// Inclusion proof of entry `index` in the tree of `tree_size` (default: the latest checkpoint).
pub async fn inclusion(
    ctx: &AppContext,
    index: u64,
    tree_size: Option<u64>,
) -> AppResult<InclusionProof> {
    ctx.db
        .read_primary(move |c| {
            let signed = checkpoint_size(c)?;
            let size = tree_size.unwrap_or(signed);
            if size > signed {
                return Err(AppError::field(
                    "tree_size",
                    "beyond_checkpoint",
                    format!("tree_size {size} is beyond the latest checkpoint ({signed})"),
                ));
            }
            if index >= size {
                return Err(AppError::field(
                    "index",
                    "out_of_range",
                    format!("index {index} is not below tree_size {size}"),
                ));
            }
            let hashes = inclusion_in(c, index, size)?;
            let leaf_hash = repo::read_nodes(c, &[(0, index as i64)])
                .map_err(internal)?
                .first()
                .map(|n| B64.encode(&n.hash))
                .unwrap_or_default();
            Ok(InclusionProof {
                index,
                tree_size: size,
                leaf_hash,
                hashes: b64_all(&hashes),
            })
        })
        .await
}
