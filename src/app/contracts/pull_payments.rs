//! Importing the treasury's payments (国库支付, docs/TREASURY.md §3). The worker pulls every
//! signed contract's payment records each `[treasury] poll_interval_secs`; the trading centre
//! (administrator) can pull one contract now. The fetch runs outside any transaction; the
//! import then locks the contract and takes each record once, by the treasury's payment id: a
//! record held with the same content is a duplicate, one held with other content a conflict
//! (the first stays, the operator sees it), one not for this contract's supplier or not in
//! yuan is rejected. What a failed pull did get is imported; the next pull asks for everything
//! again, so nothing is lost and nothing counted twice. New payments are audited
//! (`contract_payments_imported`) and published (OCDS `implementation`).

use super::release::{publish, Tag};
use super::*;
use crate::app::support::publicity::Env;
use crate::audit::ActorRef;
use crate::db::repo::treasury as pay_repo;
use crate::domain::payment::{check, classify, Import, PullOutcome, TreasuryPayment};
use crate::treasury::Pulled;
use crate::wire::treasury::{PaymentProblem, PaymentPull};

/// `POST …/contract/payments/pull`: the trading centre pulls the contract's payments now.
pub async fn pull_contract_payments(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<PaymentPull> {
    actor.require(Permission::PullTreasury)?;
    let (t, s) = (tender.to_string(), section.to_string());
    let row = ctx
        .db
        .read(move |c| {
            repo::of_section(c, &t, &s)?
                .ok_or_else(|| AppError::not_found(format!("no contract for {t}/{s}")))
        })
        .await?;
    if row.signed_at.is_none() {
        return Err(AppError::new(
            ErrorCode::InvalidStateTransition,
            "the contract is not signed: the treasury pays only signed contracts",
        ));
    }
    if !ctx.treasury.configured() {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "no treasury is configured on this node ([treasury] endpoint)",
        ));
    }
    import(ctx, &row.id, actor.id.clone(), actor.audit_ref()).await
}

/// The worker's pass: every signed contract's payments, one after the other. Returns how many
/// contracts were pulled. A contract whose import fails is logged and the pass goes on.
pub async fn pull_treasury_payments(ctx: &AppContext) -> AppResult<usize> {
    if !ctx.treasury.configured() {
        return Ok(0);
    }
    let ids: Vec<String> = ctx
        .db
        .read(|c| Ok(pay_repo::payable_contracts(c)?))
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    for id in &ids {
        if let Err(e) = import(ctx, id, "worker".into(), ActorRef::system()).await {
            tracing::warn!(contract = %id, error = %e, "treasury import failed");
        }
    }
    Ok(ids.len())
}

async fn import(
    ctx: &AppContext,
    contract: &str,
    triggered_by: String,
    actor: ActorRef,
) -> AppResult<PaymentPull> {
    let pulled = ctx.treasury.pull(contract).await;
    let (id, env) = (contract.to_string(), Env::of(ctx));
    let now = ctx.clock.now().trunc_subsecs(6);
    ctx.db
        .write(move |c| {
            let row = pay_repo::lock_contract(c, &id)?
                .ok_or_else(|| AppError::not_found(format!("no contract {id}")))?;
            let supplier = party_of(c, &row.winner_id)?.uscc;
            let pull_id = uuid::Uuid::now_v7().to_string();
            let mut report = report_of(&pulled, &row.id, now, &triggered_by);
            let mut new = Vec::new();
            for p in &pulled.payments {
                if let Err(r) = check(p, &row.id, &supplier) {
                    report.problems.push(problem(p, r.describe()));
                    continue;
                }
                let record = canonical_json(&serde_json::to_value(p).map_err(internal)?);
                let digest = sha256_hex(record.as_bytes());
                let held = pay_repo::held(c, &p.payment_id)?;
                let held_digest = match &held {
                    Some((_, other)) if *other != row.id => {
                        report.problems.push(problem(
                            p,
                            format!("the id is held for another contract ({other})"),
                        ));
                        continue;
                    }
                    Some((d, _)) => Some(d.as_str()),
                    None => None,
                };
                match classify(&digest, held_digest) {
                    Import::Duplicate => report.duplicates += 1,
                    Import::Conflict { held } => report.problems.push(problem(
                        p,
                        format!(
                            "conflict: held with digest {held}, received with {digest}; the \
                             held record stands"
                        ),
                    )),
                    Import::New => {
                        pay_repo::insert_payment(
                            c,
                            &pay_repo::PaymentRow {
                                payment_id: p.payment_id.clone(),
                                contract_id: row.id.clone(),
                                tender_id: row.tender_id.clone(),
                                section_code: row.section_code.clone(),
                                amount: p.amount.normalize().to_string(),
                                paid_at: db_now(p.paid_at),
                                record,
                                digest: digest.clone(),
                                pull_id: pull_id.clone(),
                                imported_at: db_now(now),
                            },
                        )?;
                        new.push((p.clone(), digest));
                        report.imported += 1;
                    }
                }
            }
            save_link(c, &row.id, &pulled, now)?;
            if report.imported > 0 || !report.problems.is_empty() || !pulled.outcome.complete() {
                pay_repo::insert_pull(c, &pull_row(&pull_id, &report, &pulled)?)?;
            }
            if !new.is_empty() {
                let total: rust_decimal::Decimal = pay_repo::payments_of(c, &row.id)?
                    .iter()
                    .map(|r| {
                        r.amount
                            .parse::<rust_decimal::Decimal>()
                            .unwrap_or_default()
                    })
                    .sum();
                let listed: Vec<serde_json::Value> = new
                    .iter()
                    .map(|(p, digest)| {
                        let amount = p.amount.normalize().to_string();
                        json!({"payment_id": p.payment_id, "amount": amount,
                            "paid_at": p.paid_at, "voucher": p.voucher,
                            "payee_uscc": p.payee.uscc, "digest": digest})
                    })
                    .collect();
                let event = record(
                    c,
                    now,
                    EventType::ContractPaymentsImported,
                    &row,
                    actor.clone(),
                    json!({"pull": pull_id, "source": pulled.source, "payments": listed,
                        "paid_total": total.normalize().to_string()}),
                )?;
                publish(c, &env, now, &row, Tag::Implementation, &event)?;
            }
            Ok(report)
        })
        .await
}

