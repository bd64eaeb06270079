//! `POST …/sections/{section}/award/winner`: the traditional award (条例55). The tenderer or its
//! agent names the winner once the candidates' publicity is over with no objection open
//! (`publicity_not_over`, `objections_pending`): the first-ranked candidate where the section is
//! state-owned and must be tendered (its award terms, else the platform default:
//! `rank_one_required`), otherwise another candidate only with a written reason
//! (`award_reason_required`). The audit entry (`award_decided`) names the winner, its rank and
//! the reason; the section's bidders and the tender's side are mailed.

use chrono::SubsecRound;
use serde_json::json;

use super::publicity_common::*;
use crate::app::support::award as sa;
use crate::app::support::publicity::Env;
use crate::app::support::tender::{load_as_party, rules_for};
use crate::app::support::validity as sv;
use crate::app::{Actor, AppContext};
use crate::audit::EventType;
use crate::db::repo::award_publicity as prepo;
use crate::db::types::to_db;
use crate::domain::award::publicity::{check_choice, ChoiceError};
use crate::domain::award::stage::{AwardStage, StageEvent};
use crate::domain::validity::ended as validity_ended;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award::SectionAward;
use crate::wire::award_publicity::AwardWinnerRequest;

/// Longest reason, in characters.
const REASON_MAX: usize = 4000;

pub async fn award_winner(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: AwardWinnerRequest,
) -> AppResult<SectionAward> {
    let reason = req
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > REASON_MAX)
    {
        return Err(AppError::field(
            "reason",
            "too_long",
            format!("at most {REASON_MAX} characters"),
        ));
    }
    let (tender, section, actor, env) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        Env::of(ctx),
    );
    let now = ctx.clock.now().trunc_subsecs(6);
    let out = ctx
        .db
        .write(move |c| {
            let row = load_as_party(c, &actor, &tender)?;
            let mut award = sa::load(c, &tender, &section)?;
            if award.separated() || award.stage != AwardStage::Publicity {
                return Err(AppError::new(
                    ErrorCode::AwardStage,
                    format!(
                        "the tenderer awards a traditional section after its candidates' \
                         publicity; this one is {} at {}",
                        award.row.mode, award.stage
                    ),
                ));
            }
            require_publicity_passed(&award, now)?;
            let rules = rules_for(&env.rules, &award.draft);
            let rank_one = award.section.award_terms.rank_one_required(&rules);
            let out = prepo::dropouts(c, &tender, &section)?;
            // A candidate whose bid lapsed (投标有效期) is out as surely as one that dropped
            // out: the rank-one rule falls to the first still valid.
            let validity = sv::of_section(c, &award.draft, &tender, &section)?;
            if award.candidates.contains(&req.winner) {
                validity.require_valid(&req.winner, now)?;
            }
            let mut eligible = Vec::new();
            for b in &award.candidates {
                if !out.contains(b) && !validity_ended(validity.until(b, now)?, now) {
                    eligible.push(b.clone());
                }
            }
            let departs = check_choice(
                &award.candidates,
                &eligible,
                &req.winner,
                rank_one,
                reason.as_deref(),
            )
            .map_err(choice_error)?;
            let rank = award
                .candidates
                .iter()
                .position(|b| *b == req.winner)
                .unwrap_or(0)
                + 1;
            award.row.winner_bid_id = Some(req.winner.clone());
            award.row.winner_reason = reason.clone();
            award.row.decided_at = Some(to_db(now));
            sa::advance(c, now, &mut award, &StageEvent::Award)?;
            let body = json!({"tender": tender, "section": section,
                "round": award.row.award_round, "winner": req.winner, "rank": rank,
                "departs": departs, "rank_one_required": rank_one, "reason": reason});
            let text = format!(
                "《{}》标段{}已确定中标人（中标候选人第{}名）。",
                row.title, section, rank
            );
            announce(
                c,
                &env,
                now,
                &row,
                &award,
                actor.audit_ref(),
                EventType::AwardWinnerNamed,
                body,
                None,
                text,
            )?;
            section_award(&award)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}

pub(super) fn choice_error(e: ChoiceError) -> AppError {
    match e {
        ChoiceError::NotACandidate(_) => {
            AppError::field("winner", "not_a_candidate", e.to_string())
        }
        ChoiceError::RankOneRequired => AppError::new(ErrorCode::RankOneRequired, e.to_string()),
        ChoiceError::ReasonRequired => AppError::new(ErrorCode::AwardReasonRequired, e.to_string()),
    }
}
