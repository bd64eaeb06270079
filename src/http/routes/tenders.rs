//! Tenders: drafts, signed publication and amendments, documents, Q&A, objections,
//! lifecycle actions, announcements and OCDS.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::app::tenders::{self, CreateTender, NewDocument};
use crate::app::{Actor, AppContext};
use crate::crypto::keys::SignatureAlgorithm;
use crate::domain::schedule::AmendmentImpact;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::extract::{MaybeActor, PageParams};
use crate::http::openapi::Binary;
use crate::wire::tenders::{
    Amendment, Announcement, Document, Download, LifecycleAction, Notice, Objection, Question,
    Tender, Version,
};
use crate::wire::Page;

/// A new tender: title, description, and the draft (procedure, schedule, sections, custodians).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CreateTenderRequest {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The tenderer an agent acts for (委托招标); omit when a tenderer creates its own tender.
    #[serde(default)]
    pub tenderer_id: Option<String>,
    /// Required when an agent (or its staff) creates the tender: the tenderer's entrustment for
    /// this project (`POST /api/v1/entrustments`; its `project` is this tender's title).
    #[serde(default)]
    pub entrustment_id: Option<String>,
    #[schema(value_type = crate::domain::tender::TenderDraft)]
    pub draft: Value,
}

/// Create a draft tender. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "create_tender", tag = "tenders", request_body = CreateTenderRequest,
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Retry key (1–200 visible ASCII characters); same key + same body returns \
            the first response")),
    responses(
        (status = 201, body = Tender),
        (status = 200, description = "replayed", body = Tender),
        (status = 403, description = "`forbidden`: only tenderers and agents create tenders; \
            `not_entrusted`: an agent without the tenderer's live, unused entrustment for this \
            project"),
        (status = 422, description = "`validation_failed` (title, tenderer_id), `rule_violation` \
            (e.g. a price floor), `idempotency_key_reused`"),
    ))]
#[post("/api/v1/tenders")]
pub async fn create(
    ctx: web::Data<AppContext>,
    actor: Actor,
    req: HttpRequest,
    body: web::Json<Value>,
) -> AppResult<HttpResponse> {
    let raw = body.into_inner();
    let idem = match req.headers().get("idempotency-key") {
        Some(v) => {
            let key = v
                .to_str()
                .ok()
                .filter(|k| (1..=200).contains(&k.len()))
                .ok_or_else(|| {
                    AppError::new(
                        ErrorCode::MalformedParameter,
                        "Idempotency-Key must be 1–200 visible ASCII characters",
                    )
                })?;
            Some((
                key.to_string(),
                crate::audit::sha256_hex(crate::audit::canonical_json(&raw).as_bytes()),
            ))
        }
        None => None,
    };
    let draft = tenders::parse_draft(raw.get("draft").unwrap_or(&Value::Null))?;
    let b: CreateTenderRequest = serde_json::from_value(raw)
        .map_err(|e| AppError::new(ErrorCode::MalformedBody, e.to_string()))?;
    let (created, t) = tenders::create(
        &ctx,
        &actor,
        CreateTender {
            title: b.title,
            description: b.description,
            tenderer_id: b.tenderer_id,
            entrustment_id: b.entrustment_id,
            draft,
        },
        idem,
    )
    .await?;
    Ok(if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
    .json(t))
}

/// Published tenders (public).
#[utoipa::path(
    operation_id = "list_tenders",
    tag = "tenders",
    params(PageParams),
    responses(
        (status = 200, body = Page<Tender>),
    ),
)]
#[get("/api/v1/tenders")]
pub async fn list(
    ctx: web::Data<AppContext>,
    q: web::Query<PageParams>,
) -> AppResult<web::Json<Page<Tender>>> {
    let q = q.into_inner();
    Ok(web::Json(
        tenders::list_public(&ctx, q.after, q.limit).await?,
    ))
}

