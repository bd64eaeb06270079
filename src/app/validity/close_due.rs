//! The deadline watch's part: an extension whose answers are due is closed
//! (`bid_validity_extension_closed`, naming the bids that agreed, declined and stayed silent);
//! a silent bidder is taken to decline (视为拒绝), so its bid lapses at the due time and its
//! bond is due back (`validity_declined`). Idempotent; safe on every node (the tender is
//! locked and the close is conditional).

use serde_json::json;

use super::*;
use crate::app::support::refunds::{self, interest_rule, Scope};
use crate::app::support::tender::published_draft;
use crate::app::support::validity as sv;
use crate::app::AppContext;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::tenders as trepo;
use crate::db::repo::validity as repo;
use crate::db::types::to_db;
use crate::domain::refund::Ground;

/// One pass; returns how many extensions it closed.
pub async fn close_due_extensions(ctx: &AppContext) -> AppResult<usize> {
    let (now, rule) = (ctx.clock.now(), interest_rule(ctx));
    ctx.db
        .write(move |c| {
            let mut closed = 0;
            for due in repo::due_to_close(c, to_db(now))? {
                let Some(trow) = trepo::lock_tender(c, &due.tender_id)? else {
                    continue;
                };
                // Another node may have closed it while this one waited for the lock.
                if repo::close(c, &due.id, to_db(now))? == 0 {
                    continue;
                }
                let draft = published_draft(c, &trow)?;
                let v = sv::of_section(c, &draft, &due.tender_id, &due.section_code)?;
                let (mut agreed, mut declined, mut silent) = (Vec::new(), Vec::new(), Vec::new());
                for a in sv::asked_of(&due)? {
                    match v.answer(&due.id, &a.bid) {
                        Some(x) if x.agree => agreed.push(a.bid),
                        Some(_) => declined.push(a.bid),
                        None => silent.push(a),
                    }
                }
                audit::record(
                    c,
                    now,
                    Event {
                        event_type: EventType::BidValidityExtensionClosed,
                        tender_id: Some(due.tender_id.clone()),
                        section_id: Some(due.section_code.clone()),
                        actor: ActorRef::system(),
                        subject: due.id.clone(),
                        body: json!({"extension": due.id, "answer_due": from_db(due.answer_due),
                            "agreed": agreed, "declined": declined,
                            "silent": silent.iter().map(|a| &a.bid).collect::<Vec<_>>()}),
                    },
                )?;
                for a in &silent {
                    refunds::open(
                        c,
                        now,
                        rule,
                        Ground::ValidityDeclined,
                        Scope::Lapsed {
                            tender: &due.tender_id,
                            section: &due.section_code,
                            organisation: &a.organisation,
                        },
                        ActorRef::system(),
                    )?;
                }
                closed += 1;
            }
            Ok(closed)
        })
        .await
}
