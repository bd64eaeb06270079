//! The party's own submission on its case (`POST /api/v1/cases/{id}/party`): its statement and
//! defence, or its request for a hearing. Anyone but the party is told there is no such case.

use super::*;
use crate::app::AppContext;
use crate::wire::cases::PartyAct;

/// Submit `act` as the case's party.
pub async fn party_act(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    act: PartyAct,
) -> AppResult<Case> {
    match act {
        PartyAct::Defend { statement } => defend(ctx, actor, id, &statement).await,
        PartyAct::RequestHearing => request_hearing(ctx, actor, id).await,
    }
}
