//! The contract after the award (合同签订和变更, docs/CONTRACTS.md): what the tender says about
//! it, the terms drafted from the tender and the winning bid, which of them are locked
//! (条例57: no agreement that departs from the tender and the winning bid in substance), the
//! reasons that may change a locked term, the 30-day limit and its reminders, the performance
//! bond's bounds (条例58) and the signed statements. Pure: no I/O, no clock.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::domain::money::Money;
use crate::domain::schedule::start_of_day_offset;
use crate::domain::signed::labelled;

/// A contract is signed within 30 days of the 中标通知书 (招标投标法46).
pub const SIGN_WITHIN_DAYS: i64 = 30;
/// 条例58: the performance bond is at most 10 % of the contract amount.
pub const PERFORMANCE_BOND_MAX_PERCENT: Decimal = Decimal::TEN;

/// The signed statement of a contract version: label ‖ the version's 32-byte digest.
pub const CONTRACT_LABEL: &[u8] = b"etender-contract/v1\0";
/// The signed statement of a proposed change or termination: label ‖ its 32-byte digest.
pub const CHANGE_LABEL: &[u8] = b"etender-contract-change/v1\0";

pub fn contract_statement(digest: &[u8; 32]) -> Vec<u8> {
    labelled(CONTRACT_LABEL, digest)
}

pub fn change_statement(digest: &[u8; 32]) -> Vec<u8> {
    labelled(CHANGE_LABEL, digest)
}

/// The tenderer's signed record that the contract was performed (履约完成): label ‖ the
/// 32-byte digest of [`completion_document`].
pub const COMPLETION_LABEL: &[u8] = b"etender-contract-completion/v1\0";

pub fn completion_statement(digest: &[u8; 32]) -> Vec<u8> {
    labelled(COMPLETION_LABEL, digest)
}

/// What the tenderer signs recording completion: the contract and the version in force, the
/// parties, the acceptance date (竣工验收, `YYYY-MM-DD`) and its remarks.
pub struct Completion<'a> {
    pub contract: &'a str,
    pub contract_digest: &'a str,
    pub tender: &'a str,
    pub section: &'a str,
    pub tenderer_uscc: &'a str,
    pub winner_uscc: &'a str,
    pub completed_on: chrono::NaiveDate,
    pub remarks: &'a str,
}

pub fn completion_document(c: &Completion<'_>) -> serde_json::Value {
    serde_json::json!({
        "kind": "contract_completion",
        "contract": c.contract,
        "contract_digest": c.contract_digest,
        "tender": c.tender,
        "section": c.section,
        "tenderer_uscc": c.tenderer_uscc,
        "winner_uscc": c.winner_uscc,
        "completed_on": c.completed_on.format("%Y-%m-%d").to_string(),
        "remarks": c.remarks,
    })
}

/// A payment milestone (付款节点): a share of the contract price paid when its condition is met.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentMilestone {
    /// Unique within the contract (`advance`, `progress-1`, `completion`, `warranty`, …).
    pub code: String,
    pub title: String,
    /// Percent of the contract price, exact; the milestones add up to 100.
    #[schema(value_type = String, example = "30")]
    pub percent: Decimal,
}

/// What the tender says about its contract (招标文件 合同条款), per section. Everything in it
/// is locked in the contract.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractSpec {
    /// The performance bond (履约保证金) the winner gives before signing, in percent of the
    /// contract price (0 < p ≤ 10, 条例58); none if the tender asks for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "5")]
    pub performance_bond_percent: Option<Decimal>,
    /// Keep the bid bonds of bids revoked after the deadline (条例35: the tenderer may keep
    /// them); otherwise they are refunded like every other.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_revoked_bonds: bool,
    /// The payment terms; empty, or adding up to 100 %.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payment_milestones: Vec<PaymentMilestone>,
    /// The 专用合同条款 the tender fixes, one clause an entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<String>,
}

impl ContractSpec {
    /// Problems as (field suffix, message), for the tender's validation.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(p) = self.performance_bond_percent {
            if p <= Decimal::ZERO || p > PERFORMANCE_BOND_MAX_PERCENT {
                out.push((
                    "performance_bond_percent".into(),
                    "a performance bond is more than 0 and at most 10 % of the contract amount \
                     (条例58)"
                        .into(),
                ));
            }
        }
        out.extend(milestone_problems(&self.payment_milestones));
        for (i, c) in self.clauses.iter().enumerate() {
            if c.trim().is_empty() || c.chars().count() > 4000 {
                out.push((format!("clauses[{i}]"), "1 to 4000 characters".into()));
            }
        }
        out
    }
}

