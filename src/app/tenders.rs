//! The tender publication lifecycle: drafts, signed publication and amendments, documents and
//! downloads, questions and answers, objections, suspension/termination, and the deadline.
//!
//! Every change runs in one transaction that also writes its audit event; once a tender is
//! public, the same transaction writes the announcement, the OCDS release and the notification
//! mails (outbox) — so nothing is announced, released or mailed for a change that rolled back.
//! Rules come from `domain::{schedule, lifecycle, tender}`; time from the server clock.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::identity::signature_error;
use super::signing::Signing;
use super::{Actor, AppContext};
use crate::audit::{self, canonical_json, sha256_hex, ActorRef, Event as AuditEvent, EventType};
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as repo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::authz::Permission;
use crate::domain::identity::{PrincipalKind, Role};
use crate::domain::lifecycle::{
    transition, Event, EventKind, State, StateKind, SuspensionReason, TransitionError,
};
use crate::domain::schedule::{
    amendment_effect, objection_allowed, objection_answer_due, AmendmentImpact, RuleViolation,
};
use crate::domain::tender::{ProcedureRules, ProcedureRulesTable, TenderDraft};
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::mail::{enqueue, OutgoingMail};
use crate::ocds;

/// How a tender looks to its caller: everyone sees the latest published version; the
/// tenderer, its agent and the agent's staff also see the working copy.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Tender {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Lifecycle state (`draft`, `published`, `suspended`, `terminated`, `cancelled`, `closed`, …).
    pub state: String,
    /// The published version number (0 while a draft).
    pub version: i32,
    pub tenderer: Party,
    pub agent: Option<Party>,
    pub published_at: Option<DateTime<Utc>>,
    /// The latest published notice content.
    pub published: Option<TenderDraft>,
    /// The editable working copy (parties of the tender only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_copy: Option<TenderDraft>,
    /// Bids submitted before this version must be re-confirmed (set by amendments).
    pub reconfirm_from_version: Option<i32>,
    /// Suspension or termination details (state-specific).
    pub state_detail: Value,
    /// Each section's opening public key (from publication on): seal bids to it (R2).
    pub opening_keys: Vec<super::keys::SectionOpeningKey>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Party {
    pub id: String,
    pub name: String,
    pub uscc: String,
}

/// Rule failures as a 422 whose `errors[].code` name each rule.
pub fn rule_error(violations: Vec<RuleViolation>) -> AppError {
    let errors: Vec<FieldError> = violations
        .into_iter()
        .map(|v| FieldError {
            field: v.field,
            code: v.rule.as_str().to_string(),
            message: v.message,
        })
        .collect();
    let mut e = AppError::validation(errors);
    e.code = ErrorCode::RuleViolation;
    e
}

/// Trimmed free text of 1..=`max` characters, or a `validation_failed` naming `field`.
fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let t = value.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::field(
            field,
            "length",
            format!("{field} must be 1–{max} characters"),
        ));
    }
    Ok(t.to_string())
}

fn transition_error(e: TransitionError) -> AppError {
    match e {
        TransitionError::Rule(v) => rule_error(vec![v]),
        TransitionError::InvalidStateTransition { .. } | TransitionError::NoOpenObjection => {
            AppError::new(ErrorCode::InvalidStateTransition, e.to_string())
        }
        TransitionError::DeadlinePassed { .. } => {
            AppError::new(ErrorCode::DeadlinePassed, e.to_string())
        }
        TransitionError::DeadlineNotReached { .. } => {
            AppError::new(ErrorCode::InvalidStateTransition, e.to_string())
        }
        TransitionError::ObjectionsPending { .. } => {
            AppError::new(ErrorCode::ObjectionsPending, e.to_string())
        }
        TransitionError::ReasonRequired { .. } => {
            AppError::field("reason", "required", e.to_string())
        }
    }
}

fn rules_for(table: &ProcedureRulesTable, draft: &TenderDraft) -> ProcedureRules {
    table.get(draft.procedure).clone()
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> AppResult<T> {
    serde_json::from_str(s).map_err(|e| AppError::internal(anyhow::anyhow!("corrupt {what}: {e}")))
}

fn to_json<T: Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(AppError::internal)
}

/// Turn a request body into a draft: a price floor is refused by rule name before the typed
/// parse (whose unknown-field error would be less helpful).
pub fn parse_draft(body: &Value) -> AppResult<TenderDraft> {
    crate::domain::tender::refuse_price_floor(body).map_err(rule_error)?;
    serde_json::from_value(body.clone())
        .map_err(|e| AppError::new(ErrorCode::MalformedBody, format!("draft: {e}")))
}

fn is_party(actor: &Actor, row: &repo::TenderRow) -> bool {
    let org = actor.organisation_id.as_deref();
    let acting_org = match actor.kind {
        PrincipalKind::Organisation => org,
        PrincipalKind::Person if actor.has(Role::AgentStaff) => org,
        PrincipalKind::Person => None,
    };
    acting_org.is_some_and(|o| o == row.tenderer_id || Some(o) == row.agent_id.as_deref())
}

/// Whether `actor` runs this tender (its tenderer, its agent, or the agent's staff).
pub async fn is_party_of(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<bool> {
    if actor.require(Permission::ManageTenders).is_err() {
        return Ok(false);
    }
    let (id, actor) = (id.to_string(), actor.clone());
    ctx.db
        .read_primary(move |c| Ok(repo::find_tender(c, &id)?.is_some_and(|r| is_party(&actor, &r))))
        .await
}

/// Load a tender the caller runs; others learn nothing (404), not even that it exists.
fn load_as_party(c: &mut AnyConnection, actor: &Actor, id: &str) -> AppResult<repo::TenderRow> {
    actor.require(Permission::ManageTenders).map_err(|_| {
        AppError::forbidden("only the tenderer, its agent and the agent's staff run a tender")
    })?;
    let row = repo::lock_tender(c, id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
    if !is_party(actor, &row) {
        return Err(AppError::not_found("no such tender"));
    }
    Ok(row)
}

/// Load a public (ever published) tender.
fn load_public(c: &mut AnyConnection, id: &str) -> AppResult<repo::TenderRow> {
    match repo::lock_tender(c, id)? {
        Some(row) if row.version > 0 => Ok(row),
        _ => Err(AppError::not_found("no such tender")),
    }
}

fn party_of(c: &mut AnyConnection, org: &str) -> AppResult<Party> {
    let o = idrepo::find_organisation(c, org)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("organisation {org} vanished")))?;
    Ok(Party {
        id: o.id,
        name: o.name,
        uscc: o.uscc,
    })
}

fn view(c: &mut AnyConnection, row: &repo::TenderRow, as_party: bool) -> AppResult<Tender> {
    let published = match repo::latest_version(c, &row.id)? {
        Some(v) => Some(parse_json::<TenderDraft>(
            &v.published_draft,
            "published draft",
        )?),
        None => None,
    };
    Ok(Tender {
        id: row.id.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        state: row.state.clone(),
        version: row.version,
        tenderer: party_of(c, &row.tenderer_id)?,
        agent: match &row.agent_id {
            Some(a) => Some(party_of(c, a)?),
            None => None,
        },
        published_at: row.published_at.map(from_db),
        published,
        working_copy: if as_party {
            Some(parse_json(&row.draft, "draft")?)
        } else {
            None
        },
        reconfirm_from_version: row.reconfirm_from_version,
        state_detail: parse_json(&row.state_detail, "state")?,
        opening_keys: super::keys::opening_keys(c, &row.id)?,
    })
}

