//! `PUT …/contract/terms`: the tenderer's side fills in the draft's editable terms (start date,
//! site, supplementary clauses). A locked term that differs from the tender or the winning bid
//! is refused with `locked_term` (条例57). The draft's version number stays; its digest
//! changes, so a signature on the earlier text no longer counts.

use super::*;

pub async fn edit_contract_terms(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    terms: Terms,
) -> AppResult<Contract> {
    let problems = terms.problems();
    if let Some((field, why)) = problems.first() {
        return Err(AppError::field(field, "invalid", why.clone()));
    }
    let (actor, tender, section) = (actor.clone(), tender.to_string(), section.to_string());
    let now = ctx.clock.now().trunc_subsecs(6);
    ctx.db
        .write(move |c| {
            let (mut row, viewer) = load(c, &actor, &tender, &section)?;
            require_side(viewer, Side::Tenderer)?;
            require_state(&row, ContractState::Draft)?;
            let before = terms_of(&row)?;
            let changes = rules::diff(&before, &terms);
            let locked = rules::locked_in(&changes);
            if !locked.is_empty() {
                return Err(AppError::new(
                    ErrorCode::LockedTerm,
                    format!(
                        "{} follow the tender and the winning bid and cannot be edited (条例57)",
                        locked
                            .iter()
                            .map(|t| t.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if changes.is_empty() {
                return contract_dto(c, &row, now);
            }
            let version = row.version;
            set_version(c, &mut row, version, &terms)?;
            row.updated_at = db_now(now);
            repo::update(c, &row)?;
            record(
                c,
                now,
                EventType::ContractTermsEdited,
                &row,
                actor.audit_ref(),
                json!({"digest": row.digest, "changes": changes}),
            )?;
            contract_dto(c, &row, now)
        })
        .await
}
