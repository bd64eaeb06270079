//! The evaluation (docs/EVALUATION.md): opened bids, read by those the law allows; the
//! section's committee, its leader and its members' departures; the members' signed sheets and
//! the 偏离度 flags with their reasons.

use actix_web::{get, post, web, HttpResponse};

use super::tenders::SignatureDto;
use crate::app::evaluation;
use crate::app::{Actor, AppContext};
use crate::error::{AppError, AppResult};
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

/// An active member of the evaluating committee submits its signed sheet of a stage:
/// `preliminary` first, then the method's `scoring`, `adjustments` or `qualitative`. Hidden
/// from the others until every active member's sheet of the stage is in; never edited.
#[utoipa::path(operation_id = "submit_evaluation_sheet", tag = "evaluation",
    request_body = SubmitSheetRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = EvaluationSheet),
    (status = 403, description = "`forbidden`: a member that left; \
        `certificate_subject_mismatch`: not your own certificate"),
    (status = 404, description = "`not_found`: no committee for the section, or you are not \
        on it"),
    (status = 409, description = "`conflict`: your sheet of this stage is in already (no \
        edits); `stage_not_open`: the second stage before every active member's preliminary \
        sheet is in; `invalid_state_transition`: the committee is not evaluating"),
    (status = 422, description = "`score_out_of_range`, `sheet_incomplete`, \
        `rejection_reason_required`, `remark_required`, `adjustment_out_of_range`, \
        `statement_signature_invalid`, `validation_failed` (sheet.stage: not_this_method); \
        `licence_not_met`: a preliminary verdict on a bid its frozen licence verdicts failed \
        (docs/LICENCES.md §9)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/committee/sheets")]
pub async fn submit_sheet(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<SubmitSheetRequest>,
) -> AppResult<web::Json<EvaluationSheet>> {
    let (tender, section) = path.into_inner();
    let req = body.into_inner();
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    let s = evaluation::submit_sheet(&ctx, &actor, &tender, &section, req.sheet, signed).await?;
    Ok(web::Json(s))
}

/// The caller's own sheets of the committee, every stage, void ones included (members,
/// present and past).
#[utoipa::path(operation_id = "my_evaluation_sheets", tag = "evaluation",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = MySheets),
    (status = 404, description = "`not_found`: no committee for the section, or you were \
        never on it"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/committee/my-sheets")]
pub async fn my_sheets(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<MySheets>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        evaluation::my_sheets(&ctx, &actor, &tender, &section).await?,
    ))
}

