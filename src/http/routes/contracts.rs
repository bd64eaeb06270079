//! Contracts and bid-bond refunds (docs/CONTRACTS.md): the contract drafted after the award,
//! its editable terms, the performance bond, both parties' signatures, changes and
//! terminations; the refunds the trading centre records and everyone concerned reads.

use actix_web::{get, post, put, web, HttpResponse};

use crate::app::{contracts, refunds, Actor, AppContext};
use crate::domain::contract::Terms;
use crate::error::AppResult;
use crate::wire::contracts::*;
use crate::wire::treasury::{ContractPayments, PaymentPull, TreasuryStatus};

type SectionPath = web::Path<(String, String)>;

/// Draft the section's contract from the tender's contract terms and the winning bid (the
/// tenderer's side, after the 中标通知书). The 30 days run from the notice.
#[utoipa::path(operation_id = "draft_contract", tag = "contracts",
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 201, body = Contract),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: not the tender's tenderer, agent or staff"),
    (status = 404, description = "`not_found`: no such tender or section"),
    (status = 409, description = "`award_stage`: no 中标通知书 yet; `conflict`: drafted already"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/contract")]
pub async fn draft_contract(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
) -> AppResult<HttpResponse> {
    let (id, section) = path.into_inner();
    let c = contracts::draft_contract(&ctx, &actor, &id, &section).await?;
    Ok(HttpResponse::Created().json(c))
}

/// The section's contract (its parties and the supervising regulators).
#[utoipa::path(operation_id = "get_contract", tag = "contracts",
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 200, body = Contract),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`; `other_department`"),
    (status = 404, description = "`not_found`: no contract, or not the caller's"),
))]
#[get("/api/v1/tenders/{id}/sections/{section}/contract")]
pub async fn get_contract(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
) -> AppResult<web::Json<Contract>> {
    let (id, section) = path.into_inner();
    Ok(web::Json(
        contracts::get_contract(&ctx, &actor, &id, &section).await?,
    ))
}

/// Fill in the draft's editable terms (start date, site, supplementary clauses); the locked
/// terms must stay as the tender and the winning bid made them.
#[utoipa::path(operation_id = "edit_contract_terms", tag = "contracts",
    request_body = Terms,
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 200, body = Contract),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: not the tenderer's side"),
    (status = 404, description = "`not_found`"),
    (status = 409, description = "`invalid_state_transition`: the contract is signed"),
    (status = 422, description = "`validation_failed`; `locked_term`: a locked term differs"),
))]
#[put("/api/v1/tenders/{id}/sections/{section}/contract/terms")]
pub async fn edit_terms(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
    body: web::Json<Terms>,
) -> AppResult<web::Json<Contract>> {
    let (id, section) = path.into_inner();
    Ok(web::Json(
        contracts::edit_contract_terms(&ctx, &actor, &id, &section, body.into_inner()).await?,
    ))
}

/// Record the performance bond (履约保证金) the winner gave: at least what the tender asks, at
/// most 10 % of the contract amount (条例58).
#[utoipa::path(operation_id = "record_performance_bond", tag = "contracts",
    request_body = PerformanceBondRequest,
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 200, body = Contract),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: not the tenderer's side"),
    (status = 404, description = "`not_found`"),
    (status = 409, description = "`invalid_state_transition`: signed, or no bond asked for"),
    (status = 422, description = "`validation_failed` (amount: out_of_range)"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/contract/performance-bond")]
pub async fn performance_bond(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
    body: web::Json<PerformanceBondRequest>,
) -> AppResult<web::Json<Contract>> {
    let (id, section) = path.into_inner();
    Ok(web::Json(
        contracts::record_performance_bond(&ctx, &actor, &id, &section, body.into_inner()).await?,
    ))
}

/// Sign the contract's current version (the tenderer or the winner, with its organisation
/// certificate, over `statement`). The second signature makes it binding.
#[utoipa::path(operation_id = "sign_contract", tag = "contracts",
    request_body = ContractSignatureRequest,
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 200, body = Contract),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: not a party, or another organisation's \
        certificate"),
    (status = 404, description = "`not_found`"),
    (status = 409, description = "`conflict`: signed already, or another digest; \
        `invalid_state_transition` (also: the tender is suspended); `award_stage`; \
        `publicity_not_over`; `performance_bond_missing`"),
    (status = 422, description = "`validation_failed`; certificate and signature errors \
        (`statement_signature_invalid`, `certificate_*`)"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/contract/signatures")]
pub async fn sign_contract(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
    body: web::Json<ContractSignatureRequest>,
) -> AppResult<web::Json<Contract>> {
    let (id, section) = path.into_inner();
    Ok(web::Json(
        contracts::sign_contract(&ctx, &actor, &id, &section, body.into_inner()).await?,
    ))
}

/// Rate how the winner performs the contract (履约评价, the tenderer's side, signed with the
/// tenderer's organisation certificate over `etender-performance-rating/v1\0` ‖ the SHA-256 of
/// the rating's canonical document): interim ratings while it is signed, one final rating.
#[utoipa::path(operation_id = "rate_contract_performance", tag = "contracts",
    request_body = PerformanceRatingRequest,
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 201, body = PerformanceRating),
    (status = 401, description = "`unauthenticated`; certificate errors (`certificate_*`)"),
    (status = 403, description = "`forbidden`: not the tenderer's side, or another \
        organisation's certificate; `other_department`"),
    (status = 404, description = "`not_found`"),
    (status = 409, description = "`conflict`: the final rating was given, or the digest signed \
        is not the document's; `invalid_state_transition`: a draft, or an interim rating of a \
        terminated or completed contract"),
    (status = 422, description = "`validation_failed` (score, remarks, signature); \
        `statement_signature_invalid`; `certificate_*`"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/contract/performance-ratings")]
pub async fn rate_performance(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
    body: web::Json<PerformanceRatingRequest>,
) -> AppResult<HttpResponse> {
    let (id, section) = path.into_inner();
    let rating =
        contracts::rate_performance(&ctx, &actor, &id, &section, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(rating))
}

/// Record that the contract was performed (履约完成: the works completed and accepted on
/// `completed_on`; the tenderer's side, signed with the tenderer's organisation certificate over
/// `etender-contract-completion/v1\0` ‖ the SHA-256 of the completion's canonical document).
/// The contract becomes `completed`: no change or termination follows.
#[utoipa::path(operation_id = "complete_contract", tag = "contracts",
    request_body = ContractCompletionRequest,
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 200, body = Contract),
    (status = 401, description = "`unauthenticated`; certificate errors (`certificate_*`)"),
    (status = 403, description = "`forbidden`: not the tenderer's side, or another \
        organisation's certificate; `other_department`"),
    (status = 404, description = "`not_found`"),
    (status = 409, description = "`conflict`: completed already, or the digest signed is not \
        the document's; `invalid_state_transition`: a draft or a terminated contract"),
    (status = 422, description = "`validation_failed` (completed_on before the signing or \
        after today, remarks, signature); `statement_signature_invalid`; `certificate_*`"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/contract/completion")]
pub async fn complete_contract(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
    body: web::Json<ContractCompletionRequest>,
) -> AppResult<web::Json<Contract>> {
    let (id, section) = path.into_inner();
    Ok(web::Json(
        contracts::complete_contract(&ctx, &actor, &id, &section, body.into_inner()).await?,
    ))
}

/// The rated winner's reply to a rating (申辩): once, within 15 days of it, signed with the
/// winner's organisation certificate over `etender-performance-reply/v1\0` ‖ the SHA-256 of
/// the reply's canonical document.
#[utoipa::path(operation_id = "reply_to_performance_rating", tag = "contracts",
    request_body = PerformanceReplyRequest,
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("rating" = String, Path, description = "Rating id")),
    security(("bearer" = [])), responses(
    (status = 201, body = PerformanceRating),
    (status = 401, description = "`unauthenticated`; certificate errors (`certificate_*`)"),
    (status = 403, description = "`forbidden`: not the winner, or another organisation's \
        certificate; `other_department`"),
    (status = 404, description = "`not_found`: no such contract or rating"),
    (status = 409, description = "`conflict`: replied already, or the digest signed is not the \
        document's; `deadline_passed`: the 15 days are over"),
    (status = 422, description = "`validation_failed` (text, signature); \
        `statement_signature_invalid`; `certificate_*`"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/contract/performance-ratings/{rating}/reply")]
pub async fn reply_to_rating(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<PerformanceReplyRequest>,
) -> AppResult<HttpResponse> {
    let (id, section, rating) = path.into_inner();
    let rated =
        contracts::reply_to_rating(&ctx, &actor, &id, &section, &rating, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(rated))
}

/// The contract's performance ratings, oldest first (its parties and the supervising
/// regulators).
#[utoipa::path(operation_id = "contract_performance_ratings", tag = "contracts",
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 200, body = Vec<PerformanceRating>),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`; `other_department`"),
    (status = 404, description = "`not_found`: no contract, or not the caller's"),
))]
#[get("/api/v1/tenders/{id}/sections/{section}/contract/performance-ratings")]
pub async fn performance_ratings(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
) -> AppResult<web::Json<Vec<PerformanceRating>>> {
    let (id, section) = path.into_inner();
    Ok(web::Json(
        contracts::performance_ratings(&ctx, &actor, &id, &section).await?,
    ))
}