/// Codes unique and non-blank, each share in (0, 100], the total exactly 100 (or no milestones).
pub fn milestone_problems(ms: &[PaymentMilestone]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if ms.is_empty() {
        return out;
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, m) in ms.iter().enumerate() {
        let code = m.code.trim();
        if code.is_empty() || code.len() > 40 || !seen.insert(code.to_string()) {
            out.push((
                format!("payment_milestones[{i}].code"),
                "a code of 1 to 40 characters, unique".into(),
            ));
        }
        if m.title.trim().is_empty() || m.title.chars().count() > 200 {
            out.push((
                format!("payment_milestones[{i}].title"),
                "1 to 200 characters".into(),
            ));
        }
        if m.percent <= Decimal::ZERO || m.percent > Decimal::ONE_HUNDRED {
            out.push((
                format!("payment_milestones[{i}].percent"),
                "more than 0 and at most 100".into(),
            ));
        }
    }
    let total: Decimal = ms.iter().map(|m| m.percent).sum();
    if total != Decimal::ONE_HUNDRED {
        out.push((
            "payment_milestones".into(),
            format!("the milestones add up to {total} %, not 100 %"),
        ));
    }
    out
}

/// The contract's terms. The first group is locked to the tender and the winning bid; the
/// second is the tenderer's to fill in before signing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// 合同价: the winning bid's price (locked).
    pub price: Money,
    /// 工期 in calendar days, from the winning bid (locked).
    pub duration_days: u32,
    /// 质量标准, from the winning bid (locked).
    pub quality: String,
    /// 项目经理, from the winning bid (locked).
    pub project_manager: String,
    /// From the tender (locked).
    #[serde(default)]
    pub payment_milestones: Vec<PaymentMilestone>,
    /// From the tender (locked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub performance_bond_percent: Option<Decimal>,
    /// The tender's 专用合同条款 (locked).
    #[serde(default)]
    pub clauses: Vec<String>,
    /// 计划开工日期 (editable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    /// 工程地点 (editable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Further agreed clauses that do not touch the locked terms (editable).
    #[serde(default)]
    pub supplementary: Vec<String>,
}

/// The terms by name, as changes and their reasons name them.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    Price,
    DurationDays,
    Quality,
    ProjectManager,
    PaymentMilestones,
    PerformanceBondPercent,
    Clauses,
    StartDate,
    Site,
    Supplementary,
}

impl Term {
    pub const ALL: [Term; 10] = [
        Term::Price,
        Term::DurationDays,
        Term::Quality,
        Term::ProjectManager,
        Term::PaymentMilestones,
        Term::PerformanceBondPercent,
        Term::Clauses,
        Term::StartDate,
        Term::Site,
        Term::Supplementary,
    ];

    /// Locked by 条例57: the tender's and the winning bid's substance.
    pub fn locked(self) -> bool {
        !matches!(self, Term::StartDate | Term::Site | Term::Supplementary)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Term::Price => "price",
            Term::DurationDays => "duration_days",
            Term::Quality => "quality",
            Term::ProjectManager => "project_manager",
            Term::PaymentMilestones => "payment_milestones",
            Term::PerformanceBondPercent => "performance_bond_percent",
            Term::Clauses => "clauses",
            Term::StartDate => "start_date",
            Term::Site => "site",
            Term::Supplementary => "supplementary",
        }
    }
}

impl Terms {
    /// The contract as the tender and the winning bid make it.
    pub fn drafted(spec: &ContractSpec, bid: &BidTerms) -> Terms {
        Terms {
            price: bid.price,
            duration_days: bid.duration_days,
            quality: bid.quality.clone(),
            project_manager: bid.project_manager.clone(),
            payment_milestones: spec.payment_milestones.clone(),
            performance_bond_percent: spec.performance_bond_percent,
            clauses: spec.clauses.clone(),
            start_date: None,
            site: None,
            supplementary: Vec::new(),
        }
    }