pub(crate) fn state_of(row: &repo::TenderRow) -> AppResult<State> {
    parse_json(&row.state_detail, "state")
}

pub(crate) fn set_state(
    row: &mut repo::TenderRow,
    state: &State,
    now: DateTime<Utc>,
) -> AppResult<()> {
    row.state = state.kind().as_str().to_string();
    row.state_detail = to_json(state)?;
    row.updated_at = to_db(now);
    Ok(())
}

pub(crate) fn published_draft(
    c: &mut AnyConnection,
    row: &repo::TenderRow,
) -> AppResult<TenderDraft> {
    let v = repo::latest_version(c, &row.id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("published tender without version")))?;
    parse_json(&v.published_draft, "published draft")
}

/// Settings a transaction needs (owned, so closures can move them).
#[derive(Clone)]
struct Env {
    ocid_prefix: String,
    base_url: String,
    rules: ProcedureRulesTable,
}

impl Env {
    fn of(ctx: &AppContext) -> Env {
        Env {
            ocid_prefix: ctx.settings.tenders.ocid_prefix.clone(),
            base_url: ctx
                .settings
                .http
                .public_url
                .trim_end_matches('/')
                .to_string(),
            rules: ctx.settings.tenders.rules.clone(),
        }
    }
}

/// What a public change writes besides the tender row: audit event, OCDS release,
/// announcement and mails to everyone who downloaded the documents.
struct Publicity<'a> {
    /// The lifecycle event to release to OCDS, if this change is one.
    kind: Option<EventKind>,
    state: StateKind,
    announcement: Option<(&'a str, String)>,
    mail: Option<(&'a str, String, String)>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "a transaction step that needs all of its context"
)]
fn record(
    c: &mut AnyConnection,
    env: &Env,
    now: DateTime<Utc>,
    row: &repo::TenderRow,
    actor: ActorRef,
    event_type: EventType,
    body: Value,
    publicity: Option<Publicity<'_>>,
) -> AppResult<String> {
    let event_id = audit::record(
        c,
        now,
        AuditEvent {
            event_type,
            tender_id: Some(row.id.clone()),
            section_id: None,
            actor,
            subject: row.id.clone(),
            body: body.clone(),
        },
    )?;
    let Some(p) = publicity else {
        return Ok(event_id);
    };
    if row.version == 0 {
        return Ok(event_id);
    }
    if let Some(kind) = p.kind {
        let draft = published_draft(c, row)?;
        let release = ocds::release(&ocds::OcdsEvent {
            ocid_prefix: env.ocid_prefix.clone(),
            event_id: event_id.clone(),
            kind,
            at: now,
            state: p.state,
            tender: ocds_tender(c, env, row, draft)?,
        });
        repo::insert_release(
            c,
            repo::ReleaseRow {
                seq: 0,
                release_id: release["id"].as_str().unwrap_or_default().to_string(),
                tender_id: row.id.clone(),
                release: canonical_json(&release),
                released_at: to_db(now),
            },
        )?;
    }
    if let Some((kind, title)) = p.announcement {
        repo::insert_announcement(
            c,
            repo::AnnouncementRow {
                seq: 0,
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: row.id.clone(),
                kind: kind.into(),
                title,
                body: canonical_json(&body),
                published_at: to_db(now),
            },
        )?;
    }
    if let Some((kind, subject, text)) = p.mail {
        for to in repo::downloader_emails(c, &row.id)? {
            enqueue(
                c,
                now,
                OutgoingMail {
                    to,
                    subject: subject.clone(),
                    body: text.clone(),
                    kind: kind.into(),
                    tender_id: Some(row.id.clone()),
                },
            )?;
        }
    }
    Ok(event_id)
}

fn ocds_tender(
    c: &mut AnyConnection,
    env: &Env,
    row: &repo::TenderRow,
    draft: TenderDraft,
) -> AppResult<ocds::OcdsTender> {
    let org = |c: &mut AnyConnection, id: &str| -> AppResult<ocds::OcdsOrganisation> {
        let p = party_of(c, id)?;
        Ok(ocds::OcdsOrganisation {
            name: p.name,
            uscc: p.uscc,
        })
    };
    let tenderer = org(c, &row.tenderer_id)?;
    let agent = match &row.agent_id {
        Some(a) => Some(org(c, a)?),
        None => None,
    };
    let base = &env.base_url;
    let documents = repo::documents(c, &row.id)?
        .into_iter()
        .filter(|d| d.published_version.is_some())
        .map(|d| ocds::OcdsDocument {
            url: Some(format!(
                "{base}/api/v1/tenders/{}/documents/{}/content",
                row.id, d.id
            )),
            id: d.id,
            document_type: ocds::DocumentType::BiddingDocuments,
            title: d.title,
            sha256: d.sha256,
            format: Some(d.content_type),
            date_published: from_db(d.uploaded_at),
            date_modified: None,
        })
        .collect();
    let mut amendments = Vec::new();
    for v in repo::versions(c, &row.id)?
        .into_iter()
        .filter(|v| v.kind == "amendment")
    {
        amendments.push(ocds::OcdsAmendment {
            id: format!("{}-v{}", row.id, v.version),
            event_id: format!("v{}", v.version),
            amends_event_id: None,
            date: from_db(v.published_at),
            rationale: v.rationale.unwrap_or_default(),
            description: None,
        });
    }
    Ok(ocds::OcdsTender {
        tender_id: row.id.clone(),
        title: row.title.clone(),
        description: Some(row.description.clone()),
        procedure: draft.procedure,
        tenderer,
        agent,
        schedule: draft.schedule.clone(),
        sections: draft.sections,
        documents,
        amendments,
    })
}

/// Creation request.
#[derive(Clone, Debug)]
pub struct CreateTender {
    pub title: String,
    pub description: String,
    /// Required when an agent (or its staff) creates the tender for a tenderer (委托招标).
    pub tenderer_id: Option<String>,
    pub draft: TenderDraft,
}

