//! An expert's standing in the libraries (暂停 / 禁入 / reinstated), set in one place: a
//! regulator disciplining a member directly (`experts::set_status`) and a penalty case's
//! decision served on an expert (`cases::serve`) both change the member row the draws read and
//! record `expert_status_changed`, so the draw never picks a banned expert.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::json;

use crate::app::support::errors::internal;
use crate::audit::{ActorRef, Event, EventType};
use crate::db::repo::experts as repo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::experts::MemberStatus;
use crate::error::AppResult;

/// Give `row` the standing `status` until `until` (none: indefinitely) for `reason`, audited.
/// Returns whether anything changed: setting the standing a member already has logs nothing.
pub fn set_standing(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    by: ActorRef,
    row: &mut repo::ExpertRow,
    status: MemberStatus,
    until: Option<DateTime<Utc>>,
    reason: &str,
) -> AppResult<bool> {
    let from = row.status().map_err(internal)?;
    // Stored to the microsecond (PostgreSQL's precision), so compare at that precision.
    let until_db = until.map(|u| to_db(u.trunc_subsecs(6)));
    if from == status && row.status_until == until_db {
        return Ok(false);
    }
    row.status = status.as_str().into();
    row.status_until = until_db;
    row.status_reason = Some(reason.trim().to_string());
    row.updated_at = to_db(now);
    repo::update(c, row)?;
    crate::audit::record(
        c,
        now,
        Event {
            event_type: EventType::ExpertStatusChanged,
            tender_id: None,
            section_id: None,
            actor: by,
            subject: row.principal_id.clone(),
            body: json!({"member": row.id, "library": row.library,
                "from": from.as_str(), "to": status.as_str(),
                "until": until, "reason": row.status_reason}),
        },
    )?;
    Ok(true)
}
