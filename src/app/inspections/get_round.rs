//! A round as the plan's departments and the trading centre see it.

use super::*;
use crate::app::AppContext;

pub async fn get_round(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<InspectionRound> {
    let (actor, id) = (actor.clone(), id.to_string());
    ctx.db
        .read(move |c| {
            let row =
                repo::find_round(c, &id)?.ok_or_else(|| AppError::not_found("no such round"))?;
            let plan = load_plan(c, &row.plan_code)?;
            may_read(c, &actor, &plan)?;
            round_view(c, &row)
        })
        .await
}
