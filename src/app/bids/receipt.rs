//! A bid's receipt again, for its bidder.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::error::AppResult;
use crate::wire::bids::*;

pub async fn receipt(ctx: &AppContext, actor: &Actor, bid_id: &str) -> AppResult<Receipt> {
    receipt_for(ctx, actor, bid_id, ReceiptKind::Submission, None).await
}
