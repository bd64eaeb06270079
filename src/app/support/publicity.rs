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
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as repo;
use crate::db::types::from_db;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::lifecycle::EventKind;
use crate::domain::lifecycle::StateKind;
use crate::domain::tender::ProcedureRulesTable;
use crate::domain::tender::{AnnouncementKind, TenderDraft, VersionKind};
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
    /// The interest refunded with cash bonds (a terminated tender returns them, 条例31).
    pub refund_interest: crate::domain::refund::InterestRule,
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
            refund_interest: crate::app::support::refunds::interest_rule(ctx),
        }
    }
}

/// One change to a tender as the audit log records it.
pub struct Change<'a> {
    pub actor: ActorRef,
    pub event: EventType,
    /// The section the change concerns, if it concerns one.
    pub section: Option<&'a str>,
    pub body: Value,
}

impl<'a> Change<'a> {
    pub fn new(actor: ActorRef, event: EventType, body: Value) -> Change<'a> {
        Change {
            actor,
            event,
            section: None,
            body,
        }
    }

    pub fn in_section(mut self, section: &'a str) -> Change<'a> {
        self.section = Some(section);
        self
    }
}

/// What a change of a public tender tells the world besides its audit event.
pub struct Publicity<'a> {
    /// The lifecycle event to release to OCDS, if this change is one, and the state it leads to.
    pub release: Option<(EventKind, StateKind)>,
    /// The announcement's kind and title; its body is the change's audit body.
    pub announcement: Option<(AnnouncementKind, String)>,
    pub mail: Option<Mail<'a>>,
}

/// A notification mail (outbox) and who gets it.
pub struct Mail<'a> {
    pub kind: &'a str,
    pub subject: String,
    pub body: String,
    pub to: Recipients<'a>,
}

pub enum Recipients<'a> {
    /// Everyone who downloaded the tender documents while logged in (条例21: those who obtained
    /// the documents hear of every change).
    Downloaders,
    /// The tenderer, its agent, and these organisations (e.g. a section's bidders).
    PartiesAnd(&'a [String]),
}

impl<'a> Mail<'a> {
    pub fn to_downloaders(kind: &'a str, subject: String, body: String) -> Mail<'a> {
        Mail {
            kind,
            subject,
            body,
            to: Recipients::Downloaders,
        }
    }
}

/// The audit event of a change to tender `tender` (in its own chain). Use [`record`] when the
/// change may also be public.
pub fn event(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    tender: &str,
    change: Change<'_>,
) -> AppResult<String> {
    audit::record(
        c,
        now,
        AuditEvent {
            event_type: change.event,
            tender_id: Some(tender.to_string()),
            section_id: change.section.map(str::to_string),
            actor: change.actor,
            subject: tender.to_string(),
            body: change.body,
        },
    )
}

/// The one publication step: the change's audit event and, when `publicity` is given and the
/// tender has been published, its OCDS release, announcement and mails, all in the caller's
/// transaction. Returns the audit event's id.
pub fn record(
    c: &mut AnyConnection,
    env: &Env,
    now: DateTime<Utc>,
    row: &repo::TenderRow,
    change: Change<'_>,
    publicity: Option<Publicity<'_>>,
) -> AppResult<String> {
    let body = publicity.as_ref().map(|_| change.body.clone());
    let event_id = event(c, now, &row.id, change)?;
    let (Some(p), Some(body)) = (publicity, body) else {
        return Ok(event_id);
    };
    if row.version == 0 {
        return Ok(event_id);
    }
    if let Some((kind, state)) = p.release {
        let draft = published_draft(c, row)?;
        let release = ocds::release(&ocds::OcdsEvent {
            ocid_prefix: env.ocid_prefix.clone(),
            event_id: event_id.clone(),
            kind,
            at: now,
            state,
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
                kind: kind.as_str().into(),
                title,
                body: canonical_json(&body),
                published_at: to_db(now),
            },
        )?;
    }
    if let Some(mail) = p.mail {
        for to in recipients(c, row, &mail.to)? {
            enqueue(
                c,
                now,
                OutgoingMail {
                    to,
                    subject: mail.subject.clone(),
                    body: mail.body.clone(),
                    kind: mail.kind.into(),
                    tender_id: Some(row.id.clone()),
                },
            )?;
        }
    }
    Ok(event_id)
}

fn recipients(
    c: &mut AnyConnection,
    row: &repo::TenderRow,
    to: &Recipients<'_>,
) -> AppResult<Vec<String>> {
    match to {
        Recipients::Downloaders => Ok(repo::downloader_emails(c, &row.id)?),
        Recipients::PartiesAnd(others) => {
            let mut orgs: Vec<&String> = vec![&row.tenderer_id];
            orgs.extend(row.agent_id.iter());
            orgs.extend(others.iter());
            orgs.sort();
            orgs.dedup();
            let mut out = Vec::new();
            for org in orgs {
                if let Some(o) = idrepo::find_organisation(c, org)? {
                    out.push(o.contact_email);
                }
            }
            Ok(out)
        }
    }
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
    for v in repo::versions(c, &row.id)? {
        if v.kind()? != VersionKind::Amendment {
            continue;
        }
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
