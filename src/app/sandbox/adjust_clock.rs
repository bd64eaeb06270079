//! Move the sandbox clock forward by `advance_seconds` and/or to `set_to`, optionally changing
//! speed.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event;
use crate::audit::EventType;
use crate::clock::Clock;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::sandbox::*;
use chrono::DateTime;
use chrono::Duration;
use chrono::Utc;
use serde_json::json;

/// Move the sandbox clock forward by `advance_seconds` and/or to `set_to`, optionally changing speed.
pub async fn adjust_clock(
    ctx: &AppContext,
    actor: &Actor,
    advance_seconds: Option<i64>,
    set_to: Option<DateTime<Utc>>,
    speed: Option<u32>,
) -> AppResult<SandboxClockState> {
    actor.require(Permission::AdjustSandboxClock)?;
    let s = sandbox(ctx)?;
    if let Some(sp) = speed {
        if sp == 0 || sp > 1_000_000 {
            return Err(AppError::field(
                "speed",
                "out_of_range",
                "speed must be between 1 and 1000000",
            ));
        }
    }
    let before = s.now();
    let result = match (advance_seconds, set_to) {
        (Some(_), Some(_)) => {
            return Err(AppError::field(
                "set_to",
                "exclusive",
                "give advance_seconds or set_to, not both",
            ))
        }
        (Some(secs), None) => s.adjust(Duration::seconds(secs), speed),
        (None, Some(t)) => s.set(t).and_then(|_| s.adjust(Duration::zero(), speed)),
        (None, None) => s.adjust(Duration::zero(), speed),
    };
    let scale = result.map_err(|why| AppError::new(ErrorCode::Conflict, why))?;
    let after = s.now();
    let by = actor.audit_as(Role::Administrator);
    ctx.db
        .write(move |c| {
            audit::record(
                c,
                after,
                Event {
                    event_type: EventType::SandboxClockAdjusted,
                    tender_id: None,
                    section_id: None,
                    actor: by.clone(),
                    subject: "sandbox_clock".into(),
                    body: json!({"from": before, "to": after, "speed": scale.speed}),
                },
            )
        })
        .await?;
    Ok(SandboxClockState {
        now: after,
        speed: scale.speed,
    })
}