/// One tender (public once published; drafts only for their parties).
#[utoipa::path(operation_id = "get_tender",
    tag = "tenders", security((), ("bearer" = [])), responses(
    (status = 200, body = Tender),
    (status = 404, description = "`not_found` (drafts are visible to their parties only)"),
))]
#[get("/api/v1/tenders/{id}")]
pub async fn get(
    ctx: web::Data<AppContext>,
    actor: MaybeActor,
    id: web::Path<String>,
) -> AppResult<web::Json<Tender>> {
    Ok(web::Json(tenders::get(&ctx, actor.0.as_ref(), &id).await?))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UpdateTenderRequest {
    /// Drafts only.
    #[serde(default)]
    pub title: Option<String>,
    /// Drafts only.
    #[serde(default)]
    pub description: Option<String>,
    #[schema(value_type = crate::domain::tender::TenderDraft)]
    pub draft: Value,
}

/// Replace the working copy (a draft, or the next amendment's content).
#[utoipa::path(operation_id = "update_tender", tag = "tenders", request_body = UpdateTenderRequest,
    security(("bearer" = [])), responses(
        (status = 200, body = Tender),
        (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
            staff run tenders"),
        (status = 404, description = "`not_found`: no such tender (also for one the caller does \
            not run)"),
        (status = 409, description = "`invalid_state_transition`: the tender takes no changes now"),
        (status = 422, description = "`validation_failed` (title, description), `rule_violation`"),
    ))]
#[put("/api/v1/tenders/{id}")]
pub async fn update(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> AppResult<web::Json<Tender>> {
    let raw = body.into_inner();
    let draft = tenders::parse_draft(raw.get("draft").unwrap_or(&Value::Null))?;
    let b: UpdateTenderRequest = serde_json::from_value(raw)
        .map_err(|e| AppError::new(ErrorCode::MalformedBody, e.to_string()))?;
    Ok(web::Json(
        tenders::update_working_copy(&ctx, &actor, &id, b.title, b.description, draft).await?,
    ))
}

/// The canonical notice to sign for the next publication or amendment.
#[utoipa::path(operation_id = "get_tender_notice", tag = "tenders", security(("bearer" = [])),
    responses(
        (status = 200, body = Notice),
        (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
            staff run tenders"),
        (status = 404, description = "`not_found`: no such tender (also for one the caller does \
            not run)"),
    ))]
#[get("/api/v1/tenders/{id}/notice")]
pub async fn notice(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<Notice>> {
    Ok(web::Json(tenders::notice(&ctx, &actor, &id).await?))
}

/// A signature over the notice with the tenderer's or agent's organisation certificate.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureDto {
    /// Base64 DER certificates, leaf first.
    pub certificate_chain: Vec<String>,
    /// Base64 signature over the notice `text`.
    pub signature: String,
    pub signature_algorithm: String,
}

/// What a request carrying a `certificate_chain` and a signature can be refused with: the chain
/// is decoded here and verified against the trust anchors (`app::support::signing`, whose
/// certificate errors `app::support::errors::cert_error` names), the algorithm must be known and
/// fit the key, and the signature must be base64 (`validation_failed`). `http::openapi` documents
/// these for every operation whose body has a `certificate_chain`.
pub const SIGNED_BODY_ERRORS: &[ErrorCode] = &[
    ErrorCode::CertificateMalformed,
    ErrorCode::SignatureAlgorithmUnsupported,
    ErrorCode::CertificateExpired,
    ErrorCode::CertificateNotYetValid,
    ErrorCode::CertificateRevoked,
    ErrorCode::CertificateUntrusted,
    ErrorCode::CertificateKeyUsage,
    ErrorCode::CertificateAlgorithmUnsupported,
    ErrorCode::CertificateRevocationUnknown,
    ErrorCode::CertificateWrongKind,
    ErrorCode::ValidationFailed,
];

/// Base64 DER certificates, leaf first (at most 9), as every signed request carries them.
pub(crate) fn decode_chain(chain: &[String]) -> AppResult<Vec<Vec<u8>>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    chain
        .iter()
        .take(9)
        .map(|c| {
            b64.decode(c.trim()).map_err(|_| {
                AppError::new(
                    ErrorCode::CertificateMalformed,
                    "certificate_chain entries must be base64",
                )
            })
        })
        .collect()
}