/// Create a draft. With an `Idempotency-Key`, a retried request returns the first response.
pub async fn create(
    ctx: &AppContext,
    actor: &Actor,
    req: CreateTender,
    idempotency: Option<(String, String)>,
) -> AppResult<(bool, Tender)> {
    actor
        .require(Permission::ManageTenders)
        .map_err(|_| AppError::forbidden("only tenderers and agents create tenders"))?;
    let title = text("title", &req.title, 200)?;
    let org = actor
        .organisation_id
        .clone()
        .ok_or_else(|| AppError::forbidden("act for an organisation to create tenders"))?;
    let now = ctx.clock.now();
    let actor = actor.clone();
    let env = Env::of(ctx);
    ctx.db
        .write(move |c| {
            if let Some((key, digest)) = &idempotency {
                if let Some(prev) = repo::find_idempotency(c, &actor.id, key)? {
                    if &prev.request_digest != digest {
                        return Err(AppError::new(
                            ErrorCode::IdempotencyKeyReused,
                            "this Idempotency-Key was used for a different request",
                        ));
                    }
                    return Ok((false, parse_json(&prev.response, "idempotent response")?));
                }
            }
            let org_roles: Vec<String> = idrepo::roles_of(c, &org)?;
            let (tenderer_id, agent_id) = if org_roles.iter().any(|r| r == "agent") {
                let t = req.tenderer_id.clone().ok_or_else(|| {
                    AppError::field(
                        "tenderer_id",
                        "required",
                        "an agent names the tenderer it acts for",
                    )
                })?;
                let troles = idrepo::roles_of(c, &t)?;
                if !troles.iter().any(|r| r == "tenderer") {
                    return Err(AppError::field(
                        "tenderer_id",
                        "not_a_tenderer",
                        "no registered tenderer with this id",
                    ));
                }
                (t, Some(org.clone()))
            } else if org_roles.iter().any(|r| r == "tenderer") {
                if req.tenderer_id.as_deref().is_some_and(|t| t != org) {
                    return Err(AppError::field(
                        "tenderer_id",
                        "not_yourself",
                        "a tenderer creates tenders for itself",
                    ));
                }
                (org.clone(), None)
            } else {
                return Err(AppError::forbidden(
                    "only tenderers and agents create tenders",
                ));
            };
            let row = repo::TenderRow {
                id: uuid::Uuid::now_v7().to_string(),
                title: title.clone(),
                description: req.description.trim().to_string(),
                tenderer_id,
                agent_id,
                created_by: actor.id.clone(),
                state: StateKind::Draft.as_str().into(),
                state_detail: to_json(&State::Draft)?,
                draft: to_json(&req.draft)?,
                version: 0,
                bid_deadline: to_db(req.draft.schedule.bid_deadline),
                reconfirm_from_version: None,
                created_at: to_db(now),
                updated_at: to_db(now),
                published_at: None,
                public_seq: None,
            };
            repo::insert_tender(c, &row)?;
            record(
                c,
                &env,
                now,
                &row,
                actor.audit_ref(),
                EventType::TenderCreated,
                json!({"tender": row.id, "title": row.title}),
                None,
            )?;
            let v = view(c, &row, true)?;
            if let Some((key, digest)) = idempotency {
                repo::insert_idempotency(
                    c,
                    &repo::IdempotencyRow {
                        principal_id: actor.id.clone(),
                        idem_key: key,
                        request_digest: digest,
                        status: 201,
                        response: to_json(&v)?,
                        created_at: to_db(now),
                    },
                )?;
            }
            Ok((true, v))
        })
        .await
}

/// One tender. Drafts are visible to their parties only; published tenders to everyone.
pub async fn get(ctx: &AppContext, actor: Option<&Actor>, id: &str) -> AppResult<Tender> {
    let id = id.to_string();
    let actor = actor.cloned();
    ctx.db
        .read_primary(move |c| {
            let row =
                repo::find_tender(c, &id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
            let party = actor
                .as_ref()
                .is_some_and(|a| a.require(Permission::ManageTenders).is_ok() && is_party(a, &row));
            if row.version == 0 && !party {
                return Err(AppError::not_found("no such tender"));
            }
            view(c, &row, party)
        })
        .await
}

/// Published tenders in publication order. The cursor is the publication position, handed out
/// in commit order, so a tender published late never lands behind a reader's cursor.
pub async fn list_public(
    ctx: &AppContext,
    after: Option<String>,
    limit: i64,
) -> AppResult<super::identity::Page<Tender>> {
    let limit = limit.clamp(1, 200);
    let after = match after.as_deref() {
        None | Some("") => 0,
        Some(a) => a.parse::<i64>().map_err(|_| {
            AppError::new(
                ErrorCode::MalformedParameter,
                "after must be a cursor from `next`",
            )
        })?,
    };
    ctx.db
        .read_primary(move |c| {
            let rows = repo::list_public_tenders(c, after, limit + 1)?;
            let more = rows.len() as i64 > limit;
            let mut items = Vec::new();
            let mut last = None;
            for row in rows.iter().take(limit as usize) {
                items.push(view(c, row, false)?);
                last = row.public_seq;
            }
            let next = if more {
                last.map(|s| s.to_string())
            } else {
                None
            };
            Ok(super::identity::Page { items, next })
        })
        .await
}

/// Replace the working copy (drafts; or, after publication, the next amendment's content).
pub async fn update_working_copy(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    title: Option<String>,
    description: Option<String>,
    draft: TenderDraft,
) -> AppResult<Tender> {
    let (id, actor, now, env) = (id.to_string(), actor.clone(), ctx.clock.now(), Env::of(ctx));
    ctx.db
        .write(move |c| {
            let mut row = load_as_party(c, &actor, &id)?;
            let kind = state_of(&row)?.kind();
            if !matches!(
                kind,
                StateKind::Draft | StateKind::Published | StateKind::Suspended
            ) {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    format!("a {} tender cannot be edited", kind.as_str()),
                ));
            }
            if let Some(t) = title.filter(|_| row.version == 0) {
                let t = text("title", &t, 200)?;
                row.title = t;
            }
            if let Some(d) = description.filter(|_| row.version == 0) {
                row.description = d.trim().to_string();
            }
            row.draft = to_json(&draft)?;
            if row.version == 0 {
                row.bid_deadline = to_db(draft.schedule.bid_deadline);
            }
            row.updated_at = to_db(now);
            repo::update_tender(c, &row)?;
            record(
                c,
                &env,
                now,
                &row,
                actor.audit_ref(),
                EventType::TenderDraftUpdated,
                json!({"tender": row.id, "draft_digest": sha256_hex(row.draft.as_bytes())}),
                None,
            )?;
            view(c, &row, true)
        })
        .await
}

/// The exact text the tenderer or agent signs to publish (or amend to) the working copy.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Notice {
    /// The version this notice would become.
    pub version: i32,
    /// `publication` or `amendment`.
    pub kind: String,
    /// Canonical JSON; sign its UTF-8 bytes.
    pub text: String,
    pub sha256: String,
}

fn notice_for(c: &mut AnyConnection, row: &repo::TenderRow) -> AppResult<Notice> {
    let draft: Value = parse_json(&row.draft, "draft")?;
    let docs: Vec<Value> = repo::documents(c, &row.id)?
        .into_iter()
        .map(|d| json!({"id": d.id, "title": d.title, "sha256": d.sha256}))
        .collect();
    let version = row.version + 1;
    let kind = if row.version == 0 {
        "publication"
    } else {
        "amendment"
    };
    let text = canonical_json(&json!({
        "notice": "etender-tender-notice/v1",
        "tender_id": row.id,
        "version": version,
        "kind": kind,
        "title": row.title,
        "description": row.description,
        "draft": draft,
        "documents": docs,
    }));
    Ok(Notice {
        version,
        kind: kind.into(),
        sha256: sha256_hex(text.as_bytes()),
        text,
    })
}

