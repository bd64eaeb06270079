//! What the clarification and motion verbs share (docs/EVALUATION.md §18): the committee as it
//! sits (locked, its members, the caller's membership), the section's opened bids with their
//! prices and which of them the opening record rejects by itself, the wire views, and closing a
//! motion once every active member has voted (also when a member leaves).

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::*;
use crate::app::support::json::parse_json;
use crate::app::support::tender::published_draft;
use crate::app::Actor;
use crate::db::repo::bids as brepo;
use crate::db::repo::clarifications as qrepo;
use crate::db::repo::motions as mrepo;
use crate::db::repo::tenders as trepo;
use crate::domain::bidding::BidState;
use crate::domain::evaluation::clarification::{Answer, Question};
use crate::domain::evaluation::majority;
use crate::domain::evaluation::rejection::{automatic, OpenedBid};
use crate::domain::identity::{PrincipalKind, Role};
use crate::error::ErrorCode;
use crate::wire::clarifications::*;

/// A section's committee with its members, loaded (and locked) for one request.
pub(super) struct Sitting {
    pub row: crepo::CommitteeRow,
    pub members: Vec<crepo::MemberRow>,
    pub tender: trepo::TenderRow,
}

impl Sitting {
    /// The committee of the section, locked until commit; `not_found` when there is none.
    pub fn lock(c: &mut AnyConnection, tender: &str, section: &str) -> AppResult<Sitting> {
        let row = crepo::lock_of_section(c, tender, section)?.ok_or_else(no_committee)?;
        Self::with(c, row)
    }

    /// The same, unlocked, for reads.
    pub fn read(c: &mut AnyConnection, tender: &str, section: &str) -> AppResult<Sitting> {
        let row = crepo::of_section(c, tender, section)?.ok_or_else(no_committee)?;
        Self::with(c, row)
    }

    fn with(c: &mut AnyConnection, row: crepo::CommitteeRow) -> AppResult<Sitting> {
        let members = crepo::members(c, &row.id)?;
        let tender = trepo::find_tender(c, &row.tender_id)?.ok_or_else(no_committee)?;
        Ok(Sitting {
            row,
            members,
            tender,
        })
    }

    /// The caller's active membership, or `forbidden` naming `what` only members do.
    pub fn member(&self, actor: &Actor, what: &str) -> AppResult<crepo::MemberRow> {
        active_member_of(&self.members, &actor.id)
            .cloned()
            .ok_or_else(|| {
                AppError::forbidden(format!("only the committee's active members {what}"))
            })
    }

    /// The committee evaluates (a leader elected); otherwise `invalid_state_transition`.
    pub fn require_evaluating(&self) -> AppResult<()> {
        if self.row.state().map_err(internal)? == CommitteeState::Evaluating {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::InvalidStateTransition,
                "the committee is not evaluating (no leader elected)",
            ))
        }
    }

    /// The caller as the committee's leader, while it evaluates.
    pub fn leader(&self, actor: &Actor, what: &str) -> AppResult<crepo::MemberRow> {
        let m = self.member(actor, what)?;
        self.require_evaluating()?;
        if self.row.leader_member_id.as_deref() != Some(m.id.as_str()) {
            return Err(AppError::forbidden(format!(
                "only the committee's leader (组长) {what}"
            )));
        }
        Ok(m)
    }

    /// Whether the caller reads everything of the committee: an active member, or a regulator.
    pub fn reads_all(&self, actor: &Actor) -> bool {
        actor.has(Role::Regulator) || active_member_of(&self.members, &actor.id).is_some()
    }
}

/// The audit actor of a member's act.
pub(super) fn as_member(actor: &Actor) -> ActorRef {
    ActorRef {
        role: "committee_member".into(),
        id: actor.id.clone(),
    }
}

/// The bidding organisation the caller is, when it is one (its own principal, not a person on
/// its staff): only it answers for its bid, signing with its organisation certificate.
pub(super) fn bidder_principal(actor: &Actor) -> Option<String> {
    (actor.kind == PrincipalKind::Organisation && actor.has(Role::Bidder)).then(|| actor.id.clone())
}

