//! A node starting with the sandbox clock says so in the audit log: time on this server is not
//! real, and nobody can switch that on unnoticed.

use super::*;
use crate::audit;
use crate::audit::ActorRef;
use crate::audit::Event;
use crate::audit::EventType;
use crate::clock::Clock;
use crate::config::Profile;
use serde_json::json;

/// Record that this node started with the sandbox clock (nothing when it runs real time).
/// Refused unless the settings are an explicit development start.
pub async fn record_start(ctx: &AppContext) -> AppResult<()> {
    let Some(s) = ctx.clock.sandbox() else {
        return Ok(());
    };
    if ctx.settings.profile != Profile::Development {
        return Err(AppError::new(
            ErrorCode::SandboxDisabled,
            "the sandbox clock needs an explicit development start",
        ));
    }
    let now = s.now();
    let body = json!({"sandbox_clock": true, "speed": ctx.settings.sandbox.speed,
        "profile": "development", "clock_now": now});
    ctx.db
        .write(move |c| {
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::SandboxClockStarted,
                    tender_id: None,
                    section_id: None,
                    actor: ActorRef::system(),
                    subject: "sandbox_clock".into(),
                    body,
                },
            )?;
            Ok(())
        })
        .await
}
