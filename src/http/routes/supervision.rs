//! Supervision (issue 15): the working-day calendar, the 执法人员库, bidding bans and complaints.

use actix_web::{get, post, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::{supervision, Actor, AppContext};
use crate::error::AppResult;
use crate::http::routes::tenders::SignatureDto;
use crate::wire::oversight::{Breach, BreachKind, DeviationAlert, StateKind, SupervisedTender};
use crate::wire::supervision::{
    Ban, BanRequest, Calendar, Complaint, ComplaintPauseRequest, CrossKind, CrossSignals,
    DecideComplaintRequest, FileComplaintRequest, HandleComplaintRequest, Officer, OfficerRequest,
};
use crate::wire::Page;

/// The holiday notices working days are counted by (工作日: complaints 条例61, penalty cases),
/// and warnings such as the coming year's notice missing.
#[utoipa::path(operation_id = "get_calendar", tag = "public", responses(
    (status = 200, body = Calendar),
))]
#[get("/api/v1/calendar")]
pub async fn calendar(ctx: web::Data<AppContext>) -> web::Json<Calendar> {
    web::Json(supervision::calendar(&ctx))
}

/// Record a regulator as an officer of the department (执法人员库), or update or move it (the
/// trading centre). Its department decides the tenders it acts on.
#[utoipa::path(operation_id = "put_officer", tag = "supervision", request_body = OfficerRequest,
    security(("bearer" = [])), responses(
    (status = 200, body = Officer),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: the trading centre only"),
    (status = 404, description = "`not_found`: no such department"),
    (status = 422, description = "`validation_failed` (person_id: unknown, not_a_regulator; \
        certificate_no, specialty, avoid_units)"),
))]
#[put("/api/v1/departments/{code}/officers/{person}")]
pub async fn put_officer(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<OfficerRequest>,
) -> AppResult<web::Json<Officer>> {
    let (code, person) = path.into_inner();
    let o = supervision::put_officer(&ctx, &actor, &code, &person, body.into_inner()).await?;
    Ok(web::Json(o))
}

/// A department's officers (regulators and the trading centre).
#[utoipa::path(operation_id = "list_officers", tag = "supervision", security(("bearer" = [])),
    responses(
    (status = 200, body = Vec<Officer>),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: regulators and the trading centre only"),
    (status = 404, description = "`not_found`: no such department"),
))]
#[get("/api/v1/departments/{code}/officers")]
pub async fn officers(
    ctx: web::Data<AppContext>,
    actor: Actor,
    code: web::Path<String>,
) -> AppResult<web::Json<Vec<Officer>>> {
    Ok(web::Json(supervision::officers(&ctx, &actor, &code).await?))
}

/// Record a decided bidding ban (取消投标资格, 1–3 years): a regulator, officer of the deciding
/// department. The platform refuses the organisation's bond accounts, uploads and bids for the
/// term (`bidding_banned`).
#[utoipa::path(operation_id = "record_bidding_ban", tag = "supervision", request_body = BanRequest,
    security(("bearer" = [])), responses(
    (status = 201, body = Ban),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: the regulator \
        is an officer of no department"),
    (status = 422, description = "`validation_failed` (uscc, years, name, decision_no, \
        legal_basis)"),
))]
#[post("/api/v1/bidding-bans")]
pub async fn record_ban(
    ctx: web::Data<AppContext>,
    actor: Actor,
    body: web::Json<BanRequest>,
) -> AppResult<HttpResponse> {
    let ban = supervision::record_ban(&ctx, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(ban))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BanListParams {
    /// Only this unified social credit code.
    pub uscc: Option<String>,
}

/// Bidding bans in force or still to start: the public credit list (条例78).
#[utoipa::path(operation_id = "list_bidding_bans", tag = "public", params(BanListParams),
    responses(
    (status = 200, body = Vec<Ban>),
))]
#[get("/api/v1/bidding-bans")]
pub async fn bans(
    ctx: web::Data<AppContext>,
    q: web::Query<BanListParams>,
) -> AppResult<web::Json<Vec<Ban>>> {
    Ok(web::Json(
        supervision::bans(&ctx, q.into_inner().uscc).await?,
    ))
}

