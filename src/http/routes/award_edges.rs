//! The award committee's edges (docs/AWARD.md §4): a member leaving the formed committee before
//! the deciding, and an appointed seat filled again.

use actix_web::{post, web};

use crate::app::award;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::wire::award_committee::*;

/// The tenderer or its agent records that a member of the formed award committee leaves before
/// the deciding starts; a drawn seat calls the award draw's next reserve, an appointed seat
/// waits for `appoint_award_replacement`; the roster is witnessed again.
#[utoipa::path(operation_id = "award_member_leaves", tag = "award",
    request_body = AwardMemberLeaves, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("person" = String, Path, description = "The member's person id"),
    ),
    responses(
    (status = 200, body = AwardCommittee),
    (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
        staff"),
    (status = 404, description = "`not_found`: no such tender, or not yours; no such member"),
    (status = 409, description = "`award_deciding_started`: the 定标会议 is convened (the \
        member's ballots are recorded as missing); `award_stage`; \
        `invalid_state_transition`: no committee formed, or the member left already"),
    (status = 422, description = "`validation_failed` (note: length; chair: required, \
        not_a_member, not_allowed)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/committee/members/{person}/leave")]
pub async fn award_member_leaves(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<AwardMemberLeaves>,
) -> AppResult<web::Json<AwardCommittee>> {
    let (tender, section, person) = path.into_inner();
    let req = body.into_inner();
    Ok(web::Json(
        award::member_leaves(&ctx, &actor, &tender, &section, &person, req).await?,
    ))
}

/// The tenderer or its agent appoints a member of its pool to the appointed seat a member left;
/// the roster is witnessed again before the committee decides.
#[utoipa::path(operation_id = "appoint_award_replacement", tag = "award",
    request_body = AppointReplacement, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = AwardCommittee),
    (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
        staff"),
    (status = 404, description = "`not_found`: no such tender, or not yours"),
    (status = 409, description = "`award_deciding_started`; `award_stage`; \
        `invalid_state_transition`: no committee formed, or no appointed seat is empty"),
    (status = 422, description = "`evaluator_on_award_committee`: on the section's evaluation \
        committee; `validation_failed` (person: sat_already, not_in_pool, no_statement, \
        conflict_declared)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/committee/members")]
pub async fn appoint_award_replacement(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<AppointReplacement>,
) -> AppResult<web::Json<AwardCommittee>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        award::appoint_replacement(&ctx, &actor, &tender, &section, body.into_inner()).await?,
    ))
}
