//! One joint task, for its round's readers (the plan's departments, the trading centre).

use super::*;
use crate::app::AppContext;

pub async fn get_task(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<InspectionTask> {
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    let (cal, days) = (
        ctx.calendar.clone(),
        ctx.settings.inspections.publish_within_working_days,
    );
    ctx.db
        .read(move |c| {
            let (row, plan, _) = load_task(c, &actor, &id, false, false)?;
            task_view(c, &row, &plan.code, &cal, days, now)
        })
        .await
}
