//! `POST …/sections/{section}/award/recheck`: a candidate's finances or operations changed
//! materially, so the tenderer sends the section back to its original committee to re-check it
//! before any notice (条例56). The award machine allows it while the result is in publicity, and
//! for a traditional award also at `decided` (awarded, no notice out yet): the notices wait at
//! `reevaluation` (`award_stage`) until the award begins again. The committee's report is void
//! and the committee evaluates again (`support::evaluation::reopen_for_recheck`) — the
//! candidate whose situation changed among the others; its new complete report, confirming or
//! re-ranking, restarts the award (`support::award::begin`). Open objections are settled by
//! the re-check (they concern the result it replaces). The audit entry is `award_sent_back`.

use chrono::SubsecRound;
use serde_json::json;

use super::publicity_common::*;
use crate::app::support::award as sa;
use crate::app::support::publicity::Env;
use crate::app::support::tender::load_as_party;
use crate::app::{Actor, AppContext};
use crate::audit::EventType;
use crate::db::repo::award_publicity as prepo;
use crate::db::types::to_db;
use crate::domain::award::publicity::{Outcome, SendBack};
use crate::error::{AppError, AppResult};
use crate::wire::award::SectionAward;
use crate::wire::award_publicity::RecheckRequest;

/// Longest reason, in characters.
const REASON_MAX: usize = 4000;

pub async fn request_recheck(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: RecheckRequest,
) -> AppResult<SectionAward> {
    let reason = req.reason.trim().to_string();
    let len = reason.chars().count();
    if len == 0 || len > REASON_MAX {
        return Err(AppError::field(
            "reason",
            "length",
            format!("what changed, 1 to {REASON_MAX} characters"),
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
            let mut settled = Vec::new();
            for mut o in prepo::objections(c, &tender, &section)?
                .into_iter()
                .filter(|o| o.outcome.is_none())
            {
                let upheld = Outcome::Upheld {
                    back: SendBack::Reevaluation,
                };
                o.outcome = Some(upheld.as_str().into());
                o.send_back = upheld.send_back().map(|b| b.as_str().into());
                o.answer = Some(format!("本标段退回原评标委员会复核：{reason}"));
                o.answered_by = Some(actor.id.clone());
                o.answered_at = Some(to_db(now));
                o.answered_late = Some(now >= crate::db::types::from_db(o.answer_due));
                prepo::update_objection(c, &o)?;
                settled.push(o.id);
            }
            award.row.open_objections = 0;
            send_back(c, now, &mut award, SendBack::Reevaluation, "条例56 re-check")?;
            let body = json!({"tender": tender, "section": section,
                "round": award.row.award_round, "send_back": "reevaluation",
                "reason_sha256": crate::audit::sha256_hex(reason.as_bytes()),
                "settled_objections": settled, "stage": award.stage});
            let text = format!(
                "《{}》标段{}的中标候选人情况发生变化，退回原评标委员会复核（招标投标法实施条例第五十六条）。",
                row.title, section
            );
            announce(
                c,
                &env,
                now,
                &row,
                &award,
                actor.audit_ref(),
                EventType::AwardSentBack,
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
