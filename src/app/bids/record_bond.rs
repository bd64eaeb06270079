//! The trading centre records a bond received for a bidder (bank report or guarantee).

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event as AuditEvent;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::types::to_db;
use crate::domain::authz::Permission;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::bids::*;
use serde_json::json;

/// The trading centre records a bond received for a bidder (bank report or guarantee).
pub async fn record_bond(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: BondRequest,
) -> AppResult<BidBond> {
    actor.require(Permission::RecordBidBonds)?;
    if !BOND_KINDS.contains(&req.kind.as_str()) {
        return Err(AppError::field(
            "kind",
            "invalid",
            "kind must be cash, bank_guarantee or insurance",
        ));
    }
    if req.amount.amount() <= rust_decimal::Decimal::ZERO {
        return Err(AppError::field(
            "amount",
            "not_positive",
            "a bond amount must be positive",
        ));
    }
    let reference = req.reference.trim().to_string();
    if reference.is_empty() || reference.chars().count() > 128 {
        return Err(AppError::field(
            "reference",
            "invalid",
            "1 to 128 characters",
        ));
    }
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let (_row, _, sec) = load_section(c, &tender, &section)?;
            let org = idrepo::find_organisation(c, &req.organisation_id)?.ok_or_else(|| {
                AppError::field("organisation_id", "unknown", "no such organisation")
            })?;
            let row = repo::BondRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: tender.clone(),
                section_code: sec.code.clone(),
                organisation_id: org.id.clone(),
                amount: req.amount.to_string(),
                kind: req.kind.as_str().into(),
                reference: reference.clone(),
                recorded_by: actor.id.clone(),
                recorded_at: to_db(now),
            };
            repo::insert_bond(c, &row).map_err(|e| {
                if idrepo::is_unique_violation(&e) {
                    AppError::new(
                        ErrorCode::Conflict,
                        "this bond reference is already recorded",
                    )
                } else {
                    AppError::from(e)
                }
            })?;
            // Sealed like a bid: the bond's existence tells who intends to bid.
            audit::record(
                c,
                now,
                AuditEvent {
                    event_type: EventType::BidBondRecorded,
                    tender_id: None,
                    section_id: None,
                    actor: actor.audit_ref(),
                    subject: org.id.clone(),
                    body: json!({"bond": row.id, "tender": tender, "section": sec.code,
                        "organisation": org.id, "amount": row.amount, "kind": row.kind,
                        "reference": row.reference}),
                },
            )?;
            bond_dto(&row)
        })
        .await
}
