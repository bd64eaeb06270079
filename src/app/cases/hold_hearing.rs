//! The chair records the hearing (行政处罚法64, 65): held at or after its time; a party that did
//! not come waived it. The decision rests on the record.

use serde_json::json;

use super::*;
use crate::app::support::errors::text;
use crate::app::support::json::{parse_json, to_json};
use crate::app::AppContext;
use crate::db::types::to_db;
use crate::wire::cases::CaseHearing;

/// Record the hearing; audited `case_hearing_held` with the record's digest.
pub async fn hold_hearing(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    attended: bool,
    record_text: &str,
) -> AppResult<Case> {
    let record_text = text("record", record_text, LONG_TEXT)?;
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let (_, mut row) = load_for_officer(c, &actor, &id)?;
            take(&mut row, Step::HoldHearing)?;
            let mut hearing: CaseHearing =
                parse_json(row.hearing.as_deref().unwrap_or("{}"), "case hearing")?;
            if hearing.chair.as_deref() != Some(actor.id.as_str()) {
                return Err(AppError::forbidden("only the hearing's chair records it"));
            }
            if hearing.at.is_none_or(|at| now < at) {
                return Err(AppError::new(
                    ErrorCode::DeadlineNotReached,
                    "the hearing is not due yet",
                ));
            }
            let digest = crate::audit::sha256_hex(record_text.as_bytes());
            hearing.held_at = Some(now);
            hearing.attended = Some(attended);
            hearing.record = Some(record_text);
            row.hearing = Some(to_json(&hearing)?);
            row.updated_at = to_db(now);
            repo::update(c, &row)?;
            let body = json!({"attended": attended, "record_sha256": digest});
            record(
                c,
                now,
                as_officer(&actor),
                &row,
                EventType::CaseHearingHeld,
                body,
            )?;
            case_dto(c, row)
        })
        .await
}
