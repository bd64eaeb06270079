//! The evaluation (docs/EVALUATION.md): opened bids, read by those the law allows; the
//! section's committee, its leader and its members' departures.

use actix_web::{get, post, web, HttpResponse};

use crate::app::evaluation;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::http::openapi::Binary;
use crate::wire::evaluation::*;

/// One part of an opened bid, decrypted as it streams (regulators; the evaluation committee
/// during the evaluation). Every read is recorded in the audit log (`bid_part_read`).
#[utoipa::path(operation_id = "read_opened_bid_part", tag = "evaluation",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("bid" = String, Path, description = "Bid id, as the opening record lists it"),
        ("index" = u32, Path, description = "Part index: 0 the summary, documents from 1"),
    ),
    responses(
        (status = 200, content_type = "application/octet-stream", body = inline(Binary),
            description = "The part's plaintext; cut short of its Content-Length if a chunk \
                fails to authenticate on the way",
            headers(
                ("x-content-sha256" = String,
                    description = "Hex SHA-256 of the plaintext checked at the opening \
                        (documents; absent for the summary)"),
                ("content-disposition" = String,
                    description = "`attachment; filename*=UTF-8''<file name>`"),
            )),
        (status = 403, description = "`forbidden`: regulators, and the committee's active \
            members while it evaluates, only"),
        (status = 404, description = "`not_found`: no such opened bid in the section, or no \
            such part"),
    ))]
#[get("/api/v1/tenders/{tender}/sections/{section}/bids/{bid}/parts/{index}/content")]
pub async fn read_bid_part(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String, u32)>,
) -> AppResult<HttpResponse> {
    let (tender, section, bid, index) = path.into_inner();
    let part = evaluation::read_bid_part(&ctx, &actor, &tender, &section, &bid, index).await?;
    let mut answer = HttpResponse::Ok();
    answer
        .content_type("application/octet-stream")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename*=UTF-8''{}",
                super::tenders::percent_encode(&part.name)
            ),
        ));
    if let Some(sha) = &part.sha256 {
        answer.insert_header(("x-content-sha256", sha.clone()));
    }
    Ok(answer.body(actix_web::body::SizedStream::new(part.len, part.stream)))
}

/// The tenderer or its agent forms the section's evaluation committee from the draw's
/// checked-in experts and the tenderer's representatives it names (招标投标法37: at least 5, an
/// odd number, experts at least two thirds).
#[utoipa::path(operation_id = "form_committee", tag = "evaluation",
    request_body = FormCommitteeRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = EvaluationCommittee),
    (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
        staff"),
    (status = 404, description = "`not_found`: no such tender, or not yours"),
    (status = 409, description = "`invalid_state_transition`: the tender is not evaluating, the \
        section's draw is not revealed, or not every drawn seat is checked in; `conflict`: the \
        section's committee is formed already"),
    (status = 422, description = "`committee_composition_invalid` (errors[].code: \
        committee_too_small, committee_size_even, committee_experts_below_two_thirds); \
        `validation_failed` (representatives[i]: not_tenderer_staff, duplicate, drawn_expert)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/committee")]
pub async fn form_committee(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<FormCommitteeRequest>,
) -> AppResult<web::Json<EvaluationCommittee>> {
    let (tender, section) = path.into_inner();
    let c = evaluation::form_committee(&ctx, &actor, &tender, &section, body.into_inner()).await?;
    Ok(web::Json(c))
}

/// The section's committee: members (experts and representatives), who is active, who left and
/// who replaced them, the leader and the votes (the tender's parties, members, regulators).
#[utoipa::path(operation_id = "get_committee", tag = "evaluation", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = EvaluationCommittee),
    (status = 404, description = "`not_found`: no committee for the section, or not yours to \
        see"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/committee")]
pub async fn get_committee(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<EvaluationCommittee>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        evaluation::committee(&ctx, &actor, &tender, &section).await?,
    ))
}

/// An active member votes for a leader (组长); it may change its vote until more than half of
/// the active members agree on one, who is then elected.
#[utoipa::path(operation_id = "vote_committee_leader", tag = "evaluation",
    request_body = LeaderVoteRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = EvaluationCommittee),
    (status = 403, description = "`forbidden`: only the committee's active members"),
    (status = 404, description = "`not_found`: no committee for the section"),
    (status = 409, description = "`invalid_state_transition`: the leader is elected already"),
    (status = 422, description = "`validation_failed` (member_id: not_an_active_member)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/committee/leader-votes")]
pub async fn vote_leader(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<LeaderVoteRequest>,
) -> AppResult<web::Json<EvaluationCommittee>> {
    let (tender, section) = path.into_inner();
    let c = evaluation::elect_leader(&ctx, &actor, &tender, &section, body.into_inner()).await?;
    Ok(web::Json(c))
}

/// A member leaves the committee (条例48: recusal, illness, leaving), by itself or named by the
/// tenderer or its agent; an expert's seat goes to the draw's next reserve of its specialty,
/// who joins when it checks in. A leader that leaves is re-elected.
#[utoipa::path(operation_id = "leave_committee", tag = "evaluation",
    request_body = LeaveRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("member" = String, Path, description = "Committee member id"),
    ),
    responses(
    (status = 200, body = EvaluationCommittee),
    (status = 403, description = "`forbidden`: neither the member nor the tender's party"),
    (status = 404, description = "`not_found`: no committee for the section, or no such member"),
    (status = 409, description = "`invalid_state_transition`: the member has left already"),
    (status = 422, description = "`validation_failed` (note)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/committee/members/{member}/leave")]
pub async fn leave_committee(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<LeaveRequest>,
) -> AppResult<web::Json<EvaluationCommittee>> {
    let (tender, section, member) = path.into_inner();
    let c =
        evaluation::leave_committee(&ctx, &actor, &tender, &section, &member, body.into_inner())
            .await?;
    Ok(web::Json(c))
}

/// The section's collusion signals (串标围标), computed when its opening record was published:
/// for the active members of its committee while it evaluates, and regulators. The platform
/// only flags; the committee decides (条例51(七)).
#[utoipa::path(operation_id = "collusion_signals", tag = "evaluation", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = crate::wire::collusion::CollusionSignals),
    (status = 403, description = "`forbidden`: only the section's committee while it evaluates, \
        and regulators"),
    (status = 404, description = "`not_found`: the section's opening record is not published \
        yet"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/collusion-signals")]
pub async fn collusion_signals(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<crate::wire::collusion::CollusionSignals>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        evaluation::collusion_signals(&ctx, &actor, &tender, &section).await?,
    ))
}
