//! Answer a question (答疑): published as an announcement and mailed to every downloader.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::support::thread;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::domain::thread::ThreadKind;
use crate::error::AppResult;
use crate::wire::tenders::*;
use serde_json::json;

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
            let q = thread::open_thread(c, &row, ThreadKind::Question, &qid)?;
            let q = thread::answer(c, &q, &a, &actor.id, now)?;
            let text = format!("《{}》答疑：\n问：{}\n答：{}", row.title, q.body, a);
            let body = json!({"tender": row.id, "question": q.id, "question_text": q.body,
                "answer": a});
            let change = Change::new(actor.audit_ref(), EventType::QuestionAnswered, body);
            let title = format!("答疑：{}", row.title);
            let publicity = Publicity {
                release: None,
                announcement: Some((
                    crate::domain::tender::AnnouncementKind::Answer,
                    title.clone(),
                )),
                mail: Some(Mail::to_downloaders("answer", title, text)),
            };
            record(c, &env, now, &row, change, Some(publicity))?;
            Ok(question_view(q, false))
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}
