//! Re-confirm a bid after an amendment asked for it, with a signed statement.

use super::*;
use crate::app::support::signing::Signed;
use crate::app::Actor;
use crate::app::AppContext;
use crate::error::AppResult;
use crate::wire::bids::*;

pub async fn confirm(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    signed: Signed,
) -> AppResult<Receipt> {
    bid_statement(
        ctx,
        actor,
        tender,
        section,
        signed,
        BidStatement::Confirmation,
    )
    .await
}
