//! The one publication step: the audit event of a tender change and, once the tender is public,
//! in the same transaction its OCDS release, its announcement and the mails to those concerned
//! (outbox) — so nothing is announced, released or mailed for a change that rolled back.

use crate::app::support::tender::*;
use crate::app::AppContext;
use crate::audit;
use crate::audit::canonical_json;
use crate::audit::ActorRef;
use crate::audit::Event as AuditEvent;
use crate::audit::EventType;
use crate::db::repo::tenders as repo;
use crate::db::types::from_db;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::lifecycle::EventKind;
use crate::domain::lifecycle::StateKind;
use crate::domain::tender::ProcedureRulesTable;
use crate::domain::tender::TenderDraft;
use crate::error::AppResult;
use crate::mail::enqueue;
use crate::mail::OutgoingMail;
use crate::ocds;
use chrono::DateTime;
use chrono::Utc;
use serde_json::Value;

/// Settings a transaction needs (owned, so closures can move them).
#[derive(Clone)]
pub struct Env {
    pub ocid_prefix: String,
    pub base_url: String,
    pub rules: ProcedureRulesTable,
}

impl Env {
    pub fn of(ctx: &AppContext) -> Env {
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
pub struct Publicity<'a> {
    /// The lifecycle event to release to OCDS, if this change is one.
    pub kind: Option<EventKind>,
    pub state: StateKind,
    pub announcement: Option<(&'a str, String)>,
    pub mail: Option<(&'a str, String, String)>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "a transaction step that needs all of its context"
)]
pub fn record(
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

pub fn ocds_tender(
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