/// File a complaint with the tender's supervising department (投诉, 条例60), signed with the
/// complaining organisation's certificate. Complaints about the documents, the opening or the
/// evaluation result rest on the complainant's own prior objection; 10 days from knowing, the
/// objection's answer period not counted.
#[utoipa::path(operation_id = "file_complaint", tag = "supervision",
    request_body = FileComplaintRequest, security(("bearer" = [])), responses(
    (status = 201, body = Complaint),
    (status = 403, description = "`forbidden`: not an organisation; \
        `certificate_subject_mismatch`: not the complainant's own organisation certificate"),
    (status = 404, description = "`not_found`: no such tender or section"),
    (status = 409, description = "`complaint_too_late`: more than 10 days since knowing; \
        `objection_awaiting_answer`: the objection may still be answered"),
    (status = 422, description = "`validation_failed` (text, objection, known_on, section); \
        `complaint_needs_objection`: no prior objection of the complainant's on the matter; \
        `statement_signature_invalid`"),
))]
#[post("/api/v1/complaints")]
pub async fn file_complaint(
    ctx: web::Data<AppContext>,
    actor: Actor,
    body: web::Json<FileComplaintRequest>,
) -> AppResult<HttpResponse> {
    let mut req = body.into_inner();
    let signed = SignatureDto {
        certificate_chain: std::mem::take(&mut req.certificate_chain),
        signature: std::mem::take(&mut req.signature),
        signature_algorithm: std::mem::take(&mut req.signature_algorithm),
    }
    .into_signature()?;
    let out = supervision::file_complaint(&ctx, &actor, req, signed).await?;
    Ok(HttpResponse::Created().json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ComplaintListParams {
    /// Only this tender's.
    pub tender: Option<String>,
    /// Only those not yet refused, decided or withdrawn.
    #[serde(default)]
    pub open: bool,
    /// Cursor: the `next` of the previous page.
    pub after: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// Complaints: the complainant's own, the department's (its officers), all (the trading
/// centre); paged in filing order.
#[utoipa::path(operation_id = "list_complaints", tag = "supervision", params(ComplaintListParams),
    security(("bearer" = [])), responses(
    (status = 200, body = Page<Complaint>),
    (status = 403, description = "`forbidden`: neither an organisation nor a regulator"),
))]
#[get("/api/v1/complaints")]
pub async fn complaints(
    ctx: web::Data<AppContext>,
    actor: Actor,
    q: web::Query<ComplaintListParams>,
) -> AppResult<web::Json<Page<Complaint>>> {
    let q = q.into_inner();
    Ok(web::Json(
        supervision::complaints(&ctx, &actor, q.tender, q.open, q.after, q.limit).await?,
    ))
}

/// One complaint, with its limits (for the complainant, the department and the trading centre).
#[utoipa::path(operation_id = "get_complaint", tag = "supervision",
    params(("id" = String, Path, description = "Complaint id")),
    security(("bearer" = [])), responses(
    (status = 200, body = Complaint),
    (status = 404, description = "`not_found`: no such complaint, or not the caller's to read"),
))]
#[get("/api/v1/complaints/{id}")]
pub async fn complaint(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<String>,
) -> AppResult<web::Json<Complaint>> {
    Ok(web::Json(
        supervision::complaint(&ctx, &actor, &path.into_inner()).await?,
    ))
}

