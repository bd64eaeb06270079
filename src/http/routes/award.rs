//! The award (定标, docs/AWARD.md): each section's award after the evaluation.

use actix_web::{get, web};

use crate::app::award;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::wire::award::SectionAward;

/// Where a section's award stands: its stage, candidates and (once decided) winner. The
/// tenderer, its agent and regulators from the start; the section's bidders from its publicity
/// on; nobody else.
#[utoipa::path(operation_id = "get_award", tag = "award", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = SectionAward),
    (status = 404, description = "`not_found`: no such tender, the section is not in the award, \
        or the caller may not see it yet"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/award")]
pub async fn get_award(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<SectionAward>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        award::award(&ctx, &actor, &tender, &section).await?,
    ))
}
