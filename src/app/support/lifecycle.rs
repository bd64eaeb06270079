//! A tender's suspension, resumption, termination or cancellation as one step: the lifecycle
//! machine, the row, the bids a tender that ends without an opening reveals, the audit entry and
//! the announcement. The parties' and the regulator's `tenders::act` and a complaint's decision
//! (a suspension ordered on it ends with the decision) take it through here.

use serde_json::json;

use crate::app::support::errors::transition_error;
use crate::app::support::json::parse_json;
use crate::app::support::publicity::{record, Change, Env, Mail, Publicity};
use crate::app::support::tender::{published_draft, rules_for, set_state, state_of};
use crate::audit::{ActorRef, EventType};
use crate::db::repo::bids as bids_repo;
use crate::db::repo::tenders as repo;
use crate::db::AnyConnection;
use crate::domain::lifecycle::{transition, Event};
use crate::domain::tender::{AnnouncementKind, TenderDraft};
use crate::error::AppResult;
use crate::wire::tenders::LifecycleAction;
use chrono::{DateTime, Utc};

/// Applies `action` to the (locked) tender `row` as `who`; the caller has authorised it.
pub fn apply_action(
    c: &mut AnyConnection,
    env: &Env,
    now: DateTime<Utc>,
    row: &mut repo::TenderRow,
    action: &LifecycleAction,
    who: ActorRef,
) -> AppResult<()> {
    let state = state_of(row)?;
    let draft: TenderDraft = if row.version > 0 {
        published_draft(c, row)?
    } else {
        parse_json(&row.draft, "draft")?
    };
    let rules = rules_for(&env.rules, &draft);
    let (event, etype, ann, mail_kind) = match action {
        LifecycleAction::Suspend { reason, note } => (
            Event::Suspend {
                reason: *reason,
                note: note.clone(),
            },
            EventType::TenderSuspended,
            Some(AnnouncementKind::Suspension),
            "suspension",
        ),
        LifecycleAction::Resume {} => (
            Event::Resume,
            EventType::TenderResumed,
            Some(AnnouncementKind::Resumption),
            "resumption",
        ),
        LifecycleAction::Terminate { reason } => (
            Event::Terminate {
                reason: reason.clone(),
            },
            EventType::TenderTerminated,
            Some(AnnouncementKind::Termination),
            "termination",
        ),
        LifecycleAction::Cancel { reason } => (
            Event::Cancel {
                reason: reason.clone(),
            },
            EventType::TenderCancelled,
            // A draft is not public: nothing to announce.
            None,
            "cancellation",
        ),
    };
    let next =
        transition(&state, &event, now, &draft.schedule, &rules).map_err(transition_error)?;
    set_state(row, &next, now)?;
    repo::update_tender(c, row)?;
    if matches!(
        action,
        LifecycleAction::Terminate { .. } | LifecycleAction::Cancel { .. }
    ) {
        // A tender that ends without an opening has no bidders left to protect, and each
        // is owed its bond and fees back (条例31): its sealed bid rows get their plain
        // section as at an opening (db::repo::bids::reveal_section), which also takes
        // them out of every later scan of unrevealed rows. Who bid stays sealed.
        for section in &draft.sections {
            bids_repo::reveal_section(c, &row.id, &section.code)?;
        }
    }
    let title = match action {
        LifecycleAction::Suspend { .. } => format!("暂停公告：{}", row.title),
        LifecycleAction::Resume {} => format!("恢复公告：{}", row.title),
        LifecycleAction::Terminate { .. } => format!("终止招标公告：{}", row.title),
        LifecycleAction::Cancel { .. } => format!("撤销：{}", row.title),
    };
    let detail = match action {
        LifecycleAction::Suspend { note, .. } => note.clone(),
        LifecycleAction::Terminate { reason } | LifecycleAction::Cancel { reason } => {
            reason.clone()
        }
        LifecycleAction::Resume {} => String::new(),
    };
    record(
        c,
        env,
        now,
        row,
        Change::new(
            who.clone(),
            etype,
            json!({"tender": row.id, "state": next, "note": detail}),
        ),
        Some(Publicity {
            release: Some((event.kind(), next.kind())),
            announcement: ann.map(|kind| (kind, title.clone())),
            mail: Some(Mail::to_downloaders(
                mail_kind,
                title.clone(),
                format!("{title}\n{detail}"),
            )),
        }),
    )?;
    if let LifecycleAction::Terminate { .. } = action {
        let rule = env.refund_interest;
        // 条例31: a terminated tender returns the bonds it holds, with interest (logged after
        // the termination, which is its ground).
        for section in &draft.sections {
            crate::app::support::refunds::open(
                c,
                now,
                rule,
                crate::domain::refund::Ground::TenderTerminated,
                crate::app::support::refunds::Scope::Section {
                    tender: &row.id,
                    section: &section.code,
                    keep_revoked: false,
                },
                who.clone(),
            )?;
        }
    }
    Ok(())
}
