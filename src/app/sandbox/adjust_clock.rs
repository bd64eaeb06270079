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

/// How far one adjustment may move the sandbox clock (about a century).
const MAX_JUMP_DAYS: i64 = 36_500;

/// Move the sandbox clock forward by `advance_seconds` and/or to `set_to`, optionally changing
/// speed.
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
    // Bounded so that instants stay four-digit-year RFC 3339 and arithmetic cannot overflow.
    let limit = before + Duration::days(MAX_JUMP_DAYS);
    let too_far = |field: &str| {
        AppError::field(
            field,
            "out_of_range",
            format!("the sandbox clock moves at most {MAX_JUMP_DAYS} days at once"),
        )
    };
    if advance_seconds.is_some_and(|secs| secs > MAX_JUMP_DAYS * 86_400) {
        return Err(too_far("advance_seconds"));
    }
    if set_to.is_some_and(|t| t > limit) {
        return Err(too_far("set_to"));
    }
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
