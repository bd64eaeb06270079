//! Bid-bond refunds falling due (docs/CONTRACTS.md §4), shared by the stages whose step makes
//! them due: the contract's signing (条例57, every bond of the section), a bid's withdrawal
//! before the deadline (条例35, that bidder's bond) and a terminated tender (条例31, every bond
//! of the tender). A bond is refunded once: the first ground wins. Bonds of bids revoked after
//! the deadline are kept when the tender says so (条例35), and recorded as kept.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::app::AppContext;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::award_publicity as prepo;
use crate::db::repo::bids as brepo;
use crate::db::repo::contracts as repo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::bidding::BidState;
use crate::domain::refund::{self as rules, Ground, InterestRule, RefundState};
use crate::error::AppResult;

/// The bank's interest rule, from `[bonds]`.
pub fn interest_rule(ctx: &AppContext) -> InterestRule {
    InterestRule {
        annual_percent: ctx.settings.bonds.refund_interest_percent,
        day_basis: ctx.settings.bonds.interest_day_basis,
    }
}

/// Which bonds a ground makes due.
pub enum Scope<'a> {
    /// Every bond of an opened section (the contract is signed). `keep_revoked`: the tender
    /// keeps the bonds of bids revoked after the deadline.
    Section {
        tender: &'a str,
        section: &'a str,
        keep_revoked: bool,
    },
    /// One bidder's bonds for a section (it withdrew before the deadline).
    Bidder {
        tender: &'a str,
        section: &'a str,
        organisation: &'a str,
    },
    /// One bidder's bonds for an opened section (its bid lapsed: it declined to extend it).
    Lapsed {
        tender: &'a str,
        section: &'a str,
        organisation: &'a str,
    },
    /// Every bond of the tender (terminated).
    Tender { tender: &'a str },
}

/// A section failed (流标): every bond it holds is due back, bar those of bids revoked after
/// the deadline where its tender keeps them (the rule a signed contract applies, 条例35).
pub fn section_failed(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    rule: InterestRule,
    draft: &crate::domain::tender::TenderDraft,
    (tender, section): (&str, &str),
) -> AppResult<usize> {
    let keep_revoked = draft
        .sections
        .iter()
        .find(|s| s.code == section)
        .and_then(|s| s.contract.as_ref())
        .is_some_and(|t| t.keep_revoked_bonds);
    open(
        c,
        now,
        rule,
        Ground::SectionFailed,
        Scope::Section {
            tender,
            section,
            keep_revoked,
        },
        ActorRef::system(),
    )
}

/// Make the bonds of `scope` due on `ground` at `now`; one audit entry lists them. Returns
/// how many refunds were opened (bonds with a refund already are left alone).
pub fn open(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    rule: InterestRule,
    ground: Ground,
    scope: Scope<'_>,
    actor: ActorRef,
) -> AppResult<usize> {
    // A withdrawal before the opening must not tie the tender to anyone in the log's public
    // metadata: its entry names no tender (as the withdrawal's own entry does not).
    let sealed = matches!(scope, Scope::Bidder { .. });
    let (bonds, revoked, tender, section) = match scope {
        Scope::Section {
            tender,
            section,
            keep_revoked,
        } => {
            let mut revoked: Vec<String> = if keep_revoked {
                brepo::bids_of_section(c, tender, section, &[BidState::Revoked])?
                    .into_iter()
                    .map(|b| b.organisation_id)
                    .collect()
            } else {
                Vec::new()
            };
            // 条例74: a winner that gave the award up or posted no performance bond loses its
            // bond, whatever becomes of the section.
            for bid in prepo::dropouts_forfeiting(c, tender, section)? {
                if let Some(b) = brepo::find_bid(c, &bid)? {
                    revoked.push(b.organisation_id);
                }
            }
            (
                brepo::revealed_bonds(c, tender, section)?,
                revoked,
                tender,
                Some(section),
            )
        }
        Scope::Bidder {
            tender,
            section,
            organisation,
        }
        | Scope::Lapsed {
            tender,
            section,
            organisation,
        } => (
            brepo::bonds_of(c, tender, section, organisation)?,
            Vec::new(),
            tender,
            Some(section),
        ),
        Scope::Tender { tender } => (brepo::bonds_of_tender(c, tender)?, Vec::new(), tender, None),
    };
    let due = rules::due(now);
    let mut opened = Vec::new();
    for b in bonds {
        let kept = revoked.contains(&b.organisation_id);
        let row = repo::RefundRow {
            id: uuid::Uuid::now_v7().to_string(),
            bond_id: b.id.clone(),
            tender_id: b.tender_id.clone(),
            section_code: b.section_code.clone(),
            // A withdrawal is before the deadline, so before the opening: sealed.
            sealed,
            organisation_id: b.organisation_id.clone(),
            kind: b.kind.clone(),
            principal: b.amount.clone(),
            received_at: b.recorded_at,
            ground: ground.as_str().into(),
            ground_at: to_db(now),
            due_at: (!kept).then(|| to_db(due)),
            state: if kept {
                RefundState::Kept
            } else {
                RefundState::Due
            }
            .as_str()
            .into(),
            interest_rate: rule.annual_percent.normalize().to_string(),
            day_basis: i32::try_from(rule.day_basis).unwrap_or(360),
            interest: None,
            refunded_at: None,
            bank_reference: None,
            recorded_by: None,
            overdue_flagged_at: None,
        };
        if repo::insert_refund(c, &row)? {
            opened.push(
                json!({"refund": row.id, "bond": row.bond_id, "state": row.state,
                "principal": row.principal, "kind": row.kind}),
            );
        }
    }
    if opened.is_empty() {
        return Ok(0);
    }
    let n = opened.len();
    // No organisation in the entry: a withdrawal's refund must not say who bid before the
    // opening; the refund rows (the trading centre's and the bidder's to read) do.
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::BondRefundsDue,
            tender_id: (!sealed).then(|| tender.to_string()),
            section_id: section.filter(|_| !sealed).map(str::to_string),
            actor,
            subject: if sealed {
                opened[0]["refund"].as_str().unwrap_or_default().to_string()
            } else {
                tender.to_string()
            },
            body: json!({"ground": ground.as_str(), "due_at": due, "refunds": opened,
                "interest_rate": rule.annual_percent.normalize().to_string(),
                "day_basis": rule.day_basis}),
        },
    )?;
    Ok(n)
}
