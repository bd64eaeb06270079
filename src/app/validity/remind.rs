//! The deadline watch's reminder that a section's bid validity is running out: at each of
//! `[validity] reminder_days_before` (default 7 and 2 days) before the end in force, while an
//! extension could still be asked — the bids opened, some still valid, the notices not out, no
//! extension open — the tenderer and its agent are mailed and the reminder is logged
//! (`bid_validity_reminder_sent`). An extension agreed moves the end in force, and the new end
//! gets its own reminders. Idempotent; safe on every node (the tender is locked and the count
//! read again before a reminder goes out).

use chrono::{Duration, SubsecRound};
use serde_json::json;

use super::*;
use crate::app::support::tender::published_draft;
use crate::app::support::validity as sv;
use crate::app::AppContext;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::awards as arepo;
use crate::db::repo::bids as brepo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as trepo;
use crate::db::repo::validity::{self as repo, ReminderRow};
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::award::stage::AwardStage;
use crate::domain::bidding::BidState;
use crate::domain::lifecycle::StateKind;
use crate::mail::{enqueue, OutgoingMail};

/// Tender states in which a section's bids may be opened and its notices not yet out.
const HOLDING: [StateKind; 8] = [
    StateKind::Opening,
    StateKind::Suspended,
    StateKind::Evaluating,
    StateKind::Evaluated,
    StateKind::Clearing,
    StateKind::Deciding,
    StateKind::Decided,
    StateKind::Publicity,
];

/// One pass; returns how many reminders it sent. The sections are found by a read; each
/// reminder is then sent in a write of its own, with the tender locked and the count read
/// again, so a pass never holds the writer while it looks.
pub async fn remind_validity_ends(ctx: &AppContext) -> AppResult<usize> {
    let now = ctx.clock.now().trunc_subsecs(6);
    let days = ctx.settings.validity.reminder_days_before.clone();
    if days.is_empty() {
        return Ok(0);
    }
    let d = days.clone();
    let due = ctx
        .db
        .read(move |c| {
            let states: Vec<&str> = HOLDING.iter().map(|s| s.as_str()).collect();
            let mut due = Vec::new();
            for tender in trepo::ids_in_states(c, &states)? {
                let Some(trow) = trepo::find_tender(c, &tender)? else {
                    continue;
                };
                if trow.version == 0 {
                    continue;
                }
                let draft = published_draft(c, &trow)?;
                for s in &draft.sections {
                    if reminder_due(c, now, &d, &trow, &draft, &s.code)?.is_some() {
                        due.push((tender.clone(), s.code.clone()));
                    }
                }
            }
            Ok(due)
        })
        .await?;
    let mut sent = 0;
    for (tender, section) in due {
        let days = days.clone();
        sent += ctx
            .db
            .write(move |c| remind(c, now, &days, &tender, &section))
            .await?;
    }
    Ok(sent)
}

/// A reminder due now: the end in force, which reminder it is, and how many bids are valid.
struct Due {
    end: DateTime<Utc>,
    reached: i32,
    valid: usize,
}

fn reminder_due(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    days: &[u32],
    trow: &trepo::TenderRow,
    draft: &crate::domain::tender::TenderDraft,
    section: &str,
) -> AppResult<Option<Due>> {
    let tender = trow.id.as_str();
    if let Some(a) = arepo::get(c, tender, section)? {
        if matches!(
            AwardStage::parse(&a.stage),
            Some(AwardStage::Notified | AwardStage::Failed)
        ) {
            return Ok(None);
        }
    }
    let v = sv::of_section(c, draft, tender, section)?;
    let end = v.current_end();
    if v.open().is_some() || now >= end {
        return Ok(None);
    }
    let reached = days
        .iter()
        .filter(|d| end - Duration::days(i64::from(**d)) <= now)
        .count();
    let reached = i32::try_from(reached).unwrap_or(i32::MAX);
    let before = repo::reminder(c, tender, section)?
        .filter(|r| from_db(r.end_at) == end)
        .map_or(0, |r| r.sent);
    if reached <= before {
        return Ok(None);
    }
    let mut valid = 0;
    for b in brepo::bids_of_section(c, tender, section, &[BidState::Opened])? {
        if !rules::ended(v.until(&b.id, now)?, now) {
            valid += 1;
        }
    }
    Ok((valid > 0).then_some(Due {
        end,
        reached,
        valid,
    }))
}

fn remind(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    days: &[u32],
    tender: &str,
    section: &str,
) -> AppResult<usize> {
    let Some(trow) = trepo::lock_tender(c, tender)? else {
        return Ok(0);
    };
    let draft = published_draft(c, &trow)?;
    // Another node may have sent it while this one waited for the lock.
    let Some(Due {
        end,
        reached,
        valid,
    }) = reminder_due(c, now, days, &trow, &draft, section)?
    else {
        return Ok(0);
    };
    repo::save_reminder(
        c,
        &ReminderRow {
            tender_id: tender.to_string(),
            section_code: section.to_string(),
            end_at: to_db(end),
            sent: reached,
        },
    )?;
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::BidValidityReminderSent,
            tender_id: Some(tender.to_string()),
            section_id: Some(section.to_string()),
            actor: ActorRef::system(),
            subject: section.to_string(),
            body: json!({"section": section, "end": end, "reminder": reached,
                "valid_bids": valid}),
        },
    )?;
    for org in std::iter::once(&trow.tenderer_id).chain(trow.agent_id.as_ref()) {
        let Some(o) = idrepo::find_organisation(c, org)? else {
            continue;
        };
        enqueue(
            c,
            now,
            OutgoingMail {
                to: o.contact_email,
                subject: format!("投标有效期即将届满：{} 标段{}", trow.title, section),
                body: format!(
                    "《{}》标段{}的投标有效期至 {} 届满，尚有 {} 份投标有效，中标通知书尚未发出。\
                     如需在届满后发出中标通知书，请在届满前请求投标人延长投标有效期。\n",
                    trow.title,
                    section,
                    end.to_rfc3339(),
                    valid
                ),
                kind: "validity_reminder".into(),
                tender_id: Some(tender.to_string()),
            },
        )?;
    }
    Ok(1)
}
