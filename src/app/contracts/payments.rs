//! `GET …/contract/payments`: the contract's treasury payments and what is still due per
//! milestone (国库支付款网上查询), for its parties — the supplier and the tenderer's side — and
//! the supervising regulators. The summary uses the version in force; payments are allotted
//! to the milestones in order (`domain::payment::summary`).

use super::*;
use crate::db::repo::treasury as trepo_pay;
use crate::domain::payment::{summary, PullOutcome, TreasuryPayment};
use crate::wire::treasury::{ContractPayments, Payment, TreasuryLink};

pub async fn contract_payments(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<ContractPayments> {
    let (actor, tender, section) = (actor.clone(), tender.to_string(), section.to_string());
    ctx.db
        .read(move |c| {
            let (row, _) = load(c, &actor, &tender, &section)?;
            payments_dto(c, &row)
        })
        .await
}

pub(crate) fn payments_dto(
    c: &mut AnyConnection,
    row: &repo::ContractRow,
) -> AppResult<ContractPayments> {
    let terms = terms_of(row)?;
    let payments = trepo_pay::payments_of(c, &row.id)?
        .iter()
        .map(payment_dto)
        .collect::<AppResult<Vec<_>>>()?;
    let amounts: Vec<_> = payments.iter().map(|p| p.amount).collect();
    Ok(ContractPayments {
        contract: row.id.clone(),
        tender: row.tender_id.clone(),
        section: row.section_code.clone(),
        version: row.version,
        summary: summary(&terms, &amounts),
        payments,
        link: trepo_pay::link(c, &row.id)?
            .map(|l| link_dto(&l))
            .transpose()?,
    })
}

pub(crate) fn payment_dto(r: &trepo_pay::PaymentRow) -> AppResult<Payment> {
    let p: TreasuryPayment = parse_json(&r.record, "treasury payment")?;
    // In yuan to the fen, however the treasury wrote it (`1250000` → `1250000.00`).
    let mut amount = p.amount;
    amount.rescale(2);
    Ok(Payment {
        payment_id: p.payment_id,
        amount,
        currency: p.currency,
        paid_at: p.paid_at,
        payer: p.payer,
        payee: p.payee,
        milestone: p.milestone,
        voucher: p.voucher,
        purpose: p.purpose,
        digest: r.digest.clone(),
        imported_at: at(r.imported_at),
    })
}

pub(crate) fn link_dto(l: &trepo_pay::LinkRow) -> AppResult<TreasuryLink> {
    Ok(TreasuryLink {
        last_pull_at: at(l.last_pull_at),
        last_outcome: PullOutcome::parse(&l.last_outcome).ok_or_else(|| {
            internal(anyhow::anyhow!(
                "treasury link {}: outcome {:?}",
                l.contract_id,
                l.last_outcome
            ))
        })?,
        last_http_status: l.last_http_status.and_then(|s| u16::try_from(s).ok()),
        last_error: l.last_error.clone(),
        last_complete_at: l.last_complete_at.map(at),
        failures_in_row: u32::try_from(l.failures_in_row).unwrap_or(0),
        pulls: u32::try_from(l.pulls).unwrap_or(0),
    })
}
