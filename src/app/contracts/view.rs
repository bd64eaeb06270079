//! `GET …/sections/{section}/contract`: the contract as its parties and the supervising
//! regulators see it — the current version with the statement to sign, every signed version
//! with its before/after, every change and its signatures.

use super::*;

pub async fn get_contract(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<Contract> {
    let (actor, tender, section) = (actor.clone(), tender.to_string(), section.to_string());
    let now = ctx.clock.now();
    ctx.db
        .read(move |c| {
            let (row, _) = load(c, &actor, &tender, &section)?;
            contract_dto(c, &row, now)
        })
        .await
}

pub(crate) fn contract_dto(
    c: &mut AnyConnection,
    row: &repo::ContractRow,
    now: DateTime<Utc>,
) -> AppResult<Contract> {
    let party = |c: &mut AnyConnection, id: &str| -> AppResult<ContractParty> {
        let p = party_of(c, id)?;
        Ok(ContractParty {
            id: p.id,
            name: p.name,
            uscc: p.uscc,
        })
    };
    let terms = terms_of(row)?;
    let mut signatures = Vec::new();
    for s in [&row.tenderer_signature, &row.winner_signature]
        .into_iter()
        .flatten()
    {
        signatures.push(parse_json::<PartySignature>(s, "contract signature")?);
    }
    let versions = repo::versions(c, &row.id)?
        .iter()
        .map(|v| {
            Ok(ContractVersion {
                version: v.version,
                digest: v.digest.clone(),
                terms: parse_json(&v.terms, "contract version terms")?,
                change: v.change_id.clone(),
                changes: parse_json(&v.changes, "contract version changes")?,
                effective_at: at(v.effective_at),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let changes = repo::changes(c, &row.id)?
        .iter()
        .map(change_dto)
        .collect::<AppResult<Vec<_>>>()?;
    let due = at(row.due_at);
    let signed = row.signed_at.map(at);
    Ok(Contract {
        id: row.id.clone(),
        tender: row.tender_id.clone(),
        section: row.section_code.clone(),
        award_round: row.award_round,
        bid: row.bid_id.clone(),
        tenderer: party(c, &row.tenderer_id)?,
        winner: party(c, &row.winner_id)?,
        state: state_of(row)?,
        version: row.version,
        performance_bond_required: terms.performance_bond_percent.is_some(),
        terms,
        locked_terms: locked_terms(),
        document: row.document.clone(),
        digest: row.digest.clone(),
        statement: B64.encode(contract_statement_of(row)?),
        notified_at: at(row.notified_at),
        due_at: due,
        overdue: match signed {
            Some(s) => s >= due,
            None => now >= due,
        },
        overdue_flagged_at: row.overdue_flagged_at.map(at),
        performance_bond: row
            .performance_bond
            .as_deref()
            .map(|b| parse_json(b, "performance bond"))
            .transpose()?,
        signatures,
        signed_at: signed,
        terminated_at: row.terminated_at.map(at),
        completion: match state_of(row)? {
            ContractState::Completed => repo::completion(c, &row.id)?
                .map(|k| completion_dto(&k))
                .transpose()?,
            _ => None,
        },
        versions,
        changes,
    })
}

pub(crate) fn completion_dto(k: &repo::CompletionRow) -> AppResult<ContractCompletion> {
    Ok(ContractCompletion {
        completed_on: chrono::NaiveDate::parse_from_str(&k.completed_on, "%Y-%m-%d").map_err(
            |e| {
                internal(anyhow::anyhow!(
                    "contract {}: completed_on: {e}",
                    k.contract_id
                ))
            },
        )?,
        remarks: k.remarks.clone(),
        document: k.document.clone(),
        digest: k.digest.clone(),
        signature: parse_json(&k.signature, "completion signature")?,
        recorded_at: at(k.recorded_at),
    })
}

pub(crate) fn change_dto(r: &repo::ChangeRow) -> AppResult<ContractChange> {
    let signatures = [&r.tenderer_signature, &r.winner_signature]
        .into_iter()
        .flatten()
        .map(|s| parse_json::<PartySignature>(s, "change signature"))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(ContractChange {
        id: r.id.clone(),
        kind: ChangeKind::parse(&r.kind)
            .ok_or_else(|| internal(anyhow::anyhow!("change {}: kind {:?}", r.id, r.kind)))?,
        reason: r.reason.clone(),
        note: r.note.clone(),
        base_version: r.base_version,
        proposer: Side::parse(&r.proposer)
            .ok_or_else(|| internal(anyhow::anyhow!("change {}: proposer", r.id)))?,
        state: crate::domain::contract::ChangeState::parse(&r.state)
            .ok_or_else(|| internal(anyhow::anyhow!("change {}: state {:?}", r.id, r.state)))?,
        changes: parse_json(&r.changes, "change diff")?,
        document: r.document.clone(),
        digest: r.digest.clone(),
        statement: B64.encode(rules::change_statement(&digest_bytes(&r.digest)?)),
        signatures,
        proposed_at: at(r.proposed_at),
        decided_at: r.decided_at.map(at),
    })
}
