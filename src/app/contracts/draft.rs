//! `POST …/sections/{section}/contract`: the tenderer's side has the platform draft the
//! contract once the 中标通知书 is out — the winning bid's price, duration, quality and project
//! manager as opened, the tender's contract terms — and the 30 days run from the notice. The
//! winner is mailed. One contract a section.

use super::*;
use crate::app::support::tender::load_as_party;
use crate::db::repo::award_notices as nrepo;
use crate::db::repo::bids as brepo;
use crate::db::repo::identity as idrepo;
use crate::domain::award_notices::NoticeKind;
use crate::domain::contract::BidTerms;
use crate::domain::money::Money;
use crate::mail::{enqueue, OutgoingMail};

pub async fn draft_contract(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<Contract> {
    let (actor, tender, section) = (actor.clone(), tender.to_string(), section.to_string());
    let now = ctx.clock.now().trunc_subsecs(6);
    ctx.db
        .write(move |c| {
            let trow = load_as_party(c, &actor, &tender)?;
            let award = award_support::load(c, &tender, &section)?;
            if award.stage != AwardStage::Notified {
                return Err(AppError::new(
                    ErrorCode::AwardStage,
                    format!(
                        "the section's award is at {}: the contract follows the 中标通知书",
                        award.stage.as_str()
                    ),
                ));
            }
            if repo::of_section(c, &tender, &section)?.is_some() {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "the section's contract is drafted already",
                ));
            }
            let winner = award.row.winner_bid_id.clone().ok_or_else(|| {
                internal(anyhow::anyhow!("notified section {tender}/{section} has no winner"))
            })?;
            let notice = nrepo::of_section(c, &tender, &section, award.row.award_round)?
                .into_iter()
                .find(|n| n.kind == NoticeKind::Award.as_str() && n.bid_id == winner)
                .ok_or_else(|| internal(anyhow::anyhow!("no 中标通知书 for bid {winner}")))?;
            let bid = brepo::find_bid(c, &winner)?
                .ok_or_else(|| internal(anyhow::anyhow!("winning bid {winner} vanished")))?;
            let bid_terms = bid_terms(bid.summary.as_deref())?;
            let spec = award.section.contract.clone().unwrap_or_default();
            let terms = Terms::drafted(&spec, &bid_terms);
            let notified_at = at(notice.issued_at);
            let due = rules::sign_due(notified_at);
            let mut row = repo::ContractRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: tender.clone(),
                section_code: section.clone(),
                award_round: award.row.award_round,
                bid_id: winner.clone(),
                tenderer_id: trow.tenderer_id.clone(),
                winner_id: bid.organisation_id.clone(),
                state: ContractState::Draft.as_str().into(),
                version: 1,
                terms: String::new(),
                document: canonical_json(&json!({"section_name": award.section.name})),
                digest: String::new(),
                notice_digest: notice.digest.clone(),
                notified_at: notice.issued_at,
                due_at: db_now(due),
                performance_bond: None,
                tenderer_signature: None,
                winner_signature: None,
                signed_at: None,
                reminders_sent: 0,
                overdue_flagged_at: None,
                terminated_at: None,
                created_by: actor.id.clone(),
                created_at: db_now(now),
                updated_at: db_now(now),
            };
            set_version(c, &mut row, 1, &terms)?;
            repo::insert(c, &row)?;
            let winner_uscc = party_of(c, &row.winner_id)?.uscc;
            let tenderer_uscc = party_of(c, &row.tenderer_id)?.uscc;
            record(
                c,
                now,
                EventType::ContractDrafted,
                &row,
                actor.audit_ref(),
                json!({"bid": row.bid_id, "winner": row.winner_id, "tenderer": row.tenderer_id,
                    "winner_uscc": winner_uscc, "tenderer_uscc": tenderer_uscc,
                    "award_round": row.award_round, "notice_digest": row.notice_digest,
                    "notified_at": notified_at, "due_at": due, "version": 1,
                    "digest": row.digest, "terms": terms}),
            )?;
            if let Some(org) = idrepo::find_organisation(c, &row.winner_id)? {
                enqueue(
                    c,
                    now,
                    OutgoingMail {
                        to: org.contact_email,
                        subject: format!("合同待签：{} {}", trow.title, section),
                        body: format!(
                            "招标人已依据招标文件和中标人的投标文件起草合同（摘要 {}）。\n\
                             请于 {} 前签订（招标投标法第四十六条：中标通知书发出之日起三十日内）。\n",
                            row.digest, due
                        ),
                        kind: "contract_drafted".into(),
                        tender_id: Some(tender.clone()),
                    },
                )?;
            }
            contract_dto(c, &row, now)
        })
        .await
}

/// The winning bid's terms as opened (开标一览表).
fn bid_terms(summary: Option<&str>) -> AppResult<BidTerms> {
    let v: serde_json::Value = match summary {
        Some(s) => parse_json(s, "opened summary")?,
        None => {
            return Err(internal(anyhow::anyhow!(
                "the winning bid was never opened"
            )))
        }
    };
    let price: Money = serde_json::from_value(v["price"].clone())
        .map_err(|_| internal(anyhow::anyhow!("the winning bid's price is unreadable")))?;
    let text = |k: &str| v[k].as_str().unwrap_or_default().trim().to_string();
    Ok(BidTerms {
        price,
        duration_days: v["duration_days"]
            .as_u64()
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(0),
        quality: text("quality"),
        project_manager: text("project_manager"),
    })
}
