//! Answered questions for everyone; a bidder also sees its own unanswered ones; parties see all.

use super::*;
use crate::app::support::tender::*;
use crate::app::support::thread;
use crate::app::Actor;
use crate::app::AppContext;
use crate::domain::thread::ThreadKind;
use crate::error::AppResult;
use crate::wire::tenders::*;

/// Answered questions for everyone; a bidder also sees its own unanswered ones; parties see all.
pub async fn list_questions(
    ctx: &AppContext,
    actor: Option<&Actor>,
    id: &str,
) -> AppResult<Vec<Question>> {
    let (id, actor) = (id.to_string(), actor.cloned());
    ctx.db
        .read_primary(move |c| {
            let (row, party) = load_visible(c, actor.as_ref(), &id)?;
            Ok(
                thread::readable(c, &row, ThreadKind::Question, actor.as_ref(), party)?
                    .into_iter()
                    .map(|(q, mine)| question_view(q, mine))
                    .collect(),
            )
        })
        .await
}
