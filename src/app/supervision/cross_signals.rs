//! `GET /api/v1/supervision/collusion-signals`: the regulator's view across tenders
//! (`domain::collusion::across`): the sections of the tenders its department supervises whose
//! openings were published since a day (a year back by default), their opened bids' preparing
//! machines and pricing dongles, and their awards' winners — one machine behind different
//! bidders in different sections, rings of co-bidders taking turns to win.
//!
//! It reads each tender once and each section's bids, preparation records and award (a few
//! statements per section): a report a regulator asks for, bounded by its window, not a list
//! paged per row. The preparation records are opened from their sealing under the KEK here and
//! never leave the server: the signals carry fingerprint prefixes, not the records.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};

use crate::app::support::tender::published_draft;
use crate::app::{Actor, AppContext};
use crate::db::repo::awards as arepo;
use crate::db::repo::bids as brepo;
use crate::db::repo::collusion as crepo;
use crate::db::repo::supervision as repo;
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, to_db};
use crate::domain::bidding::BidState;
use crate::domain::collusion::across::{across, BidTrace, CrossKind, SectionTrace, Thresholds};
use crate::domain::identity::Role;
use crate::domain::schedule::{legal_date, start_of_legal_day};
use crate::error::{AppError, AppResult};
use crate::wire::supervision::CrossSignals;

/// How far back the view looks unless asked otherwise, and at most.
const DEFAULT_DAYS: i64 = 365;
const MAX_DAYS: i64 = 3 * 365;

pub async fn cross_signals(
    ctx: &AppContext,
    actor: &Actor,
    since: Option<NaiveDate>,
    kind: Option<CrossKind>,
) -> AppResult<CrossSignals> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden("regulators only"));
    }
    let today = legal_date(ctx.clock.now());
    let since = since.unwrap_or(today - TimeDelta::days(DEFAULT_DAYS));
    if since < today - TimeDelta::days(MAX_DAYS) || since > today {
        return Err(AppError::field(
            "since",
            "out_of_range",
            format!("from {MAX_DAYS} days ago up to today"),
        ));
    }
    let actor = actor.clone();
    ctx.db
        .read(move |c| {
            let department = repo::find_officer(c, &actor.id)?.map(|o| o.department_code);
            let openings = brepo::openings_published_since(c, to_db(start_of_legal_day(since)))?;
            let mut in_scope: BTreeMap<String, bool> = BTreeMap::new();
            let mut sections = Vec::new();
            for o in openings {
                let Some(published) = o.record_published_at else {
                    continue;
                };
                let ours = match in_scope.get(&o.tender_id) {
                    Some(v) => *v,
                    None => {
                        let supervising = match trepo::find_tender(c, &o.tender_id)? {
                            Some(t) if t.version > 0 => {
                                published_draft(c, &t)?.supervising_department
                            }
                            _ => None,
                        };
                        // Officers see their department's tenders and those naming none; a
                        // regulator in no department, only the latter.
                        let v = supervising.is_none() || supervising == department;
                        in_scope.insert(o.tender_id.clone(), v);
                        v
                    }
                };
                if !ours {
                    continue;
                }
                let states = [
                    BidState::Opened,
                    BidState::Revoked,
                    BidState::WithdrawnAtOpening,
                ];
                let bids = brepo::bids_of_section(c, &o.tender_id, &o.section_code, &states)?;
                let ids: Vec<String> = bids.iter().map(|b| b.id.clone()).collect();
                let devices: BTreeMap<String, _> = crepo::preparations_of(c, &ids)?
                    .into_iter()
                    .filter_map(|(id, p)| Some((id, p.device?)))
                    .collect();
                let winner_bid =
                    arepo::get(c, &o.tender_id, &o.section_code)?.and_then(|a| a.winner_bid_id);
                let winner = winner_bid
                    .and_then(|w| bids.iter().find(|b| b.id == w))
                    .map(|b| b.bidder_uscc.clone());
                let traces = bids
                    .iter()
                    .map(|b| {
                        let d = devices.get(&b.id);
                        let machine = d.and_then(|d| {
                            Some(format!(
                                "{}:{}:{}",
                                d.mac.as_ref()?,
                                d.cpu.as_ref()?,
                                d.disk.as_ref()?
                            ))
                        });
                        BidTrace {
                            bid: b.id.clone(),
                            uscc: b.bidder_uscc.clone(),
                            machine,
                            pricing_dongle: d.and_then(|d| d.pricing_dongle.clone()),
                        }
                    })
                    .collect();
                sections.push(SectionTrace {
                    tender: o.tender_id,
                    section: o.section_code,
                    opened_at: from_db(published),
                    bids: traces,
                    winner,
                });
            }
            let signals = across(&sections, Thresholds::default())
                .into_iter()
                .filter(|s| kind.is_none_or(|k| s.kind == k))
                .collect();
            Ok(CrossSignals {
                since,
                department,
                sections: u32::try_from(sections.len()).unwrap_or(u32::MAX),
                signals,
            })
        })
        .await
}