/// Propose a change (with the whole new terms) or a termination of the signed contract; it
/// takes effect when both parties have signed it.
#[utoipa::path(operation_id = "propose_contract_change", tag = "contracts",
    request_body = ProposeChangeRequest,
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 201, body = ContractChange),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: not a party"),
    (status = 404, description = "`not_found`"),
    (status = 409, description = "`invalid_state_transition`: not signed, or terminated; \
        `change_pending`"),
    (status = 422, description = "`validation_failed`; `locked_term`: a locked term the \
        reason does not allow"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/contract/changes")]
pub async fn propose_change(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
    body: web::Json<ProposeChangeRequest>,
) -> AppResult<HttpResponse> {
    let (id, section) = path.into_inner();
    let ch =
        contracts::propose_contract_change(&ctx, &actor, &id, &section, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(ch))
}

/// Sign a proposed change (each party, over its `statement`); the second signature puts it in
/// force.
#[utoipa::path(operation_id = "sign_contract_change", tag = "contracts",
    request_body = ContractSignatureRequest,
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("change" = String, Path, description = "Change id")),
    security(("bearer" = [])), responses(
    (status = 200, body = Contract),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`"),
    (status = 404, description = "`not_found`: no such change of this contract"),
    (status = 409, description = "`conflict`: signed already or another digest; \
        `invalid_state_transition`: decided already, or the contract ended"),
    (status = 422, description = "`validation_failed`; certificate and signature errors"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/contract/changes/{change}/signatures")]
pub async fn sign_change(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<ContractSignatureRequest>,
) -> AppResult<web::Json<Contract>> {
    let (id, section, change) = path.into_inner();
    Ok(web::Json(
        contracts::sign_contract_change(&ctx, &actor, &id, &section, &change, body.into_inner())
            .await?,
    ))
}

/// Decline a proposed change (the other party) or withdraw it (its proposer).
#[utoipa::path(operation_id = "decline_contract_change", tag = "contracts",
    request_body = DeclineChangeRequest,
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("change" = String, Path, description = "Change id")),
    security(("bearer" = [])), responses(
    (status = 200, body = ContractChange),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`"),
    (status = 404, description = "`not_found`"),
    (status = 409, description = "`invalid_state_transition`: decided already"),
    (status = 422, description = "`validation_failed` (note: length)"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/contract/changes/{change}/decline")]
pub async fn decline_change(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Json<DeclineChangeRequest>,
) -> AppResult<web::Json<ContractChange>> {
    let (id, section, change) = path.into_inner();
    Ok(web::Json(
        contracts::decline_contract_change(&ctx, &actor, &id, &section, &change, body.into_inner())
            .await?,
    ))
}

/// The section's bid-bond refunds (its tender's side, the supervising regulators, the trading
/// centre).
#[utoipa::path(operation_id = "section_bond_refunds", tag = "contracts",
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 200, body = Vec<BondRefund>),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`; `other_department`"),
    (status = 404, description = "`not_found`: no such tender"),
))]
#[get("/api/v1/tenders/{id}/sections/{section}/bond-refunds")]
pub async fn section_refunds(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
) -> AppResult<web::Json<Vec<BondRefund>>> {
    let (id, section) = path.into_inner();
    Ok(web::Json(
        refunds::section_refunds(&ctx, &actor, &id, &section).await?,
    ))
}

/// The calling bidder's bond refunds, latest first.
#[utoipa::path(operation_id = "my_bond_refunds", tag = "contracts",
    security(("bearer" = [])), responses(
    (status = 200, body = Vec<BondRefund>),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: bidders only"),
))]
#[get("/api/v1/bond-refunds/mine")]
pub async fn my_refunds(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<Vec<BondRefund>>> {
    Ok(web::Json(refunds::my_refunds(&ctx, &actor).await?))
}

/// Every refund not yet made, by due date (regulators, the trading centre); `overdue` marks
/// the late ones (条例66).
#[utoipa::path(operation_id = "open_bond_refunds", tag = "contracts",
    security(("bearer" = [])), responses(
    (status = 200, body = Vec<BondRefund>),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`"),
))]
#[get("/api/v1/bond-refunds")]
pub async fn open_refunds(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<Vec<BondRefund>>> {
    Ok(web::Json(refunds::open_refunds(&ctx, &actor).await?))
}

/// Record a refund made today (the trading centre): the interest to the fen is computed and
/// kept with it.
#[utoipa::path(operation_id = "record_bond_refund", tag = "contracts",
    request_body = RecordRefundRequest,
    params(("id" = String, Path, description = "Refund id")),
    security(("bearer" = [])), responses(
    (status = 200, body = BondRefund),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: the trading centre's administrators only"),
    (status = 404, description = "`not_found`"),
    (status = 409, description = "`invalid_state_transition`: refunded already, or kept"),
    (status = 422, description = "`validation_failed` (bank_reference: length)"),
))]
#[post("/api/v1/bond-refunds/{id}/refund")]
pub async fn record_refund(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<RecordRefundRequest>,
) -> AppResult<web::Json<BondRefund>> {
    Ok(web::Json(
        refunds::record_refund(&ctx, &actor, &id, body.into_inner()).await?,
    ))
}

