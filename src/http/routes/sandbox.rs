//! The sandbox clock (training servers only).

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::sandbox;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::wire::sandbox::SandboxClockState;

/// Read the sandbox clock (administrators).
#[utoipa::path(tag = "sandbox", security(("bearer" = [])), responses(
    (status = 200, body = SandboxClockState),
    (status = 403, description = "`forbidden`: administrators only"),
    (status = 409, description = "`sandbox_disabled`"),
))]
#[get("/api/v1/sandbox/clock")]
pub async fn get_clock(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<SandboxClockState>> {
    Ok(web::Json(sandbox::clock_state(&ctx, &actor).await?))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustClockRequest {
    /// Jump forward by this many seconds.
    pub advance_seconds: Option<i64>,
    /// Jump forward to this instant.
    pub set_to: Option<DateTime<Utc>>,
    /// New speed (virtual seconds per real second).
    pub speed: Option<u32>,
}

/// Move the sandbox clock forward (administrators; never backwards).
#[utoipa::path(tag = "sandbox",
    request_body = AdjustClockRequest, security(("bearer" = [])), responses(
    (status = 200, body = SandboxClockState),
    (status = 403, description = "`forbidden`: administrators only"),
    (status = 409, description = "`sandbox_disabled`; `conflict`: the clock never goes back"),
    (status = 422, description = "`validation_failed`: both `advance_seconds` and `set_to`, a \
        jump of more than 36500 days, or a speed out of range"),
))]
#[post("/api/v1/sandbox/clock")]
pub async fn adjust_clock(
    ctx: web::Data<AppContext>,
    actor: Actor,
    body: web::Json<AdjustClockRequest>,
) -> AppResult<web::Json<SandboxClockState>> {
    let b = body.into_inner();
    Ok(web::Json(
        sandbox::adjust_clock(&ctx, &actor, b.advance_seconds, b.set_to, b.speed).await?,
    ))
}
