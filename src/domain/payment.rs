//! Treasury payments on a contract (国库支付款网上查询, docs/TREASURY.md): what one payment record
//! from the treasury is, when it may be imported against a contract, how a record seen again is
//! told apart from a changed one, and what is still due per milestone. Pure: the adapter
//! (`crate::treasury`) fetches, the use-cases store; the rules are here.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::contract::{due_per_milestone, Terms};

/// The only currency the treasury pays construction contracts in.
pub const CURRENCY: &str = "CNY";

/// A party of a payment as the treasury names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TreasuryParty)]
pub struct Party {
    pub name: String,
    /// 统一社会信用代码.
    pub uscc: String,
    /// The bank account, masked by the treasury (`6222****1234`); informative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// One payment record as the treasury's interface gives it (docs/TREASURY.md §2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TreasuryPayment {
    /// The treasury's own id of the payment (支付凭证流水号): the import's idempotency key.
    pub payment_id: String,
    /// The contract reference the payment was made under: the platform's contract id, which the
    /// tenderer registers with the treasury when it sets up the payment plan.
    pub contract: String,
    /// Exact, in yuan, two decimals at most.
    #[schema(value_type = String, example = "1500000.00")]
    pub amount: Decimal,
    pub currency: String,
    pub paid_at: DateTime<Utc>,
    /// The budget unit that paid (the tenderer), through the treasury's single account.
    pub payer: Party,
    /// Who received the money: the contract's supplier.
    pub payee: Party,
    /// The contract's milestone the payment is for, when the payer named one (informative:
    /// payments are allotted to the milestones in order, see [`summary`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestone: Option<String>,
    /// 国库集中支付凭证号.
    pub voucher: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub purpose: String,
}

/// How a pull ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TreasuryPullOutcome)]
pub enum PullOutcome {
    /// Every page came back and parsed.
    Ok,
    /// The treasury knows no such contract (no payment plan registered yet): nothing to import.
    NotListed,
    /// No connection, or a server error, after the retries.
    Unreachable,
    /// No answer within the timeout, after the retries.
    Timeout,
    /// An answer that is not a page of payment records.
    Garbage,
    /// The treasury refused the request (4xx other than 404: credentials, rate).
    Refused,
    /// No treasury is configured on this node.
    NotConfigured,
}

impl PullOutcome {
    pub const ALL: [PullOutcome; 7] = [
        PullOutcome::Ok,
        PullOutcome::NotListed,
        PullOutcome::Unreachable,
        PullOutcome::Timeout,
        PullOutcome::Garbage,
        PullOutcome::Refused,
        PullOutcome::NotConfigured,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PullOutcome::Ok => "ok",
            PullOutcome::NotListed => "not_listed",
            PullOutcome::Unreachable => "unreachable",
            PullOutcome::Timeout => "timeout",
            PullOutcome::Garbage => "garbage",
            PullOutcome::Refused => "refused",
            PullOutcome::NotConfigured => "not_configured",
        }
    }

    pub fn parse(s: &str) -> Option<PullOutcome> {
        PullOutcome::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// A complete answer: everything the treasury holds for the contract came back.
    pub fn complete(self) -> bool {
        matches!(self, PullOutcome::Ok | PullOutcome::NotListed)
    }

    /// Worth another attempt now.
    pub fn retryable(self) -> bool {
        matches!(self, PullOutcome::Unreachable | PullOutcome::Timeout)
    }
}

/// Why a record the treasury sent is not imported against a contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// A field is malformed (blank id, amount not positive or finer than the fen, …).
    Malformed(String),
    /// It names another contract than the one asked for.
    OtherContract(String),
    /// It is paid to someone other than the contract's supplier.
    OtherPayee(String),
    /// Not in yuan.
    Currency(String),
}

impl Rejection {
    pub fn describe(&self) -> String {
        match self {
            Rejection::Malformed(why) => format!("malformed: {why}"),
            Rejection::OtherContract(c) => format!("made under another contract ({c})"),
            Rejection::OtherPayee(u) => {
                format!("paid to {u}, not the contract's supplier")
            }
            Rejection::Currency(c) => format!("in {c}, not {CURRENCY}"),
        }
    }
}

