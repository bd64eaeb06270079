//! Liveness, readiness and server time. (`/metrics` has its own listener: `http::metrics`.)

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppContext;
use crate::clock::to_local;
use crate::error::AppResult;

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// Liveness: the process is up and serving.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the database answers.
#[utoipa::path(tag = "operations", responses(
    (status = 200, body = Health),
    (status = 503, description = "`service_unavailable`: the database does not answer"),
))]
#[get("/readyz")]
pub async fn readyz(ctx: web::Data<AppContext>) -> AppResult<web::Json<Health>> {
    ctx.db.ping().await?;
    Ok(web::Json(Health {
        status: "ready".into(),
    }))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ServerTime {
    /// The server clock (UTC). Deadlines are judged by this clock.
    pub now: DateTime<Utc>,
    /// The same instant in the display time zone.
    pub local: String,
    pub timezone: String,
    pub sandbox: bool,
}

/// The server's clock, which decides every deadline.
#[utoipa::path(tag = "public", responses((status = 200, body = ServerTime)))]
#[get("/api/v1/time")]
pub async fn server_time(ctx: web::Data<AppContext>) -> web::Json<ServerTime> {
    let now = ctx.clock.now();
    let tz = ctx.settings.display_tz();
    web::Json(ServerTime {
        now,
        local: to_local(now, tz),
        timezone: tz.name().into(),
        sandbox: ctx.clock.sandbox().is_some(),
    })
}