    fn value_of(&self, t: Term) -> Value {
        match t {
            Term::Price => json!(self.price),
            Term::DurationDays => json!(self.duration_days),
            Term::Quality => json!(self.quality),
            Term::ProjectManager => json!(self.project_manager),
            Term::PaymentMilestones => json!(self.payment_milestones),
            Term::PerformanceBondPercent => json!(self.performance_bond_percent),
            Term::Clauses => json!(self.clauses),
            Term::StartDate => json!(self.start_date),
            Term::Site => json!(self.site),
            Term::Supplementary => json!(self.supplementary),
        }
    }

    /// Problems of the terms as such, (field, message).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.price.amount() <= Decimal::ZERO {
            out.push(("terms.price".into(), "more than zero".into()));
        }
        if self.duration_days == 0 {
            out.push(("terms.duration_days".into(), "at least one day".into()));
        }
        for (name, v) in [
            ("quality", &self.quality),
            ("project_manager", &self.project_manager),
        ] {
            if v.trim().is_empty() || v.chars().count() > 200 {
                out.push((format!("terms.{name}"), "1 to 200 characters".into()));
            }
        }
        if let Some(s) = &self.site {
            if s.trim().is_empty() || s.chars().count() > 500 {
                out.push(("terms.site".into(), "1 to 500 characters".into()));
            }
        }
        for (i, c) in self.supplementary.iter().enumerate() {
            if c.trim().is_empty() || c.chars().count() > 4000 {
                out.push((
                    format!("terms.supplementary[{i}]"),
                    "1 to 4000 characters".into(),
                ));
            }
        }
        if self.supplementary.len() > 100 {
            out.push(("terms.supplementary".into(), "at most 100 clauses".into()));
        }
        for (f, m) in milestone_problems(&self.payment_milestones) {
            out.push((format!("terms.{f}"), m));
        }
        if let Some(p) = self.performance_bond_percent {
            if p <= Decimal::ZERO || p > PERFORMANCE_BOND_MAX_PERCENT {
                out.push((
                    "terms.performance_bond_percent".into(),
                    "more than 0 and at most 10 (条例58)".into(),
                ));
            }
        }
        out
    }
}

/// What the winning bid said, as opened (开标一览表).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BidTerms {
    pub price: Money,
    pub duration_days: u32,
    pub quality: String,
    pub project_manager: String,
}

/// One changed term: its value before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TermChange {
    pub term: Term,
    pub locked: bool,
    pub before: Value,
    pub after: Value,
}

/// Every term whose value differs, in `Term::ALL` order.
pub fn diff(before: &Terms, after: &Terms) -> Vec<TermChange> {
    Term::ALL
        .iter()
        .filter_map(|&t| {
            let (b, a) = (before.value_of(t), after.value_of(t));
            (b != a).then(|| TermChange {
                term: t,
                locked: t.locked(),
                before: b,
                after: a,
            })
        })
        .collect()
}

/// Why a contract is changed (合同变更事由). Each reason names the locked terms it may change;
/// any reason may change the editable ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReason {
    /// 设计变更 (a change order): the price, the duration and the payment terms follow the
    /// changed works.
    DesignChange,
    /// 不可抗力: the duration only.
    ForceMajeure,
    /// 政策性调价 (a price adjustment the tender's price-adjustment clause or the law allows).
    PriceAdjustment,
    /// 项目经理变更 with the tenderer's consent (an equal or better qualified manager).
    ProjectManagerReplacement,
    /// Editable terms only (start date, site, supplementary clauses).
    Editorial,
}

impl ChangeReason {
    pub fn allows(self, t: Term) -> bool {
        if !t.locked() {
            return true;
        }
        match self {
            ChangeReason::DesignChange => matches!(
                t,
                Term::Price | Term::DurationDays | Term::PaymentMilestones
            ),
            ChangeReason::ForceMajeure => t == Term::DurationDays,
            ChangeReason::PriceAdjustment => t == Term::Price,
            ChangeReason::ProjectManagerReplacement => t == Term::ProjectManager,
            ChangeReason::Editorial => false,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeReason::DesignChange => "design_change",
            ChangeReason::ForceMajeure => "force_majeure",
            ChangeReason::PriceAdjustment => "price_adjustment",
            ChangeReason::ProjectManagerReplacement => "project_manager_replacement",
            ChangeReason::Editorial => "editorial",
        }
    }
}

