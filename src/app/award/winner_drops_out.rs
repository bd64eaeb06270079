//! `POST …/sections/{section}/award/winner/drop-out`: the winner gives up, cannot perform, did
//! not post the performance bond or is found to have broken the law (条例55), or its bid's
//! validity ended (`validity_lapsed`, checked against the validity the platform keeps). As the
//! section's award terms say, the award goes on without it — traditional: the next candidate in
//! rank becomes the winner, past every winner that dropped out before and every bid whose
//! validity ended (listed as `lapsed`); 评定分离: a new award round, whose new committee decides
//! among the candidates still in the running (docs/AWARD.md §6) — or, with `retender` or no
//! candidate left with a valid bid, the section is tendered again — its bonds are then due back
//! (`support::refunds::section_failed`), the dropped-out winner's kept where 条例74 takes it.
//! Traditional: once decided; 评定分离: once its 定标报告 is signed (publicity). Before or after
//! the notices (a notice already issued is the notices' concern; a contract drafted for the
//! winner is withdrawn, `contract_withdrawn`), never once the contract is signed. The audit
//! entry is `award_winner_dropped_out`.

use chrono::SubsecRound;
use serde_json::json;

use super::publicity_common::*;
use crate::app::support::award as sa;
use crate::app::support::publicity::Env;
use crate::app::support::refunds;
use crate::app::support::tender::load_as_party;
use crate::app::{Actor, AppContext};
use crate::audit::EventType;
use crate::db::repo::award_publicity as prepo;
use crate::db::types::to_db;
use crate::domain::award::publicity::{next_in_rank, AfterGiveUp, GiveUpReason};
use crate::domain::award::stage::{AwardStage, StageEvent};
use crate::domain::contract::ContractState;
use crate::domain::validity::ended;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award::SectionAward;
use crate::wire::award_publicity::WinnerDropsOutRequest;

/// Longest statement, in characters.
const STATEMENT_MAX: usize = 4000;