impl SignatureDto {
    pub(crate) fn into_signature(self) -> AppResult<tenders::NoticeSignature> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let chain = decode_chain(&self.certificate_chain)?;
        Ok(tenders::NoticeSignature {
            certificate_chain: chain,
            signature: b64.decode(self.signature.trim()).map_err(|_| {
                AppError::field("signature", "not_base64", "signature must be base64")
            })?,
            signature_algorithm: SignatureAlgorithm::parse(&self.signature_algorithm).ok_or_else(
                || {
                    AppError::new(
                        ErrorCode::SignatureAlgorithmUnsupported,
                        "unknown signature_algorithm",
                    )
                },
            )?,
        })
    }
}

/// Publish the draft (招标公告). Every statutory rule must hold; failures are 422 `rule_violation`
/// with one `errors[]` entry per rule.
#[utoipa::path(operation_id = "publish_tender", tag = "tenders", request_body = SignatureDto,
    security(("bearer" = [])), responses(
        (status = 200, body = Tender),
        (status = 401, description = "`signature_invalid`: the signature is not over the current \
            notice"),
        (status = 403, description = "`forbidden`: not a party, or the certificate is not the \
            tenderer's or agent's"),
        (status = 404, description = "`not_found`: no such tender (also for one the caller does \
            not run)"),
        (status = 409, description = "`invalid_state_transition`, `deadline_passed`, \
            `objections_pending`"),
        (status = 422, description = "`rule_violation` (one `errors[]` entry per rule), \
            `validation_failed`, `uscc_missing`, `uscc_invalid`"),
    ))]
#[post("/api/v1/tenders/{id}/publish")]
pub async fn publish(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<SignatureDto>,
) -> AppResult<web::Json<Tender>> {
    Ok(web::Json(
        tenders::publish(&ctx, &actor, &id, body.into_inner().into_signature()?).await?,
    ))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendRequest {
    pub rationale: String,
    /// `affects_bid_preparation` (the 15-day rule applies) or `editorial`.
    pub impact: AmendmentImpact,
    pub signature: SignatureDto,
}

/// Publish the working copy as a new version (澄清/修改, 变更公告).
#[utoipa::path(operation_id = "amend_tender", tag = "tenders", request_body = AmendRequest,
    security(("bearer" = [])), responses(
        (status = 200, body = Amendment),
        (status = 401, description = "`signature_invalid`: the signature is not over the current \
            notice"),
        (status = 403, description = "`forbidden`: not a party, or the certificate is not the \
            tenderer's or agent's"),
        (status = 404, description = "`not_found`: no such tender (also for one the caller does \
            not run)"),
        (status = 409, description = "`invalid_state_transition` (e.g. amending a draft), \
            `deadline_passed`, `objections_pending`"),
        (status = 422, description = "`rule_violation`, `validation_failed`, `uscc_missing`, \
            `uscc_invalid`"),
    ))]
#[post("/api/v1/tenders/{id}/amendments")]
pub async fn amend(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<AmendRequest>,
) -> AppResult<web::Json<Amendment>> {
    let b = body.into_inner();
    Ok(web::Json(
        tenders::amend(
            &ctx,
            &actor,
            &id,
            b.rationale,
            b.impact,
            b.signature.into_signature()?,
        )
        .await?,
    ))
}

