//! `POST …/contract/performance-bond`: the tenderer's side records the performance bond
//! (履约保证金) the winner gave — at least what the tender asks, at most 10 % of the contract
//! amount (条例58). Only while the contract is a draft, and only when the tender asks for one.

use super::*;

pub async fn record_performance_bond(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: PerformanceBondRequest,
) -> AppResult<Contract> {
    let issuer = req.issuer.trim().to_string();
    if issuer.is_empty() || issuer.chars().count() > 200 {
        return Err(AppError::field("issuer", "length", "1 to 200 characters"));
    }
    let reference = req.reference.trim().to_string();
    if reference.is_empty() || reference.chars().count() > 100 {
        return Err(AppError::field(
            "reference",
            "length",
            "1 to 100 characters",
        ));
    }
    let (actor, tender, section) = (actor.clone(), tender.to_string(), section.to_string());
    let now = ctx.clock.now().trunc_subsecs(6);
    ctx.db
        .write(move |c| {
            let (mut row, viewer) = load(c, &actor, &tender, &section)?;
            require_side(viewer, Side::Tenderer)?;
            require_state(&row, ContractState::Draft)?;
            let terms = terms_of(&row)?;
            let Some(percent) = terms.performance_bond_percent else {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the tender asks for no performance bond",
                ));
            };
            rules::check_performance_bond(req.amount, terms.price, percent)
                .map_err(|why| AppError::field("amount", "out_of_range", why))?;
            let bond = PerformanceBond {
                kind: req.kind,
                amount: req.amount,
                issuer,
                reference,
                recorded_by: actor.id.clone(),
                recorded_at: now,
            };
            row.performance_bond = Some(to_json(&bond)?);
            row.updated_at = db_now(now);
            repo::update(c, &row)?;
            record(
                c,
                now,
                EventType::PerformanceBondRecorded,
                &row,
                actor.audit_ref(),
                json!({"kind": bond.kind, "amount": bond.amount, "issuer": bond.issuer,
                    "reference": bond.reference, "percent": percent, "price": terms.price}),
            )?;
            contract_dto(c, &row, now)
        })
        .await
}