fn problem(p: &TreasuryPayment, why: String) -> PaymentProblem {
    PaymentProblem {
        payment_id: p.payment_id.clone(),
        problem: why,
    }
}

fn report_of(p: &Pulled, contract: &str, now: DateTime<Utc>, by: &str) -> PaymentPull {
    PaymentPull {
        contract: contract.to_string(),
        pulled_at: now,
        outcome: p.outcome,
        http_status: p.http_status,
        pages: p.pages,
        attempts: p.attempts,
        received: u32::try_from(p.payments.len()).unwrap_or(u32::MAX),
        imported: 0,
        duplicates: 0,
        problems: Vec::new(),
        error: p.error.clone(),
        triggered_by: by.to_string(),
    }
}

fn save_link(
    c: &mut AnyConnection,
    contract: &str,
    p: &Pulled,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let old = pay_repo::link(c, contract)?;
    let complete = p.outcome.complete();
    let (failures, pulls, last_complete) = match &old {
        Some(l) => (l.failures_in_row, l.pulls, l.last_complete_at),
        None => (0, 0, None),
    };
    pay_repo::save_link(
        c,
        &pay_repo::LinkRow {
            contract_id: contract.to_string(),
            last_pull_at: db_now(now),
            last_outcome: p.outcome.as_str().to_string(),
            last_http_status: p.http_status.map(i32::from),
            last_error: p.error.clone(),
            last_complete_at: if complete {
                Some(db_now(now))
            } else {
                last_complete
            },
            failures_in_row: if complete { 0 } else { failures + 1 },
            pulls: pulls.saturating_add(1),
        },
    )?;
    Ok(())
}

fn pull_row(id: &str, r: &PaymentPull, p: &Pulled) -> AppResult<pay_repo::PullRow> {
    let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    Ok(pay_repo::PullRow {
        id: id.to_string(),
        contract_id: r.contract.clone(),
        pulled_at: db_now(r.pulled_at),
        source: p.source.clone(),
        outcome: r.outcome.as_str().to_string(),
        http_status: r.http_status.map(i32::from),
        pages: n(r.pages),
        attempts: n(r.attempts),
        received: n(r.received),
        imported: n(r.imported),
        duplicates: n(r.duplicates),
        problems: to_json(&r.problems)?,
        error: r.error.clone(),
        triggered_by: r.triggered_by.clone(),
    })
}

/// A remembered pull as the operator reads it.
pub(crate) fn pull_dto(r: &pay_repo::PullRow) -> AppResult<PaymentPull> {
    let n = |v: i32| u32::try_from(v).unwrap_or(0);
    Ok(PaymentPull {
        contract: r.contract_id.clone(),
        pulled_at: at(r.pulled_at),
        outcome: PullOutcome::parse(&r.outcome)
            .ok_or_else(|| internal(anyhow::anyhow!("pull {}: outcome {:?}", r.id, r.outcome)))?,
        http_status: r.http_status.and_then(|s| u16::try_from(s).ok()),
        pages: n(r.pages),
        attempts: n(r.attempts),
        received: n(r.received),
        imported: n(r.imported),
        duplicates: n(r.duplicates),
        problems: parse_json(&r.problems, "pull problems")?,
        error: r.error.clone(),
        triggered_by: r.triggered_by.clone(),
    })
}
