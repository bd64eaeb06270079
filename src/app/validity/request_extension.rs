//! `POST …/sections/{section}/bid-validity/extensions`: the tenderer or its agent asks every bid
//! of the section still valid to extend its validity to `new_end`, answered by `answer_due`
//! (in the future, before the validity in force ends). Only once the section's bids are
//! opened, before its notices are out, and one extension at a time (`conflict`). Audited
//! `bid_validity_extension_requested` with the bids asked; each asked bidder is mailed.

use chrono::SubsecRound;
use serde_json::json;

use super::*;
use crate::app::support::tender::{load_as_party, published_draft, state_of};
use crate::app::support::validity::{self as sv, AskedBid};
use crate::app::{Actor, AppContext};
use crate::audit::{self, Event, EventType};
use crate::db::repo::awards as arepo;
use crate::db::repo::bids as brepo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::validity::{self as repo, ExtensionRow};
use crate::db::types::to_db;
use crate::domain::award::stage::AwardStage;
use crate::domain::bidding::BidState;
use crate::domain::lifecycle::StateKind;
use crate::error::ErrorCode;
use crate::mail::{enqueue, OutgoingMail};

pub async fn request_extension(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: wire::ValidityExtensionRequest,
) -> AppResult<wire::SectionValidity> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now().trunc_subsecs(6),
    );
    let (new_end, answer_due) = (
        req.new_end.trunc_subsecs(6),
        req.answer_due.trunc_subsecs(6),
    );
    ctx.db
        .write(move |c| {
            let trow = load_as_party(c, &actor, &tender)?;
            let wrong_state = |why: String| AppError::new(ErrorCode::InvalidStateTransition, why);
            if trow.version == 0 {
                return Err(wrong_state("the tender is a draft: nobody has bid yet".into()));
            }
            let draft = published_draft(c, &trow)?;
            require_section(&draft, &section)?;
            let state = state_of(&trow)?.kind();
            if matches!(
                state,
                StateKind::Terminated | StateKind::Cancelled | StateKind::Contracted
            ) {
                return Err(wrong_state(format!(
                    "the tender is {state}: no bid is held any more"
                )));
            }
            if let Some(a) = arepo::get(c, &tender, &section)? {
                if matches!(
                    AwardStage::parse(&a.stage),
                    Some(AwardStage::Notified | AwardStage::Failed)
                ) {
                    return Err(wrong_state(format!(
                        "the section's award is {}: its bids need no longer validity",
                        a.stage
                    )));
                }
            }
            let opened = brepo::bids_of_section(c, &tender, &section, &[BidState::Opened])?;
            if opened.is_empty() {
                return Err(wrong_state(
                    "the section has no opened bid: a validity runs from the opening on".into(),
                ));
            }
            let v = sv::of_section(c, &draft, &tender, &section)?;
            if let Some(open) = v.open() {
                return Err(AppError::conflict(format!(
                    "extension {} is open until its answers are due at {}",
                    open.id,
                    from_db(open.answer_due).to_rfc3339()
                )));
            }
            let mut asked = Vec::new();
            for b in &opened {
                if !rules::ended(v.until(&b.id, now)?, now) {
                    asked.push(AskedBid {
                        bid: b.id.clone(),
                        organisation: b.organisation_id.clone(),
                        bidder_uscc: b.bidder_uscc.clone(),
                    });
                }
            }
            let current = v.current_end();
            if let Err(e) = rules::check_request(now, current, new_end, answer_due, &req.reason) {
                return Err(match e.field {
                    Some(f) => AppError::field(f, e.code, e.message),
                    None => AppError::new(ErrorCode::BidValidityEnded, e.message),
                });
            }
            if asked.is_empty() {
                return Err(AppError::new(
                    ErrorCode::BidValidityEnded,
                    "no bid of the section is still valid: there is nothing to extend",
                ));
            }
            asked.sort_by(|a, b| a.bid.cmp(&b.bid));
            let row = ExtensionRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: tender.clone(),
                section_code: section.clone(),
                previous_end: to_db(current),
                new_end: to_db(new_end),
                answer_due: to_db(answer_due),
                reason: req.reason.clone(),
                asked: serde_json::to_string(&asked).map_err(internal)?,
                requested_by: actor.id.clone(),
                requested_at: to_db(now),
                closed_at: None,
            };
            repo::insert(c, &row)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::BidValidityExtensionRequested,
                    tender_id: Some(tender.clone()),
                    section_id: Some(section.clone()),
                    actor: actor.audit_ref(),
                    subject: row.id.clone(),
                    body: json!({"extension": row.id, "section": section,
                        "base_end": v.base_end, "previous_end": current, "new_end": new_end,
                        "answer_due": answer_due, "reason": req.reason, "asked": asked}),
                },
            )?;
            for a in &asked {
                let Some(o) = idrepo::find_organisation(c, &a.organisation)? else {
                    continue;
                };
                enqueue(
                    c,
                    now,
                    OutgoingMail {
                        to: o.contact_email,
                        subject: format!("延长投标有效期：{tender} {section}"),
                        body: format!(
                            "招标人请求将投标有效期由 {} 延长至 {}，请于 {} 前签名答复；逾期未答复视为\
                             拒绝延长，投标失效，投标保证金予以退还。\n理由：{}\n",
                            current.to_rfc3339(),
                            new_end.to_rfc3339(),
                            answer_due.to_rfc3339(),
                            req.reason
                        ),
                        kind: "validity_extension_requested".into(),
                        tender_id: Some(tender.clone()),
                    },
                )?;
            }
            let v = sv::of_section(c, &draft, &tender, &section)?;
            section_dto(&v, (&tender, &section), None, now)
        })
        .await
}