/// Why a contract ends before it is performed (合同解除).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TerminationReason {
    /// 协商一致解除.
    MutualAgreement,
    /// 不可抗力致使合同目的不能实现.
    ForceMajeure,
    /// The supplier's fundamental breach.
    SupplierBreach,
    /// The tenderer's fundamental breach.
    TendererBreach,
}

impl TerminationReason {
    pub fn as_str(self) -> &'static str {
        match self {
            TerminationReason::MutualAgreement => "mutual_agreement",
            TerminationReason::ForceMajeure => "force_majeure",
            TerminationReason::SupplierBreach => "supplier_breach",
            TerminationReason::TendererBreach => "tenderer_breach",
        }
    }
}

/// The locked terms a change touches that its reason does not allow.
pub fn refused_terms(reason: ChangeReason, changes: &[TermChange]) -> Vec<Term> {
    changes
        .iter()
        .filter(|c| !reason.allows(c.term))
        .map(|c| c.term)
        .collect()
}

/// Locked terms an edit of the draft touches (the tenderer edits only the editable ones).
pub fn locked_in(changes: &[TermChange]) -> Vec<Term> {
    changes
        .iter()
        .filter(|c| c.locked)
        .map(|c| c.term)
        .collect()
}

/// The contract's lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContractState {
    /// Drafted; signatures are collected on the current version.
    Draft,
    /// Both parties signed (OCDS `active`).
    Signed,
    /// Ended by a signed termination (OCDS `terminated`).
    Terminated,
    /// Performed: the tenderer signed that the works were completed and accepted (OCDS
    /// `terminated`, which OCDS uses for a contract completed as for one ended early).
    Completed,
}

impl ContractState {
    pub fn as_str(self) -> &'static str {
        match self {
            ContractState::Draft => "draft",
            ContractState::Signed => "signed",
            ContractState::Terminated => "terminated",
            ContractState::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<ContractState> {
        [
            ContractState::Draft,
            ContractState::Signed,
            ContractState::Terminated,
            ContractState::Completed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A proposed change's lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    /// Signed by its proposer; waiting for the other party.
    Proposed,
    /// Signed by both: in force.
    Effective,
    /// The other party declined it, or its proposer withdrew it.
    Declined,
}

impl ChangeState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeState::Proposed => "proposed",
            ChangeState::Effective => "effective",
            ChangeState::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeState> {
        [
            ChangeState::Proposed,
            ChangeState::Effective,
            ChangeState::Declined,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// The two parties of a contract.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// 招标人 (the buyer).
    Tenderer,
    /// 中标人 (the supplier).
    Winner,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Tenderer => "tenderer",
            Side::Winner => "winner",
        }
    }

    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "tenderer" => Some(Side::Tenderer),
            "winner" => Some(Side::Winner),
            _ => None,
        }
    }

    pub fn other(self) -> Side {
        match self {
            Side::Tenderer => Side::Winner,
            Side::Winner => Side::Tenderer,
        }
    }
}

/// The end of the 30 days from the 中标通知书: the day of the notice does not count and the last
/// day ends at 24:00 Beijing time (民法典201, 203). Signing at any instant before it is in time.
pub fn sign_due(notified_at: DateTime<Utc>) -> DateTime<Utc> {
    start_of_day_offset(notified_at, SIGN_WITHIN_DAYS + 1)
}