pub async fn winner_drops_out(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: WinnerDropsOutRequest,
) -> AppResult<SectionAward> {
    let len = req.statement.trim().chars().count();
    if len == 0 || len > STATEMENT_MAX {
        return Err(AppError::field(
            "statement",
            "length",
            format!("what happened, 1 to {STATEMENT_MAX} characters"),
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
            let separated = award.separated();
            let winner = match (&award.row.winner_bid_id, award.stage, separated) {
                (Some(w), AwardStage::Decided | AwardStage::Notified, false)
                | (Some(w), AwardStage::Publicity | AwardStage::Notified, true) => w.clone(),
                _ => {
                    return Err(AppError::new(
                        ErrorCode::AwardStage,
                        format!("no winner to drop out at {}", award.stage),
                    ))
                }
            };
            // Once the contract is signed the award is spent: ending it is the contract's
            // termination (POST …/contract/terminate), not a winner dropping out.
            let draft = crate::db::repo::contracts::of_section(c, &tender, &section)?;
            if let Some(k) = &draft {
                if ContractState::parse(&k.state) != Some(ContractState::Draft) {
                    return Err(AppError::new(
                        ErrorCode::AwardStage,
                        format!(
                            "the section's contract is {}: it is terminated, not given up",
                            k.state
                        ),
                    ));
                }
            }
            // A draft drawn up for the winner that drops out (say, it did not post the
            // performance bond) is withdrawn, kept as it stood, so that the next winner can
            // have its own contract drafted after its notice.
            if let Some(k) = draft.filter(|k| k.bid_id == winner) {
                if crate::db::repo::contracts::withdraw_draft(
                    c,
                    &k,
                    req.reason.as_str(),
                    &actor.id,
                    to_db(now),
                )? {
                    crate::audit::record(
                        c,
                        now,
                        crate::audit::Event {
                            event_type: EventType::ContractWithdrawn,
                            tender_id: Some(tender.clone()),
                            section_id: Some(section.clone()),
                            actor: actor.audit_ref(),
                            subject: k.id.clone(),
                            body: json!({"contract": k.id, "bid": k.bid_id,
                                "digest": k.digest, "award_round": k.award_round,
                                "reason": req.reason.as_str()}),
                        },
                    )?;
                }
            }
            // The bids' validity at the drop-out: a winner dropping out for its lapsed validity
            // must have one that ended, and a bid that lapsed can be neither the next winner
            // nor decided on in a new round (it could never be sent its notice).
            let validity =
                crate::app::support::validity::of_section(c, &award.draft, &tender, &section)?;
            if req.reason == GiveUpReason::ValidityLapsed
                && !ended(validity.until(&winner, now)?, now)
            {
                return Err(AppError::rule(
                    "reason",
                    "validity_in_force",
                    format!(
                        "bid {winner}'s validity (投标有效期) runs until {}: it has not lapsed",
                        validity.until(&winner, now)?.to_rfc3339()
                    ),
                ));
            }
            prepo::insert_dropout(
                c,
                &prepo::DropoutRow {
                    tender_id: tender.clone(),
                    section_code: section.clone(),
                    bid_id: winner.clone(),
                    reason: req.reason.as_str().into(),
                    statement: req.statement.trim().to_string(),
                    recorded_by: actor.id.clone(),
                    recorded_at: to_db(now),
                },
            )?;
            let out = prepo::dropouts(c, &tender, &section)?;
            let round = award.row.award_round;
            let goes_on = award.section.award_terms.after_give_up == AfterGiveUp::NextInRank;
            // Traditional: the next in rank wins. 评定分离: nobody is named here; a new award
            // round decides among those still in the running, if any is.
            let running: Vec<String> = award
                .candidates
                .iter()
                .filter(|b| !out.contains(b))
                .cloned()
                .collect();
            let valid = validity.still_valid(&running, now)?;
            let lapsed: Vec<&String> = running.iter().filter(|b| !valid.contains(b)).collect();
            let (next, new_round) = match (goes_on, separated) {
                (true, false) => (next_in_rank(&valid, &out).cloned(), None),
                (true, true) if !valid.is_empty() => (None, Some(round + 1)),
                _ => (None, None),
            };
            award.row.winner_bid_id = next.clone();
            award.row.winner_reason = None;
            award.row.decided_at = next.as_ref().map(|_| to_db(now));
            // After its notices a traditional section names the next winner in a new award
            // round: the new notices, written report and contract are that round's own.
            if next.is_some() && award.stage == AwardStage::Notified {
                award.row.award_round += 1;
            }
            if let Some(r) = new_round {
                // As an objection upheld with a new round: the new decision has its own
                // publicity.
                award.row.award_round = r;
                award.row.publicity_from = None;
                award.row.publicity_until = None;
            }
            let retender = next.is_none() && new_round.is_none();
            let event = StageEvent::GiveUp { next: !retender };
            sa::advance(c, now, &mut award, &event)?;
            let body = json!({"tender": tender, "section": section,
                "round": round, "winner": winner,
                "reason": req.reason.as_str(),
                "statement_sha256": crate::audit::sha256_hex(req.statement.trim().as_bytes()),
                "lapsed": lapsed,
                "next_winner": next, "new_round": new_round, "retender": retender,
                "stage": award.stage, "award_round": award.row.award_round});
            let text = match (&next, new_round) {
                (None, Some(_)) => format!(
                    "《{}》标段{}的中标人放弃或丧失中标资格（{}），由新组建的定标委员会在其余中标候选人中\
                     重新定标（招标投标法实施条例第五十五条）。",
                    row.title,
                    section,
                    req.reason.as_str()
                ),
                (Some(_), _) => format!(
                    "《{}》标段{}的中标人放弃或丧失中标资格（{}），依次确定排名在后的中标候选人为中标人\
                     （招标投标法实施条例第五十五条）。",
                    row.title,
                    section,
                    req.reason.as_str()
                ),
                (None, None) => format!(
                    "《{}》标段{}的中标人放弃或丧失中标资格（{}），本标段重新招标。",
                    row.title,
                    section,
                    req.reason.as_str()
                ),
            };
            announce(
                c,
                &env,
                now,
                &row,
                &award,
                actor.audit_ref(),
                EventType::AwardWinnerDroppedOut,
                body,
                None,
                text,
            )?;
            if retender {
                // Re-tendered: the section failed, and the bonds it holds are due back (the
                // dropped-out winner's kept where 条例74 takes it).
                let draft = crate::app::support::tender::published_draft(c, &row)?;
                let at = (tender.as_str(), section.as_str());
                refunds::section_failed(c, now, env.refund_interest, &draft, at)?;
            }
            section_award(&award)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}
