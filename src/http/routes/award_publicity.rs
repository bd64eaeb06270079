//! The award's publicity (公示, 异议; docs/AWARD.md §6): the traditional candidates published,
//! bidders' signed objections and the tenderer's answers, the traditional award and a winner
//! dropping out, the 条例56 re-check, and the publicity record.

use actix_web::{get, post, web};

use crate::app::award;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::http::routes::tenders::SignatureDto;
use crate::wire::award::SectionAward;
use crate::wire::award_publicity::*;

/// The tenderer or its agent publishes a traditional section's ranked candidates for the
/// section's publicity days (条例54); late (more than 3 days after the report) is flagged.
#[utoipa::path(operation_id = "publish_award_candidates", tag = "award",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = SectionAward),
    (status = 403, description = "`forbidden`: not the tender's tenderer or agent"),
    (status = 404, description = "`not_found`: no such tender, or the section is not in the \
        award"),
    (status = 409, description = "`award_stage`: not a traditional section awaiting its \
        publicity; `invalid_state_transition`: the tender is not in the award"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/publicity")]
pub async fn publish_award_candidates(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<SectionAward>> {
    let (tender, section) = path.into_inner();
    let out = award::publish_candidates(&ctx, &actor, &tender, &section).await?;
    Ok(web::Json(out))
}

/// A section's publications (when due, whether late) and the objections the caller may read:
/// all for the tender's side and regulators, its own for an objector. (The 公示 itself is in
/// the public announcement feed.)
#[utoipa::path(operation_id = "get_award_publicity", tag = "award",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = AwardPublicity),
    (status = 404, description = "`not_found`: no such tender, the section is not in the \
        award, or nothing is published yet"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/award/publicity")]
pub async fn get_award_publicity(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<AwardPublicity>> {
    let (tender, section) = path.into_inner();
    let out = award::award_publicity(&ctx, &actor, &tender, &section).await?;
    Ok(web::Json(out))
}

/// A bidder of the section objects to the result during its publicity, signed with its
/// organisation certificate; the award waits until the tenderer answers.
#[utoipa::path(operation_id = "raise_award_objection", tag = "award",
    request_body = RaiseAwardObjectionRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = AwardObjection),
    (status = 403, description = "`forbidden`: not a bidder of the section; \
        `certificate_subject_mismatch`: not the bidder's own organisation certificate"),
    (status = 404, description = "`not_found`: no such tender, or the section is not in the \
        award"),
    (status = 409, description = "`publicity_not_open`: before the publicity starts or at or \
        after its end; `invalid_state_transition`: the tender is not in the award"),
    (status = 422, description = "`validation_failed` (text); `statement_signature_invalid`"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/objections")]
pub async fn raise_award_objection(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<RaiseAwardObjectionRequest>,
) -> AppResult<web::Json<AwardObjection>> {
    let (tender, section) = path.into_inner();
    let req = body.into_inner();
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    let out = award::raise_objection(&ctx, &actor, &tender, &section, req.text, signed).await?;
    Ok(web::Json(out))
}

/// The tenderer or its agent answers an objection once: dismissed, or upheld naming where the
/// section goes back (re-evaluation, a new award round under 评定分离, a re-tender).
#[utoipa::path(operation_id = "answer_award_objection", tag = "award",
    request_body = AnswerAwardObjectionRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("objection" = String, Path, description = "Objection id"),
    ),
    responses(
    (status = 200, body = AwardObjection),
    (status = 403, description = "`forbidden`: not the tender's tenderer or agent"),
    (status = 404, description = "`not_found`: no such tender, section or objection"),
    (status = 409, description = "`conflict`: answered already; `award_stage`: the section is \
        not in publicity, or a new round outside 评定分离; `invalid_state_transition`: the \
        tender is not in the award, or the committee has no complete report to re-check"),
    (status = 422, description = "`validation_failed` (answer)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/objections/{objection}/answer")]
pub async fn answer_award_objection(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<AnswerAwardObjectionRequest>,
) -> AppResult<web::Json<AwardObjection>> {
    let (tender, section, id) = path.into_inner();
    let out =
        award::answer_objection(&ctx, &actor, &tender, &section, &id, body.into_inner()).await?;
    Ok(web::Json(out))
}

/// The traditional award: rank #1 where the section requires it, otherwise another candidate
/// with a written reason; only after the publicity, with no objection open.
#[utoipa::path(operation_id = "award_winner", tag = "award",
    request_body = AwardWinnerRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = SectionAward),
    (status = 403, description = "`forbidden`: not the tender's tenderer or agent"),
    (status = 404, description = "`not_found`: no such tender, or the section is not in the \
        award"),
    (status = 409, description = "`award_stage`: not a traditional section in publicity; \
        `publicity_not_over`; `objections_pending`; `invalid_state_transition`: the tender is \
        not in the award; `bid_validity_ended`: the candidate named has a lapsed bid"),
    (status = 422, description = "`rank_one_required`; `award_reason_required`; \
        `validation_failed` (winner: not a candidate; reason)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/winner")]
pub async fn award_winner(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<AwardWinnerRequest>,
) -> AppResult<web::Json<SectionAward>> {
    let (tender, section) = path.into_inner();
    let out = award::award_winner(&ctx, &actor, &tender, &section, body.into_inner()).await?;
    Ok(web::Json(out))
}

/// The winner drops out (条例55, or its bid's validity ended): traditional, the next in rank
/// whose bid is still valid; 评定分离, a new award round among the candidates still in the
/// running; or a re-tender, as the section's award terms say.
#[utoipa::path(operation_id = "award_winner_drops_out", tag = "award",
    request_body = WinnerDropsOutRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = SectionAward),
    (status = 403, description = "`forbidden`: not the tender's tenderer or agent"),
    (status = 404, description = "`not_found`: no such tender, or the section is not in the \
        award"),
    (status = 409, description = "`award_stage`: no winner to drop out (traditional: decided \
        or notified; 评定分离: its 定标报告 signed, in publicity or notified); \
        `invalid_state_transition`: the tender is not in the award"),
    (status = 422, description = "`validation_failed` (statement); `rule_violation` \
        (`validity_in_force`): `validity_lapsed` while the winner's bid is still valid"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/winner/drop-out")]
pub async fn award_winner_drops_out(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<WinnerDropsOutRequest>,
) -> AppResult<web::Json<SectionAward>> {
    let (tender, section) = path.into_inner();
    let out = award::winner_drops_out(&ctx, &actor, &tender, &section, body.into_inner()).await?;
    Ok(web::Json(out))
}

/// A candidate's situation changed (条例56): the original committee re-checks; its new report
/// restarts the award.
#[utoipa::path(operation_id = "award_recheck", tag = "award",
    request_body = RecheckRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = SectionAward),
    (status = 403, description = "`forbidden`: not the tender's tenderer or agent"),
    (status = 404, description = "`not_found`: no such tender, or the section is not in the \
        award"),
    (status = 409, description = "`award_stage`: the section is not in publicity; \
        `invalid_state_transition`: the tender is not in the award, or the committee has no \
        complete report to re-check"),
    (status = 422, description = "`validation_failed` (reason)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/award/recheck")]
pub async fn award_recheck(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<RecheckRequest>,
) -> AppResult<web::Json<SectionAward>> {
    let (tender, section) = path.into_inner();
    let out = award::request_recheck(&ctx, &actor, &tender, &section, body.into_inner()).await?;
    Ok(web::Json(out))
}