/// The contract's treasury payments and what is still due per milestone (its parties — the
/// supplier and the tenderer's side — and the supervising regulators).
#[utoipa::path(operation_id = "contract_payments", tag = "contracts",
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 200, body = ContractPayments),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`; `other_department`"),
    (status = 404, description = "`not_found`: no contract, or not the caller's"),
))]
#[get("/api/v1/tenders/{id}/sections/{section}/contract/payments")]
pub async fn contract_payments(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
) -> AppResult<web::Json<ContractPayments>> {
    let (id, section) = path.into_inner();
    Ok(web::Json(
        contracts::contract_payments(&ctx, &actor, &id, &section).await?,
    ))
}

/// Pull the contract's payments from the treasury now (the trading centre): each record
/// imported once by the treasury's payment id; the pull's outcome, counts and problems.
#[utoipa::path(operation_id = "pull_contract_payments", tag = "contracts",
    params(("id" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code")),
    security(("bearer" = [])), responses(
    (status = 200, body = PaymentPull),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: the trading centre's administrators only"),
    (status = 404, description = "`not_found`: no contract for the section"),
    (status = 409, description = "`invalid_state_transition`: not signed; `conflict`: no \
        treasury configured"),
))]
#[post("/api/v1/tenders/{id}/sections/{section}/contract/payments/pull")]
pub async fn pull_payments(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: SectionPath,
) -> AppResult<web::Json<PaymentPull>> {
    let (id, section) = path.into_inner();
    Ok(web::Json(
        contracts::pull_contract_payments(&ctx, &actor, &id, &section).await?,
    ))
}

/// The treasury link: configured, each contract's last pull (failing first) and the latest
/// pulls that imported, met a problem or failed (the trading centre and regulators).
#[utoipa::path(operation_id = "treasury_status", tag = "contracts", security(("bearer" = [])),
    responses(
    (status = 200, body = TreasuryStatus),
    (status = 401, description = "`unauthenticated`"),
    (status = 403, description = "`forbidden`: the trading centre and regulators only"),
))]
#[get("/api/v1/treasury/status")]
pub async fn treasury_status(
    ctx: web::Data<AppContext>,
    actor: Actor,
) -> AppResult<web::Json<TreasuryStatus>> {
    Ok(web::Json(contracts::treasury_status(&ctx, &actor).await?))
}
