//! `POST …/award/deciding`: the tenderer (or its agent) convenes the 定标会议 once the award
//! committee is formed: the deciding opens the first step its method asks for — a ballot
//! round, a lot, the deliberation — or, for 价格竞争 without a tie, decides at once from the
//! opened bids' prices (docs/AWARD.md §3). Afterwards the steps move on by themselves: the
//! last member's ballot or the round's time closes a round, and the next step opens. The
//! round decides among the candidates whose bids are still valid at the convening (投标有效期),
//! a list kept for the round (docs/AWARD.md §5).

use serde_json::json;

use super::deciding::{deciding, proceed, Timing};
use super::steps_view::steps_view;
use crate::app::support::award as sa;
use crate::app::support::json::to_json;
use crate::app::support::tender::load_as_party;
use crate::app::support::validity as sv;
use crate::app::{Actor, AppContext};
use crate::audit::{self, Event, EventType};
use crate::db::repo::award_rounds as repo;
use crate::domain::award::stage::AwardStage;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award_rounds::AwardSteps;

pub async fn start_deciding(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<AwardSteps> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let timing = Timing::of(ctx);
    ctx.db
        .write(move |c| {
            load_as_party(c, &actor, &tender)?;
            let mut award = sa::load(c, &tender, &section)?;
            if award.stage != AwardStage::Deciding {
                return Err(AppError::new(
                    ErrorCode::AwardStage,
                    "the section is not deciding (the award committee is not formed, or the \
                     award is decided)",
                ));
            }
            if !repo::steps(c, &tender, &section, award.row.award_round)?.is_empty() {
                return Err(AppError::conflict("the deciding has begun already"));
            }
            // A lapsed bid (投标有效期) could not be sent its 中标通知书, and a winner that
            // dropped out (条例55) is out of the award: the round decides among the other
            // candidates still valid now, and keeps that list for its whole course.
            let out = crate::db::repo::award_publicity::dropouts(c, &tender, &section)?;
            let running: Vec<String> = award
                .candidates
                .iter()
                .filter(|b| !out.contains(b))
                .cloned()
                .collect();
            let validity = sv::of_section(c, &award.draft, &tender, &section)?;
            let among = validity.still_valid(&running, now)?;
            if among.is_empty() {
                return Err(AppError::new(
                    ErrorCode::BidValidityEnded,
                    "no candidate's bid is still valid (投标有效期): there is nobody to decide \
                     among, and the section is to be tendered again",
                ));
            }
            let lapsed: Vec<&String> = running.iter().filter(|b| !among.contains(b)).collect();
            let dropped: Vec<String> = award
                .candidates
                .iter()
                .filter(|b| out.contains(b))
                .cloned()
                .collect();
            award.row.convened_among = Some(to_json(&among)?);
            award.row.convened_round = Some(award.row.award_round);
            sa::save(c, now, &mut award)?;
            let d = deciding(c, &award)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::AwardStepOpened,
                    tender_id: Some(d.tender.clone()),
                    section_id: Some(d.section.clone()),
                    actor: actor.audit_ref(),
                    subject: d.section.clone(),
                    body: json!({"convened": true, "award_round": d.award_round,
                        "setup": d.setup, "lapsed": lapsed, "dropped_out": dropped,
                        "members": d.members.iter().map(|m| json!({"person": m.person,
                            "chair": m.chair})).collect::<Vec<_>>()}),
                },
            )?;
            proceed(c, now, &mut award, timing)?;
            steps_view(c, &award)
        })
        .await
}