/// Whether `p` may be imported against `contract`, whose supplier has `supplier_uscc`.
pub fn check(p: &TreasuryPayment, contract: &str, supplier_uscc: &str) -> Result<(), Rejection> {
    let blank = |s: &str| s.trim().is_empty();
    if blank(&p.payment_id) || p.payment_id.len() > 64 {
        return Err(Rejection::Malformed(
            "payment_id blank or over 64 bytes".into(),
        ));
    }
    if blank(&p.voucher) {
        return Err(Rejection::Malformed("voucher is blank".into()));
    }
    if p.amount <= Decimal::ZERO || p.amount.normalize().scale() > 2 {
        return Err(Rejection::Malformed(format!(
            "amount {} is not a positive amount in fen",
            p.amount
        )));
    }
    if p.contract != contract {
        return Err(Rejection::OtherContract(p.contract.clone()));
    }
    if p.currency != CURRENCY {
        return Err(Rejection::Currency(p.currency.clone()));
    }
    if p.payee.uscc != supplier_uscc {
        return Err(Rejection::OtherPayee(p.payee.uscc.clone()));
    }
    Ok(())
}

/// What the platform does with one record it received, given what it holds under the same id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Import {
    /// Not held yet: import it.
    New,
    /// Held with the same content: the treasury sent it again; nothing to do.
    Duplicate,
    /// Held with other content: the first record stays, the operator is told (a treasury that
    /// rewrites a payment is asked, not believed).
    Conflict { held: String },
}

/// `digest` is the SHA-256 of the received record's canonical JSON; `held` that of the record
/// kept under the same payment id, if any.
pub fn classify(digest: &str, held: Option<&str>) -> Import {
    match held {
        None => Import::New,
        Some(h) if h == digest => Import::Duplicate,
        Some(h) => Import::Conflict {
            held: h.to_string(),
        },
    }
}

/// One milestone's share, what was paid towards it and what is still due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MilestoneDue {
    pub code: String,
    pub title: String,
    #[schema(value_type = String)]
    pub percent: Decimal,
    #[schema(value_type = String)]
    pub amount: Decimal,
    #[schema(value_type = String)]
    pub paid: Decimal,
    #[schema(value_type = String)]
    pub due: Decimal,
}

/// The contract's money: its price, what was paid, what is still due, per milestone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Summary {
    #[schema(value_type = String)]
    pub price: Decimal,
    #[schema(value_type = String)]
    pub paid: Decimal,
    /// Price less paid, never below zero.
    #[schema(value_type = String)]
    pub outstanding: Decimal,
    /// Paid beyond the price (a regulator's question), zero normally.
    #[schema(value_type = String)]
    pub overpaid: Decimal,
    pub milestones: Vec<MilestoneDue>,
}

