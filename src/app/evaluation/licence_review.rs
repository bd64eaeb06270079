//! The qualification review's registry facts (免证明, docs/LICENCES.md §4): for each opened bid
//! of a section, its bidder's licences as the registry states them, with provenance and age,
//! and the verdict on each of the section's licence requirements at the bid deadline. Read by
//! the active members of the section's committee while it evaluates and by regulators; only
//! the members may refresh them from the registry. Beside the live verdicts each bid shows the
//! verdicts frozen when the review started (docs/LICENCES.md §9): those are what count. Before
//! the opening record is published there is nothing to read (`not_found`): who bid stays
//! sealed.

use super::read_bid_part::evaluating_member;
use crate::app::support::evaluation::opened_bids;
use crate::app::support::licences;
use crate::app::support::tender::published_draft;
use crate::app::{Actor, AppContext};
use crate::audit::ActorRef;
use crate::db::repo::tenders as trepo;
use crate::db::AnyConnection;
use crate::domain::authz::Permission;
use crate::domain::licence::{judge, overall};
use crate::error::{AppError, AppResult};
use crate::wire::licences::{BidLicences, LicenceReview};

/// `GET …/sections/{section}/licences`: the review from the cached records (no fetch).
pub async fn licence_review(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<LicenceReview> {
    let regulator = actor.require(Permission::ReadOpenedBids);
    let (t, s, reader, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .read(move |c| {
            if let Err(refused) = regulator {
                if !evaluating_member(c, &t, &s, &reader.id)? {
                    return Err(refused);
                }
            }
            review(c, &t, &s, now)
        })
        .await
}

/// `POST …/sections/{section}/licences/refresh`: a member fetches every opened bidder's record
/// from the registry now (each fetch recorded and audited; a failed one leaves the cached
/// record, shown as stale), then reads the review.
pub async fn refresh_licence_review(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<LicenceReview> {
    let (t, s, id) = (tender.to_string(), section.to_string(), actor.id.clone());
    let usccs = ctx
        .db
        .read(move |c| {
            if !evaluating_member(c, &t, &s, &id)? {
                return Err(AppError::forbidden(
                    "only the section's committee refreshes its bidders' licences, while it \
                     evaluates",
                ));
            }
            bidders(c, &t, &s)
        })
        .await?;
    let by = ActorRef {
        role: "committee_member".into(),
        id: actor.id.clone(),
    };
    let mut unique = usccs;
    unique.sort();
    unique.dedup();
    for uscc in unique {
        licences::fetch(ctx, by.clone(), &uscc).await?;
    }
    licence_review(ctx, actor, tender, section).await
}

/// The opened bidders' USCCs (not found before the opening record).
fn bidders(c: &mut AnyConnection, tender: &str, section: &str) -> AppResult<Vec<String>> {
    let opened = opened_bids(c, tender, section)?;
    if opened.is_empty() {
        return Err(not_opened());
    }
    Ok(opened.into_iter().map(|b| b.bidder).collect())
}

fn not_opened() -> AppError {
    AppError::not_found("no opened bids in this section: its opening record is not published yet")
}

fn review(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<LicenceReview> {
    // Opened bids first: a draft or unopened tender has none, and no published draft to read.
    let opened = opened_bids(c, tender, section)?;
    if opened.is_empty() {
        return Err(not_opened());
    }
    let row =
        trepo::find_tender(c, tender)?.ok_or_else(|| AppError::not_found("no such tender"))?;
    let draft = published_draft(c, &row)?;
    let sec = draft
        .sections
        .into_iter()
        .find(|x| x.code == section)
        .ok_or_else(|| AppError::not_found("no such section"))?;
    let deadline = draft.schedule.bid_deadline;
    let req = sec.licence_requirements;
    let frozen = licences::frozen(c, tender, section)?;
    let mut bids = Vec::new();
    for b in opened {
        let held = licences::view(c, &b.bidder, now)?;
        let verdicts = judge(&req, held.record.as_ref(), deadline);
        let frozen = frozen.iter().find(|f| f.bid == b.bid).cloned();
        bids.push(BidLicences {
            bid: b.bid,
            overall: overall(&verdicts),
            verdicts,
            frozen,
            licences: held,
        });
    }
    Ok(LicenceReview {
        tender_id: tender.to_string(),
        section: section.to_string(),
        bid_deadline: deadline,
        requirements: req,
        bids,
        frozen_at: licences::frozen_at(c, tender, section)?,
    })
}
