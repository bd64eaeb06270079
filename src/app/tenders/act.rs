//! Suspend, resume, terminate (终止招标) or cancel a tender with a recorded reason.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::bids as bids_repo;
use crate::db::repo::tenders as repo;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::domain::lifecycle::transition;
use crate::domain::lifecycle::Event;
use crate::domain::lifecycle::SuspensionReason;
use crate::domain::tender::TenderDraft;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::tenders::*;
use serde_json::json;

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
            // Regulators may suspend and resume on a complaint (条例62); everything else is the
            // parties'.
            let regulator_act = actor.require(Permission::SuperviseTenders).is_ok()
                && matches!(
                    &action,
                    LifecycleAction::Suspend {
                        reason: SuspensionReason::Complaint,
                        ..
                    } | LifecycleAction::Resume {}
                );
            let mut row = if regulator_act {
                let row = repo::lock_tender(c, &id)?
                    .filter(|r| r.version > 0)
                    .ok_or_else(|| AppError::not_found("no such tender"))?;
                crate::app::support::departments::require_supervisor(c, &actor, &row.id)?;
                row
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
                LifecycleAction::Resume {} => (
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
            let title = match &action {
                LifecycleAction::Suspend { .. } => format!("暂停公告：{}", row.title),
                LifecycleAction::Resume {} => format!("恢复公告：{}", row.title),
                LifecycleAction::Terminate { .. } => format!("终止招标公告：{}", row.title),
                LifecycleAction::Cancel { .. } => format!("撤销：{}", row.title),
            };
            let detail = match &action {
                LifecycleAction::Suspend { note, .. } => note.clone(),
                LifecycleAction::Terminate { reason } | LifecycleAction::Cancel { reason } => {
                    reason.clone()
                }
                LifecycleAction::Resume {} => String::new(),
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
                Change::new(
                    who,
                    etype,
                    json!({"tender": row.id, "state": next, "note": detail}),
                ),
                Some(Publicity {
                    release: Some((event.kind(), next.kind())),
                    announcement: Some((ann, title.clone())),
                    mail: Some(Mail::to_downloaders(
                        mail_kind,
                        title.clone(),
                        format!("{title}\n{detail}"),
                    )),
                }),
            )?;
            view(c, &row, !regulator_act)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}