/// Signed versions (public): anyone can check each notice's signature.
#[utoipa::path(operation_id = "list_tender_versions", tag = "tenders", responses(
    (status = 200, body = Vec<Version>),
    (status = 404, description = "`not_found`: no published tender with this id"),
))]
#[get("/api/v1/tenders/{id}/versions")]
pub async fn versions(
    ctx: web::Data<AppContext>,
    id: web::Path<String>,
) -> AppResult<web::Json<Vec<Version>>> {
    Ok(web::Json(tenders::versions(&ctx, &id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    pub title: String,
    pub file_name: String,
    /// Id of the earlier document this upload replaces.
    pub supersedes: Option<String>,
}

/// Upload a tender document (raw body, streamed and hashed). It becomes public with the next
/// publication or amendment.
#[utoipa::path(operation_id = "upload_tender_document", tag = "tenders", params(UploadParams),
    security(("bearer" = [])),
    request_body(content = inline(Binary), content_type = "*/*",
        description = "The document's bytes, sent as they are; `Content-Type` (default \
            `application/octet-stream`) is kept and served with the download"),
    responses(
        (status = 201, body = Document),
        (status = 400, description = "`malformed_body`: the body ended early"),
        (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
            staff run tenders"),
        (status = 404, description = "`not_found`: no such tender (also for one the caller does \
            not run)"),
        (status = 409, description = "`invalid_state_transition`: the tender takes no documents \
            now"),
        (status = 413, description = "`file_too_large`: over `storage.max_document_bytes`"),
        (status = 415, description = "`unsupported_media_type`: a malformed `Content-Type`"),
        (status = 422, description = "`validation_failed`: an empty document, a title or file \
            name out of bounds, an unknown `supersedes`"),
    ))]
#[post("/api/v1/tenders/{id}/documents")]
pub async fn upload(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    q: web::Query<UploadParams>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    tenders::authorise_upload(&ctx, &actor, &id, q.supersedes.as_deref()).await?;
    // Served back verbatim with the download, so it must be a well-formed media type.
    let content_type = actix_web::HttpMessage::mime_type(&req)
        .map_err(|_| {
            AppError::new(
                ErrorCode::UnsupportedMediaType,
                "Content-Type is not a well-formed media type",
            )
        })?
        .map(|m| m.to_string())
        .unwrap_or_else(|| "application/octet-stream".to_string());
    let limit = ctx.settings.storage.max_document_bytes;
    let stored = ctx
        .storage
        .put(&mut payload, limit)
        .await
        .map_err(|e| match e {
            crate::storage::StorageError::TooLarge { .. } => {
                AppError::new(ErrorCode::FileTooLarge, e.to_string())
            }
            crate::storage::StorageError::Empty => {
                AppError::field("body", "empty", "the document is empty")
            }
            crate::storage::StorageError::Interrupted(_) => {
                AppError::new(ErrorCode::MalformedBody, e.to_string())
            }
            other => AppError::internal(other),
        })?;
    let q = q.into_inner();
    let doc = tenders::add_document(
        &ctx,
        &actor,
        &id,
        NewDocument {
            title: q.title,
            supersedes: q.supersedes,
            file_name: q.file_name,
            content_type,
            stored,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(doc))
}

/// Documents of a tender (public once published).
#[utoipa::path(operation_id = "list_tender_documents", tag = "tenders",
    security((), ("bearer" = [])), responses(
        (status = 200, body = Vec<Document>),
        (status = 404, description = "`not_found` (drafts are visible to their parties only)"),
    ))]
#[get("/api/v1/tenders/{id}/documents")]
pub async fn documents(
    ctx: web::Data<AppContext>,
    actor: MaybeActor,
    id: web::Path<String>,
) -> AppResult<web::Json<Vec<Document>>> {
    Ok(web::Json(
        tenders::list_documents(&ctx, actor.0.as_ref(), &id).await?,
    ))
}

/// Download a document; no registration needed. Logged-in downloaders are told of changes.
#[utoipa::path(operation_id = "download_tender_document", tag = "tenders",
    security((), ("bearer" = [])), responses(
        (status = 200, content_type = "*/*", body = inline(Binary),
            description = "The document, with the media type it was uploaded with",
            headers(
                ("x-content-sha256" = String, description = "Hex SHA-256 of the content"),
                ("content-disposition" = String,
                    description = "`attachment; filename*=UTF-8''<file name>`"),
            )),
        (status = 404, description = "`not_found`: no such tender or document"),
    ))]