/// The committee's sheets of a stage, once revealed: to members that submitted their own
/// sheet of it, and to regulators.
#[utoipa::path(operation_id = "evaluation_stage_sheets", tag = "evaluation",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("stage" = Stage, Path, description = "`preliminary`, or the method's second stage: \
            `scoring`, `adjustments` or `qualitative`"),
    ),
    responses(
    (status = 200, body = StageSheets),
    (status = 404, description = "`not_found`: no committee for the section, you are not on \
        it, or the method has no such stage"),
    (status = 409, description = "`sheets_hidden`: not every active member's sheet is in, or \
        yours is not"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/committee/sheets/{stage}")]
pub async fn stage_sheets(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
) -> AppResult<web::Json<StageSheets>> {
    let (tender, section, stage) = path.into_inner();
    let stage = Stage::parse(&stage).ok_or_else(|| {
        AppError::not_found("no such stage (preliminary, scoring, adjustments, qualitative)")
    })?;
    Ok(web::Json(
        evaluation::stage_sheets(&ctx, &actor, &tender, &section, stage).await?,
    ))
}

/// The 偏离度 flags raised when the scoring stage was revealed, with the reasons filed
/// (members and regulators).
#[utoipa::path(operation_id = "deviation_flags", tag = "evaluation",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = DeviationFlags),
    (status = 404, description = "`not_found`: no committee for the section, or you are not \
        on it"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/committee/deviation-flags")]
pub async fn deviation_flags(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<DeviationFlags>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        evaluation::deviation_flags(&ctx, &actor, &tender, &section).await?,
    ))
}

/// The flagged member files its signed written reason for a 偏离度 flag (once).
#[utoipa::path(operation_id = "file_deviation_reason", tag = "evaluation",
    request_body = DeviationReasonRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("flag" = String, Path, description = "Flag id"),
    ),
    responses(
    (status = 200, body = DeviationFlag),
    (status = 403, description = "`forbidden`: not the flagged member; \
        `certificate_subject_mismatch`: not your own certificate"),
    (status = 404, description = "`not_found`: no committee, not an active member of it, or no \
        such flag"),
    (status = 409, description = "`conflict`: the reason is filed already"),
    (status = 422, description = "`validation_failed` (reason), `statement_signature_invalid`"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/committee/deviation-flags/{flag}/reason")]
pub async fn file_deviation_reason(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<DeviationReasonRequest>,
) -> AppResult<web::Json<DeviationFlag>> {
    let (tender, section, flag) = path.into_inner();
    let req = body.into_inner();
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    let f = evaluation::file_deviation_reason(
        &ctx, &actor, &tender, &section, &flag, req.reason, signed,
    )
    .await?;
    Ok(web::Json(f))
}

/// The committee's leader generates the 评标报告 from what was recorded: every stage's revealed
/// sheets, the decided motions, K and the tie lots. The candidates are derived, never entered.
/// A tie left by every tie-break draws a lot among the tied bids (`lot_required` names the
/// lottery); generate again once it is made.
#[utoipa::path(operation_id = "generate_evaluation_report", tag = "evaluation",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 201, body = EvaluationReport),
    (status = 403, description = "`forbidden`: the committee's leader only"),
    (status = 404, description = "`not_found`: no committee for the section"),
    (status = 409, description = "`invalid_state_transition`: not evaluating (a report is \
        being signed or complete, or no leader); `k_not_drawn`; `lot_required`; \
        `evaluation_incomplete`: sheets, motions, clarifications or deviation reasons \
        outstanding"),
    (status = 422, description = "`sheet_incomplete`, `score_out_of_range`, \
        `adjustment_out_of_range`, `remark_required`: the recorded sheets do not support a \
        derivation"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/committee/report")]
pub async fn generate_report(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (tender, section) = path.into_inner();
    let r = evaluation::generate_report(&ctx, &actor, &tender, &section).await?;
    Ok(HttpResponse::Created().json(r))
}

/// The section's current report: members and regulators from its generation, the tenderer
/// and its agent once complete; nobody else (bidders and the public never see it).
#[utoipa::path(operation_id = "get_evaluation_report", tag = "evaluation",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = EvaluationReport),
    (status = 404, description = "`not_found`: no report, or not yours to see"),
))]
#[get("/api/v1/tenders/{tender}/sections/{section}/committee/report")]
pub async fn get_report(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<EvaluationReport>> {
    let (tender, section) = path.into_inner();
    Ok(web::Json(
        evaluation::report(&ctx, &actor, &tender, &section).await?,
    ))
}

/// A member the report lists records its position: agrees, or dissents with its reason
/// (条例53), signed over the report's digest. Once; the last position completes the report,
/// and the tender moves on when every opened section has its report.
#[utoipa::path(operation_id = "sign_evaluation_report", tag = "evaluation",
    request_body = ReportSignatureRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = EvaluationReport),
    (status = 403, description = "`forbidden`: not a member the report lists; \
        `certificate_subject_mismatch`"),
    (status = 404, description = "`not_found`: no report for the section"),
    (status = 409, description = "`conflict`: signed already, or not the current report's \
        digest; `invalid_state_transition`: the report is complete; `deadline_passed`: the \
        signing time is over"),
    (status = 422, description = "`validation_failed` (reason: required, not_allowed; assent: \
        not_signable; digest), `statement_signature_invalid`"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/committee/report/signatures")]
pub async fn sign_report(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<ReportSignatureRequest>,
) -> AppResult<web::Json<EvaluationReport>> {
    let (tender, section) = path.into_inner();
    let req = body.into_inner();
    let signed = super::tenders::SignatureDto {
        certificate_chain: req.certificate_chain.clone(),
        signature: req.signature.clone(),
        signature_algorithm: req.signature_algorithm.clone(),
    }
    .into_signature()?;
    Ok(web::Json(
        evaluation::sign_report(&ctx, &actor, &tender, &section, req, signed).await?,
    ))
}

/// An active member asks for more time, saying why (条例48); once. When more than a third of
/// the active members have asked, the tenderer must extend the evaluation before the report.
#[utoipa::path(operation_id = "ask_committee_more_time", tag = "evaluation",
    request_body = TimeRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = EvaluationCommittee),
    (status = 403, description = "`forbidden`: only the committee's active members"),
    (status = 404, description = "`not_found`: no committee for the section"),
    (status = 409, description = "`conflict`: asked already; `invalid_state_transition`: the \
        committee is not evaluating"),
    (status = 422, description = "`validation_failed` (reason)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/committee/time-requests")]
pub async fn ask_more_time(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<TimeRequest>,
) -> AppResult<web::Json<EvaluationCommittee>> {
    let (tender, section) = path.into_inner();
    let c = evaluation::ask_more_time(&ctx, &actor, &tender, &section, body.into_inner()).await?;
    Ok(web::Json(c))
}

/// The tenderer or its agent extends the evaluation time once more than a third of the
/// members asked for it (条例48).
#[utoipa::path(operation_id = "extend_committee_time", tag = "evaluation",
    request_body = ExtensionRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = EvaluationCommittee),
    (status = 403, description = "`forbidden`: the tender's parties only"),
    (status = 404, description = "`not_found`: no committee for the section"),
    (status = 409, description = "`invalid_state_transition`: no extension asked for, or the \
        report is generated"),
    (status = 422, description = "`validation_failed` (until: not_later)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/committee/extension")]
pub async fn extend_time(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<ExtensionRequest>,
) -> AppResult<web::Json<EvaluationCommittee>> {
    let (tender, section) = path.into_inner();
    let c = evaluation::extend_time(&ctx, &actor, &tender, &section, body.into_inner()).await?;
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

/// The tenderer or its agent names one of the tenderer's staff in the place of a representative
/// who left (条例48); the new member joins at once and evaluates afresh.
#[utoipa::path(operation_id = "replace_committee_representative", tag = "evaluation",
    request_body = ReplaceRepresentativeRequest, security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
    ),
    responses(
    (status = 200, body = EvaluationCommittee),
    (status = 403, description = "`forbidden`: the tender's parties only"),
    (status = 404, description = "`not_found`: no such tender or committee"),
    (status = 409, description = "`invalid_state_transition`: the committee reports"),
    (status = 422, description = "`validation_failed` (replaces: not_a_member, \
        not_replaceable; person_id: not_tenderer_staff, already_involved)"),
))]
#[post("/api/v1/tenders/{tender}/sections/{section}/committee/representatives")]
pub async fn replace_representative(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<ReplaceRepresentativeRequest>,
) -> AppResult<web::Json<EvaluationCommittee>> {
    let (tender, section) = path.into_inner();
    let c = evaluation::replace_representative(&ctx, &actor, &tender, &section, body.into_inner())
        .await?;
    Ok(web::Json(c))
}
