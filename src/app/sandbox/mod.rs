//! The sandbox clock: administrators move accelerated time forward on a training server.

mod adjust_clock;
mod clock_state;
mod record_start;

use crate::app::AppContext;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
pub use adjust_clock::*;
pub use clock_state::*;
pub use record_start::*;

fn sandbox(ctx: &AppContext) -> AppResult<&crate::clock::SandboxClock> {
    ctx.clock.sandbox().ok_or_else(|| {
        AppError::new(
            ErrorCode::SandboxDisabled,
            "this server does not run a sandbox clock",
        )
    })
}
