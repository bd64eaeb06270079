//! Draws as their tender's parties and overseers see them.

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
            full_dto(c, &row)
        })
        .await
}

/// Every draw of a tender — its expert draws and its lotteries (K at the opening) — for the
/// same people as [`view`]: how the supervising regulator finds the draws waiting for its
/// contribution.
pub async fn list(ctx: &AppContext, actor: &Actor, tender: &str) -> AppResult<TenderDraws> {
    let (tender, actor) = (tender.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let t = trepo::find_tender(c, &tender)?.ok_or_else(not_found_tender)?;
            if !may_view(c, &actor, &t)? {
                return Err(not_found_tender());
            }
            let items = repo::of_tender(c, &tender)?
                .iter()
                .map(|row| full_dto(c, row))
                .collect::<AppResult<_>>()?;
            Ok(TenderDraws { items })
        })
        .await
}

fn not_found_tender() -> AppError {
    AppError::not_found("no such tender")
}
