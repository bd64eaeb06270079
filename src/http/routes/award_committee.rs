//! The start of 评定分离 (docs/AWARD.md §3): the 清标 report, members' statements, forming and
//! witnessing the award committee, and what it sees.

use actix_web::{get, post, web};

use super::tenders::SignatureDto;
use crate::app::award;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::wire::award_committee::*;

fn signed(
    chain: Vec<String>,
    signature: String,
    alg: String,
) -> AppResult<crate::app::support::signing::Signed> {
    SignatureDto {
        certificate_chain: chain,
        signature,
        signature_algorithm: alg,
    }
    .into_signature()
}

/// The tenderer or its entrusted agent files the signed 清标 report of a section whose award
/// is at `clearing` (per candidate, findings in words; nothing scored); the award moves on to
/// forming its committee.
#[utoipa::path(operation_id = "file_clearing", tag = "award", request_body = FileClearingRequest,
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = Clearing),
    (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
        staff; `certificate_subject_mismatch`: not the filer's organisation certificate"),
    (status = 404, description = "`not_found`: no such tender, or not yours; the section is not \
        in the award"),
    (status = 409, description = "`award_stage`: the section's award is not at `clearing`; \
        `invalid_state_transition`: the tender is not in the award"),
    (status = 422, description = "`validation_failed` (report.candidates: not_the_candidates; \
        report.candidates[i].findings: too_many; report.candidates[i].findings[j].text, \
        report.summary: invalid); `statement_signature_invalid`"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/clearing")]
pub async fn file_clearing(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<FileClearingRequest>,
) -> AppResult<web::Json<Clearing>> {
    let (tender, section) = path.into_inner();
    let r = body.into_inner();
    let s = signed(r.certificate_chain, r.signature, r.signature_algorithm)?;
    Ok(web::Json(
        award::file_clearing(&ctx, &actor, &tender, &section, r.report, s).await?,
    ))
}

/// A member of the tenderer's award pool signs its statement (承诺书: no conflict of interest,
/// confidentiality) for the section's award round while the committee is formed, so that it
/// may be appointed.
#[utoipa::path(operation_id = "sign_award_statement", tag = "award",
    request_body = AwardStatementRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = AwardStatement),
    (status = 403, description = "`forbidden`: not a member in good standing of the tenderer's \
        award pool; `certificate_subject_mismatch`: not your own certificate"),
    (status = 404, description = "`not_found`: no such tender; the section is not in the award"),
    (status = 409, description = "`award_stage`: the award is not at `committee`; `conflict`: \
        signed already for this round; `invalid_state_transition`: the tender is not in the \
        award"),
    (status = 422, description = "`validation_failed` (conflict.party, conflict.reason); \
        `statement_signature_invalid`"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/statements")]
pub async fn sign_statement(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<AwardStatementRequest>,
) -> AppResult<web::Json<AwardStatement>> {
    let (tender, section) = path.into_inner();
    let r = body.into_inner();
    let s = signed(r.certificate_chain, r.signature, r.signature_algorithm)?;
    Ok(web::Json(
        award::sign_statement(&ctx, &actor, &tender, &section, r.conflict, s).await?,
    ))
}

/// The tenderer or its agent forms the award committee of the section's award round: the award
/// draw's checked-in members and the pool members it appoints, one of them the chair; an odd
/// number, at least 5, as the tender composes it.
#[utoipa::path(operation_id = "form_award_committee", tag = "award",
    request_body = FormAwardCommitteeRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = AwardCommittee),
    (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
        staff"),
    (status = 404, description = "`not_found`: no such tender, or not yours; the section is not \
        in the award"),
    (status = 409, description = "`award_stage`: the award is not at `committee`; \
        `invalid_state_transition`: the drawn members are not drawn and checked in, or the \
        tender is not in the award; `conflict`: formed already"),
    (status = 422, description = "`committee_composition_invalid` (errors[].code: \
        award_committee_too_small, award_committee_size_even, award_committee_size_mismatch, \
        award_committee_mix_mismatch); `evaluator_on_award_committee` (appointed[i]: evaluator); \
        `validation_failed` (appointed[i]: duplicate, drawn_member, not_in_pool, no_statement, \
        conflict_declared; chair: not_a_member)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/committee")]
pub async fn form_committee(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<FormAwardCommitteeRequest>,
) -> AppResult<web::Json<AwardCommittee>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        award::form_committee(&ctx, &actor, &tender, &section, body.into_inner()).await?,
    ))
}

/// A supervising regulator witnesses the formed award committee by signing its roster; the
/// award moves on to the committee's decision.
#[utoipa::path(operation_id = "witness_award_committee", tag = "award",
    request_body = WitnessCommitteeRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = AwardCommittee),
    (status = 403, description = "`forbidden`: regulators only"),
    (status = 404, description = "`not_found`: no such tender; the section is not in the award"),
    (status = 409, description = "`award_stage`: the award is not at `committee`; \
        `invalid_state_transition`: no committee formed yet, a seat a member left is not filled \
        again yet, or the tender is not in the award"),
    (status = 422, description = "`statement_signature_invalid`"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/committee/witness")]
pub async fn witness_committee(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<WitnessCommitteeRequest>,
) -> AppResult<web::Json<AwardCommittee>> {
    let (tender, section) = path.into_inner();
    let r = body.into_inner();
    let s = signed(r.certificate_chain, r.signature, r.signature_algorithm)?;
    Ok(web::Json(
        award::witness_committee(&ctx, &actor, &tender, &section, s).await?,
    ))
}

/// The section's award committee of its current award round (the tender's parties, regulators
/// and the committee's members; nobody else until the award is published).
#[utoipa::path(operation_id = "get_award_committee", tag = "award", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = AwardCommittee),
    (status = 404, description = "`not_found`: no committee, or not yours to see"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/award/committee")]
pub async fn get_committee(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<AwardCommittee>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        award::committee(&ctx, &actor, &tender, &section).await?,
    ))
}

/// What the award committee decides from: the 评标报告 and its dissents, the 清标 report, each
/// candidate's price, performance ratings and credit record, the 定标要素 and 择优/比劣 criteria
/// (the committee's members while it decides, the tender's parties, regulators).
#[utoipa::path(operation_id = "get_award_dossier", tag = "award", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = Dossier),
    (status = 404, description = "`not_found`: the section is not in the award, or not yours \
        to see"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/award/dossier")]
pub async fn get_dossier(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Dossier>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        award::dossier(&ctx, &actor, &tender, &section).await?,
    ))
}
