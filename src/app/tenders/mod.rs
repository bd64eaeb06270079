//! The tender publication lifecycle: drafts, signed publication and amendments, documents and
//! downloads, questions and answers, objections, suspension/termination, and the deadline.
//!
//! Every change runs in one transaction that also writes its audit event; once a tender is
//! public, the same transaction writes the announcement, the OCDS release and the notification
//! mails (outbox) — so nothing is announced, released or mailed for a change that rolled back.
//! Rules come from `domain::{schedule, lifecycle, tender}`; time from the server clock.

mod act;
mod amend;
mod announcements;
mod answer;
mod answer_objection;
mod ask;
mod close_due;
mod create;
mod download;
mod get;
mod list_documents;
mod list_downloads;
mod list_objections;
mod list_public;
mod list_questions;
mod notice;
mod object;
mod ocds_package;
mod publish;
mod update_working_copy;
mod upload_document;
mod versions;

use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::signing::Signing;
use crate::app::support::tender::*;
use crate::audit::canonical_json;
use crate::audit::sha256_hex;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as repo;
use crate::db::types::from_db;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::identity::Role;
use crate::domain::tender::{TenderDraft, VersionKind};
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::error::FieldError;
use crate::wire::tenders::*;
pub use act::*;
pub use amend::*;
pub use announcements::*;
pub use answer::*;
pub use answer_objection::*;
pub use ask::*;
use base64::Engine;
use chrono::DateTime;
use chrono::Utc;
pub use close_due::*;
pub use create::*;
pub use download::*;
pub use get::*;
pub use list_documents::*;
pub use list_downloads::*;
pub use list_objections::*;
pub use list_public::*;
pub use list_questions::*;
pub use notice::*;
pub use object::*;
pub use ocds_package::*;
pub use publish::*;
use serde_json::json;
use serde_json::Value;
pub use update_working_copy::*;
pub use upload_document::*;
pub use versions::*;

/// The tenderer's or agent's signature over a notice.
pub type NoticeSignature = crate::app::support::signing::Signed;

/// Turn a request body into a draft: a price floor is refused by rule name before the typed
/// parse (whose unknown-field error would be less helpful).
pub fn parse_draft(body: &Value) -> AppResult<TenderDraft> {
    crate::domain::tender::refuse_price_floor(body).map_err(rule_error)?;
    serde_json::from_value(body.clone())
        .map_err(|e| AppError::new(ErrorCode::MalformedBody, format!("draft: {e}")))
}

fn view(c: &mut AnyConnection, row: &repo::TenderRow, as_party: bool) -> AppResult<Tender> {
    let published = repo::latest_version(c, &row.id)?.map(|v| v.published_draft);
    tender_body(TenderParts {
        id: row.id.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        version: row.version,
        tenderer: party_of(c, &row.tenderer_id)?,
        agent: match &row.agent_id {
            Some(a) => Some(party_of(c, a)?),
            None => None,
        },
        published_at: row.published_at,
        published_draft: published,
        working_copy: as_party.then_some(row.draft.as_str()),
        reconfirm_from_version: row.reconfirm_from_version,
        state_detail: &row.state_detail,
        remedy: crate::app::support::keys::section_remedies(c, &row.id)?,
    })
}

/// What a `Tender` body is made of, however it was loaded (one tender by id, or a list page
/// in two queries): one constructor, so the two cannot drift apart.
struct TenderParts<'a> {
    id: String,
    title: String,
    description: String,
    version: i32,
    tenderer: Party,
    agent: Option<Party>,
    published_at: Option<chrono::NaiveDateTime>,
    published_draft: Option<String>,
    working_copy: Option<&'a str>,
    reconfirm_from_version: Option<i32>,
    state_detail: &'a str,
    remedy: Vec<crate::wire::bids::SectionRemedy>,
}

