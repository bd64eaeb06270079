//! The deadline watch's part of the refunds: a refund not recorded within its 5 days is
//! flagged to the regulators once (`bond_refund_overdue_flagged`; 条例66 makes it a penalty
//! ground). Idempotent.

use chrono::SubsecRound;
use serde_json::json;

use super::*;
use crate::app::AppContext;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::types::to_db;

pub async fn flag_overdue_refunds(ctx: &AppContext) -> AppResult<usize> {
    let now = ctx.clock.now().trunc_subsecs(6);
    ctx.db
        .write(move |c| {
            let rows = repo::overdue_unflagged(c, to_db(now))?;
            let n = rows.len();
            for mut r in rows {
                r.overdue_flagged_at = Some(to_db(now));
                repo::update_refund(c, &r)?;
                audit::record(
                    c,
                    now,
                    Event {
                        event_type: EventType::BondRefundOverdueFlagged,
                        tender_id: (!r.sealed).then(|| r.tender_id.clone()),
                        section_id: (!r.sealed).then(|| r.section_code.clone()),
                        actor: ActorRef::system(),
                        subject: r.id.clone(),
                        body: json!({"refund": r.id, "bond": r.bond_id,
                            "due_at": r.due_at.map(from_db), "ground": r.ground}),
                    },
                )?;
            }
            Ok(n)
        })
        .await
}
