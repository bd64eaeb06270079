//! `GET …/sections/{section}/award/dossier`: what the award committee decides from
//! (domain-rules §3.1) — the 评标报告 it rests on with the members' dissents, the 清标 report,
//! each candidate's bid price from the opening record, its past-performance ratings (履约评价)
//! and its credit record (`support::credit`: decisions served, bans), and the tender's 定标要素
//! with its 择优/比劣 criteria.

use super::*;
use crate::app::support::credit;
use crate::app::support::evaluation::opened_bids;
use crate::app::support::json::parse_json;
use crate::app::AppContext;
use crate::db::repo::reports as rrepo;
use crate::domain::money::Money;
use serde_json::json;

/// The dossier of the section's current award round: for its committee's members while it
/// decides (from `deciding` on), the tender's parties and regulators at any stage of the award.
/// Anyone else — bidders, the public, a member of another round — gets 404.
pub async fn dossier(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<Dossier> {
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    let now = ctx.clock.now();
    ctx.db
        .read(move |c| {
            let none = || AppError::not_found("no award dossier for this section");
            let t = trepo::find_tender(c, &tender)?.ok_or_else(none)?;
            let award = crate::db::repo::awards::get(c, &tender, &section)?.ok_or_else(none)?;
            let round = award.award_round;
            let stage = crate::app::support::award::stage_of(&award)?;
            let overseer =
                actor.has(Role::Regulator) || crate::app::support::tender::is_party(c, &actor, &t)?;
            let member =
                stage == AwardStage::Deciding && is_member(c, &actor, &tender, &section, round)?;
            if !overseer && !member {
                return Err(none());
            }
            let report = rrepo::complete_of_tender(c, &tender)?
                .into_iter()
                .find(|r| r.id == award.report_id)
                .ok_or_else(|| internal(anyhow::anyhow!("award without its report")))?;
            let document: serde_json::Value = parse_json(&report.document, "report")?;
            let dissents: Vec<serde_json::Value> = rrepo::signatures(c, &report.id)?
                .into_iter()
                .filter(|s| s.reason.is_some())
                .map(|s| json!({"member": s.member, "assent": s.assent, "reason": s.reason}))
                .collect();
            let draft = crate::app::support::tender::published_draft(c, &t)?;
            let s = draft
                .sections
                .iter()
                .find(|s| s.code == section)
                .ok_or_else(none)?;
            let candidates: Vec<String> = parse_json(&award.candidates, "candidates")?;
            let opened = opened_bids(c, &tender, &section)?;
            let validity = crate::app::support::validity::of_section(c, &draft, &tender, &section)?;
            let mut out = Vec::new();
            for bid in &candidates {
                let o = opened.iter().find(|o| &o.bid == bid);
                let uscc = o.map(|o| o.bidder.clone()).unwrap_or_default();
                let bidder = idrepo::find_organisation_by_uscc(c, &uscc)?
                    .map(|org| org.name)
                    .unwrap_or_default();
                let performance_ratings = credit::ratings_of(c, &uscc, now)?;
                let credit_record = credit::record_of(c, &uscc, now)?;
                let bid_valid_until = validity.until(bid, now)?;
                out.push(DossierCandidate {
                    bid_valid_until,
                    bid_validity_ended: crate::domain::validity::ended(bid_valid_until, now),
                    bid_id: bid.clone(),
                    bidder,
                    bidder_uscc: uscc,
                    price: o
                        .and_then(|o| o.prices.first().copied())
                        .and_then(|p| Money::new(p).ok()),
                    performance_ratings,
                    credit_record,
                });
            }
            let clearing = acrepo::latest_clearing(c, &tender, &section)?
                .as_ref()
                .map(clearing_dto)
                .transpose()?;
            Ok(Dossier {
                tender_id: tender.clone(),
                section: section.clone(),
                award_round: round_u32(round)?,
                award: serde_json::to_value(&s.award).map_err(internal)?,
                criteria: s.award.criteria(),
                report_id: report.id.clone(),
                report_digest: report.digest.clone(),
                report: json!({"document": document, "dissents": dissents}),
                clearing,
                candidates: out,
            })
        })
        .await
}