fn tender_body(p: TenderParts<'_>) -> AppResult<Tender> {
    Ok(Tender {
        id: p.id,
        title: p.title,
        description: p.description,
        state: parse_json::<crate::domain::lifecycle::State>(p.state_detail, "state")?.kind(),
        version: p.version,
        tenderer: p.tenderer,
        agent: p.agent,
        published_at: p.published_at.map(from_db),
        published: match p.published_draft {
            Some(d) => Some(crate::wire::Stored::from_json(d).map_err(|e| {
                AppError::internal(anyhow::anyhow!("corrupt published draft: {e}"))
            })?),
            None => None,
        },
        working_copy: match p.working_copy {
            Some(d) => Some(parse_json(d, "draft")?),
            None => None,
        },
        reconfirm_from_version: p.reconfirm_from_version,
        state_detail: parse_json(p.state_detail, "state")?,
        remedy: p.remedy,
    })
}

fn notice_for(c: &mut AnyConnection, row: &repo::TenderRow) -> AppResult<Notice> {
    let draft: Value = parse_json(&row.draft, "draft")?;
    let docs: Vec<Value> = repo::documents(c, &row.id)?
        .into_iter()
        .map(|d| json!({"id": d.id, "title": d.title, "sha256": d.sha256}))
        .collect();
    let version = row.version + 1;
    let kind = VersionKind::of(version);
    let text = canonical_json(&json!({
        "notice": "etender-tender-notice/v1",
        "tender_id": row.id,
        "version": version,
        "kind": kind.as_str(),
        "title": row.title,
        "description": row.description,
        "draft": draft,
        "documents": docs,
    }));
    Ok(Notice {
        version,
        kind,
        sha256: sha256_hex(text.as_bytes()),
        text,
    })
}

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
    crate::app::support::signing::require_kind(&cert, crate::crypto::x509::CertKind::Organisation)?;
    let uscc = crate::app::support::signing::uscc_of(&cert)?;
    let mut signer = None;
    // The agent signs for the tenderer only while its entrustment stands.
    let agent = match &row.agent_id {
        Some(a) if agent_entrusted(c, row)? => Some(a),
        _ => None,
    };
    for org in std::iter::once(&row.tenderer_id).chain(agent) {
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
        &crate::domain::signed::labelled(crate::domain::signed::NOTICE, notice.text.as_bytes()),
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
            kind: notice.kind.as_str().to_string(),
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
    // The regulator's view pages a department's tenders by this (db::repo::oversight).
    crate::db::repo::oversight::set_tender_department(
        c,
        &row.id,
        published.supervising_department.as_deref(),
    )?;
    Ok(())
}

/// Remedy custodians must be registered people holding the custodian role, with an envelope
/// key, and independent of the tender's parties (`tenders.custodian_independence`).
fn check_custodians(
    c: &mut AnyConnection,
    row: &repo::TenderRow,
    draft: &TenderDraft,
    independence: crate::config::CustodianIndependence,
) -> AppResult<()> {
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
    errors.extend(crate::app::support::keys::missing_envelope_keys(c, draft)?);
    errors.extend(crate::app::support::keys::dependent_custodians(
        c,
        independence,
        row,
        draft,
    )?);
    if errors.is_empty() {
        Ok(())
    } else {
        let mut e = AppError::validation(errors);
        e.code = ErrorCode::RuleViolation;
        Err(e)
    }
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

fn question_view(q: repo::ThreadRow, mine: bool) -> Question {
    Question {
        id: q.id,
        question: q.body,
        asked_at: from_db(q.raised_at),
        answer: q.answer,
        answered_at: q.answered_at.map(from_db),
        mine,
    }
}

fn objection_view(o: repo::ThreadRow) -> AppResult<Objection> {
    let due = o.answer_due.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("objection {} has no answer_due", o.id))
    })?;
    Ok(Objection {
        id: o.id,
        objection: o.body,
        raised_at: from_db(o.raised_at),
        answer_due: from_db(due),
        answer: o.answer,
        answered_at: o.answered_at.map(from_db),
    })
}
