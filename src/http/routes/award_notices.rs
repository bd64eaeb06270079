//! The award's notices (docs/AWARD.md "Notices"): the drafts to sign, issuing them (signed), an
//! addressee's download, and the written report to the regulator with its 15-day limit.

use actix_web::{get, post, web};
use base64::Engine;

use super::tenders::{decode_chain, SignatureDto};
use crate::app::award::{self, NoticeSignatures};
use crate::app::{Actor, AppContext};
use crate::crypto::keys::SignatureAlgorithm;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award_notices::*;

/// The section's notices exactly as they would be issued now, each with its digest and the
/// bytes to sign (the tenderer and its agent).
#[utoipa::path(operation_id = "award_notice_drafts", tag = "award", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = NoticeDrafts),
    (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
        staff"),
    (status = 404, description = "`not_found`: no such tender (or not yours), or the section \
        is not in the award"),
    (status = 409, description = "`award_stage`: not at the result's publicity (评定分离) or not \
        awarded (traditional); `deadline_not_reached`: the publicity runs; \
        `objections_pending`: an objection is unanswered; `invalid_state_transition`: the \
        tender is not in the award"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/award/notices/draft")]
pub async fn notice_drafts(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<NoticeDrafts>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        award::notice_drafts(&ctx, &actor, &tender, &section).await?,
    ))
}

/// The tenderer (or its entrusted agent) issues the section's notices — the 中标通知书 to the
/// winner and the 中标结果通知书 to every other bidder — one signature per notice with its
/// organisation certificate. Publishes the result announcement and the OCDS award release,
/// mails every addressee, starts the written report's 15 days, and moves the section to
/// `notified`.
#[utoipa::path(operation_id = "issue_award_notices", tag = "award",
    request_body = IssueNoticesRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = IssuedNotices),
    (status = 403, description = "`forbidden`: not a party, or the certificate is neither the \
        tenderer's nor the entrusted agent's"),
    (status = 404, description = "`not_found`: no such tender (or not yours), or the section \
        is not in the award"),
    (status = 409, description = "`award_stage`: not at the result's publicity (评定分离) or not \
        awarded (traditional), or notified already; `deadline_not_reached`: the publicity \
        runs; `objections_pending`: an objection is unanswered; `conflict`: a signature for a \
        notice that is not the current draft's; `invalid_state_transition`: the tender is not \
        in the award; `bid_validity_ended`: the winner's bid lapsed (投标有效期)"),
    (status = 422, description = "`validation_failed` (signatures: count; digest; signature: \
        not_base64), `statement_signature_invalid`, `uscc_missing`, `uscc_invalid`"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/notices")]
pub async fn issue_notices(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<IssueNoticesRequest>,
) -> AppResult<web::Json<IssuedNotices>> {
    let (tender, section) = path.into_inner();
    let req = body.into_inner();
    let b64 = base64::engine::general_purpose::STANDARD;
    let signatures = req
        .signatures
        .into_iter()
        .map(|s| {
            let sig = b64.decode(s.signature.trim()).map_err(|_| {
                AppError::field("signature", "not_base64", "signature must be base64")
            })?;
            Ok((s.digest, sig))
        })
        .collect::<AppResult<_>>()?;
    let signed = NoticeSignatures {
        certificate_chain: decode_chain(&req.certificate_chain)?,
        signature_algorithm: SignatureAlgorithm::parse(&req.signature_algorithm).ok_or_else(
            || {
                AppError::new(
                    ErrorCode::SignatureAlgorithmUnsupported,
                    "unknown signature_algorithm",
                )
            },
        )?,
        signatures,
    };
    Ok(web::Json(
        award::issue_notices(&ctx, &actor, &tender, &section, signed).await?,
    ))
}

/// The section's issued notices: all of them for the tenderer, its agent and regulators; a
/// bidder's own for a bidder.
#[utoipa::path(operation_id = "list_award_notices", tag = "award", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = Vec<AwardNotice>),
    (status = 404, description = "`not_found`: no such tender, or no notice of the section \
        for you"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/award/notices")]
pub async fn notices(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Vec<AwardNotice>>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        award::notices(&ctx, &actor, &tender, &section).await?,
    ))
}

/// One issued notice — the signed document, its digest, the signature and the signer's
/// certificate — for its addressee, the tenderer, its agent and regulators.
#[utoipa::path(operation_id = "get_award_notice", tag = "award", security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("id" = String, Path, description = "Notice id"),
    ),
    responses(
    (status = 200, body = AwardNotice),
    (status = 404, description = "`not_found`: no such notice, or not one you may read"),
))]
#[get("/api/v1/tenders/{tender}/award/notices/{id}")]
pub async fn notice(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<AwardNotice>> {
    let (tender, id) = path.into_inner();
    Ok(web::Json(award::notice(&ctx, &actor, &tender, &id).await?))
}

/// The written report to the regulator (书面报告, 招标投标法47) of a notified section: the
/// document to sign, or the filed one, with its 15-day limit (parties and regulators).
#[utoipa::path(operation_id = "get_award_written_report", tag = "award",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = WrittenReport),
    (status = 404, description = "`not_found`: no such tender (or not yours), or the section \
        has no notices yet"),
    (status = 409, description = "`invalid_state_transition`: the tender is not in the award"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/award/written-report")]
pub async fn written_report(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<WrittenReport>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        award::written_report(&ctx, &actor, &tender, &section).await?,
    ))
}

/// The tenderer (or its entrusted agent) files the written report, signed over its digest.
/// Once; a late filing is recorded as late.
#[utoipa::path(operation_id = "file_award_written_report", tag = "award",
    request_body = FileWrittenReportRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = WrittenReport),
    (status = 403, description = "`forbidden`: not a party, or the certificate is neither the \
        tenderer's nor the entrusted agent's"),
    (status = 404, description = "`not_found`: no such tender (or not yours), or the section \
        has no notices yet"),
    (status = 409, description = "`invalid_state_transition`: filed already, or the tender is \
        not in the award; `conflict`: not the report's current digest"),
    (status = 422, description = "`validation_failed` (digest; signature: not_base64), \
        `statement_signature_invalid`, `uscc_missing`, `uscc_invalid`"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/written-report")]
pub async fn file_written_report(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<FileWrittenReportRequest>,
) -> AppResult<web::Json<WrittenReport>> {
    let (tender, section) = path.into_inner();
    let req = body.into_inner();
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    Ok(web::Json(
        award::file_written_report(&ctx, &actor, &tender, &section, &req.digest, signed).await?,
    ))
}

/// Every written report not filed within its 15 days, oldest due first (regulators).
#[utoipa::path(operation_id = "overdue_award_written_reports", tag = "award",
    security(("bearer" = [])),
    responses(
    (status = 200, body = Vec<OverdueWrittenReport>),
    (status = 403, description = "`forbidden`: regulators only"),
))]
#[get("/api/v1/award/written-reports/overdue")]
pub async fn overdue_written_reports(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<Vec<OverdueWrittenReport>>> {
    Ok(web::Json(
        award::overdue_written_reports(&ctx, &actor).await?,
    ))
}
