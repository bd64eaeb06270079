//! The sandbox clock's state, for administrators.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::clock::Clock;
use crate::domain::authz::Permission;
use crate::error::AppResult;
use crate::wire::sandbox::*;

pub async fn clock_state(ctx: &AppContext, actor: &Actor) -> AppResult<SandboxClockState> {
    actor.require(Permission::AdjustSandboxClock)?;
    let s = sandbox(ctx)?;
    Ok(SandboxClockState {
        now: s.now(),
        speed: s.scale().speed,
    })
}