#[get("/api/v1/tenders/{id}/documents/{doc}/content")]
pub async fn download(
    ctx: web::Data<AppContext>,
    actor: MaybeActor,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, doc) = path.into_inner();
    let (meta, key) = tenders::download(&ctx, actor.0.as_ref(), &id, &doc).await?;
    let (_, stream) = ctx.storage.read(&key).await.map_err(|e| match e {
        crate::storage::StorageError::Missing(_) => AppError::internal(e),
        e => AppError::unavailable(e),
    })?;
    Ok(HttpResponse::Ok()
        .content_type(meta.content_type.clone())
        .insert_header(("x-content-sha256", meta.sha256.clone()))
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename*=UTF-8''{}",
                percent_encode(&meta.file_name)
            ),
        ))
        .body(actix_web::body::SizedStream::new(meta.size as u64, stream)))
}

pub(super) fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Who downloaded the documents (the tender's parties only; 办法第21条).
#[utoipa::path(operation_id = "list_tender_downloads", tag = "tenders", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Download>),
        (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
            staff run tenders"),
        (status = 404, description = "`not_found`: no such tender (also for one the caller does \
            not run)"),
    ))]
#[get("/api/v1/tenders/{id}/downloads")]
pub async fn downloads(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<Vec<Download>>> {
    Ok(web::Json(tenders::list_downloads(&ctx, &actor, &id).await?))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionRequest {
    pub question: String,
}

/// Ask a question about the documents (bidders; identity never shown to others).
#[utoipa::path(operation_id = "ask_question", tag = "tenders", request_body = QuestionRequest,
    security(("bearer" = [])), responses(
        (status = 201, body = Question),
        (status = 403, description = "`forbidden`: bidders ask"),
        (status = 404, description = "`not_found`: no published tender with this id"),
        (status = 409, description = "`invalid_state_transition`, `deadline_passed` (the \
            clarification cut-off)"),
        (status = 422, description = "`validation_failed`: 1–4000 characters"),
    ))]
#[post("/api/v1/tenders/{id}/questions")]
pub async fn ask(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<QuestionRequest>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(tenders::ask(&ctx, &actor, &id, body.into_inner().question).await?))
}

/// Questions and published answers.
#[utoipa::path(operation_id = "list_questions", tag = "tenders", security((), ("bearer" = [])),
    responses(
        (status = 200, body = Vec<Question>),
        (status = 404, description = "`not_found` (drafts are visible to their parties only)"),
    ))]
#[get("/api/v1/tenders/{id}/questions")]
pub async fn questions(
    ctx: web::Data<AppContext>,
    actor: MaybeActor,
    id: web::Path<String>,
) -> AppResult<web::Json<Vec<Question>>> {
    Ok(web::Json(
        tenders::list_questions(&ctx, actor.0.as_ref(), &id).await?,
    ))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub answer: String,
}

/// Publish an answer (答疑) to everyone; downloaders are e-mailed.
#[utoipa::path(operation_id = "answer_question", tag = "tenders", request_body = AnswerRequest,
    security(("bearer" = [])), responses(
        (status = 200, body = Question),
        (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
            staff run tenders"),
        (status = 404, description = "`not_found`: no such tender or question"),
        (status = 409, description = "`invalid_state_transition`: already answered, or the \
            tender takes no answers now"),
        (status = 422, description = "`validation_failed`: 1–20000 characters"),
    ))]
#[post("/api/v1/tenders/{id}/questions/{question}/answer")]
pub async fn answer(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<AnswerRequest>,
) -> AppResult<web::Json<Question>> {
    let (id, q) = path.into_inner();
    Ok(web::Json(
        tenders::answer(&ctx, &actor, &id, &q, body.into_inner().answer).await?,
    ))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionRequest {
    pub objection: String,
}

/// Object to the documents (≥10 days before the deadline); suspends the tender until answered.
#[utoipa::path(operation_id = "raise_objection", tag = "tenders", request_body = ObjectionRequest,
    security(("bearer" = [])), responses(
        (status = 201, body = Objection),
        (status = 403, description = "`forbidden`: bidders object"),
        (status = 404, description = "`not_found`: no published tender with this id"),
        (status = 409, description = "`invalid_state_transition`, `deadline_passed`"),
        (status = 422, description = "`rule_violation` (`objection_too_late`), \
            `validation_failed`: 1–20000 characters"),
    ))]
