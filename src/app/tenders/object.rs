//! Object to the documents (≥10 days before the deadline); the tender is suspended until the
//! tenderer answers (条例22).

use super::*;
use crate::app::support::errors::*;
use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::support::thread;
use crate::app::support::thread::raiser_of;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::sha256_hex;
use crate::audit::EventType;
use crate::db::repo::tenders as repo;
use crate::domain::authz::Permission;
use crate::domain::identity::Role;
use crate::domain::lifecycle::transition;
use crate::domain::lifecycle::Event;
use crate::domain::lifecycle::EventKind;
use crate::domain::schedule::objection_allowed;
use crate::domain::schedule::objection_answer_due;
use crate::domain::thread::ThreadKind;
use crate::error::AppResult;
use crate::wire::tenders::*;
use serde_json::json;

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
            let next = transition(&state, &Event::RaiseObjection, now, &draft.schedule, &rules)
                .map_err(transition_error)?;
            let due = objection_answer_due(now, &rules);
            let raiser = raiser_of(&actor);
            let o = thread::raise(c, &row, ThreadKind::Objection, raiser, text, now, Some(due))?;
            set_state(&mut row, &next, now)?;
            repo::update_tender(c, &row)?;
            let text = format!(
                "《{}》收到对招标文件的异议，招标投标活动暂停，待招标人答复后恢复。",
                row.title
            );
            let body = json!({"tender": row.id, "objection": o.id, "answer_due": due,
                "text_sha256": sha256_hex(o.body.as_bytes())});
            let bidder = actor.audit_as(Role::Bidder);
            let change = Change::new(bidder, EventType::ObjectionRaised, body);
            let title = format!("暂停公告：{}", row.title);
            let publicity = Publicity {
                release: Some((EventKind::RaiseObjection, next.kind())),
                announcement: Some((
                    crate::domain::tender::AnnouncementKind::Suspension,
                    title.clone(),
                )),
                mail: Some(Mail::to_downloaders("suspension", title, text)),
            };
            record(c, &env, now, &row, change, Some(publicity))?;
            objection_view(o)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}