/// An opened bid of the section and the price its opened summary states.
pub(super) struct OpenedBidRow {
    pub row: brepo::BidRow,
    pub price: Decimal,
}

fn price_of(b: &brepo::BidRow) -> AppResult<Decimal> {
    let summary: serde_json::Value =
        parse_json(b.summary.as_deref().unwrap_or("null"), "opened summary")?;
    let price = summary["price"]
        .as_str()
        .and_then(|p| p.parse::<Decimal>().ok())
        .ok_or_else(|| {
            internal(anyhow::anyhow!(
                "bid {}: the opened summary has no price",
                b.id
            ))
        })?;
    Ok(price)
}

/// Every opened bid of the section, with its price.
pub(super) fn opened_bids(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<Vec<OpenedBidRow>> {
    brepo::bids_of_section(c, tender, section, &[BidState::Opened])?
        .into_iter()
        .map(|row| {
            Ok(OpenedBidRow {
                price: price_of(&row)?,
                row,
            })
        })
        .collect()
}

/// The opened bid `bid` of the section; `not_found` otherwise.
pub(super) fn opened_bid(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    bid: &str,
) -> AppResult<OpenedBidRow> {
    let no_bid = || AppError::not_found("no such opened bid in this section");
    let row = brepo::find_bid(c, bid)?
        .filter(|r| r.tender_id == tender && r.section_code == section)
        .ok_or_else(no_bid)?;
    if row.state()? != BidState::Opened {
        return Err(no_bid());
    }
    Ok(OpenedBidRow {
        price: price_of(&row)?,
        row,
    })
}

/// The bids rejected without a vote: by the opening record (条例51(四), 51(五) above the cap)
/// and by their frozen licence verdicts (51(三), docs/LICENCES.md §9).
pub(super) fn automatically_rejected(
    c: &mut AnyConnection,
    tender: &trepo::TenderRow,
    section: &str,
) -> AppResult<BTreeSet<String>> {
    let draft = published_draft(c, tender)?;
    let cap = draft
        .sections
        .iter()
        .find(|s| s.code == section)
        .and_then(|s| s.price_cap)
        .map(|m| m.amount());
    let bids: Vec<OpenedBid> = opened_bids(c, &tender.id, section)?
        .into_iter()
        .map(|b| OpenedBid {
            bid: b.row.id,
            bidder: b.row.organisation_id,
            prices: vec![b.price],
        })
        .collect();
    let frozen = crate::app::support::licences::frozen(c, &tender.id, section)?;
    // The platform has no 备选投标方案 yet: two bids of one bidder are never alternatives.
    Ok(automatic(&bids, cap, false)
        .into_iter()
        .chain(crate::domain::licence::rejections(&frozen, &bids))
        .map(|r| r.bid)
        .collect())
}

/// Refuses a bid that is out already: rejected by the opening record, or by a carried motion.
pub(super) fn require_in_play(
    c: &mut AnyConnection,
    sitting: &Sitting,
    bid: &str,
) -> AppResult<()> {
    if automatically_rejected(c, &sitting.tender, &sitting.row.section_code)?.contains(bid) {
        return Err(AppError::conflict(
            "this bid is rejected already without a vote (条例51: the opening record or its \
             frozen licence verdicts)",
        ));
    }
    if mrepo::carried_bids(c, &sitting.row.id)?
        .iter()
        .any(|b| b == bid)
    {
        return Err(AppError::conflict(
            "this bid is rejected by the committee already",
        ));
    }
    Ok(())
}

/// A clarification as its readers see it, at `now`.
pub(super) fn clarification_dto(
    row: &qrepo::ClarificationRow,
    committee: &crepo::CommitteeRow,
    bidder_uscc: &str,
    now: DateTime<Utc>,
) -> AppResult<Clarification> {
    let question: Question = parse_json(&row.question, "clarification question")?;
    let answer: Option<Answer> = row
        .answer
        .as_deref()
        .map(|a| parse_json(a, "clarification answer"))
        .transpose()?;
    Ok(Clarification {
        id: row.id.clone(),
        committee_id: row.committee_id.clone(),
        tender_id: committee.tender_id.clone(),
        section: committee.section_code.clone(),
        bid_id: row.bid_id.clone(),
        bidder_uscc: bidder_uscc.to_string(),
        question,
        question_sha256: row.question_sha256.clone(),
        asked_at: from_db(row.asked_at),
        due_at: from_db(row.due_at),
        open: row.answer.is_none() && now <= from_db(row.due_at),
        answer,
        answered_at: row.answered_at.map(from_db),
        answer_signature: row.answer_signature.clone(),
        answer_signature_algorithm: row.answer_signature_algorithm.clone(),
        accepted: row.accepted,
        decision_reason: row.decision_reason.clone(),
        decided_at: row.decided_at.map(from_db),
    })
}

/// A motion with its votes as members and regulators see it.
pub(super) fn motion_dto(
    c: &mut AnyConnection,
    row: &mrepo::MotionRow,
    members: &[crepo::MemberRow],
) -> AppResult<RejectionMotion> {
    let votes = mrepo::votes(c, &row.id)?;
    let counting = mrepo::counting(&votes, members, row.closed_at);
    let counts = |v: &mrepo::VoteRow| {
        counting
            .iter()
            .any(|x| x.member_id == v.member_id && x.motion_id == v.motion_id)
    };
    let count = |f: bool| u32::try_from(counting.iter().filter(|v| v.in_favour == f).count());
    let reason = row.reason()?;
    Ok(RejectionMotion {
        id: row.id.clone(),
        committee_id: row.committee_id.clone(),
        bid_id: row.bid_id.clone(),
        reason,
        article: reason.article().into(),
        statement: row.statement.clone(),
        proposed_by: row.proposed_by.clone(),
        proposed_at: from_db(row.proposed_at),
        votes: votes
            .iter()
            .map(|v| MotionVoteView {
                member_id: v.member_id.clone(),
                in_favour: v.in_favour,
                reason: v.reason.clone(),
                voted_at: from_db(v.voted_at),
                counts: counts(v),
            })
            .collect(),
        votes_for: count(true).unwrap_or(u32::MAX),
        votes_against: count(false).unwrap_or(u32::MAX),
        closed_at: row.closed_at.map(from_db),
        carried: row.carried,
    })
}

/// Closes every open motion of the committee on which each active member has voted: carried
/// when more than half of the active members voted for it (`Motion::decide`), recorded with
/// the tally (`rejection_motion_closed`). Called after each vote and when a member leaves
/// (its votes on open motions are void; the others' may now be complete).
pub(crate) fn close_complete_motions(
    c: &mut AnyConnection,
    committee: &crepo::CommitteeRow,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let members = crepo::members(c, &committee.id)?;
    let active: Vec<&crepo::MemberRow> = members.iter().filter(|m| m.active).collect();
    for mut m in mrepo::of_committee(c, &committee.id)? {
        if m.closed_at.is_some() {
            continue;
        }
        let votes = mrepo::votes(c, &m.id)?;
        let counting = mrepo::counting(&votes, &members, None);
        if active.is_empty()
            || !active
                .iter()
                .all(|a| counting.iter().any(|v| v.member_id == a.id))
        {
            continue;
        }
        let votes_for = counting.iter().filter(|v| v.in_favour).count();
        let carried = m
            .motion()?
            .decide(active.len(), votes_for)
            .map_err(crate::app::support::errors::evaluation_error)?
            .is_some();
        debug_assert_eq!(carried, majority(votes_for, active.len()));
        m.closed_at = Some(to_db(now));
        m.carried = Some(carried);
        mrepo::update(c, &m)?;
        let tally: Vec<serde_json::Value> = counting
            .iter()
            .map(|v| json!({"member": v.member_id, "in_favour": v.in_favour}))
            .collect();
        audit::record(
            c,
            now,
            Event {
                event_type: EventType::RejectionMotionClosed,
                tender_id: Some(committee.tender_id.clone()),
                section_id: Some(committee.section_code.clone()),
                actor: ActorRef::system(),
                subject: m.id.clone(),
                body: json!({"committee": committee.id, "motion": m.id, "bid": m.bid_id,
                    "reason": m.reason, "active_members": active.len(),
                    "votes_for": votes_for, "votes_against": active.len() - votes_for,
                    "votes": tally, "carried": carried}),
            },
        )?;
    }
    Ok(())
}
