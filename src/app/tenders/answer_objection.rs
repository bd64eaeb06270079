//! Answer an objection; with none left open the tender resumes.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::support::thread;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as repo;
use crate::db::types::from_db;
use crate::domain::lifecycle::transition;
use crate::domain::lifecycle::Event;
use crate::domain::lifecycle::EventKind;
use crate::domain::lifecycle::StateKind;
use crate::domain::tender::AnnouncementKind;
use crate::domain::thread::ThreadKind;
use crate::error::AppResult;
use crate::mail::enqueue;
use crate::mail::OutgoingMail;
use crate::wire::tenders::*;
use serde_json::json;

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
            let o = thread::open_thread(c, &row, ThreadKind::Objection, &oid)?;
            let state = state_of(&row)?;
            let draft = published_draft(c, &row)?;
            let rules = rules_for(&env.rules, &draft);
            let next = transition(
                &state,
                &Event::AnswerObjection,
                now,
                &draft.schedule,
                &rules,
            )
            .map_err(transition_error)?;
            let o = thread::answer(c, &o, &a, &actor.id, now)?;
            set_state(&mut row, &next, now)?;
            repo::update_tender(c, &row)?;
            let resumed = next.kind() == StateKind::Published;
            let in_time = o.answer_due.is_some_and(|due| now < from_db(due));
            let text = if resumed {
                format!("《{}》的异议已答复，招标投标活动恢复。", row.title)
            } else {
                format!("《{}》的一项异议已答复。", row.title)
            };
            let body = json!({"tender": row.id, "objection": o.id, "answered_in_time": in_time,
                "resumed": resumed});
            let change = Change::new(actor.audit_ref(), EventType::ObjectionAnswered, body);
            let subject = format!("异议答复：{}", row.title);
            let publicity = Publicity {
                release: Some((EventKind::AnswerObjection, next.kind())),
                announcement: resumed.then(|| {
                    (
                        AnnouncementKind::Resumption,
                        format!("恢复公告：{}", row.title),
                    )
                }),
                mail: Some(Mail::to_downloaders("objection_answered", subject, text)),
            };
            record(c, &env, now, &row, change, Some(publicity))?;
            // The objector hears the answer itself, whether or not it downloaded anything.
            if let Some(org) = idrepo::find_organisation(c, &o.raised_by)? {
                enqueue(
                    c,
                    now,
                    OutgoingMail {
                        to: org.contact_email,
                        subject: format!("异议答复：{}", row.title),
                        body: format!(
                            "您对《{}》提出的异议：\n{}\n\n答复：\n{}",
                            row.title, o.body, a
                        ),
                        kind: "objection_answer".into(),
                        tender_id: Some(row.id.clone()),
                    },
                )?;
            }
            objection_view(o)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}
