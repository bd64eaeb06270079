//! 告知 (行政处罚法44): before deciding, the officers tell the party the intended penalty, the
//! facts, the reasons and basis, and its rights to state its case, defend itself and — where the
//! penalty gives it (63) — ask for a hearing, within 5 working days. The penalties told are the
//! most the decision may impose (45).

use serde_json::json;

use super::*;
use crate::app::support::errors::text;
use crate::app::support::json::to_json;
use crate::app::AppContext;
use crate::db::types::to_db;
use crate::domain::case::{check_penalties, gives_hearing, reply_due, Penalty};
use crate::wire::cases::PenaltyNotice;

/// The penalties checked for the party, or `validation_failed` naming the one at fault.
pub(super) fn checked_penalties(party: PartyKind, ps: &[Penalty]) -> AppResult<()> {
    check_penalties(party, ps)
        .map_err(|e| AppError::field(&format!("penalties[{}]", e.index), "invalid", e.message))
}

/// Tell the party; audited `case_penalty_notified` with the penalties, the hearing right and
/// the period's end.
pub async fn notify(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    facts: &str,
    legal_basis: &str,
    penalties: Vec<Penalty>,
) -> AppResult<Case> {
    let facts = text("facts", facts, LONG_TEXT)?;
    let legal_basis = text("legal_basis", legal_basis, SHORT_TEXT)?;
    let now = ctx.clock.now();
    let due = reply_due(&ctx.calendar, now)?;
    let (actor, id) = (actor.clone(), id.to_string());
    ctx.db
        .write(move |c| {
            let (_, mut row) = load_for_officer(c, &actor, &id)?;
            take(&mut row, Step::Notify)?;
            let party = row.party_kind()?;
            checked_penalties(party, &penalties)?;
            let notice = PenaltyNotice {
                hearing_rights: gives_hearing(party, &penalties),
                facts,
                legal_basis,
                penalties,
                notified_at: now,
                reply_due: due,
            };
            row.notice = Some(to_json(&notice)?);
            row.notified_at = Some(to_db(now));
            row.reply_due = Some(to_db(due));
            row.hearing_rights = notice.hearing_rights;
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"penalties": notice.penalties, "legal_basis": notice.legal_basis,
                "hearing_rights": notice.hearing_rights, "reply_due": due});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CasePenaltyNotified,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}