pub async fn notice(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Notice> {
    let (id, actor) = (id.to_string(), actor.clone());
    ctx.db
        .read_primary(move |c| {
            let row = load_as_party(c, &actor, &id)?;
            notice_for(c, &row)
        })
        .await
}

/// The tenderer's or agent's signature over a notice.
pub type NoticeSignature = super::signing::Signed;

/// Verify the signature over the current notice; returns (signer organisation id, fingerprint).
fn verify_notice_signature(
    c: &mut AnyConnection,
    ctx: &Signing,
    row: &repo::TenderRow,
    notice: &Notice,
    sig: &NoticeSignature,
    now: DateTime<Utc>,
) -> AppResult<(String, String)> {
    let cert = ctx.certificate(&sig.certificate_chain, now)?;
    let uscc = super::signing::uscc_of(&cert)?;
    let mut signer = None;
    for org in std::iter::once(&row.tenderer_id).chain(row.agent_id.iter()) {
        if party_of(c, org)?.uscc == uscc.as_str() {
            signer = Some(org.clone());
        }
    }
    let signer = signer.ok_or_else(|| {
        AppError::forbidden(
            "the notice must be signed with the tenderer's or the agent's certificate",
        )
    })?;
    crate::crypto::keys::verify_signature(
        &cert.spki_der,
        sig.signature_algorithm,
        notice.text.as_bytes(),
        &sig.signature,
    )
    .map_err(|e| {
        let mut err = signature_error(e);
        err.detail = format!(
            "{} (sign the current notice from GET …/notice; the working copy may have changed)",
            err.detail
        );
        err
    })?;
    Ok((signer, cert.fingerprint_sha256))
}

#[expect(
    clippy::too_many_arguments,
    reason = "a transaction step that needs all of its context"
)]
fn insert_version(
    c: &mut AnyConnection,
    row: &repo::TenderRow,
    notice: &Notice,
    published: &TenderDraft,
    sig: &NoticeSignature,
    signer: (String, String),
    rationale: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    repo::insert_version(
        c,
        &repo::VersionRow {
            tender_id: row.id.clone(),
            version: notice.version,
            kind: notice.kind.clone(),
            notice: notice.text.clone(),
            notice_digest: notice.sha256.clone(),
            published_draft: to_json(published)?,
            signature: base64::engine::general_purpose::STANDARD.encode(&sig.signature),
            signature_algorithm: sig.signature_algorithm.as_str().into(),
            signer_id: signer.0,
            signer_fingerprint: signer.1,
            rationale,
            published_at: to_db(now),
        },
    )?;
    Ok(())
}

/// Opening-key custodians must be registered people holding the custodian role.
fn check_custodians(c: &mut AnyConnection, draft: &TenderDraft) -> AppResult<()> {
    let mut errors = Vec::new();
    for (i, pid) in draft.custodians.person_ids.iter().enumerate() {
        let ok = idrepo::find_person(c, pid)?.is_some()
            && idrepo::roles_of(c, pid)?
                .iter()
                .any(|r| r == Role::Custodian.as_str());
        if !ok {
            errors.push(FieldError {
                field: format!("custodians.person_ids[{i}]"),
                code: "custodian_not_registered".into(),
                message: format!("{pid} is not a registered person with the custodian role"),
            });
        }
    }
    errors.extend(super::keys::missing_envelope_keys(c, draft)?);
    if errors.is_empty() {
        Ok(())
    } else {
        let mut e = AppError::validation(errors);
        e.code = ErrorCode::RuleViolation;
        Err(e)
    }
}

/// Publish a draft: every statutory rule must hold, and the notice must be signed.
pub async fn publish(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    sig: NoticeSignature,
) -> AppResult<Tender> {
    let (id, actor, now, env, signing) = (
        id.to_string(),
        actor.clone(),
        ctx.clock.now(),
        Env::of(ctx),
        Signing::of(ctx),
    );
    ctx.db
        .write(move |c| {
            let mut row = load_as_party(c, &actor, &id)?;
            let state = state_of(&row)?;
            let draft: TenderDraft = parse_json(&row.draft, "draft")?;
            let rules = rules_for(&env.rules, &draft);
            let next = transition(&state, &Event::Publish, now, &draft.schedule, &rules).map_err(transition_error)?;
            crate::domain::schedule::validate_for_publication(&draft, &rules, now).map_err(rule_error)?;
            check_custodians(c, &draft)?;
            let notice = notice_for(c, &row)?;
            let signer = verify_notice_signature(c, &signing, &row, &notice, &sig, now)?;
            row.version = notice.version;
            row.published_at = Some(to_db(now));
            row.public_seq = Some(repo::next_public_seq(c)?);
            row.bid_deadline = to_db(draft.schedule.bid_deadline);
            set_state(&mut row, &next, now)?;
            repo::update_tender(c, &row)?;
            insert_version(c, &row, &notice, &draft, &sig, signer.clone(), None, now)?;
            repo::publish_pending_documents(c, &row.id, row.version)?;
            // The opening keys enter the log with the publication, before any bid can use them,
            // so nobody can swap one later.
            let opening_keys = super::keys::generate_opening_keys(c, &row.id, &draft, now)?;
            record(
                c,
                &env,
                now,
                &row,
                actor.audit_ref(),
                EventType::TenderPublished,
                json!({"tender": row.id, "version": row.version, "notice_sha256": notice.sha256, "signer": signer.0, "bid_deadline": draft.schedule.bid_deadline, "opening_keys": opening_keys}),
                Some(Publicity {
                    kind: Some(EventKind::Publish),
                    state: next.kind(),
                    announcement: Some(("tender_notice", format!("招标公告：{}", row.title))),
                    mail: None,
                }),
            )?;
            view(c, &row, true)
        })
        .await
}

/// The result of an amendment.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Amendment {
    pub tender: Tender,
    /// Set when the amendment came too late and the deadline moved to keep the statutory notice.
    pub deadline_moved_to: Option<DateTime<Utc>>,
    pub reconfirm_bids: bool,
}

