//! 投标有效期 extensions (docs/BIDDING.md, "Bid validity"). The tender states how long a bid
//! binds its bidder (条例25); when the evaluation, the award or a complaint runs past it, the
//! tender's side asks every bid of the section still valid to extend (《工程建设项目施工招标
//! 投标办法》29): the request, each bidder's signed answer, and the deadline watch closing the
//! request once the answers are due — a silent bidder taken to decline. A declined bid lapses
//! and its bond is due back; the award and the notices refuse a lapsed bid
//! (`support::validity`, which every stage reads). Before the end in force the tender's side is
//! reminded while an extension can still be asked.

mod answer_extension;
mod close_due;
mod remind;
mod request_extension;
mod view;

pub use answer_extension::*;
pub use close_due::*;
pub use remind::*;
pub use request_extension::*;
pub use view::*;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::app::support::errors::internal;
use crate::app::support::validity::{asked_of, SectionValidity};
use crate::db::repo::validity::{AnswerRow, ExtensionRow};
use crate::db::types::from_db;
use crate::domain::tender::TenderDraft;
use crate::domain::validity as rules;
use crate::error::{AppError, AppResult};
use crate::wire::validity as wire;

/// The answer's signature as stored (JSON in `validity_answers.signature`).
#[derive(serde::Serialize, Deserialize)]
struct StoredSignature {
    signature: String,
    signature_algorithm: String,
    certificate: String,
    fingerprint: String,
}

fn require_section(draft: &TenderDraft, section: &str) -> AppResult<()> {
    if draft.sections.iter().any(|s| s.code == section) {
        Ok(())
    } else {
        Err(AppError::not_found("the tender has no such section"))
    }
}

fn answer_dto(a: &AnswerRow) -> AppResult<wire::ValidityAnswer> {
    let s: StoredSignature = serde_json::from_str(&a.signature).map_err(internal)?;
    Ok(wire::ValidityAnswer {
        agree: a.agree,
        document: a.document.clone(),
        digest: a.digest.clone(),
        signature: s.signature,
        signature_algorithm: s.signature_algorithm,
        certificate: s.certificate,
        answered_at: from_db(a.answered_at),
    })
}

/// One extension as `organisation` sees it (`None`: every bid asked).
fn extension_dto(
    v: &SectionValidity,
    row: &ExtensionRow,
    organisation: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<wire::ValidityExtension> {
    let mut asked = Vec::new();
    for a in asked_of(row)? {
        if organisation.is_some_and(|o| o != a.organisation) {
            continue;
        }
        let until = v.until(&a.bid, now)?;
        asked.push(wire::ValidityAsked {
            answer: v.answer(&row.id, &a.bid).map(answer_dto).transpose()?,
            bid: a.bid,
            bidder_uscc: a.bidder_uscc,
            valid_until: until,
            ended: rules::ended(until, now),
        });
    }
    Ok(wire::ValidityExtension {
        id: row.id.clone(),
        tender: row.tender_id.clone(),
        section: row.section_code.clone(),
        previous_end: from_db(row.previous_end),
        new_end: from_db(row.new_end),
        answer_due: from_db(row.answer_due),
        reason: row.reason.clone(),
        requested_at: from_db(row.requested_at),
        closed_at: row.closed_at.map(from_db),
        asked,
    })
}

/// The section's validity as `organisation` sees it: a bidder only the extensions that asked
/// it, with its own answer.
fn section_dto(
    v: &SectionValidity,
    (tender, section): (&str, &str),
    organisation: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<wire::SectionValidity> {
    let mut extensions = Vec::new();
    for e in &v.extensions {
        let dto = extension_dto(v, e, organisation, now)?;
        if organisation.is_none() || !dto.asked.is_empty() {
            extensions.push(dto);
        }
    }
    Ok(wire::SectionValidity {
        tender: tender.to_string(),
        section: section.to_string(),
        base_end: v.base_end,
        current_end: v.current_end(),
        extensions,
    })
}
