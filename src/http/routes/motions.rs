//! Rejection motions (否决投标 on judged grounds, 条例51, docs/EVALUATION.md §18): a member
//! proposes, every active member votes, a majority of the active members carries it.

use actix_web::{get, post, web};

use crate::app::evaluation;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::wire::clarifications::*;

/// An active member proposes to reject an opened bid on a judged statutory ground, with its
/// written grounds.
#[utoipa::path(operation_id = "propose_rejection", tag = "evaluation",
    request_body = ProposeMotionRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = RejectionMotion),
    (status = 403, description = "`forbidden`: only the committee's active members"),
    (status = 404, description = "`not_found`: no committee for the section, or no such \
        opened bid"),
    (status = 409, description = "`invalid_state_transition`: the committee is not evaluating; \
        `conflict`: the bid is rejected already, or a motion on it is open"),
    (status = 422, description = "`rejection_reason_required` (errors[]: reason \
        not_statutory | automatic, statement length)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/motions")]
pub async fn propose(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<ProposeMotionRequest>,
) -> AppResult<web::Json<RejectionMotion>> {
    let (tender, section) = path.into_inner();
    let m = evaluation::propose_motion(&ctx, &actor, &tender, &section, body.into_inner()).await?;
    Ok(web::Json(m))
}

/// The committee's motions with every vote (active members and regulators).
#[utoipa::path(operation_id = "list_rejection_motions", tag = "evaluation",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = RejectionMotions),
    (status = 404, description = "`not_found`: no committee for the section, or not yours to \
        see"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/motions")]
pub async fn list(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<RejectionMotions>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        evaluation::motions(&ctx, &actor, &tender, &section).await?,
    ))
}

/// An active member votes once on an open motion (a reason required against); the motion
/// closes when every active member has voted.
#[utoipa::path(operation_id = "vote_rejection", tag = "evaluation",
    request_body = MotionVoteRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("motion" = String, Path, description = "Motion id"),
    ),
    responses(
    (status = 200, body = RejectionMotion),
    (status = 403, description = "`forbidden`: only the committee's active members"),
    (status = 404, description = "`not_found`: no committee, or no such motion"),
    (status = 409, description = "`conflict`: you have voted already; \
        `invalid_state_transition`: the motion is closed, or the committee is not evaluating"),
    (status = 422, description = "`validation_failed` (reason: required against, length)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/motions/{motion}/votes")]
pub async fn vote(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<MotionVoteRequest>,
) -> AppResult<web::Json<RejectionMotion>> {
    let (tender, section, motion) = path.into_inner();
    let m = evaluation::vote_motion(&ctx, &actor, &tender, &section, &motion, body.into_inner())
        .await?;
    Ok(web::Json(m))
}