/// Publish the working copy as a new immutable version (澄清/修改). If it lands too close to
/// the deadline the deadline moves (条例21); bids already submitted must be re-confirmed; everyone
/// who downloaded the documents is told.
pub async fn amend(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    rationale: String,
    impact: AmendmentImpact,
    sig: NoticeSignature,
) -> AppResult<Amendment> {
    if rationale.trim().is_empty() {
        return Err(AppError::field(
            "rationale",
            "required",
            "say what the amendment changes and why",
        ));
    }
    let (id, actor, now, env, signing) = (
        id.to_string(),
        actor.clone(),
        ctx.clock.now(),
        Env::of(ctx),
        Signing::of(ctx),
    );
    let out = ctx
        .db
        .write(move |c| {
            let mut row = load_as_party(c, &actor, &id)?;
            let state = state_of(&row)?;
            let mut draft: TenderDraft = parse_json(&row.draft, "draft")?;
            let old = published_draft(c, &row)?;
            let rules = rules_for(&env.rules, &draft);
            let effect = amendment_effect(&draft.schedule, now, impact, &rules);
            let moved = effect.new_deadline.filter(|d| *d > draft.schedule.bid_deadline);
            if let Some(d) = moved {
                draft.schedule.bid_deadline = d;
                if draft.schedule.documents_available_until > d {
                    draft.schedule.documents_available_until = d;
                }
            }
            let first_issue = row.published_at.map(from_db).unwrap_or(now);
            crate::domain::schedule::validate_amendment(&old, &draft, first_issue, now, &rules).map_err(rule_error)?;
            let next = transition(&state, &Event::Amend, now, &draft.schedule, &rules).map_err(transition_error)?;
            let notice = notice_for(c, &row)?;
            let signer = verify_notice_signature(c, &signing, &row, &notice, &sig, now)?;
            row.version = notice.version;
            row.draft = to_json(&draft)?;
            row.bid_deadline = to_db(draft.schedule.bid_deadline);
            if effect.reconfirm_bids {
                row.reconfirm_from_version = Some(row.version);
            }
            set_state(&mut row, &next, now)?;
            repo::update_tender(c, &row)?;
            insert_version(c, &row, &notice, &draft, &sig, signer, Some(rationale.trim().to_string()), now)?;
            repo::publish_pending_documents(c, &row.id, row.version)?;
            let tz = crate::domain::schedule::LEGAL_TZ;
            let deadline_local = draft.schedule.bid_deadline.with_timezone(&tz).format("%Y-%m-%d %H:%M");
            let text = match moved {
                Some(_) => format!("《{}》发布了第{}版变更公告：{}\n投标截止时间（开标时间）顺延至 {}（北京时间）。已递交的投标文件需重新确认。", row.title, row.version, rationale.trim(), deadline_local),
                None => format!("《{}》发布了第{}版变更公告：{}\n投标截止时间：{}（北京时间）。", row.title, row.version, rationale.trim(), deadline_local),
            };
            record(
                c,
                &env,
                now,
                &row,
                actor.audit_ref(),
                EventType::TenderAmended,
                json!({"tender": row.id, "version": row.version, "notice_sha256": notice.sha256, "deadline_moved_to": moved, "bid_deadline": draft.schedule.bid_deadline, "reconfirm_bids": effect.reconfirm_bids}),
                Some(Publicity {
                    kind: Some(EventKind::Amend),
                    state: next.kind(),
                    announcement: Some(("change_notice", format!("变更公告：{}", row.title))),
                    mail: Some(("amendment", format!("变更公告：{}", row.title), text)),
                }),
            )?;
            Ok(Amendment {
                tender: view(c, &row, true)?,
                deadline_moved_to: moved,
                reconfirm_bids: effect.reconfirm_bids,
            })
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}

/// A tender document as listed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Document {
    pub id: String,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// The notice version that published it; `null` while pending (parties only see those).
    pub published_version: Option<i32>,
    /// The earlier document this one replaces (a new version of it).
    pub supersedes: Option<String>,
    pub uploaded_at: DateTime<Utc>,
}

fn document_view(d: repo::DocumentRow) -> Document {
    Document {
        id: d.id,
        title: d.title,
        file_name: d.file_name,
        content_type: d.content_type,
        size: d.size,
        sha256: d.sha256,
        published_version: d.published_version,
        supersedes: d.supersedes,
        uploaded_at: from_db(d.uploaded_at),
    }
}

/// Metadata of an uploaded file (already in storage).
pub struct NewDocument {
    pub title: String,
    /// Id of the document (of the same tender) this one replaces.
    pub supersedes: Option<String>,
    pub file_name: String,
    pub content_type: String,
    pub stored: crate::storage::Stored,
}

/// Check, before the bytes are streamed, that the caller may add documents to the tender.
pub async fn authorise_upload(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    supersedes: Option<&str>,
) -> AppResult<()> {
    let (id, actor, supersedes) = (
        id.to_string(),
        actor.clone(),
        supersedes.map(str::to_string),
    );
    ctx.db
        .read_primary(move |c| {
            let row = load_as_party(c, &actor, &id)?;
            let kind = state_of(&row)?.kind();
            if !matches!(
                kind,
                StateKind::Draft | StateKind::Published | StateKind::Suspended
            ) {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    format!("documents cannot be added to a {} tender", kind.as_str()),
                ));
            }
            // Checked before any byte is stored, so a refused upload leaves no file behind.
            if let Some(prev) = &supersedes {
                if repo::find_document(c, prev)?
                    .filter(|p| p.tender_id == row.id)
                    .is_none()
                {
                    return Err(AppError::field(
                        "supersedes",
                        "unknown_document",
                        "no such document in this tender",
                    ));
                }
            }
            Ok(())
        })
        .await
}

/// Record an uploaded document; it becomes public with the next publication or amendment.
pub async fn add_document(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    doc: NewDocument,
) -> AppResult<Document> {
    let title = text("title", &doc.title, 200)?;
    let (id, actor, now, env) = (id.to_string(), actor.clone(), ctx.clock.now(), Env::of(ctx));
    ctx.db
        .write(move |c| {
            let row = load_as_party(c, &actor, &id)?;
            let kind = state_of(&row)?.kind();
            if !matches!(
                kind,
                StateKind::Draft | StateKind::Published | StateKind::Suspended
            ) {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    format!("documents cannot be added to a {} tender", kind.as_str()),
                ));
            }
            let d = repo::DocumentRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: row.id.clone(),
                title,
                file_name: doc.file_name,
                content_type: doc.content_type,
                size: doc.stored.size as i64,
                sha256: doc.stored.sha256,
                storage_key: doc.stored.key,
                supersedes: doc.supersedes.clone(),
                published_version: None,
                uploaded_by: actor.id.clone(),
                uploaded_at: to_db(now),
            };
            if let Some(prev) = &d.supersedes {
                if repo::find_document(c, prev)?
                    .filter(|p| p.tender_id == row.id)
                    .is_none()
                {
                    return Err(AppError::field(
                        "supersedes",
                        "unknown_document",
                        "no such document in this tender",
                    ));
                }
            }
            repo::insert_document(c, &d)?;
            record(
                c,
                &env,
                now,
                &row,
                actor.audit_ref(),
                EventType::DocumentUploaded,
                json!({"tender": row.id, "document": d.id, "sha256": d.sha256, "size": d.size}),
                None,
            )?;
            Ok(document_view(d))
        })
        .await
}

pub async fn list_documents(
    ctx: &AppContext,
    actor: Option<&Actor>,
    id: &str,
) -> AppResult<Vec<Document>> {
    let (id, actor) = (id.to_string(), actor.cloned());
    ctx.db
        .read_primary(move |c| {
            let row =
                repo::find_tender(c, &id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
            let party = actor
                .as_ref()
                .is_some_and(|a| a.require(Permission::ManageTenders).is_ok() && is_party(a, &row));
            if row.version == 0 && !party {
                return Err(AppError::not_found("no such tender"));
            }
            Ok(repo::documents(c, &id)?
                .into_iter()
                .filter(|d| party || d.published_version.is_some())
                .map(document_view)
                .collect())
        })
        .await
}

/// Record a download and return the document and its storage key. Anyone may download a
/// published document without registering (办法 第20条); who did is revealed only to the
/// tender's parties (第21条), and logged-in downloaders are notified of changes.
pub async fn download(
    ctx: &AppContext,
    actor: Option<&Actor>,
    id: &str,
    doc: &str,
) -> AppResult<(Document, String)> {
    let (id, doc, actor, now, env) = (
        id.to_string(),
        doc.to_string(),
        actor.cloned(),
        ctx.clock.now(),
        Env::of(ctx),
    );
    ctx.db
        .write(move |c| {
            let row =
                repo::find_tender(c, &id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
            let d = repo::find_document(c, &doc)?
                .filter(|d| d.tender_id == row.id)
                .ok_or_else(|| AppError::not_found("no such document"))?;
            let party = actor
                .as_ref()
                .is_some_and(|a| a.require(Permission::ManageTenders).is_ok() && is_party(a, &row));
            if d.published_version.is_none() && !party {
                return Err(AppError::not_found("no such document"));
            }
            let (principal, org, email) = match &actor {
                Some(a) => {
                    let email = match a.kind {
                        PrincipalKind::Organisation => {
                            idrepo::find_organisation(c, &a.id)?.map(|o| o.contact_email)
                        }
                        PrincipalKind::Person => {
                            idrepo::find_person(c, &a.id)?.map(|p| p.contact_email)
                        }
                    };
                    (Some(a.id.clone()), a.organisation_id.clone(), email)
                }
                None => (None, None, None),
            };
            if !party {
                repo::insert_download(
                    c,
                    &repo::DownloadRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        document_id: d.id.clone(),
                        tender_id: row.id.clone(),
                        principal_id: principal.clone(),
                        organisation_id: org,
                        contact_email: email,
                        downloaded_at: to_db(now),
                    },
                )?;
                let who = actor.as_ref().map(|a| a.audit_ref()).unwrap_or(ActorRef {
                    role: "public".into(),
                    id: "anonymous".into(),
                });
                record(
                    c,
                    &env,
                    now,
                    &row,
                    who,
                    EventType::DocumentDownloaded,
                    json!({"tender": row.id, "document": d.id}),
                    None,
                )?;
            }
            let key = d.storage_key.clone();
            Ok((document_view(d), key))
        })
        .await
}

/// Who downloaded the documents: the tender's parties only.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Download {
    pub document_id: String,
    pub organisation: Option<String>,
    pub anonymous: bool,
    pub downloaded_at: DateTime<Utc>,
}

