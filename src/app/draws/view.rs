//! A draw as its tender's parties and overseers see it.

use super::*;
use crate::app::AppContext;

/// A draw for the tender's parties, regulators and the trading centre: its frame digest,
/// commitment, contributions and counts at once; the seats and the secret once revealed.
pub async fn view(ctx: &AppContext, actor: &Actor, draw: &str) -> AppResult<Draw> {
    let (draw, actor) = (draw.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let row = repo::find(c, &draw)?.ok_or_else(not_found)?;
            let tender = trepo::find_tender(c, &row.tender_id)?.ok_or_else(not_found)?;
            if !may_view(c, &actor, &tender)? {
                return Err(not_found());
            }
            let contributions = repo::contributions(c, &row.id)?;
            let seats = repo::seats(c, &row.id)?;
            draw_dto(&row, &contributions, &seats)
        })
        .await
}
