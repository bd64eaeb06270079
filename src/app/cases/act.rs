//! An officer's act on a case (`POST /api/v1/cases/{id}/acts`): one body names the act, and
//! each act is its own verb in this stage.

use super::*;
use crate::app::AppContext;
use crate::domain::authz::Permission;
use crate::wire::cases::CaseAct;

/// Take `act` on case `id` as an officer of its department.
pub async fn act(ctx: &AppContext, actor: &Actor, id: &str, act: CaseAct) -> AppResult<Case> {
    actor.require(Permission::HandleCases)?;
    match act {
        CaseAct::Register => register(ctx, actor, id).await,
        CaseAct::Decline { reason } => exit(ctx, actor, id, Exit::Decline { reason }).await,
        CaseAct::ConfirmEvidence { evidence } => confirm_evidence(ctx, actor, id, &evidence).await,
        CaseAct::Review {
            opinion,
            legal_review,
        } => review(ctx, actor, id, &opinion, legal_review).await,
        CaseAct::Notify {
            facts,
            legal_basis,
            penalties,
        } => notify(ctx, actor, id, &facts, &legal_basis, penalties).await,
        CaseAct::ScheduleHearing { at, place, chair } => {
            schedule_hearing(ctx, actor, id, at, &place, &chair).await
        }
        CaseAct::HoldHearing { attended, record } => {
            hold_hearing(ctx, actor, id, attended, &record).await
        }
        CaseAct::Extend { days, reason } => extend(ctx, actor, id, days, &reason).await,
        CaseAct::Decide(req) => decide(ctx, actor, id, req).await,
        CaseAct::Serve { method } => serve(ctx, actor, id, &method).await,
        CaseAct::Execute { record } => execute(ctx, actor, id, &record).await,
        CaseAct::Close => close(ctx, actor, id).await,
        CaseAct::Withdraw { reason } => exit(ctx, actor, id, Exit::Withdraw { reason }).await,
        CaseAct::NoPenalty { reason } => exit(ctx, actor, id, Exit::NoPenalty { reason }).await,
        CaseAct::Transfer { to, reason } => {
            exit(ctx, actor, id, Exit::Transfer { to, reason }).await
        }
    }
}
