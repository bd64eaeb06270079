//! Bidding bans as the bidding stage enforces them: an organisation under a decided ban
//! (docs/SUPERVISION.md §4) gets no bond account, opens no upload and submits no bid while it
//! lasts, with its own code. Both ways a ban is decided — an officer entering its department's
//! decision, a case's decision served on the party — record it with [`record_ban`].

use crate::db::repo::identity as idrepo;
use crate::db::repo::supervision as repo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::schedule::legal_date;
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::audit::{ActorRef, Event, EventType};

/// Refuse `organisation` (`bidding_banned`, 403) if a ban on its USCC is in force at `now`.
pub fn refuse_banned(
    c: &mut AnyConnection,
    organisation: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(org) = idrepo::find_organisation(c, organisation)? else {
        return Ok(());
    };
    match repo::ban_in_force(c, &org.uscc, to_db(now))? {
        None => Ok(()),
        Some(ban) => {
            let ends = crate::db::types::from_db(ban.ends_at);
            let last_day = legal_date(ends - TimeDelta::seconds(1));
            Err(AppError::new(
                ErrorCode::BiddingBanned,
                format!(
                    "{} is barred from bidding until {last_day} inclusive by decision {} \
                     ({}); bids are accepted again from the next day",
                    org.uscc, ban.decision_no, ban.legal_basis
                ),
            ))
        }
    }
}

/// Insert a decided ban and its `bidding_ban_recorded` entry, in the caller's transaction.
pub fn record_ban(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    by: ActorRef,
    row: &repo::BanRow,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> AppResult<()> {
    repo::insert_ban(c, row)?;
    crate::audit::record(
        c,
        now,
        Event {
            event_type: EventType::BiddingBanRecorded,
            tender_id: None,
            section_id: None,
            actor: by,
            subject: row.uscc.clone(),
            body: serde_json::json!({"ban": row.id, "uscc": row.uscc, "name": row.name,
                "first_day": first_day, "last_day": last_day,
                "decision_no": row.decision_no, "legal_basis": row.legal_basis,
                "department": row.department_code}),
        },
    )?;
    Ok(())
}
