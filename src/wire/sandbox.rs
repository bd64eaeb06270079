//! The sandbox clock as administrators see it.

use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SandboxClockState {
    pub now: DateTime<Utc>,
    pub speed: u32,
}
