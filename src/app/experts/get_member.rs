//! One member, for the trading centre, regulators, its pool's tenderer, or the member itself.

use super::*;
use crate::app::AppContext;

/// One member, for the trading centre, regulators, its pool's tenderer, or the member itself;
/// anyone else gets `not_found`.
pub async fn get_member(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Member> {
    let (id, actor) = (id.to_string(), actor.clone());
    let member = ctx
        .db
        .read(move |c| {
            let row = repo::find(c, &id)?.ok_or_else(|| AppError::not_found("no such member"))?;
            let library = library_of(&row)?;
            if row.principal_id != actor.id && !may_read_library(&actor, &library) {
                return Err(AppError::not_found("no such member"));
            }
            Ok(repo::members(c, vec![row])?.remove(0))
        })
        .await?;
    member_dto(member)
}