/// The summary of `terms` (the version in force) after `payments` amounts.
pub fn summary(terms: &Terms, payments: &[Decimal]) -> Summary {
    let price = terms.price.amount();
    let paid: Decimal = payments.iter().copied().sum();
    let shares = due_per_milestone(terms, paid);
    let milestones = terms
        .payment_milestones
        .iter()
        .zip(shares)
        .map(|(m, (code, amount, towards))| MilestoneDue {
            code,
            title: m.title.clone(),
            percent: m.percent,
            amount,
            paid: towards,
            due: amount - towards,
        })
        .collect();
    Summary {
        price,
        paid,
        outstanding: (price - paid).max(Decimal::ZERO),
        overpaid: (paid - price).max(Decimal::ZERO),
        milestones,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::{ContractSpec, PaymentMilestone, Terms};
    use rust_decimal::dec;

    pub(crate) fn payment(id: &str, amount: Decimal) -> TreasuryPayment {
        TreasuryPayment {
            payment_id: id.into(),
            contract: "C1".into(),
            amount,
            currency: CURRENCY.into(),
            paid_at: "2027-03-01T02:00:00Z".parse().unwrap(),
            payer: Party {
                name: "某局".into(),
                uscc: "11429005MB0000001X".into(),
                account: None,
            },
            payee: Party {
                name: "某建设公司".into(),
                uscc: "91429005MA4F000001".into(),
                account: Some("6222****1234".into()),
            },
            milestone: Some("advance".into()),
            voucher: "GK-0001".into(),
            purpose: String::new(),
        }
    }

    fn terms() -> Terms {
        Terms::drafted(
            &ContractSpec {
                payment_milestones: vec![
                    PaymentMilestone {
                        code: "advance".into(),
                        title: "预付款".into(),
                        percent: dec!(30),
                    },
                    PaymentMilestone {
                        code: "progress".into(),
                        title: "进度款".into(),
                        percent: dec!(60),
                    },
                    PaymentMilestone {
                        code: "warranty".into(),
                        title: "质保金".into(),
                        percent: dec!(10),
                    },
                ],
                ..ContractSpec::default()
            },
            &crate::domain::contract::BidTerms {
                price: "1000000.01".parse().unwrap(),
                duration_days: 100,
                quality: "合格".into(),
                project_manager: "王建国".into(),
            },
        )
    }

    #[test]
    fn only_a_positive_yuan_payment_to_the_supplier_under_this_contract_is_imported() {
        let sup = "91429005MA4F000001";
        assert_eq!(check(&payment("P1", dec!(1.23)), "C1", sup), Ok(()));
        for (p, want) in [
            (payment("P1", dec!(0)), "malformed"),
            (payment("P1", dec!(-5)), "malformed"),
            (payment("P1", dec!(1.234)), "malformed"),
            (payment(" ", dec!(1)), "malformed"),
        ] {
            assert!(check(&p, "C1", sup)
                .unwrap_err()
                .describe()
                .starts_with(want));
        }
        // Trailing zeros are not finer than the fen.
        assert_eq!(check(&payment("P1", dec!(1.2300)), "C1", sup), Ok(()));
        assert_eq!(
            check(&payment("P1", dec!(1)), "C2", sup),
            Err(Rejection::OtherContract("C1".into()))
        );
        let mut usd = payment("P1", dec!(1));
        usd.currency = "USD".into();
        assert_eq!(
            check(&usd, "C1", sup),
            Err(Rejection::Currency("USD".into()))
        );
        assert!(matches!(
            check(&payment("P1", dec!(1)), "C1", "91429005MA4F000002"),
            Err(Rejection::OtherPayee(_))
        ));
    }

    #[test]
    fn a_record_seen_again_is_a_duplicate_and_a_changed_one_a_conflict() {
        assert_eq!(classify("a", None), Import::New);
        assert_eq!(classify("a", Some("a")), Import::Duplicate);
        assert_eq!(
            classify("a", Some("b")),
            Import::Conflict { held: "b".into() }
        );
    }

    #[test]
    fn what_is_due_per_milestone_after_payments() {
        let t = terms();
        let none = summary(&t, &[]);
        assert_eq!(none.paid, dec!(0));
        assert_eq!(none.outstanding, dec!(1000000.01));
        let amounts: Vec<Decimal> = none.milestones.iter().map(|m| m.amount).collect();
        // 30 % of 1,000,000.01 = 300,000.003 → 300,000.00; the last takes the remainder.
        assert_eq!(amounts, [dec!(300000.00), dec!(600000.01), dec!(100000.00)]);
        assert_eq!(amounts.iter().copied().sum::<Decimal>(), t.price.amount());
        let s = summary(&t, &[dec!(300000.00), dec!(150000.00)]);
        assert_eq!(s.paid, dec!(450000.00));
        assert_eq!(s.outstanding, dec!(550000.01));
        let due: Vec<(Decimal, Decimal)> = s.milestones.iter().map(|m| (m.paid, m.due)).collect();
        assert_eq!(
            due,
            [
                (dec!(300000.00), dec!(0)),
                (dec!(150000.00), dec!(450000.01)),
                (dec!(0), dec!(100000.00))
            ]
        );
        let over = summary(&t, &[dec!(1000000.01), dec!(5)]);
        assert_eq!((over.outstanding, over.overpaid), (dec!(0), dec!(5)));
        assert!(over.milestones.iter().all(|m| m.due == dec!(0)));
    }
}
