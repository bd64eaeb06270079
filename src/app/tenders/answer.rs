//! Answer a question (答疑): published as an announcement and mailed to every downloader.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::publicity::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::tenders as repo;
use crate::db::types::to_db;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
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
            let q = repo::find_question(c, &qid)?.filter(|q| q.tender_id == row.id).ok_or_else(|| AppError::not_found("no such question"))?;
            if repo::answer_question(c, &q.id, &a, &actor.id, to_db(now))? == 0 {
                return Err(AppError::new(ErrorCode::InvalidStateTransition, "this question is already answered"));
            }
            let text = format!("《{}》答疑：\n问：{}\n答：{}", row.title, q.question, a);
            record(c, &env, now, &row, Change::new(actor.audit_ref(), EventType::QuestionAnswered, json!({"tender": row.id, "question": q.id, "question_text": q.question, "answer": a})), Some(Publicity {
                    release: None,
                    announcement: Some(("answer", format!("答疑：{}", row.title))),
                    mail: Some(Mail::to_downloaders("answer", format!("答疑：{}", row.title), text)),
                }))?;
            let q = repo::find_question(c, &q.id)?.ok_or_else(|| AppError::not_found("no such question"))?;
            Ok(question_view(q, false))
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}
