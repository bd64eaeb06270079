//! The deadline watch's part of the contract: both parties are reminded before the 30 days
//! from the 中标通知书 run out (`[contracts] reminder_days_before`), and a contract still not
//! signed when they are over is flagged to the regulators once (`contract_overdue_flagged`;
//! it shows on their breaches list until it is signed). Idempotent.

use super::*;
use crate::audit::ActorRef;
use crate::db::repo::identity as idrepo;
use crate::mail::{enqueue, OutgoingMail};

/// Sends the reminders due and flags overdue drafts; returns how many contracts it touched.
pub async fn contract_tick(ctx: &AppContext) -> AppResult<usize> {
    let now = ctx.clock.now().trunc_subsecs(6);
    let days = ctx.settings.contracts.reminder_days_before.clone();
    let horizon = i64::from(days.iter().copied().max().unwrap_or(0)) + 2;
    ctx.db
        .write(move |c| {
            let mut touched = 0;
            let before = db_now(now + chrono::Duration::days(horizon));
            for mut row in repo::drafts_due_before(c, before)? {
                let due = at(row.due_at);
                let reached = rules::reminder_times(due, &days)
                    .iter()
                    .filter(|t| **t <= now)
                    .count();
                let reached = i32::try_from(reached).unwrap_or(i32::MAX);
                let mut changed = false;
                if reached > row.reminders_sent && now < due {
                    row.reminders_sent = reached;
                    remind(c, now, &row, due)?;
                    record(
                        c,
                        now,
                        EventType::ContractReminderSent,
                        &row,
                        ActorRef::system(),
                        json!({"reminder": reached, "due_at": due}),
                    )?;
                    changed = true;
                }
                if now >= due && row.overdue_flagged_at.is_none() {
                    row.overdue_flagged_at = Some(db_now(now));
                    record(
                        c,
                        now,
                        EventType::ContractOverdueFlagged,
                        &row,
                        ActorRef::system(),
                        json!({"notified_at": at(row.notified_at), "due_at": due}),
                    )?;
                    changed = true;
                }
                if changed {
                    repo::update(c, &row)?;
                    touched += 1;
                }
            }
            Ok(touched)
        })
        .await
}

fn remind(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    row: &repo::ContractRow,
    due: DateTime<Utc>,
) -> AppResult<()> {
    for org in [&row.tenderer_id, &row.winner_id] {
        if let Some(o) = idrepo::find_organisation(c, org)? {
            enqueue(
                c,
                now,
                OutgoingMail {
                    to: o.contact_email,
                    subject: format!("合同签订提醒：{} {}", row.tender_id, row.section_code),
                    body: format!(
                        "合同尚未由双方签订。法定期限（中标通知书发出之日起三十日）至 {due} 届满。\n"
                    ),
                    kind: "contract_reminder".into(),
                    tender_id: Some(row.tender_id.clone()),
                },
            )?;
        }
    }
    Ok(())
}
