//! Bid-bond refunds (投标保证金退还, docs/CONTRACTS.md §4). The stages whose step makes bonds
//! due open the refunds (`support::refunds`); here the trading centre records each refund made
//! (the bank transfer with its interest, or the guarantee returned), each bidder reads its own,
//! the tenderer's side and the supervising regulators read a section's, regulators list the
//! open ones, and the deadline watch flags a refund not made within its 5 days (条例66: a
//! penalty ground).

mod flag_overdue;
mod list;
mod record;

pub use flag_overdue::*;
pub use list::*;
pub use record::*;

use chrono::{DateTime, Utc};

use crate::app::support::errors::internal;
use crate::db::repo::contracts as repo;
use crate::db::types::from_db;
use crate::domain::bidding::BondKind;
use crate::domain::money::Money;
use crate::domain::refund::{self as rules, Ground, InterestRule, RefundState};
use crate::error::AppResult;
use crate::wire::contracts::BondRefund;

fn rule_of(r: &repo::RefundRow) -> AppResult<InterestRule> {
    Ok(InterestRule {
        annual_percent: r.interest_rate.parse().map_err(|_| {
            internal(anyhow::anyhow!(
                "refund {}: rate {:?}",
                r.id,
                r.interest_rate
            ))
        })?,
        day_basis: u32::try_from(r.day_basis).unwrap_or(360),
    })
}

fn kind_of(r: &repo::RefundRow) -> AppResult<BondKind> {
    BondKind::parse(&r.kind)
        .ok_or_else(|| internal(anyhow::anyhow!("refund {}: kind {:?}", r.id, r.kind)))
}

fn state_of(r: &repo::RefundRow) -> AppResult<RefundState> {
    RefundState::parse(&r.state)
        .ok_or_else(|| internal(anyhow::anyhow!("refund {}: state {:?}", r.id, r.state)))
}

/// The interest on a refund paid at `paid`: cash earns it, a guarantee does not.
pub(crate) fn interest_at(
    r: &repo::RefundRow,
    paid: DateTime<Utc>,
) -> AppResult<(i64, Option<rust_decimal::Decimal>)> {
    if kind_of(r)? != BondKind::Cash {
        return Ok((0, None));
    }
    let principal: rust_decimal::Decimal = r
        .principal
        .parse()
        .map_err(|_| internal(anyhow::anyhow!("refund {}: principal", r.id)))?;
    let days = rules::interest_days(from_db(r.received_at), paid);
    Ok((days, Some(rules::interest(principal, days, rule_of(r)?))))
}

pub(crate) fn refund_dto(r: &repo::RefundRow, now: DateTime<Utc>) -> AppResult<BondRefund> {
    let state = state_of(r)?;
    let (days, interest) = match state {
        RefundState::Refunded => {
            let paid = r.refunded_at.map(from_db).unwrap_or(now);
            let (d, _) = interest_at(r, paid)?;
            let i = r
                .interest
                .as_deref()
                .map(|s| s.parse::<rust_decimal::Decimal>())
                .transpose()
                .map_err(|_| internal(anyhow::anyhow!("refund {}: interest", r.id)))?;
            (d, i)
        }
        RefundState::Due => interest_at(r, now)?,
        RefundState::Kept => (0, None),
    };
    let due = r.due_at.map(from_db);
    Ok(BondRefund {
        id: r.id.clone(),
        bond: r.bond_id.clone(),
        tender: r.tender_id.clone(),
        section: r.section_code.clone(),
        organisation: r.organisation_id.clone(),
        kind: kind_of(r)?,
        principal: r
            .principal
            .parse()
            .map_err(|_| internal(anyhow::anyhow!("refund {}: principal", r.id)))?,
        received_at: from_db(r.received_at),
        ground: Ground::parse(&r.ground)
            .ok_or_else(|| internal(anyhow::anyhow!("refund {}: ground", r.id)))?,
        ground_at: from_db(r.ground_at),
        due_at: due,
        state,
        interest_rate: r.interest_rate.clone(),
        day_basis: r.day_basis,
        interest: interest.map(Money::new).transpose().map_err(internal)?,
        interest_days: days,
        refunded_at: r.refunded_at.map(from_db),
        bank_reference: r.bank_reference.clone(),
        overdue: due.is_some_and(|d| rules::overdue(d, r.refunded_at.map(from_db), now)),
        overdue_flagged_at: r.overdue_flagged_at.map(from_db),
    })
}
