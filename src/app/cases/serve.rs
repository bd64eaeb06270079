//! 送达 (行政处罚法61): the decision is served on the party and takes effect. Its bans are
//! enforced from the day of service: a bidding ban through the same row an officer's direct ban
//! uses (`support::bans::record_ban`, so the bidding stage refuses the USCC), an evaluation ban
//! through the expert's standing in every library it is a member of (so no draw picks it).
//! Service after its 7 working days is recorded as late.

use chrono::Months;
use serde_json::json;

use super::*;
use crate::app::support::bans::record_ban;
use crate::app::support::errors::text;
use crate::app::support::expert_standing::set_standing;
use crate::app::support::json::parse_json;
use crate::app::AppContext;
use crate::db::repo::experts;
use crate::db::repo::supervision::BanRow;
use crate::db::types::to_db;
use crate::domain::case::Penalty;
use crate::domain::experts::MemberStatus;
use crate::domain::penalty::ban_term;
use crate::domain::schedule::start_of_legal_day;
use crate::wire::cases::CaseDecision;

/// Serve the decision; audited `case_served` with the bans and members it set.
pub async fn serve(ctx: &AppContext, actor: &Actor, id: &str, method: &str) -> AppResult<Case> {
    let method = text("method", method, SHORT_TEXT)?;
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let (_, mut row) = load_for_officer(c, &actor, &id)?;
            take(&mut row, Step::Serve)?;
            let decision: CaseDecision =
                parse_json(row.decision.as_deref().unwrap_or(""), "case decision")?;
            let late = row.serve_due.is_none_or(|d| now >= from_db(d));
            let (bans, members) = enforce(c, &actor, &row, &decision, now)?;
            row.served_at = Some(to_db(now));
            row.served_late = late;
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"method": method, "late": late,
                "serve_due": row.serve_due.map(from_db), "bans": bans, "members": members});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseServed,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}

/// Put the decision's bans in force from the day of service; the ids of the ban rows and the
/// library members they changed.
fn enforce(
    c: &mut AnyConnection,
    actor: &Actor,
    row: &repo::CaseRow,
    d: &CaseDecision,
    now: DateTime<Utc>,
) -> AppResult<(Vec<String>, Vec<String>)> {
    let first_day = legal_date(now);
    let (mut bans, mut members) = (Vec::new(), Vec::new());
    for p in &d.penalties {
        match p {
            Penalty::BiddingBan { years } => {
                let (Some(uscc), Some(term)) = (&row.party_uscc, ban_term(first_day, *years))
                else {
                    return Err(AppError::internal(anyhow::anyhow!("unenforceable ban")));
                };
                let ban = BanRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    uscc: uscc.clone(),
                    name: row.party_name.clone(),
                    starts_at: to_db(term.starts_at),
                    ends_at: to_db(term.ends_at),
                    decision_no: d.decision_no.clone(),
                    legal_basis: d.legal_basis.clone(),
                    department_code: row.department_code.clone(),
                    recorded_by: actor.id.clone(),
                    recorded_at: to_db(now),
                };
                record_ban(c, now, as_officer(actor), &ban, first_day, term.last_day)?;
                bans.push(ban.id);
            }
            Penalty::ExpertSuspension { months } => {
                let until = first_day
                    .checked_add_months(Months::new(*months))
                    .map(start_of_legal_day);
                members.extend(stand(
                    c,
                    actor,
                    row,
                    d,
                    MemberStatus::Suspended,
                    until,
                    now,
                )?);
            }
            Penalty::ExpertDisqualification => {
                members.extend(stand(c, actor, row, d, MemberStatus::Banned, None, now)?);
            }
            Penalty::Warning | Penalty::Fine { .. } | Penalty::Confiscation { .. } => {}
        }
    }
    Ok((bans, members))
}

fn stand(
    c: &mut AnyConnection,
    actor: &Actor,
    row: &repo::CaseRow,
    d: &CaseDecision,
    status: MemberStatus,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<Vec<String>> {
    let Some(person) = &row.party_person else {
        return Ok(Vec::new());
    };
    let reason = format!("行政处罚决定 {} ({})", d.decision_no, d.legal_basis);
    let mut changed = Vec::new();
    for mut m in experts::of_principal(c, person)? {
        let current = m.status().map_err(AppError::internal)?;
        if !stricter(current, m.status_until.map(from_db), status, until) {
            continue;
        }
        if set_standing(c, now, as_officer(actor), &mut m, status, until, &reason)? {
            changed.push(m.id);
        }
    }
    Ok(changed)
}

/// Whether `new` until `new_until` (none: for good) bars the expert longer than its current
/// standing: a decision never lightens a ban already in force.
fn stricter(
    current: MemberStatus,
    current_until: Option<DateTime<Utc>>,
    new: MemberStatus,
    new_until: Option<DateTime<Utc>>,
) -> bool {
    match current {
        MemberStatus::Active => true,
        MemberStatus::Suspended | MemberStatus::Banned => match (current_until, new_until) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(c), Some(n)) => n > c || (n == c && new == MemberStatus::Banned),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_never_lightens_a_standing_in_force() {
        use MemberStatus::*;
        let (soon, later): (DateTime<Utc>, DateTime<Utc>) = (
            "2027-01-01T00:00:00Z".parse().unwrap(),
            "2028-01-01T00:00:00Z".parse().unwrap(),
        );
        assert!(stricter(Active, None, Suspended, Some(soon)));
        assert!(!stricter(Banned, None, Suspended, Some(later)));
        assert!(!stricter(Banned, None, Banned, None));
        assert!(stricter(Suspended, Some(soon), Suspended, Some(later)));
        assert!(!stricter(Suspended, Some(later), Suspended, Some(soon)));
        assert!(stricter(Suspended, Some(later), Banned, None));
    }
}