/// The reminders before the due instant: at 00:00 on the day `d` days before the last day,
/// for each `d` of `days_before` (e.g. [7, 1]), latest last.
pub fn reminder_times(due: DateTime<Utc>, days_before: &[u32]) -> Vec<DateTime<Utc>> {
    let mut v: Vec<_> = days_before
        .iter()
        .map(|&d| start_of_day_offset(due, -i64::from(d) - 1))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// A performance bond of `amount` for a contract of `price` asking `percent`: at least the
/// percent asked, at most 10 % (条例58). Exact decimals: 10 % to the fen passes.
pub fn check_performance_bond(amount: Money, price: Money, percent: Decimal) -> Result<(), String> {
    let asked = price.amount() * percent / Decimal::ONE_HUNDRED;
    let max = price.amount() * PERFORMANCE_BOND_MAX_PERCENT / Decimal::ONE_HUNDRED;
    if amount.amount() > max {
        return Err(format!(
            "a performance bond may not exceed 10 % of the contract amount, i.e. {} (条例58)",
            max.normalize()
        ));
    }
    if amount.amount() < asked {
        return Err(format!(
            "the tender asks for a performance bond of {} % of the contract amount, i.e. {}",
            percent.normalize(),
            asked.normalize()
        ));
    }
    Ok(())
}

/// The contract's document as both parties sign it: the parties, the award it rests on, the
/// version and its terms. No signing time in it: the same version gives the same bytes.
pub fn document(meta: &DocumentMeta, version: i32, terms: &Terms) -> Value {
    json!({
        "type": "etender-contract",
        "tender": meta.tender,
        "section": meta.section,
        "section_name": meta.section_name,
        "award_round": meta.award_round,
        "bid": meta.bid,
        "notice_digest": meta.notice_digest,
        "tenderer": {"name": meta.tenderer.0, "uscc": meta.tenderer.1},
        "winner": {"name": meta.winner.0, "uscc": meta.winner.1},
        "version": version,
        "terms": terms,
    })
}

/// What the contract's document names besides its terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentMeta {
    pub tender: String,
    pub section: String,
    pub section_name: String,
    pub award_round: i32,
    pub bid: String,
    /// The 中标通知书 the contract follows.
    pub notice_digest: String,
    /// (name, USCC)
    pub tenderer: (String, String),
    pub winner: (String, String),
}

/// A change's document: the contract and version it changes, who proposes it, why, and each
/// changed term before and after (or the termination).
pub fn change_document(
    contract: &str,
    base_version: i32,
    proposer: Side,
    what: &ChangeWhat,
    changes: &[TermChange],
    note: &str,
) -> Value {
    let (kind, reason) = match what {
        ChangeWhat::Amend(r) => ("amendment", r.as_str()),
        ChangeWhat::Terminate(r) => ("termination", r.as_str()),
    };
    json!({
        "type": "etender-contract-change",
        "contract": contract,
        "base_version": base_version,
        "proposer": proposer.as_str(),
        "kind": kind,
        "reason": reason,
        "note": note,
        "changes": changes,
    })
}

/// An amendment with its reason, or a termination with its reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeWhat {
    Amend(ChangeReason),
    Terminate(TerminationReason),
}

/// What is still due per milestone once `paid` has been paid in total (the payments are
/// allocated to the milestones in order): (code, amount due, amount paid towards it).
pub fn due_per_milestone(terms: &Terms, paid: Decimal) -> Vec<(String, Decimal, Decimal)> {
    let mut left = paid;
    let price = terms.price.amount();
    let n = terms.payment_milestones.len();
    let mut allotted = Decimal::ZERO;
    let mut out = Vec::with_capacity(n);
    for (i, m) in terms.payment_milestones.iter().enumerate() {
        // The last milestone takes what rounding left over, so the shares add up to the price.
        let amount = if i + 1 == n {
            price - allotted
        } else {
            (price * m.percent / Decimal::ONE_HUNDRED).round_dp(2)
        };
        allotted += amount;
        let towards = left.min(amount).max(Decimal::ZERO);
        left -= towards;
        out.push((m.code.clone(), amount, towards));
    }
    out
}

