//! `POST …/sections/{section}/award/publicity`: the tenderer or its agent publishes the ranked
//! 中标候选人 of a traditional award (条例54) for the section's publicity days (its award terms,
//! else the platform default; ≥ 3 calendar days — the 条例 says 日, and the platform keeps no
//! holiday calendar). Due within 3 days of receiving the 评标报告 (its completion); a later
//! publication is accepted and flagged `late` for the regulators (see `domain::award::publicity`
//! for why it is not refused). The announcement, the mails to the section's bidders and the
//! audit entry (`award_candidates_published`) go out in the same transaction.

use chrono::SubsecRound;
use serde_json::json;

use super::publicity_common::*;
use crate::app::support::award as sa;
use crate::app::support::award_publicity::open_publicity;
use crate::app::support::publicity::Env;
use crate::app::support::tender::{load_as_party, rules_for};
use crate::app::{Actor, AppContext};
use crate::audit::EventType;
use crate::db::repo::award_publicity as prepo;
use crate::db::types::from_db;
use crate::domain::award::publicity::publish_due;
use crate::domain::award::stage::StageEvent;
use crate::domain::tender::{AnnouncementKind, AwardMode};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award::SectionAward;

pub async fn publish_candidates(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<SectionAward> {
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
            if !matches!(award.section.award, AwardMode::Traditional { .. }) {
                return Err(AppError::new(
                    ErrorCode::AwardStage,
                    "评定分离 publishes its result with the 定标报告, not the candidates",
                ));
            }
            let rules = rules_for(&env.rules, &award.draft);
            let pr = publicity_rules(&rules);
            let received = prepo::report_completed_at(c, &award.row.report_id)?.map(from_db);
            let due = received.map(|r| publish_due(r, &pr));
            // The step first: a section not awaiting its publicity is refused before anything.
            sa::advance(c, now, &mut award, &StageEvent::PublishCandidates)?;
            let (from, until, days, late) =
                open_publicity(c, &env.rules, now, &mut award, &actor.id, due)?;
            sa::save(c, now, &mut award)?;
            let rank_one = award.section.award_terms.rank_one_required(&rules);
            let body = json!({"tender": tender, "section": section,
                "round": award.row.award_round, "candidates": award.candidates,
                "report": award.row.report_id, "report_digest": award.row.report_digest,
                "publicity_from": from, "publicity_until": until, "days": days,
                "due_at": due, "late": late, "rank_one_required": rank_one});
            let text = format!(
                "《{}》标段{}的中标候选人公示自{}起至{}止（{}日）。投标人或者其他利害关系人对评标结果\
                 有异议的，应当在公示期间提出（招标投标法实施条例第五十四条）。",
                row.title,
                section,
                from.to_rfc3339(),
                until.to_rfc3339(),
                days
            );
            let title = format!("中标候选人公示：{}（{}）", row.title, section);
            announce(
                c,
                &env,
                now,
                &row,
                &award,
                actor.audit_ref(),
                EventType::AwardCandidatesPublished,
                body,
                Some((AnnouncementKind::AwardCandidates, title)),
                text,
            )?;
            section_award(&award)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}