pub async fn list_downloads(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Vec<Download>> {
    let (id, actor) = (id.to_string(), actor.clone());
    ctx.db
        .read_primary(move |c| {
            load_as_party(c, &actor, &id)?;
            let mut names = BTreeMap::new();
            let mut out = Vec::new();
            for d in repo::downloads(c, &id)? {
                let organisation = match &d.organisation_id {
                    Some(o) => {
                        if !names.contains_key(o) {
                            let n = idrepo::find_organisation(c, o)?
                                .map(|x| x.name)
                                .unwrap_or_default();
                            names.insert(o.clone(), n);
                        }
                        names.get(o).cloned()
                    }
                    None => None,
                };
                out.push(Download {
                    document_id: d.document_id,
                    organisation,
                    anonymous: d.principal_id.is_none(),
                    downloaded_at: from_db(d.downloaded_at),
                });
            }
            Ok(out)
        })
        .await
}

/// A question and (once published) its answer. The asker is never shown.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Question {
    pub id: String,
    pub question: String,
    pub asked_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// True when the caller asked it.
    pub mine: bool,
}

pub async fn ask(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    question: String,
) -> AppResult<Question> {
    actor.require(Permission::QueryTenders)?;
    let q = text("question", &question, 4000)?;
    let (id, actor, now, env) = (id.to_string(), actor.clone(), ctx.clock.now(), Env::of(ctx));
    ctx.db
        .write(move |c| {
            let row = load_public(c, &id)?;
            if state_of(&row)?.kind() != StateKind::Published {
                return Err(AppError::new(ErrorCode::InvalidStateTransition, format!("questions are not taken while the tender is {}", row.state)));
            }
            let draft = published_draft(c, &row)?;
            if now >= draft.schedule.clarification_cutoff {
                return Err(AppError::new(ErrorCode::DeadlinePassed, format!("the clarification period ended at {}", draft.schedule.clarification_cutoff)));
            }
            let org = actor.organisation_id.clone().unwrap_or_else(|| actor.id.clone());
            let qr = repo::QuestionRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: row.id.clone(),
                asked_by: org,
                question: q,
                asked_at: to_db(now),
                answer: None,
                answered_by: None,
                answered_at: None,
            };
            repo::insert_question(c, &qr)?;
            record(c, &env, now, &row, actor.audit_as(Role::Bidder), EventType::QuestionAsked, json!({"tender": row.id, "question": qr.id, "text_sha256": sha256_hex(qr.question.as_bytes())}), None)?;
            Ok(question_view(qr, true))
        })
        .await
}

fn question_view(q: repo::QuestionRow, mine: bool) -> Question {
    Question {
        id: q.id,
        question: q.question,
        asked_at: from_db(q.asked_at),
        answer: q.answer,
        answered_at: q.answered_at.map(from_db),
        mine,
    }
}

