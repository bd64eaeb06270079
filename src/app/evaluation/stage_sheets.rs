//! `GET …/committee/sheets/{stage}`: the committee's sheets of a stage, once revealed (every
//! active member's was in), to a member that has submitted its own sheet of the stage, and to
//! regulators. Before that they are hidden (`sheets_hidden`): nobody scores with an eye on the
//! others'. A replacement sees a revealed stage only once its own sheet of it is in.

use super::*;
use crate::app::support::evaluation::{self as support, Frame};
use crate::app::{Actor, AppContext};
use crate::db::repo::sheets as srepo;
use crate::domain::evaluation::sheet::Stage;
use crate::domain::identity::Role;
use crate::error::ErrorCode;

pub async fn stage_sheets(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    stage: Stage,
) -> AppResult<StageSheets> {
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let (row, me) = committee_for_reader(c, &actor, &tender, &section)?;
            let frame = Frame::load(c, row.clone())?;
            if !support::stages(&frame.section.evaluation).contains(&stage) {
                return Err(AppError::not_found(
                    "no such stage in this section's method",
                ));
            }
            let hidden = |why: &str| AppError::new(ErrorCode::SheetsHidden, why.to_string());
            let all: Vec<srepo::SheetRow> = srepo::all(c, &row.id)?
                .into_iter()
                .filter(|s| s.stage == stage.as_str())
                .collect();
            if !all.iter().any(|s| !s.void && s.revealed_at.is_some()) {
                return Err(hidden(
                    "the stage's sheets are hidden until every active member's is in",
                ));
            }
            let own = me.as_ref().is_some_and(|m| {
                all.iter()
                    .any(|s| s.member_id == m.id && !s.void && s.revealed_at.is_some())
            });
            if !own && !actor.has(Role::Regulator) {
                return Err(hidden("submit your own sheet of this stage first"));
            }
            let bids = if stage == Stage::Preliminary {
                frame.under_review()
            } else {
                support::in_play(c, &frame).unwrap_or_default()
            };
            // Sheets of a stage re-opened for a replacement that are not yet revealed stay
            // hidden; void sheets are listed as such.
            let sheets = all
                .iter()
                .filter(|s| s.void || s.revealed_at.is_some())
                .map(sheet_dto)
                .collect::<AppResult<Vec<_>>>()?;
            Ok(StageSheets {
                committee_id: row.id.clone(),
                stage,
                sheets,
                bids,
            })
        })
        .await
}