/// The department accepts the complaint or refuses it with its ground (3 working days).
#[utoipa::path(operation_id = "handle_complaint", tag = "supervision",
    request_body = HandleComplaintRequest,
    params(("id" = String, Path, description = "Complaint id")),
    security(("bearer" = [])), responses(
    (status = 200, body = Complaint),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: not an \
        officer of the department the complaint went to"),
    (status = 404, description = "`not_found`: no such complaint"),
    (status = 409, description = "`invalid_state_transition`: already accepted, refused, \
        decided or withdrawn"),
    (status = 422, description = "`validation_failed` (reason)"),
))]
#[post("/api/v1/complaints/{id}/handling")]
pub async fn handle_complaint(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<String>,
    body: web::Json<HandleComplaintRequest>,
) -> AppResult<web::Json<Complaint>> {
    let id = path.into_inner();
    Ok(web::Json(
        supervision::handle_complaint(&ctx, &actor, &id, body.into_inner()).await?,
    ))
}

/// Testing, inspection or expert review starts or ends: its days are not counted in the 30.
#[utoipa::path(operation_id = "pause_complaint", tag = "supervision",
    request_body = ComplaintPauseRequest,
    params(("id" = String, Path, description = "Complaint id")),
    security(("bearer" = [])), responses(
    (status = 200, body = Complaint),
    (status = 403, description = "`forbidden`: regulators only; `other_department`"),
    (status = 404, description = "`not_found`: no such complaint"),
    (status = 409, description = "`invalid_state_transition`: not accepted (to start), not \
        paused (to end)"),
    (status = 422, description = "`validation_failed` (reason)"),
))]
#[post("/api/v1/complaints/{id}/pauses")]
pub async fn pause_complaint(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<String>,
    body: web::Json<ComplaintPauseRequest>,
) -> AppResult<web::Json<Complaint>> {
    let id = path.into_inner();
    Ok(web::Json(
        supervision::pause_complaint(&ctx, &actor, &id, body.into_inner()).await?,
    ))
}

/// The department's written decision, signed by the deciding officer and served; an upheld
/// complaint sends the tender back to the step it names, and a suspension ordered on complaints
/// ends with the last of them.
#[utoipa::path(operation_id = "decide_complaint", tag = "supervision",
    request_body = DecideComplaintRequest,
    params(("id" = String, Path, description = "Complaint id")),
    security(("bearer" = [])), responses(
    (status = 200, body = Complaint),
    (status = 403, description = "`forbidden`: regulators only; `other_department`; \
        `certificate_subject_mismatch`: not the officer's own personal certificate"),
    (status = 404, description = "`not_found`: no such complaint"),
    (status = 409, description = "`invalid_state_transition`: not accepted, or paused; \
        `redo_not_possible`: the tender or section is not at the step to redo; \
        `objections_pending`: an objection to the section's result is open"),
    (status = 422, description = "`validation_failed` (text); `statement_signature_invalid`"),
))]
#[post("/api/v1/complaints/{id}/decision")]
pub async fn decide_complaint(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<String>,
    body: web::Json<DecideComplaintRequest>,
) -> AppResult<web::Json<Complaint>> {
    let id = path.into_inner();
    let req = body.into_inner();
    let signed = SignatureDto {
        certificate_chain: req.certificate_chain,
        signature: req.signature,
        signature_algorithm: req.signature_algorithm,
    }
    .into_signature()?;
    Ok(web::Json(
        supervision::decide_complaint(&ctx, &actor, &id, req.outcome, req.text, signed).await?,
    ))
}

