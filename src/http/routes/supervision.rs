//! Supervision (issue 15): the working-day calendar.

use actix_web::{get, web};

use crate::app::{supervision, AppContext};
use crate::wire::supervision::Calendar;

/// The holiday notices working days are counted by (工作日: complaints 条例61, penalty cases),
/// and warnings such as the coming year's notice missing.
#[utoipa::path(operation_id = "get_calendar", tag = "public", responses(
    (status = 200, body = Calendar),
))]
#[get("/api/v1/calendar")]
pub async fn calendar(ctx: web::Data<AppContext>) -> web::Json<Calendar> {
    web::Json(supervision::calendar(&ctx))
}