pub async fn answer(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    question: &str,
    answer: String,
) -> AppResult<Question> {
    let a = text("answer", &answer, 20_000)?;
    let (id, qid, actor, now, env) = (
        id.to_string(),
        question.to_string(),
        actor.clone(),
        ctx.clock.now(),
        Env::of(ctx),
    );
    let out = ctx
        .db
        .write(move |c| {
            let row = load_as_party(c, &actor, &id)?;
            let q = repo::find_question(c, &qid)?.filter(|q| q.tender_id == row.id).ok_or_else(|| AppError::not_found("no such question"))?;
            if repo::answer_question(c, &q.id, &a, &actor.id, to_db(now))? == 0 {
                return Err(AppError::new(ErrorCode::InvalidStateTransition, "this question is already answered"));
            }
            let text = format!("《{}》答疑：\n问：{}\n答：{}", row.title, q.question, a);
            record(
                c,
                &env,
                now,
                &row,
                actor.audit_ref(),
                EventType::QuestionAnswered,
                json!({"tender": row.id, "question": q.id, "question_text": q.question, "answer": a}),
                Some(Publicity {
                    kind: None,
                    state: state_of(&row)?.kind(),
                    announcement: Some(("answer", format!("答疑：{}", row.title))),
                    mail: Some(("answer", format!("答疑：{}", row.title), text)),
                }),
            )?;
            let q = repo::find_question(c, &q.id)?.ok_or_else(|| AppError::not_found("no such question"))?;
            Ok(question_view(q, false))
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}

/// Answered questions for everyone; a bidder also sees its own unanswered ones; parties see all.
pub async fn list_questions(
    ctx: &AppContext,
    actor: Option<&Actor>,
    id: &str,
) -> AppResult<Vec<Question>> {
    let (id, actor) = (id.to_string(), actor.cloned());
    ctx.db
        .read_primary(move |c| {
            let row =
                repo::find_tender(c, &id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
            let party = actor
                .as_ref()
                .is_some_and(|a| a.require(Permission::ManageTenders).is_ok() && is_party(a, &row));
            if row.version == 0 && !party {
                return Err(AppError::not_found("no such tender"));
            }
            let me = actor
                .as_ref()
                .and_then(|a| a.organisation_id.clone().or(Some(a.id.clone())));
            Ok(repo::questions(c, &id)?
                .into_iter()
                .filter_map(|q| {
                    let mine = me.as_deref() == Some(q.asked_by.as_str());
                    (party || mine || q.answer.is_some()).then(|| question_view(q, mine))
                })
                .collect())
        })
        .await
}

/// An objection to the tender documents (异议).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Objection {
    pub id: String,
    pub objection: String,
    pub raised_at: DateTime<Utc>,
    /// The tenderer must answer before this instant (条例22: within 3 days).
    pub answer_due: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

fn objection_view(o: repo::ObjectionRow) -> Objection {
    Objection {
        id: o.id,
        objection: o.objection,
        raised_at: from_db(o.raised_at),
        answer_due: from_db(o.answer_due),
        answer: o.answer,
        answered_at: o.answered_at.map(from_db),
    }
}

/// Object to the documents (≥10 days before the deadline); the tender is suspended until the
/// tenderer answers (条例22).
pub async fn object(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    objection: String,
) -> AppResult<Objection> {
    actor.require(Permission::QueryTenders)?;
    let text = text("objection", &objection, 20_000)?;
    let (id, actor, now, env) = (id.to_string(), actor.clone(), ctx.clock.now(), Env::of(ctx));
    let out = ctx
        .db
        .write(move |c| {
            let mut row = load_public(c, &id)?;
            let state = state_of(&row)?;
            let draft = published_draft(c, &row)?;
            let rules = rules_for(&env.rules, &draft);
            objection_allowed(&draft.schedule, now, &rules).map_err(|v| rule_error(vec![v]))?;
            let next = transition(&state, &Event::RaiseObjection, now, &draft.schedule, &rules).map_err(transition_error)?;
            let o = repo::ObjectionRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: row.id.clone(),
                raised_by: actor.organisation_id.clone().unwrap_or_else(|| actor.id.clone()),
                objection: text,
                raised_at: to_db(now),
                answer_due: to_db(objection_answer_due(now, &rules)),
                answer: None,
                answered_by: None,
                answered_at: None,
            };
            repo::insert_objection(c, &o)?;
            set_state(&mut row, &next, now)?;
            repo::update_tender(c, &row)?;
            let text = format!("《{}》收到对招标文件的异议，招标投标活动暂停，待招标人答复后恢复。", row.title);
            record(
                c,
                &env,
                now,
                &row,
                actor.audit_as(Role::Bidder),
                EventType::ObjectionRaised,
                json!({"tender": row.id, "objection": o.id, "answer_due": from_db(o.answer_due), "text_sha256": sha256_hex(o.objection.as_bytes())}),
                Some(Publicity {
                    kind: Some(EventKind::RaiseObjection),
                    state: next.kind(),
                    announcement: Some(("suspension", format!("暂停公告：{}", row.title))),
                    mail: Some(("suspension", format!("暂停公告：{}", row.title), text)),
                }),
            )?;
            Ok(objection_view(o))
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}

/// Answer an objection; with none left open the tender resumes.
pub async fn answer_objection(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    objection: &str,
    answer: String,
) -> AppResult<Objection> {
    let a = text("answer", &answer, 20_000)?;
    let (id, oid, actor, now, env) = (
        id.to_string(),
        objection.to_string(),
        actor.clone(),
        ctx.clock.now(),
        Env::of(ctx),
    );
    let out = ctx
        .db
        .write(move |c| {
            let mut row = load_as_party(c, &actor, &id)?;
            let o = repo::find_objection(c, &oid)?.filter(|o| o.tender_id == row.id).ok_or_else(|| AppError::not_found("no such objection"))?;
            if o.answer.is_some() {
                return Err(AppError::new(ErrorCode::InvalidStateTransition, "this objection is already answered"));
            }
            let state = state_of(&row)?;
            let draft = published_draft(c, &row)?;
            let rules = rules_for(&env.rules, &draft);
            let next = transition(&state, &Event::AnswerObjection, now, &draft.schedule, &rules).map_err(transition_error)?;
            repo::answer_objection(c, &o.id, &a, &actor.id, to_db(now))?;
            set_state(&mut row, &next, now)?;
            repo::update_tender(c, &row)?;
            let resumed = next.kind() == StateKind::Published;
            let in_time = now < from_db(o.answer_due);
            let text = if resumed {
                format!("《{}》的异议已答复，招标投标活动恢复。", row.title)
            } else {
                format!("《{}》的一项异议已答复。", row.title)
            };
            record(
                c,
                &env,
                now,
                &row,
                actor.audit_ref(),
                EventType::ObjectionAnswered,
                json!({"tender": row.id, "objection": o.id, "answered_in_time": in_time, "resumed": resumed}),
                Some(Publicity {
                    kind: Some(EventKind::AnswerObjection),
                    state: next.kind(),
                    announcement: resumed.then(|| ("resumption", format!("恢复公告：{}", row.title))),
                    mail: Some(("objection_answered", format!("异议答复：{}", row.title), text)),
                }),
            )?;
            // The objector hears the answer itself, whether or not it downloaded anything.
            if let Some(org) = idrepo::find_organisation(c, &o.raised_by)? {
                enqueue(c, now, OutgoingMail {
                    to: org.contact_email,
                    subject: format!("异议答复：{}", row.title),
                    body: format!("您对《{}》提出的异议：\n{}\n\n答复：\n{}", row.title, o.objection, a),
                    kind: "objection_answer".into(),
                    tender_id: Some(row.id.clone()),
                })?;
            }
            let o = repo::find_objection(c, &o.id)?.ok_or_else(|| AppError::not_found("no such objection"))?;
            Ok(objection_view(o))
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}

pub async fn list_objections(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
) -> AppResult<Vec<Objection>> {
    let (id, actor) = (id.to_string(), actor.clone());
    ctx.db
        .read_primary(move |c| {
            let row =
                repo::find_tender(c, &id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
            let party = actor.require(Permission::ManageTenders).is_ok() && is_party(&actor, &row);
            let regulator = actor.has(Role::Regulator);
            let me = actor
                .organisation_id
                .clone()
                .unwrap_or_else(|| actor.id.clone());
            if row.version == 0 && !party {
                return Err(AppError::not_found("no such tender"));
            }
            Ok(repo::objections(c, &id)?
                .into_iter()
                .filter(|o| party || regulator || o.raised_by == me)
                .map(objection_view)
                .collect())
        })
        .await
}

/// Suspend, resume, terminate (终止招标) or cancel (a draft) with a recorded reason.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum LifecycleAction {
    Suspend {
        reason: SuspensionReason,
        note: String,
    },
    Resume,
    Terminate {
        reason: String,
    },
    Cancel {
        reason: String,
    },
}

pub async fn act(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    action: LifecycleAction,
) -> AppResult<Tender> {
    let (id, actor, now, env) = (id.to_string(), actor.clone(), ctx.clock.now(), Env::of(ctx));
    let out = ctx
        .db
        .write(move |c| {
            // Regulators may suspend and resume on a complaint (条例62); everything else is the parties'.
            let regulator_act = actor.require(Permission::SuperviseTenders).is_ok()
                && matches!(
                    &action,
                    LifecycleAction::Suspend {
                        reason: SuspensionReason::Complaint,
                        ..
                    } | LifecycleAction::Resume
                );
            let mut row = if regulator_act {
                repo::lock_tender(c, &id)?
                    .filter(|r| r.version > 0)
                    .ok_or_else(|| AppError::not_found("no such tender"))?
            } else {
                load_as_party(c, &actor, &id)?
            };
            let state = state_of(&row)?;
            let draft: TenderDraft = if row.version > 0 {
                published_draft(c, &row)?
            } else {
                parse_json(&row.draft, "draft")?
            };
            let rules = rules_for(&env.rules, &draft);
            let (event, etype, ann, mail_kind) = match &action {
                LifecycleAction::Suspend { reason, note } => (
                    Event::Suspend {
                        reason: *reason,
                        note: note.clone(),
                    },
                    EventType::TenderSuspended,
                    "suspension",
                    "suspension",
                ),
                LifecycleAction::Resume => (
                    Event::Resume,
                    EventType::TenderResumed,
                    "resumption",
                    "resumption",
                ),
                LifecycleAction::Terminate { reason } => (
                    Event::Terminate {
                        reason: reason.clone(),
                    },
                    EventType::TenderTerminated,
                    "termination",
                    "termination",
                ),
                LifecycleAction::Cancel { reason } => (
                    Event::Cancel {
                        reason: reason.clone(),
                    },
                    EventType::TenderCancelled,
                    "cancellation",
                    "cancellation",
                ),
            };
            let next = transition(&state, &event, now, &draft.schedule, &rules)
                .map_err(transition_error)?;
            set_state(&mut row, &next, now)?;
            repo::update_tender(c, &row)?;
            let title = match &action {
                LifecycleAction::Suspend { .. } => format!("暂停公告：{}", row.title),
                LifecycleAction::Resume => format!("恢复公告：{}", row.title),
                LifecycleAction::Terminate { .. } => format!("终止招标公告：{}", row.title),
                LifecycleAction::Cancel { .. } => format!("撤销：{}", row.title),
            };
            let detail = match &action {
                LifecycleAction::Suspend { note, .. } => note.clone(),
                LifecycleAction::Terminate { reason } | LifecycleAction::Cancel { reason } => {
                    reason.clone()
                }
                LifecycleAction::Resume => String::new(),
            };
            let who = if regulator_act {
                actor.audit_as(Role::Regulator)
            } else {
                actor.audit_ref()
            };
            record(
                c,
                &env,
                now,
                &row,
                who,
                etype,
                json!({"tender": row.id, "state": next, "note": detail}),
                Some(Publicity {
                    kind: Some(event.kind()),
                    state: next.kind(),
                    announcement: Some((ann, title.clone())),
                    mail: Some((mail_kind, title.clone(), format!("{title}\n{detail}"))),
                }),
            )?;
            view(c, &row, !regulator_act)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}

/// Close every published tender whose deadline has come by the server clock (投标截止). Run by a
/// background task every second and callable directly (tests drive the clock, then call it).
pub async fn close_due(ctx: &AppContext) -> AppResult<usize> {
    let now = ctx.clock.now();
    let due = ctx
        .db
        .read_primary(move |c| {
            Ok(repo::due_for_deadline(
                c,
                StateKind::Published.as_str(),
                to_db(now),
            )?)
        })
        .await?;
    let mut closed = 0;
    for id in due {
        let env = Env::of(ctx);
        let storage = ctx.storage.clone();
        let done = ctx
            .db
            .write(move |c| {
                let Some(mut row) = repo::lock_tender(c, &id)? else {
                    return Ok(false);
                };
                let state = state_of(&row)?;
                let draft = published_draft(c, &row)?;
                let rules = rules_for(&env.rules, &draft);
                // Another node may have closed it, or an amendment moved the deadline meanwhile.
                let Ok(next) = transition(
                    &state,
                    &Event::DeadlineReached,
                    now,
                    &draft.schedule,
                    &rules,
                ) else {
                    return Ok(false);
                };
                set_state(&mut row, &next, now)?;
                repo::update_tender(c, &row)?;
                // E3: a transfer not complete by the deadline is not a bid.
                super::bids::abandon_open_uploads(c, &storage, &row.id, now)?;
                record(
                    c,
                    &env,
                    now,
                    &row,
                    ActorRef::system(),
                    EventType::TenderClosed,
                    json!({"tender": row.id, "bid_deadline": draft.schedule.bid_deadline}),
                    Some(Publicity {
                        kind: Some(EventKind::DeadlineReached),
                        state: next.kind(),
                        announcement: Some(("deadline", format!("投标截止：{}", row.title))),
                        mail: None,
                    }),
                )?;
                Ok(true)
            })
            .await?;
        closed += usize::from(done);
    }
    if closed > 0 {
        // The bid deadline is a milestone: a signed checkpoint covers the closing at once, so
        // no later rewrite of who was on time can go unnoticed.
        crate::audit::checkpoint_now(ctx, "deadline").await?;
    }
    Ok(closed)
}

/// Background task: close tenders at their deadline.
pub async fn run_deadline_watch(ctx: AppContext) {
    let every =
        std::time::Duration::from_millis(ctx.settings.tenders.deadline_check_interval_ms.max(100));
    loop {
        if let Err(e) = close_due(&ctx).await {
            tracing::warn!(error = %e, "deadline check failed");
        }
        // The opening time is the deadline (条例44): the ceremony starts on the same tick.
        if let Err(e) = super::opening::tick(&ctx).await {
            tracing::warn!(error = %e, "opening check failed");
        }
        tokio::time::sleep(every).await;
    }
}

/// A public announcement (招标公告, 变更公告, 答疑, 暂停/恢复/终止公告, 投标截止).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Announcement {
    /// Cursor: pass as `after` to read on.
    pub seq: i64,
    pub id: String,
    pub tender_id: String,
    pub kind: String,
    pub title: String,
    pub body: Value,
    pub published_at: DateTime<Utc>,
}

/// The public announcement feed. The cursor is assigned in commit order, so paging never
/// skips an announcement that committed late.
pub async fn announcements(
    ctx: &AppContext,
    after: i64,
    tender: Option<String>,
    limit: i64,
) -> AppResult<Vec<Announcement>> {
    let limit = limit.clamp(1, 200);
    ctx.db
        .read_primary(move |c| {
            repo::announcements_after(c, after, tender.as_deref(), limit)?
                .into_iter()
                .map(|a| {
                    Ok(Announcement {
                        seq: a.seq,
                        id: a.id,
                        tender_id: a.tender_id,
                        kind: a.kind,
                        title: a.title,
                        body: parse_json(&a.body, "announcement")?,
                        published_at: from_db(a.published_at),
                    })
                })
                .collect()
        })
        .await
}

/// The OCDS release package of one public tender (every release, oldest first).
pub async fn ocds_package(ctx: &AppContext, id: &str) -> AppResult<Value> {
    let id = id.to_string();
    let base = ctx
        .settings
        .http
        .public_url
        .trim_end_matches('/')
        .to_string();
    let publisher = ocds::OcdsPublisher {
        name: ctx.settings.tenders.publisher_name.clone(),
        scheme: None,
        uid: None,
        uri: Some(base.clone()),
    };
    let now = ctx.clock.now();
    ctx.db
        .read_primary(move |c| {
            let row = repo::find_tender(c, &id)?
                .filter(|r| r.version > 0)
                .ok_or_else(|| AppError::not_found("no such tender"))?;
            let releases: Vec<Value> = repo::releases(c, &row.id)?
                .iter()
                .map(|r| parse_json(&r.release, "release"))
                .collect::<AppResult<_>>()?;
            Ok(ocds::release_package(
                releases,
                &format!("{base}/api/v1/ocds/tenders/{}", row.id),
                now,
                &publisher,
            ))
        })
        .await
}

/// Published versions (notice digests and signers), for anyone to check the signed notices.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Version {
    pub version: i32,
    pub kind: String,
    pub notice: String,
    pub notice_sha256: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_id: String,
    pub signer_certificate_sha256: String,
    pub rationale: Option<String>,
    pub published_at: DateTime<Utc>,
}

pub async fn versions(ctx: &AppContext, id: &str) -> AppResult<Vec<Version>> {
    let id = id.to_string();
    ctx.db
        .read_primary(move |c| {
            load_public(c, &id)?;
            Ok(repo::versions(c, &id)?
                .into_iter()
                .map(|v| Version {
                    version: v.version,
                    kind: v.kind,
                    notice: v.notice,
                    notice_sha256: v.notice_digest,
                    signature: v.signature,
                    signature_algorithm: v.signature_algorithm,
                    signer_id: v.signer_id,
                    signer_certificate_sha256: v.signer_fingerprint,
                    rationale: v.rationale,
                    published_at: from_db(v.published_at),
                })
                .collect())
        })
        .await
}