/// Term names to their values, for views and OCDS.
pub fn term_values(terms: &Terms) -> BTreeMap<&'static str, Value> {
    Term::ALL
        .iter()
        .map(|&t| (t.as_str(), terms.value_of(t)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal::dec;

    fn money(s: &str) -> Money {
        s.parse().unwrap()
    }

    fn terms() -> Terms {
        Terms::drafted(
            &ContractSpec {
                performance_bond_percent: Some(dec!(5)),
                keep_revoked_bonds: false,
                payment_milestones: vec![
                    PaymentMilestone {
                        code: "advance".into(),
                        title: "预付款".into(),
                        percent: dec!(30),
                    },
                    PaymentMilestone {
                        code: "completion".into(),
                        title: "竣工验收".into(),
                        percent: dec!(70),
                    },
                ],
                clauses: vec!["质量保修期两年".into()],
            },
            &BidTerms {
                price: money("12345678.91"),
                duration_days: 560,
                quality: "合格".into(),
                project_manager: "张工".into(),
            },
        )
    }

    #[test]
    fn drafted_terms_take_the_bid_and_the_tender() {
        let t = terms();
        assert_eq!(t.price, money("12345678.91"));
        assert_eq!(t.payment_milestones.len(), 2);
        assert!(t.problems().is_empty(), "{:?}", t.problems());
    }

    #[test]
    fn diff_lists_before_and_after_and_locks() {
        let a = terms();
        let mut b = a.clone();
        b.price = money("12000000");
        b.site = Some("汉江大道".into());
        let d = diff(&a, &b);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].term, Term::Price);
        assert!(d[0].locked);
        assert_eq!(d[0].before, json!("12345678.91"));
        assert_eq!(d[0].after, json!("12000000"));
        assert_eq!(d[1].term, Term::Site);
        assert!(!d[1].locked);
        assert_eq!(locked_in(&d), vec![Term::Price]);
    }

    #[test]
    fn a_reason_allows_only_its_locked_terms() {
        let a = terms();
        let mut b = a.clone();
        b.price = money("13000000");
        b.duration_days = 600;
        let d = diff(&a, &b);
        assert!(refused_terms(ChangeReason::DesignChange, &d).is_empty());
        assert_eq!(
            refused_terms(ChangeReason::ForceMajeure, &d),
            vec![Term::Price]
        );
        assert_eq!(
            refused_terms(ChangeReason::Editorial, &d),
            vec![Term::Price, Term::DurationDays]
        );
        let mut c = a.clone();
        c.quality = "优良".into();
        // No reason changes the quality standard the bid promised.
        for r in [
            ChangeReason::DesignChange,
            ChangeReason::ForceMajeure,
            ChangeReason::PriceAdjustment,
            ChangeReason::ProjectManagerReplacement,
            ChangeReason::Editorial,
        ] {
            assert_eq!(refused_terms(r, &diff(&a, &c)), vec![Term::Quality]);
        }
    }

    #[test]
    fn thirty_days_end_at_midnight_beijing_of_the_thirtieth_day() {
        // Notice at 2027-03-01 15:00 Beijing (07:00 UTC): the 30th day is 03-31; the limit is
        // 2027-04-01 00:00 Beijing = 03-31 16:00 UTC.
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 7, 0, 0).unwrap();
        assert_eq!(
            sign_due(at),
            Utc.with_ymd_and_hms(2027, 3, 31, 16, 0, 0).unwrap()
        );
        let r = reminder_times(sign_due(at), &[7, 1]);
        assert_eq!(
            r,
            vec![
                Utc.with_ymd_and_hms(2027, 3, 23, 16, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2027, 3, 29, 16, 0, 0).unwrap(),
            ]
        );
    }

    #[test]
    fn performance_bond_bounds_are_exact() {
        let price = money("12345678.91");
        // 10 % exactly (1234567.891) cannot be paid in fen: 1234567.89 passes, .90 fails.
        assert!(check_performance_bond(money("1234567.89"), price, dec!(5)).is_ok());
        assert!(check_performance_bond(money("1234567.90"), price, dec!(10)).is_err());
        // 5 % is 617283.9455: one fen under it fails, the next fen passes.
        assert!(check_performance_bond(money("617283.94"), price, dec!(5)).is_err());
        assert!(check_performance_bond(money("617283.95"), price, dec!(5)).is_ok());
    }

    #[test]
    fn spec_problems() {
        let mut s = ContractSpec {
            performance_bond_percent: Some(dec!(10.01)),
            ..ContractSpec::default()
        };
        assert_eq!(s.problems().len(), 1);
        s.performance_bond_percent = Some(dec!(10));
        s.payment_milestones = vec![PaymentMilestone {
            code: "a".into(),
            title: "t".into(),
            percent: dec!(99.99),
        }];
        assert_eq!(s.problems()[0].0, "payment_milestones");
    }

    #[test]
    fn milestones_share_the_price_to_the_fen() {
        let t = terms();
        let d = due_per_milestone(&t, dec!(5000000));
        assert_eq!(d[0], ("advance".into(), dec!(3703703.67), dec!(3703703.67)));
        assert_eq!(d[1].1, dec!(8641975.24));
        assert_eq!(d[1].2, dec!(1296296.33));
        assert_eq!(d[0].1 + d[1].1, t.price.amount());
    }
}
