//! Answered questions for everyone; a bidder also sees its own unanswered ones; parties see all.

use super::*;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::tenders as repo;
use crate::domain::authz::Permission;
use crate::error::AppError;
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
            let row =
                repo::find_tender(c, &id)?.ok_or_else(|| AppError::not_found("no such tender"))?;
            let party = actor
                .as_ref()
                .is_some_and(|a| a.require(Permission::ManageTenders).is_ok() && is_party(a, &row));
            if row.version == 0 && !party {
                return Err(AppError::not_found("no such tender"));
            }
            let me = actor
                .as_ref()
                .and_then(|a| a.organisation_id.clone().or(Some(a.id.clone())));
            Ok(repo::questions(c, &id)?
                .into_iter()
                .filter_map(|q| {
                    let mine = me.as_deref() == Some(q.asked_by.as_str());
                    (party || mine || q.answer.is_some()).then(|| question_view(q, mine))
                })
                .collect())
        })
        .await
}
