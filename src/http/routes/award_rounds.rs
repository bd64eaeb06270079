//! The award's deciding (定标, docs/AWARD.md §3): convening it, the members' signed ballots,
//! opinions and the chair's decision, the steps (ballots only once a step is closed), and the
//! 定标报告 with its signatures.

use actix_web::{get, post, web};

use crate::app::award;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::wire::award_rounds::{
    AwardReport, AwardReportSignatureRequest, AwardSteps, CastReceipt, CastRequest,
};

/// The tenderer (or its agent) convenes the 定标会议 once the award committee is formed: the
/// first step the method asks for opens (or 价格竞争 decides at once).
#[utoipa::path(operation_id = "start_award_deciding", tag = "award", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = AwardSteps),
    (status = 403, description = "`forbidden`: not a party running the tender"),
    (status = 404, description = "`not_found`: no such tender, or the section is not in the \
        award"),
    (status = 409, description = "`award_stage`: the section is not deciding; `conflict`: the \
        deciding has begun; `invalid_state_transition`: no committee, or a traditional award; \
        `bid_validity_ended`: no candidate's bid is still valid (投标有效期)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/deciding")]
pub async fn start_award_deciding(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<AwardSteps>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        award::start_deciding(&ctx, &actor, &tender, &section).await?,
    ))
}

/// The deciding so far: every step, how many have cast while it is open (nothing more, for
/// anyone), its signed casts, tally and lot order once closed. For the tender's parties, the
/// supervising regulators and the committee's members.
#[utoipa::path(operation_id = "get_award_steps", tag = "award", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = AwardSteps),
    (status = 404, description = "`not_found`: no deciding here, or the caller may not see it"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/award/steps")]
pub async fn get_award_steps(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<AwardSteps>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        award::award_steps(&ctx, &actor, &tender, &section).await?,
    ))
}

/// A member casts its one secret ballot of a round, files its written opinion (集体议事), or
/// — the chair, once every opinion is in — decides; signed over `etender-award-ballot/v1`.
/// Answers with the commitment only.
#[utoipa::path(operation_id = "cast_award_ballot", tag = "award", security(("bearer" = [])),
    request_body = CastRequest,
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("step" = String, Path, description = "Award step id"),
    ),
    responses(
    (status = 200, body = CastReceipt),
    (status = 403, description = "`not_an_award_member`: not a member (or, for a decision, \
        not the chair); `certificate_subject_mismatch`"),
    (status = 404, description = "`not_found`: no such step, or the section is not in the \
        award"),
    (status = 409, description = "`round_closed`: the step is closed or its time is over; \
        `ballot_already_cast`; `invalid_state_transition`: opinions missing before the \
        decision"),
    (status = 422, description = "`not_a_candidate`; `validation_failed` (cast.kind: \
        not_this_step; cast.reason: required, too_long); `statement_signature_invalid`"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/steps/{step}/casts")]
pub async fn cast_award_ballot(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<CastRequest>,
) -> AppResult<web::Json<CastReceipt>> {
    let (tender, section, step) = path.into_inner();
    let req = body.into_inner();
    let signed = super::tenders::SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    Ok(web::Json(
        award::cast(&ctx, &actor, &tender, &section, &step, req.cast, signed).await?,
    ))
}

/// The 定标报告 of the section's award round, with its signatures so far.
#[utoipa::path(operation_id = "get_award_report", tag = "award", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = AwardReport),
    (status = 404, description = "`not_found`: no report yet, or the caller may not see it"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/award/report")]
pub async fn get_award_report(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<AwardReport>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        award::award_report(&ctx, &actor, &tender, &section).await?,
    ))
}

/// A member (the chair among them) signs the 定标报告 over its digest, once; when all have,
/// the section goes to publicity.
#[utoipa::path(operation_id = "sign_award_report", tag = "award", security(("bearer" = [])),
    request_body = AwardReportSignatureRequest,
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = AwardReport),
    (status = 403, description = "`not_an_award_member`; `certificate_subject_mismatch`"),
    (status = 404, description = "`not_found`: no report"),
    (status = 409, description = "`conflict`: signed already, or not the report's digest; \
        `invalid_state_transition`: every member has signed; `deadline_passed`: the signing \
        time is over (the silent are deemed to agree)"),
    (status = 422, description = "`validation_failed` (digest), \
        `statement_signature_invalid`"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/report/signatures")]
pub async fn sign_award_report(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<AwardReportSignatureRequest>,
) -> AppResult<web::Json<AwardReport>> {
    let (tender, section) = path.into_inner();
    let req = body.into_inner();
    let signed = super::tenders::SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    Ok(web::Json(
        award::sign_award_report_with(
            &ctx,
            &actor,
            &tender,
            &section,
            &req.digest,
            req.dissent,
            signed,
        )
        .await?,
    ))
}
