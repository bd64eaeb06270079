//! `POST …/sections/{section}/award/objections/{objection}/answer`: the tenderer or its agent
//! answers an objection to the result once (条例54: within 3 days; a later answer is accepted and
//! flagged `answered_late` for the regulators). Dismissed: the publicity goes on, and the award
//! waits only for the objections still open. Upheld: the section goes back to the step the
//! answer names — re-evaluation by the original committee (its report void, the committee
//! evaluating again: `support::evaluation::reopen_for_recheck`), a new award round (评定分离
//! only) or a re-tender — and its other open objections are settled with it. The objector is
//! mailed the answer; the audit entry is `award_objection_answered`.

use chrono::SubsecRound;
use serde_json::json;

use super::publicity_common::*;
use crate::app::support::award as sa;
use crate::app::support::publicity::Env;
use crate::app::support::tender::load_as_party;
use crate::app::{Actor, AppContext};
use crate::audit::EventType;
use crate::db::repo::award_publicity as prepo;
use crate::db::repo::identity as idrepo;
use crate::db::types::{from_db, to_db};
use crate::domain::award::stage::AwardStage;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::mail::{enqueue, OutgoingMail};
use crate::wire::award_publicity::{AnswerAwardObjectionRequest, AwardObjection, Outcome};

/// Longest answer, in characters.
const ANSWER_MAX: usize = 20_000;

pub async fn answer_objection(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    objection: &str,
    req: AnswerAwardObjectionRequest,
) -> AppResult<AwardObjection> {
    let len = req.answer.trim().chars().count();
    if len == 0 || len > ANSWER_MAX {
        return Err(AppError::field(
            "answer",
            "length",
            format!("the answer is 1 to {ANSWER_MAX} characters"),
        ));
    }
    let (tender, section, id, actor, env) = (
        tender.to_string(),
        section.to_string(),
        objection.to_string(),
        actor.clone(),
        Env::of(ctx),
    );
    let now = ctx.clock.now().trunc_subsecs(6);
    let out = ctx
        .db
        .write(move |c| {
            let row = load_as_party(c, &actor, &tender)?;
            let mut award = sa::load(c, &tender, &section)?;
            let mut o = prepo::find_objection(c, &id)?
                .filter(|o| o.tender_id == tender && o.section_code == section)
                .ok_or_else(|| AppError::not_found("no such objection"))?;
            if o.outcome.is_some() {
                return Err(AppError::conflict("this objection is answered already"));
            }
            if award.stage != AwardStage::Publicity {
                return Err(AppError::new(
                    ErrorCode::AwardStage,
                    "the section is no longer in publicity",
                ));
            }
            let late = now >= from_db(o.answer_due);
            settle(&mut o, &req, &actor.id, now, late);
            prepo::update_objection(c, &o)?;
            award.row.open_objections = (award.row.open_objections - 1).max(0);
            sa::save(c, now, &mut award)?;
            let mut settled = Vec::new();
            if let Outcome::Upheld { back } = req.outcome {
                // Going back settles every other objection to what was published.
                for mut other in prepo::objections(c, &tender, &section)?
                    .into_iter()
                    .filter(|x| x.outcome.is_none())
                {
                    let why = AnswerAwardObjectionRequest {
                        answer: format!("另一项异议成立，本标段已退回（{}）。", back.as_str()),
                        outcome: req.outcome,
                    };
                    let late = now >= from_db(other.answer_due);
                    settle(&mut other, &why, &actor.id, now, late);
                    prepo::update_objection(c, &other)?;
                    settled.push(other.id);
                }
                award.row.open_objections = 0;
                let why = format!("objection {} upheld", o.id);
                send_back(c, now, &mut award, back, &why)?;
            }
            let body = json!({"tender": tender, "section": section, "objection": o.id,
                "round": o.award_round, "outcome": req.outcome.as_str(),
                "send_back": o.send_back, "answered_late": late,
                "answer_sha256": crate::audit::sha256_hex(req.answer.as_bytes()),
                "also_settled": settled, "open_objections": award.row.open_objections,
                "stage": award.stage});
            let mail = format!(
                "《{}》标段{}的一项异议已答复：{}。",
                row.title,
                section,
                match req.outcome {
                    Outcome::Dismissed => "异议不成立".to_string(),
                    Outcome::Upheld { back } => format!("异议成立，退回（{}）", back.as_str()),
                }
            );
            announce(
                c,
                &env,
                now,
                &row,
                &award,
                actor.audit_ref(),
                EventType::AwardObjectionAnswered,
                body,
                None,
                mail,
            )?;
            tell_objector(c, now, &row, &o, &req.answer)?;
            objection_dto(&o, now)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}

fn settle(
    o: &mut prepo::ObjectionRow,
    req: &AnswerAwardObjectionRequest,
    by: &str,
    now: chrono::DateTime<chrono::Utc>,
    late: bool,
) {
    o.outcome = Some(req.outcome.as_str().into());
    o.send_back = req.outcome.send_back().map(|b| b.as_str().into());
    o.answer = Some(req.answer.clone());
    o.answered_by = Some(by.to_string());
    o.answered_at = Some(to_db(now));
    o.answered_late = Some(late);
}

/// The objector hears the answer itself.
fn tell_objector(
    c: &mut crate::db::AnyConnection,
    now: chrono::DateTime<chrono::Utc>,
    row: &crate::db::repo::tenders::TenderRow,
    o: &prepo::ObjectionRow,
    answer: &str,
) -> AppResult<()> {
    if let Some(org) = idrepo::find_organisation(c, &o.raised_by)? {
        enqueue(
            c,
            now,
            OutgoingMail {
                to: org.contact_email,
                subject: format!("异议答复：{}（{}）", row.title, o.section_code),
                body: format!("您提出的异议：\n{}\n\n答复：\n{}", o.body, answer),
                kind: "award_objection_answer".into(),
                tender_id: Some(row.id.clone()),
            },
        )?;
    }
    Ok(())
}
