//! Consistency proof between two tree sizes (both at most the latest checkpoint).

use super::*;
use crate::app::support::errors::*;
use crate::app::AppContext;
use crate::audit::bundle::ConsistencyProof;
use crate::audit::merkle;
use crate::audit::sequencer::DbNodeReader;
use crate::error::AppError;
use crate::error::AppResult;

/// Consistency proof between two tree sizes (both at most the latest checkpoint).
pub async fn consistency(
    ctx: &AppContext,
    old_size: u64,
    new_size: u64,
) -> AppResult<ConsistencyProof> {
    ctx.db
        .read_primary(move |c| {
            let signed = checkpoint_size(c)?;
            if new_size > signed {
                return Err(AppError::field(
                    "new_size",
                    "beyond_checkpoint",
                    format!("new_size {new_size} is beyond the latest checkpoint ({signed})"),
                ));
            }
            if old_size > new_size {
                return Err(AppError::field(
                    "old_size",
                    "out_of_range",
                    format!("old_size {old_size} is larger than new_size {new_size}"),
                ));
            }
            let hashes = merkle::consistency_proof(old_size, new_size, &DbNodeReader::new(c))
                .map_err(|e| internal(anyhow::anyhow!("consistency proof: {e}")))?;
            Ok(ConsistencyProof {
                old_size,
                new_size,
                hashes: b64_all(&hashes),
            })
        })
        .await
}