/// The complainant withdraws its complaint before the decision.
#[utoipa::path(operation_id = "withdraw_complaint", tag = "supervision",
    params(("id" = String, Path, description = "Complaint id")),
    security(("bearer" = [])), responses(
    (status = 200, body = Complaint),
    (status = 403, description = "`forbidden`: not the complainant"),
    (status = 404, description = "`not_found`: no such complaint"),
    (status = 409, description = "`invalid_state_transition`: already refused, decided or \
        withdrawn"),
))]
#[post("/api/v1/complaints/{id}/withdrawal")]
pub async fn withdraw_complaint(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<String>,
) -> AppResult<web::Json<Complaint>> {
    Ok(web::Json(
        supervision::withdraw_complaint(&ctx, &actor, &path.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CrossSignalParams {
    /// Sections opened on or after this day (Asia/Shanghai); a year back by default, at most
    /// three.
    pub since: Option<chrono::NaiveDate>,
    /// Only this kind of signal.
    pub kind: Option<CrossKind>,
}

/// Collusion signals across the tenders the caller's department supervises: one machine or
/// pricing dongle behind different bidders in different sections, and rings of co-bidders that
/// take turns to win (leads for an inspection or a case, not findings).
#[utoipa::path(operation_id = "cross_tender_collusion_signals", tag = "supervision",
    params(CrossSignalParams), security(("bearer" = [])), responses(
    (status = 200, body = CrossSignals),
    (status = 403, description = "`forbidden`: regulators only"),
    (status = 422, description = "`validation_failed` (since: more than three years back, or \
        after today)"),
))]
#[get("/api/v1/supervision/collusion-signals")]
pub async fn cross_signals(
    ctx: web::Data<AppContext>,
    actor: Actor,
    q: web::Query<CrossSignalParams>,
) -> AppResult<web::Json<CrossSignals>> {
    let q = q.into_inner();
    Ok(web::Json(
        supervision::cross_signals(&ctx, &actor, q.since, q.kind).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SupervisedTenderParams {
    /// Only tenders in this lifecycle state (`published`, `suspended`, `terminated`, …).
    pub state: Option<StateKind>,
    /// Cursor: the `next` of the previous page.
    pub after: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// The tenders the caller's department supervises, as they stand: lifecycle state, each
/// section's stage, the next statutory deadline, open complaints and cases (its officers).
#[utoipa::path(operation_id = "list_supervised_tenders", tag = "supervision",
    params(SupervisedTenderParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<SupervisedTender>),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: the regulator \
        is an officer of no department"),
))]
#[get("/api/v1/supervision/tenders")]
pub async fn supervised_tenders(
    ctx: web::Data<AppContext>,
    actor: Actor,
    q: web::Query<SupervisedTenderParams>,
) -> AppResult<web::Json<Page<SupervisedTender>>> {
    let q = q.into_inner();
    let states = q.state.into_iter().collect();
    Ok(web::Json(
        supervision::supervised_tenders(&ctx, &actor, states, q.after, q.limit).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlertParams {
    /// Cursor: the `next` of the previous page.
    pub after: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// The evaluations' 偏离度 flags on the tenders the caller's department supervises, with
/// whether each flagged member filed its written reason (its officers).
#[utoipa::path(operation_id = "list_deviation_alerts", tag = "supervision",
    params(AlertParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<DeviationAlert>),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: the regulator \
        is an officer of no department"),
))]
#[get("/api/v1/supervision/deviation-alerts")]
pub async fn deviation_alerts(
    ctx: web::Data<AppContext>,
    actor: Actor,
    q: web::Query<AlertParams>,
) -> AppResult<web::Json<Page<DeviationAlert>>> {
    let q = q.into_inner();
    Ok(web::Json(
        supervision::deviation_alerts(&ctx, &actor, q.after, q.limit).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BreachParams {
    /// Only breaches of this limit.
    pub kind: Option<BreachKind>,
    /// Cursor: the `next` of the previous page.
    pub after: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// Every statutory limit broken on the caller's department's tenders, complaints and cases —
/// steps done late and steps still owed past their limit — by a stable key (its officers).
#[utoipa::path(operation_id = "list_breaches", tag = "supervision",
    params(BreachParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<Breach>),
    (status = 403, description = "`forbidden`: regulators only; `other_department`: the regulator \
        is an officer of no department"),
))]
#[get("/api/v1/supervision/breaches")]
pub async fn breaches(
    ctx: web::Data<AppContext>,
    actor: Actor,
    q: web::Query<BreachParams>,
) -> AppResult<web::Json<Page<Breach>>> {
    let q = q.into_inner();
    Ok(web::Json(
        supervision::breaches(&ctx, &actor, q.kind, q.after, q.limit).await?,
    ))
}