#[post("/api/v1/tenders/{id}/objections")]
pub async fn raise_objection(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<ObjectionRequest>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(tenders::object(&ctx, &actor, &id, body.into_inner().objection).await?))
}

/// Objections (the tender's parties and regulators; a bidder sees its own).
#[utoipa::path(operation_id = "list_objections", tag = "tenders", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Objection>),
        (status = 404, description = "`not_found`"),
    ))]
#[get("/api/v1/tenders/{id}/objections")]
pub async fn objections(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
) -> AppResult<web::Json<Vec<Objection>>> {
    Ok(web::Json(
        tenders::list_objections(&ctx, &actor, &id).await?,
    ))
}

/// Answer an objection (within 3 days); the tender resumes when none is open.
#[utoipa::path(operation_id = "answer_objection", tag = "tenders", request_body = AnswerRequest,
    security(("bearer" = [])), responses(
        (status = 200, body = Objection),
        (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
            staff run tenders"),
        (status = 404, description = "`not_found`: no such tender or objection"),
        (status = 409, description = "`invalid_state_transition`: already answered, or the \
            tender is not suspended by it"),
        (status = 422, description = "`validation_failed`: 1–20000 characters"),
    ))]
#[post("/api/v1/tenders/{id}/objections/{objection}/answer")]
pub async fn answer_objection(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Json<AnswerRequest>,
) -> AppResult<web::Json<Objection>> {
    let (id, o) = path.into_inner();
    Ok(web::Json(
        tenders::answer_objection(&ctx, &actor, &id, &o, body.into_inner().answer).await?,
    ))
}

/// Suspend, resume, terminate (终止招标) or cancel (a draft), with a reason. Regulators may
/// suspend on a complaint and resume.
#[utoipa::path(operation_id = "tender_lifecycle_action", tag = "tenders",
    request_body = LifecycleAction, security(("bearer" = [])), responses(
        (status = 200, body = Tender),
        (status = 403, description = "`forbidden`: only the tenderer, its agent and the agent's \
            staff run tenders"),
        (status = 404, description = "`not_found`: no such tender (also for one the caller does \
            not run)"),
        (status = 409, description = "`invalid_state_transition` (e.g. suspending a suspended \
            tender), `deadline_passed`, `objections_pending`"),
        (status = 422, description = "`validation_failed`: a reason is required"),
    ))]
#[post("/api/v1/tenders/{id}/actions")]
pub async fn act(
    ctx: web::Data<AppContext>,
    actor: Actor,
    id: web::Path<String>,
    body: web::Json<LifecycleAction>,
) -> AppResult<web::Json<Tender>> {
    Ok(web::Json(
        tenders::act(&ctx, &actor, &id, body.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedParams {
    /// Cursor: the last `seq` you have (0 to start).
    pub after: Option<i64>,
    pub tender: Option<String>,
    pub limit: Option<i64>,
}

/// The public announcement feed, paged by a cursor that never skips a late commit.
#[utoipa::path(
    operation_id = "list_announcements",
    tag = "public",
    params(FeedParams),
    responses(
        (status = 200, body = Vec<Announcement>),
    ),
)]
#[get("/api/v1/announcements")]
pub async fn announcements(
    ctx: web::Data<AppContext>,
    q: web::Query<FeedParams>,
) -> AppResult<web::Json<Vec<Announcement>>> {
    let q = q.into_inner();
    Ok(web::Json(
        tenders::announcements(&ctx, q.after, q.tender, q.limit).await?,
    ))
}

/// OCDS 1.1 release package of a tender: one release per published change.
#[utoipa::path(operation_id = "get_ocds_package", tag = "public", responses(
    (status = 200, body = Object),
    (status = 404, description = "`not_found`: no published tender with this id"),
))]
#[get("/api/v1/ocds/tenders/{id}")]
pub async fn ocds(
    ctx: web::Data<AppContext>,
    id: web::Path<String>,
) -> AppResult<web::Json<Value>> {
    Ok(web::Json(tenders::ocds_package(&ctx, &id).await?))
}
